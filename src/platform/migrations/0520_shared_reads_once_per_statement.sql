-- A table's shared-read policy called waypoint_can_read(force_id, kind) for every row: a
-- security-definer function the planner cannot inline, evaluated before the cheaper own-force
-- test, which itself checks the force's seal (a sha256) on each call. A report reading 100,000
-- rows spent most of its time there. The policy now reads the forces whose records of the kind
-- are shared with the current force once per statement (sharing_agreements is readable by the
-- application roles), and compares each row's force with that list; the current force's own
-- rows stay with tenant_own. Who may read what is unchanged.
create or replace function waypoint_shared_read_clause(record_kind text) returns text
  language sql immutable as $$
  select format('force_id in (select a.from_force_id from sharing_agreements a where a.to_force_id = '
    '(select waypoint_current_force()) and %L = any (a.record_kinds) and a.revoked_at is null '
    'and a.starts_at <= now() and (a.expires_at is null or a.expires_at > now()))', record_kind)
$$;

do $$
declare
  p record;
begin
  for p in
    select schemaname, tablename, policyname,
      substring(qual from '^waypoint_can_read\(force_id, ''([a-z_]+)''::text\)$') as kind
    from pg_policies
    where schemaname = current_schema() and qual ~ '^waypoint_can_read\(force_id, ''[a-z_]+''::text\)$'
  loop
    execute format('alter policy %I on %I.%I using (%s)', p.policyname, p.schemaname, p.tablename,
      waypoint_shared_read_clause(p.kind));
  end loop;
end $$;

-- Tables made from now on get the same policies.
create or replace function waypoint_enable_tenancy(tbl regclass, record_kind text default null)
  returns void language plpgsql as $$
begin
  execute format('alter table %s enable row level security', tbl);
  execute format('create policy tenant_own on %s using (force_id = (select waypoint_current_force())) with check (force_id = (select waypoint_current_force()))', tbl);
  if record_kind is not null then
    execute format('create policy tenant_shared_read on %s for select using (%s)', tbl,
      waypoint_shared_read_clause(record_kind));
  end if;
end $$;
