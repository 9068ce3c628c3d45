-- A force's audit chain head is its own, like every other tenant row: acting for one force, the
-- application role reads and moves only that force's chain (named after the force). The region
-- chain and every chain at once (verification) are reached as waypoint_system, which bypasses
-- row-level security.
alter table audit_chains enable row level security;
create policy audit_chain_own on audit_chains
  using (chain = waypoint_current_force())
  with check (chain = waypoint_current_force());
