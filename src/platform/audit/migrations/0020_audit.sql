-- Append-only audit, hash-chained per force (CP-151, CP-153, UJ-17, CRM-33). Each chain (a force,
-- or 'region' for system-wide events) has a head row locked while appending, so concurrent
-- writers serialise per chain and the chain never forks.
create table audit_chains (
  chain text primary key,
  last_seq bigint not null default 0,
  last_hash text not null default ''
);
grant select, insert, update on audit_chains to waypoint_app, waypoint_system;

create table audit_events (
  id bigint generated always as identity primary key,
  chain text not null,
  seq bigint not null,
  force_id text references forces(id),
  occurred_at timestamptz not null,
  actor_kind text not null check (actor_kind in ('staff', 'client', 'citizen', 'system')),
  actor_id text,
  actor_name text,
  action text not null,
  record_type text,
  record_id text,
  detail jsonb not null default '{}',
  ip text,
  correlation_id text,
  prev_hash text not null,
  hash text not null,
  unique (chain, seq)
);
create index audit_events_force_time on audit_events (force_id, occurred_at desc);
create index audit_events_record on audit_events (record_type, record_id);
create index audit_events_actor on audit_events (actor_id, occurred_at desc);
grant select, insert on audit_events to waypoint_app, waypoint_system;
alter table audit_events enable row level security;
create policy audit_own_force on audit_events for select using (force_id = waypoint_current_force());
create policy audit_insert_own_force on audit_events for insert with check (force_id = waypoint_current_force());

-- Nobody updates or deletes audit rows, whatever their grants.
create or replace function waypoint_audit_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only';
end $$;
create trigger audit_events_append_only before update or delete on audit_events
  for each row execute function waypoint_audit_is_append_only();
