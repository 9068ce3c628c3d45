-- A force's audit trail in 32 hash chains (decision 0031): the force's first chain keeps its name
-- ('kent'), the others are 'kent/1' … 'kent/31'. An audited transaction appends to a chain no
-- other open transaction holds, so audited views and changes of one force no longer commit one
-- at a time behind a single head row. Every trail (each force, and 'region') has all its chains
-- from the start, made here and when a force is added, so `waypoint audit verify` can tell a
-- chain removed with its head. Acting for one force, the application role reads and moves only
-- that force's chains.
drop policy audit_chain_own on audit_chains;
create policy audit_chain_own on audit_chains
  using (split_part(chain, '/', 1) = waypoint_current_force())
  with check (split_part(chain, '/', 1) = waypoint_current_force());

create function waypoint_audit_trail_chains(trail text) returns void language sql as $$
  insert into audit_chains (chain, last_seq, last_hash)
  select case when i = 0 then trail else trail || '/' || i end, 0, ''
    from generate_series(0, 31) as i
  on conflict (chain) do nothing
$$;

select waypoint_audit_trail_chains(trail)
  from (select id as trail from forces
        union select 'region'
        union select split_part(chain, '/', 1) from audit_chains) as trails;

create function waypoint_audit_force_chains() returns trigger language plpgsql as $$
begin
  perform waypoint_audit_trail_chains(new.id);
  return new;
end $$;
create trigger forces_audit_chains after insert on forces
  for each row execute function waypoint_audit_force_chains();
