-- PIRM deletion runs on the system pool's login as waypoint_retention, confined to one force by
-- row-level security (Database.withForceDeleting); the tenant pool's login may become no role but
-- waypoint_app (decision 0019). Roles belong to the whole cluster, so the grant is made only when
-- missing and tolerates another database's migration making it meanwhile.
do $$ begin
  if exists (select 1 from pg_roles where rolname = 'waypoint_system_login')
     and not pg_has_role('waypoint_system_login', 'waypoint_retention', 'member') then
    begin
      grant waypoint_retention to waypoint_system_login;
    exception when others then
      if not pg_has_role('waypoint_system_login', 'waypoint_retention', 'member') then raise; end if;
    end;
  end if;
end $$;
