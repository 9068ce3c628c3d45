-- Duty rosters (CRM-35): the force's duty management system (GRS, Crown Duty Roster and the like)
-- says which handlers are on duty when. A roster arrives through the API or as a CSV export a
-- force administrator uploads; it is taken once by the duty system's own id, and covers a period:
-- shifts it brings replace those of earlier rosters that start in that period. The queue and the
-- wallboard compare who is rostered with who is signed in and ready, routing prefers rostered
-- handlers, and Contact's reports give rostered and ready hours per day (decision 0040).
create table contact_rosters (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  -- The duty system's id for the roster: the same id again is taken once.
  roster_ref text not null check (length(roster_ref) between 1 and 100),
  source text not null check (source in ('api', 'upload')),
  system_name text check (length(system_name) <= 100),
  period_start timestamptz not null,
  period_end timestamptz not null,
  shifts integer not null check (shifts >= 0),
  replaced integer not null default 0,
  imported_by_name text not null check (length(imported_by_name) <= 200),
  imported_at timestamptz not null,
  check (period_end > period_start)
);
create unique index contact_rosters_ref on contact_rosters (force_id, roster_ref);
create index contact_rosters_imported on contact_rosters (force_id, imported_at desc);
select waypoint_grant_app('contact_rosters', 'select, insert');
select waypoint_enable_tenancy('contact_rosters');

create table contact_roster_shifts (
  id bigint generated always as identity primary key,
  force_id text not null references forces(id),
  roster_id uuid not null references contact_rosters(id) on delete cascade,
  staff_id uuid not null references staff_users(id),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  skills text[] not null default '{}',
  team text check (length(team) <= 100),
  check (ends_at > starts_at and ends_at - starts_at <= interval '24 hours')
);
-- Who is rostered at an instant, and the shifts of a day, read by time.
create index contact_roster_shifts_time on contact_roster_shifts (force_id, starts_at, ends_at);
create index contact_roster_shifts_roster on contact_roster_shifts (roster_id);
select waypoint_grant_app('contact_roster_shifts', 'select, insert, delete');
select waypoint_enable_tenancy('contact_roster_shifts');
