-- The officer console (decision 0028): which member of staff is which officer on the records
-- system (their collar number, so "My cases" finds the crimes assigned to them) and their team
-- (a supervisor sees their team's cases and escalations), and each escalation of a person's
-- message left unanswered past the force's SLA (CP-104).
create table officer_profiles (
  force_id text not null references forces(id),
  staff_id uuid primary key references staff_users(id),
  collar text not null check (length(collar) between 1 and 20),
  team text check (length(team) <= 100),
  updated_at timestamptz not null
);
create unique index officer_profiles_collar on officer_profiles (force_id, collar);
select waypoint_grant_app('officer_profiles');
select waypoint_enable_tenancy('officer_profiles');

create table officer_escalations (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  conversation_id uuid not null references conversations(id),
  message_id uuid not null references conversation_messages(id),
  officer_collar text,
  team text,
  due_by timestamptz not null,
  escalated_at timestamptz not null,
  resolved_at timestamptz
);
create unique index officer_escalations_message on officer_escalations (message_id);
create index officer_escalations_open on officer_escalations (force_id, escalated_at desc) where resolved_at is null;
select waypoint_grant_app('officer_escalations');
select waypoint_enable_tenancy('officer_escalations');
