-- Citizens who sign in to a force's Portal. An identity provider (GOV.UK One Login) names a
-- person by its own subject; Waypoint gives each provider subject, per force, one id of its own,
-- which citizen sessions (sessions.subject_kind = 'citizen') carry.
create table citizen_identities (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  provider text not null check (length(provider) between 1 and 40),
  subject text not null check (length(subject) between 1 and 255),
  created_at timestamptz not null default now(),
  last_signed_in_at timestamptz not null default now()
);
create unique index citizen_identities_subject on citizen_identities (force_id, provider, subject);
select waypoint_grant_app('citizen_identities');
select waypoint_enable_tenancy('citizen_identities');
