-- Contact's bespoke reports (CRM-30, decision 0054): a contact supervisor or force administrator
-- builds a report from Waypoint's own lists of dimensions, measures and filters
-- (src/contact/report-builder.ts) and saves it for the force, with a schedule (daily or weekly at
-- a time, Europe/London) that emails it to chosen members of the force's staff. The definition
-- holds only keys of those lists; every change is audited.
create table contact_saved_reports (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  name text not null check (length(name) between 1 and 80),
  definition jsonb not null check (jsonb_typeof(definition) = 'object' and length(definition::text) <= 2000),
  schedule text not null default 'none' check (schedule in ('none', 'daily', 'weekly')),
  -- ISO weekday, 1 Monday … 7 Sunday (weekly only).
  weekday smallint check (weekday between 1 and 7),
  -- The UK time it is sent, HH:MM.
  send_at text check (send_at ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  -- Members of the force's staff it is emailed to (checked again at each send).
  recipients uuid[] not null default '{}' check (cardinality(recipients) <= 20),
  -- When the schedule was last set: no earlier slot is ever sent.
  scheduled_from timestamptz,
  created_by uuid,
  created_at timestamptz not null,
  updated_by uuid,
  updated_at timestamptz not null,
  check ((schedule = 'none') = (send_at is null)),
  check ((schedule = 'weekly') = (weekday is not null)),
  check ((schedule = 'none') or scheduled_from is not null)
);
create unique index contact_saved_reports_name on contact_saved_reports (force_id, lower(name));
-- The scheduler reads every force's scheduled reports each minute.
create index contact_saved_reports_scheduled on contact_saved_reports (schedule) where schedule <> 'none';
select waypoint_grant_app('contact_saved_reports', 'select, insert, update, delete');
select waypoint_enable_tenancy('contact_saved_reports');
