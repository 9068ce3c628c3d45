-- Journeys: per-force journey definitions with immutable published versions (UJ-4, UJ-18),
-- inclusion/exclusion rules (UJ-7, CP-61), enrolments of victims, every step they took and
-- every enrolment decision with its reasons. All tenant tables, record kind 'case'.

create table journeys (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  key text not null,
  name text not null,
  kind text not null check (kind in ('standard', 'enhanced')),
  description text not null default '',
  -- The definition being edited; publishing copies it into journey_versions.
  draft jsonb not null,
  published_version integer,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  archived_at timestamptz
);
create unique index journeys_key on journeys (force_id, key);
select waypoint_grant_app('journeys');
select waypoint_enable_tenancy('journeys');

-- Immutable: running enrolments keep the version they started on.
create table journey_versions (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  journey_id uuid not null references journeys(id),
  version integer not null,
  definition jsonb not null,
  published_by uuid,
  published_at timestamptz not null
);
create unique index journey_versions_number on journey_versions (journey_id, version);
select waypoint_grant_app('journey_versions', 'select, insert');
select waypoint_enable_tenancy('journey_versions');

create table journey_force_rules (
  force_id text primary key references forces(id),
  eligibility jsonb not null,
  contact_policy jsonb not null,
  updated_by uuid,
  updated_at timestamptz not null default now()
);
select waypoint_grant_app('journey_force_rules');
select waypoint_enable_tenancy('journey_force_rules');

create table enrolments (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  journey_id uuid not null references journeys(id),
  version_id uuid not null references journey_versions(id),
  -- The case the journey was triggered on (incident or crime id): one enrolment per
  -- journey + case + person.
  case_id uuid not null,
  incident_id uuid,
  crime_id uuid,
  person_id uuid not null,
  status text not null check (status in ('active', 'waiting-event', 'completed', 'stopped', 'cancelled')),
  step_index integer not null default 0,
  due_at timestamptz,
  waiting_for text,
  end_reason text,
  -- Victims' Code: the first contact is due within 5 working days (1 for enhanced rights).
  vcop_due_at timestamptz,
  vcop_met_at timestamptz,
  enrolled_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index enrolments_once on enrolments (journey_id, case_id, person_id);
create index enrolments_due on enrolments (due_at) where status in ('active', 'waiting-event');
create index enrolments_incident on enrolments (force_id, incident_id) where incident_id is not null;
create index enrolments_crime on enrolments (force_id, crime_id) where crime_id is not null;
create index enrolments_person on enrolments (force_id, person_id);
select waypoint_grant_app('enrolments');
select waypoint_enable_tenancy('enrolments', 'case');

-- Append-only record of what each step did: sent (with the message), suppressed (why), waited…
create table enrolment_steps (
  id bigserial primary key,
  force_id text not null references forces(id),
  enrolment_id uuid not null references enrolments(id),
  step_index integer,
  outcome text not null,
  template text,
  channel text,
  recipient_person_id uuid,
  send_after timestamptz,
  message_id uuid,
  detail text not null default '',
  recorded_at timestamptz not null
);
create index enrolment_steps_enrolment on enrolment_steps (enrolment_id, id);
select waypoint_grant_app('enrolment_steps', 'select, insert');
grant usage on sequence enrolment_steps_id_seq to waypoint_app, waypoint_system;
select waypoint_enable_tenancy('enrolment_steps', 'case');

-- Every decision to enrol or not, with its reasons in plain English (UJ-7, CP-61).
create table enrolment_decisions (
  id bigserial primary key,
  force_id text not null references forces(id),
  journey_id uuid not null references journeys(id),
  version_id uuid not null references journey_versions(id),
  incident_id uuid,
  crime_id uuid,
  person_id uuid not null,
  event_type text not null,
  outcome text not null check (outcome in ('enrolled', 'not-enrolled', 'already-enrolled')),
  reasons jsonb not null,
  decided_at timestamptz not null
);
create index enrolment_decisions_incident on enrolment_decisions (force_id, incident_id) where incident_id is not null;
create index enrolment_decisions_crime on enrolment_decisions (force_id, crime_id) where crime_id is not null;
select waypoint_grant_app('enrolment_decisions', 'select, insert');
grant usage on sequence enrolment_decisions_id_seq to waypoint_app, waypoint_system;
select waypoint_enable_tenancy('enrolment_decisions', 'case');

-- Channels confirmed safe for a domestic-abuse victim (safe-contact policy).
create table safe_channel_confirmations (
  force_id text not null references forces(id),
  person_id uuid not null,
  channel text not null check (channel in ('sms', 'email')),
  confirmed_by uuid,
  confirmed_at timestamptz not null,
  primary key (force_id, person_id, channel)
);
select waypoint_grant_app('safe_channel_confirmations');
select waypoint_enable_tenancy('safe_channel_confirmations', 'person');
