-- Platform foundation: roles, tenancy helpers, forces, sharing agreements, staff and sessions.
-- Runs unchanged on PGlite and PostgreSQL 15 (nothing newer than 15).

do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'waypoint_app') then
    create role waypoint_app nologin nobypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'waypoint_system') then
    create role waypoint_system nologin bypassrls;
  end if;
  execute format('grant waypoint_app, waypoint_system to %I', current_user);
end $$;

grant usage on schema public to waypoint_app, waypoint_system;

-- The force the current transaction acts for; '' (system work) reads as null.
create or replace function waypoint_current_force() returns text
  language sql stable as $$ select nullif(current_setting('app.force_id', true), '') $$;

-- Grants the application roles what a table needs; append-only tables pass 'select, insert'.
create or replace function waypoint_grant_app(tbl regclass, privileges text default 'select, insert, update, delete')
  returns void language plpgsql as $$
begin
  execute format('grant %s on %s to waypoint_app, waypoint_system', privileges, tbl);
end $$;

create table forces (
  id text primary key,
  name text not null,
  short_name text not null,
  products text[] not null default '{journeys,portal,contact}',
  branding jsonb not null default '{}',
  settings jsonb not null default '{}',
  updated_at timestamptz not null default now(),
  constraint forces_products_known check (products <@ array['journeys', 'portal', 'contact']::text[])
);
select waypoint_grant_app('forces', 'select, update');
alter table forces enable row level security;
create policy forces_read on forces for select using (true);
create policy forces_update_own on forces for update using (id = waypoint_current_force());

insert into forces (id, name, short_name, branding) values
  ('bedfordshire', 'Bedfordshire Police', 'Bedfordshire', '{"primaryColour": "#003a70", "logoText": "Bedfordshire Police"}'),
  ('cambridgeshire', 'Cambridgeshire Constabulary', 'Cambridgeshire', '{"primaryColour": "#00338d", "logoText": "Cambridgeshire Constabulary"}'),
  ('hertfordshire', 'Hertfordshire Constabulary', 'Hertfordshire', '{"primaryColour": "#1d3f6e", "logoText": "Hertfordshire Constabulary"}'),
  ('norfolk', 'Norfolk Constabulary', 'Norfolk', '{"primaryColour": "#00205b", "logoText": "Norfolk Constabulary"}'),
  ('suffolk', 'Suffolk Constabulary', 'Suffolk', '{"primaryColour": "#002f5f", "logoText": "Suffolk Constabulary"}'),
  ('kent', 'Kent Police', 'Kent', '{"primaryColour": "#0b0c0c", "logoText": "Kent Police"}'),
  ('essex', 'Essex Police', 'Essex', '{"primaryColour": "#1c355e", "logoText": "Essex Police"}');

-- Force A may read force B's records of the named kinds for a purpose, between two dates.
create table sharing_agreements (
  id uuid primary key default gen_random_uuid(),
  from_force_id text not null references forces(id),
  to_force_id text not null references forces(id),
  record_kinds text[] not null,
  purpose text not null,
  starts_at timestamptz not null,
  expires_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  revoked_by uuid,
  revoked_at timestamptz,
  constraint sharing_between_two_forces check (from_force_id <> to_force_id),
  constraint sharing_dates check (expires_at is null or expires_at > starts_at)
);
select waypoint_grant_app('sharing_agreements', 'select');

-- True when the current force may read a row of `record_kind` owned by `row_force`: its own,
-- or shared by an agreement in force now. Security definer so policies can consult agreements.
create or replace function waypoint_can_read(row_force text, record_kind text) returns boolean
  language sql stable security definer set search_path from current as $$
  select row_force = waypoint_current_force() or exists (
    select 1 from sharing_agreements a
    where a.from_force_id = row_force
      and a.to_force_id = waypoint_current_force()
      and record_kind = any (a.record_kinds)
      and a.revoked_at is null
      and a.starts_at <= now()
      and (a.expires_at is null or a.expires_at > now()))
$$;

-- Row-level security for a tenant table: read and write one's own force; read shared rows.
create or replace function waypoint_enable_tenancy(tbl regclass, record_kind text default null)
  returns void language plpgsql as $$
begin
  execute format('alter table %s enable row level security', tbl);
  execute format('create policy tenant_own on %s using (force_id = waypoint_current_force()) with check (force_id = waypoint_current_force())', tbl);
  if record_kind is not null then
    execute format('create policy tenant_shared_read on %s for select using (waypoint_can_read(force_id, %L))', tbl, record_kind);
  end if;
end $$;

create table staff_users (
  id uuid primary key default gen_random_uuid(),
  force_id text references forces(id),
  email text not null,
  display_name text not null,
  password_hash text,
  totp_secret text,
  totp_confirmed_at timestamptz,
  oidc_issuer text,
  oidc_subject text,
  failed_attempts integer not null default 0,
  locked_until timestamptz,
  last_sign_in_at timestamptz,
  disabled_at timestamptz,
  disabled_by uuid,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index staff_users_email on staff_users (lower(email));
create unique index staff_users_oidc on staff_users (oidc_issuer, oidc_subject) where oidc_subject is not null;
select waypoint_grant_app('staff_users');
select waypoint_enable_tenancy('staff_users');

create table staff_role_grants (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references staff_users(id),
  force_id text references forces(id),
  role text not null,
  granted_by uuid,
  granted_at timestamptz not null default now(),
  revoked_by uuid,
  revoked_at timestamptz,
  constraint role_known check (role in ('system_admin', 'force_admin', 'journey_designer', 'investigating_officer',
    'supervisor', 'contact_handler', 'contact_supervisor', 'analyst', 'auditor', 'service_support'))
);
create unique index staff_role_grants_active on staff_role_grants (user_id, role) where revoked_at is null;
select waypoint_grant_app('staff_role_grants');
select waypoint_enable_tenancy('staff_role_grants');

-- Server-side sessions for staff and citizens; the cookie carries a random token whose
-- SHA-256 is the key, so a database read does not yield a usable cookie.
create table sessions (
  id text primary key,
  subject_kind text not null check (subject_kind in ('anonymous', 'staff', 'citizen')),
  subject_id uuid,
  force_id text references forces(id),
  data jsonb not null default '{}',
  ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  absolute_expires_at timestamptz not null
);
create index sessions_subject on sessions (subject_kind, subject_id);
grant select, insert, update, delete on sessions to waypoint_system;
