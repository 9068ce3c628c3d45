-- Teams of contact handlers (decision 0047): a contact supervisor or force administrator makes a
-- force's teams, names each one's leader (a contact supervisor) and puts handlers in them, one
-- team at a time. Quality assurance's report and reviews, the wallboard and the standard reports
-- are filtered by team, and the queue's handlers table shows each handler's team.
create table contact_teams (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  name text not null check (length(name) between 1 and 60),
  leader_id uuid references staff_users(id),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index contact_teams_name on contact_teams (force_id, lower(name));
create index contact_teams_leader on contact_teams (force_id, leader_id);
select waypoint_grant_app('contact_teams', 'select, insert, update, delete');
select waypoint_enable_tenancy('contact_teams');

create table contact_team_members (
  force_id text not null references forces(id),
  team_id uuid not null references contact_teams(id) on delete cascade,
  staff_id uuid not null references staff_users(id),
  added_at timestamptz not null,
  -- A handler is in one team at a time.
  primary key (force_id, staff_id)
);
create index contact_team_members_team on contact_team_members (team_id);
select waypoint_grant_app('contact_team_members', 'select, insert, update, delete');
select waypoint_enable_tenancy('contact_team_members');
