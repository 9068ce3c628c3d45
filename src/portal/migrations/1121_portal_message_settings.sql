-- Each force's rules for portal messages (decision 0028): how long a person's message may be
-- (CP-125), the working hours and SLA within which an officer answers before a supervisor is
-- told (CP-104, CP-148), how long an officer may recall or edit what they sent (CP-97), and the
-- phrases and rules that spot a new crime in a person's message (CP-84). No row: the defaults.
create table portal_message_settings (
  force_id text primary key references forces(id),
  min_length integer not null check (min_length between 1 and 100),
  max_length integer not null check (max_length between 100 and 5000),
  sla_working_hours integer not null check (sla_working_hours between 1 and 200),
  working_start text not null check (working_start ~ '^[0-2][0-9]:[0-5][0-9]$'),
  working_end text not null check (working_end ~ '^[0-2][0-9]:[0-5][0-9]$'),
  edit_window_minutes integer not null check (edit_window_minutes between 0 and 1440),
  new_crime_rules jsonb,
  updated_at timestamptz not null,
  updated_by uuid
);
select waypoint_grant_app('portal_message_settings');
select waypoint_enable_tenancy('portal_message_settings');
