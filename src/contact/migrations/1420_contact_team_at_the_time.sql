-- The team a contact was handled in, at the time (decision 0047, 2026-12-06): a handler who moves
-- team leaves their past contacts with the team they were in. Each contact keeps the team of the
-- handler it is with, or last was, stamped whenever it is given to a handler (routing, a claim, a
-- transfer, an answered call) and cleared when it goes back to the queue, as `assigned_to` is.
-- The quality report and reviews, the wallboard's contacts today and the standard reports filter
-- on it. No foreign key, like `assigned_to`: a removed team's contacts keep the id of the team
-- they were handled in, which no page can ask for any more.
alter table contact_items add column team_id uuid;

-- Which team each handler was in, and when: for the time a team's handlers were not ready. One
-- open spell per handler (they are in one team at a time); a spell ends when they move or are
-- taken out, and goes with its team when the team is removed.
create table contact_team_spells (
  id bigint generated always as identity primary key,
  force_id text not null references forces(id),
  team_id uuid not null references contact_teams(id) on delete cascade,
  staff_id uuid not null references staff_users(id),
  joined_at timestamptz not null,
  left_at timestamptz,
  check (left_at is null or left_at >= joined_at)
);
create unique index contact_team_spells_open on contact_team_spells (force_id, staff_id) where left_at is null;
create index contact_team_spells_team on contact_team_spells (team_id, staff_id);
select waypoint_grant_app('contact_team_spells', 'select, insert, update');
select waypoint_enable_tenancy('contact_team_spells');
