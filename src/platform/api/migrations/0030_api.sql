-- The integration API: machine clients (OAuth2 client credentials, CP-172), their bearer tokens,
-- and HR provisioning of staff accounts (CRM-25). Runs unchanged on PGlite and PostgreSQL 15.

create table api_clients (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  name text not null,
  client_id text not null,
  secret_hash text not null,
  scopes text[] not null,
  disabled_at timestamptz,
  disabled_by uuid,
  created_by uuid,
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);
create unique index api_clients_client_id on api_clients (client_id);
create index api_clients_force on api_clients (force_id, created_at);
select waypoint_grant_app('api_clients');
select waypoint_enable_tenancy('api_clients');

-- Only the SHA-256 of a bearer token is stored: a copy of this table yields no usable token.
create table api_tokens (
  token_hash text primary key,
  force_id text not null references forces(id),
  client_id uuid not null references api_clients(id),
  scopes text[] not null,
  issued_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index api_tokens_client on api_tokens (client_id);
create index api_tokens_expiry on api_tokens (expires_at);
select waypoint_grant_app('api_tokens');
select waypoint_enable_tenancy('api_tokens');

-- CRM-25: the HR system's employee number links a staff account to its HR record (per force).
alter table staff_users add column hr_employee_id text;
create unique index staff_users_hr_employee on staff_users (force_id, hr_employee_id)
  where hr_employee_id is not null;

-- CRM-25: each force maps HR job codes to the Waypoint roles a joiner or mover receives.
create table hr_job_roles (
  force_id text not null references forces(id),
  job_code text not null,
  roles text[] not null,
  updated_by text,
  updated_at timestamptz not null default now(),
  primary key (force_id, job_code)
);
select waypoint_grant_app('hr_job_roles');
select waypoint_enable_tenancy('hr_job_roles');
