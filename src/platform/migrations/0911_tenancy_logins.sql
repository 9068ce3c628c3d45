-- Row-level security that holds against SQL injected into a tenant transaction (decision 0019).
--
-- 1. Login roles. On PostgreSQL the tenant pool logs in as waypoint_tenant_login, a member of
--    waypoint_app only, and the system pool as waypoint_system_login; neither is a superuser, owns
--    a table or bypasses RLS by itself. A tenant connection therefore cannot SET ROLE
--    waypoint_system or the owner. Roles belong to the whole cluster, so they are created only
--    when missing; they have no password here (an operator sets one, or uses trust/cert auth).
-- 2. A sealed force. Any session may set a custom setting such as app.force_id, so the force a
--    transaction acts for is believed only with its seal: app.force_seal must equal
--    sha256(key ':' force), where the key is a random value in a table only the owner can read.
--    Waypoint reads the key through its owner connection and seals each transaction's force;
--    SQL injected into a kent transaction can set app.force_id = 'essex' but cannot seal it, and
--    then sees no force's rows at all.
-- Test databases are created side by side on one cluster, so two migrations may race to create
-- the same role or grant: each step is skipped when done and tolerates losing the race.
do $$
declare
  step text;
begin
  foreach step in array array[
    'create role waypoint_tenant_login login nosuperuser nocreatedb nocreaterole nobypassrls',
    'create role waypoint_system_login login nosuperuser nocreatedb nocreaterole nobypassrls']
  loop
    if not exists (select 1 from pg_roles where rolname = split_part(step, ' ', 3)) then
      begin
        execute step;
      exception when duplicate_object or unique_violation then null; -- created meanwhile
      end;
    end if;
  end loop;
  foreach step in array array['waypoint_app:waypoint_tenant_login', 'waypoint_app:waypoint_system_login',
    'waypoint_system:waypoint_system_login']
  loop
    if not pg_has_role(split_part(step, ':', 2), split_part(step, ':', 1), 'member') then
      begin
        execute format('grant %I to %I', split_part(step, ':', 1), split_part(step, ':', 2));
      exception when others then
        if not pg_has_role(split_part(step, ':', 2), split_part(step, ':', 1), 'member') then raise; end if;
      end;
    end if;
  end loop;
  if pg_has_role('waypoint_tenant_login', 'waypoint_system', 'member') then
    revoke waypoint_system from waypoint_tenant_login;
  end if;
end $$;

create table waypoint_tenancy_key (
  id boolean primary key default true check (id),
  key text not null
);
revoke all on waypoint_tenancy_key from public;
insert into waypoint_tenancy_key (key)
  values (encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || clock_timestamp()::text, 'UTF8')), 'hex'));

-- The force the current transaction acts for, when its seal is right; otherwise none.
create or replace function waypoint_current_force() returns text
  language sql stable security definer set search_path = pg_catalog, public as $$
  select f from (select nullif(current_setting('app.force_id', true), '') as f) claimed
  where f is not null
    and current_setting('app.force_seal', true) =
      encode(sha256(convert_to((select key from waypoint_tenancy_key) || ':' || f, 'UTF8')), 'hex')
$$;

-- Policies evaluate the force once per statement, not once per row.
do $$
declare
  p record;
  using_clause text;
  check_clause text;
begin
  for p in
    select schemaname, tablename, policyname, qual, with_check from pg_policies
    where schemaname = current_schema()
      and (qual like '%waypoint_current_force()%' or with_check like '%waypoint_current_force()%')
  loop
    using_clause := replace(p.qual, 'waypoint_current_force()', '(select waypoint_current_force())');
    check_clause := replace(p.with_check, 'waypoint_current_force()', '(select waypoint_current_force())');
    execute format('alter policy %I on %I.%I', p.policyname, p.schemaname, p.tablename)
      || coalesce(' using (' || using_clause || ')', '')
      || coalesce(' with check (' || check_clause || ')', '');
  end loop;
end $$;
