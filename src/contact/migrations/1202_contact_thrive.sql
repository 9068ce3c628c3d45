-- THRIVE on a contact (CRM-17): Threat, Harm, Risk, Investigation, Vulnerability and Engagement,
-- each rated 0 (none) to 3 (high) by the handler, the grading Waypoint suggested from the ratings
-- and the person's markers with its reasons, and the grading the handler chose. Each assessment
-- is kept: a later one on the same contact supersedes, never overwrites, an earlier one.
create table contact_thrive_assessments (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  threat smallint not null check (threat between 0 and 3),
  harm smallint not null check (harm between 0 and 3),
  risk smallint not null check (risk between 0 and 3),
  investigation smallint not null check (investigation between 0 and 3),
  vulnerability smallint not null check (vulnerability between 0 and 3),
  engagement smallint not null check (engagement between 0 and 3),
  note text check (length(note) <= 1000),
  suggested_grading text not null check (suggested_grading in ('Immediate', 'Prompt', 'Scheduled', 'Appointment', 'No Response')),
  reasons text[] not null,
  grading text not null check (grading in ('Immediate', 'Prompt', 'Scheduled', 'Appointment', 'No Response')),
  vulnerable boolean not null,
  assessed_by uuid not null,
  assessed_at timestamptz not null
);
create index contact_thrive_item on contact_thrive_assessments (item_id, assessed_at desc);
create index contact_thrive_assessed on contact_thrive_assessments (force_id, assessed_at);
select waypoint_grant_app('contact_thrive_assessments', 'select, insert');
select waypoint_enable_tenancy('contact_thrive_assessments');
