-- What was handled before migration 1420 is put in the team its handler is in now, as the reports
-- counted it until then: each contact with a handler takes its handler's team, and each handler
-- in a team has a spell in it from the beginning of time ('-infinity'), so that their time not
-- ready before the history began counts in that team. Written to change nothing when run again.
update contact_items i set team_id = m.team_id
  from contact_team_members m
  where i.team_id is null and i.assigned_to is not null
    and m.force_id = i.force_id and m.staff_id = i.assigned_to;

insert into contact_team_spells (force_id, team_id, staff_id, joined_at)
  select m.force_id, m.team_id, m.staff_id, '-infinity'::timestamptz from contact_team_members m
  where not exists (select 1 from contact_team_spells s where s.force_id = m.force_id and s.staff_id = m.staff_id);

-- The standard reports read closed contacts from this covering index alone (migration 1230); with
-- a team they read its team too.
drop index if exists contact_items_closed_facts;
create index contact_items_closed_facts on contact_items (force_id, closed_at)
  include (outcome, failure_demand, channel, enqueued_at, assigned_at, wrap_started_at, team_id)
  where status = 'closed';
