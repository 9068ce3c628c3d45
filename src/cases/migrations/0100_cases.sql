-- Cases: the POLE model (people, objects/officers, locations, events) fed by each force's
-- STORM/SMARTStorm and Athena. Every table is a tenant table; people are record kind 'person',
-- incidents and crimes record kind 'case' so sharing agreements can open them (UJ-5, CP-5).
-- Per-field source versions (`field_versions`) let an older event never overwrite a newer one.

create table teams (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  name text not null,
  created_at timestamptz not null default now()
);
create unique index teams_name on teams (force_id, name);
select waypoint_grant_app('teams');
select waypoint_enable_tenancy('teams', 'case');

create table officers (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  collar_number text not null,
  name text,
  email text,
  team_id uuid references teams(id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index officers_collar on officers (force_id, collar_number);
select waypoint_grant_app('officers');
select waypoint_enable_tenancy('officers', 'case');

create table incidents (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  cad_ref text not null,
  opened_at timestamptz,
  closed_at timestamptz,
  grading text check (grading in ('Immediate', 'Prompt', 'Scheduled', 'Appointment', 'No Response')),
  incident_type text,
  opening_code text,
  closing_code text,
  location text,
  field_versions jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index incidents_cad_ref on incidents (force_id, cad_ref);
create index incidents_cad_ref_search on incidents (force_id, upper(replace(cad_ref, ' ', '')));
select waypoint_grant_app('incidents');
select waypoint_enable_tenancy('incidents', 'case');

create table crimes (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  crime_ref text not null,
  crime_type text,
  home_office_class text,
  status text not null default 'open' check (status in ('open', 'closed', 'charged', 'no-further-action')),
  outcome text,
  officer_id uuid references officers(id),
  supervisor_id uuid references officers(id),
  vcop_category text check (vcop_category in ('standard', 'enhanced')),
  vcop_reason text,
  recorded_at timestamptz,
  closed_at timestamptz,
  field_versions jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index crimes_crime_ref on crimes (force_id, crime_ref);
create index crimes_crime_ref_search on crimes (force_id, upper(replace(crime_ref, ' ', '')));
select waypoint_grant_app('crimes');
select waypoint_enable_tenancy('crimes', 'case');

create table crime_incidents (
  force_id text not null references forces(id),
  crime_id uuid not null references crimes(id),
  incident_id uuid not null references incidents(id),
  linked_at timestamptz not null default now(),
  primary key (crime_id, incident_id)
);
select waypoint_grant_app('crime_incidents');
select waypoint_enable_tenancy('crime_incidents', 'case');

create table people (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  display_name text,
  date_of_birth date,
  preferred_channel text check (preferred_channel in ('sms', 'email', 'letter', 'phone')),
  language text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
select waypoint_grant_app('people');
select waypoint_enable_tenancy('people', 'person');

-- Every identity a source gave for a person, with where and when it was first and last seen.
create table person_identities (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  person_id uuid not null references people(id),
  kind text not null check (kind in ('storm_nominal', 'athena_urn', 'phone', 'email', 'portal_account')),
  value text not null,
  source_system text not null,
  source_event_id uuid,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null
);
create unique index person_identities_value on person_identities (force_id, person_id, kind, value);
create index person_identities_lookup on person_identities (force_id, kind, value);
select waypoint_grant_app('person_identities');
select waypoint_enable_tenancy('person_identities', 'person');

-- Attribute values as each source stated them (name, date of birth…). Different values for one
-- field are conflicts: kept side by side and shown, never silently overwritten (CP-163: nothing a source said is lost).
create table person_claims (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  person_id uuid not null references people(id),
  field text not null,
  value text not null,
  source_system text not null,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null
);
create unique index person_claims_value on person_claims (force_id, person_id, field, value, source_system);
select waypoint_grant_app('person_claims');
select waypoint_enable_tenancy('person_claims', 'person');

create table contact_points (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  person_id uuid not null references people(id),
  kind text not null check (kind in ('phone', 'email', 'address')),
  value text not null,
  mobile boolean not null default false,
  preferred boolean not null default false,
  source_system text not null,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null
);
create unique index contact_points_value on contact_points (force_id, person_id, kind, value);
select waypoint_grant_app('contact_points');
select waypoint_enable_tenancy('contact_points', 'person');

create table person_markers (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  person_id uuid not null references people(id),
  kind text not null check (kind in ('vulnerability', 'domestic_abuse', 'safeguarding', 'do_not_contact', 'deceased')),
  detail text,
  source_system text not null,
  added_at timestamptz not null,
  removed_at timestamptz
);
create unique index person_markers_active on person_markers (force_id, person_id, kind) where removed_at is null;
select waypoint_grant_app('person_markers');
select waypoint_enable_tenancy('person_markers', 'person');

create table case_parties (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  person_id uuid not null references people(id),
  incident_id uuid references incidents(id),
  crime_id uuid references crimes(id),
  role text not null check (role in ('victim', 'witness', 'parent_guardian', 'attorney', 'suspect')),
  added_at timestamptz not null,
  constraint case_parties_one_case check ((incident_id is null) <> (crime_id is null))
);
create unique index case_parties_incident on case_parties (force_id, incident_id, person_id, role) where incident_id is not null;
create unique index case_parties_crime on case_parties (force_id, crime_id, person_id, role) where crime_id is not null;
create index case_parties_person on case_parties (force_id, person_id);
select waypoint_grant_app('case_parties');
select waypoint_enable_tenancy('case_parties', 'case');

-- Append-only: every change to a case or person is a row here (the MoJ timeline in the console).
create table case_timeline (
  id bigserial primary key,
  force_id text not null references forces(id),
  incident_id uuid references incidents(id),
  crime_id uuid references crimes(id),
  person_id uuid references people(id),
  event_type text not null,
  summary text not null,
  changes jsonb not null default '{}',
  source_system text,
  source_event_id uuid,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null
);
create index case_timeline_incident on case_timeline (force_id, incident_id, occurred_at) where incident_id is not null;
create index case_timeline_crime on case_timeline (force_id, crime_id, occurred_at) where crime_id is not null;
create index case_timeline_person on case_timeline (force_id, person_id, occurred_at) where person_id is not null;
select waypoint_grant_app('case_timeline', 'select, insert');
grant usage on sequence case_timeline_id_seq to waypoint_app, waypoint_system;
select waypoint_enable_tenancy('case_timeline', 'case');
