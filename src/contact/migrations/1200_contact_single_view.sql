-- Contact's single view of a person (CRM-10, CRM-12, CRM-14, CRM-24). What the view shows is read
-- from the tables that hold it (case timelines, journey messages, conversations); Contact keeps
-- only its own decisions about people: which records staff merged into one view, and which
-- disagreements between the source systems they settled and sent back to the sources.
create extension if not exists fuzzystrmatch;

-- Two records of one person, merged by a contact handler: `merged_person_id`'s history shows in
-- `person_id`'s view. Nothing in the source records moves, so unmerging is exact; an unmerged
-- link stays, with who undid it and why.
create table contact_person_links (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  person_id uuid not null references people(id),
  merged_person_id uuid not null references people(id),
  confidence smallint not null check (confidence between 0 and 100),
  reasons jsonb not null default '[]',
  merged_by uuid not null,
  merged_at timestamptz not null,
  unmerged_by uuid,
  unmerged_at timestamptz,
  unmerge_reason text check (length(unmerge_reason) <= 500),
  check (person_id <> merged_person_id)
);
-- A record is merged into at most one other at a time.
create unique index contact_person_links_active on contact_person_links (force_id, merged_person_id)
  where unmerged_at is null;
create index contact_person_links_person on contact_person_links (force_id, person_id) where unmerged_at is null;
select waypoint_grant_app('contact_person_links');
select waypoint_enable_tenancy('contact_person_links');

-- A disagreement settled by staff: the value that is right, and the write-back entries that
-- asked each source holding another value to correct it.
create table contact_corrections (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  person_id uuid not null references people(id),
  field text not null check (field in ('name', 'dateOfBirth')),
  value text not null check (length(value) between 1 and 200),
  sources text[] not null,
  writeback_entry_ids uuid[] not null default '{}',
  corrected_by uuid not null,
  corrected_at timestamptz not null
);
create index contact_corrections_person on contact_corrections (force_id, person_id, field, corrected_at desc);
select waypoint_grant_app('contact_corrections', 'select, insert, update');
select waypoint_enable_tenancy('contact_corrections');

-- The single view pages through a person's history newest first, by key: each source is read by
-- an index in that order, whatever the volume of the force.
create index messages_person_timeline on messages (force_id, person_id, (coalesce(sent_at, send_after)) desc, id desc)
  where not is_test and person_id is not null;
create index conversation_messages_timeline on conversation_messages (conversation_id, sent_at desc, id desc);
create index case_timeline_incident_keyset on case_timeline (force_id, incident_id, occurred_at desc, id desc)
  where incident_id is not null;
create index case_timeline_crime_keyset on case_timeline (force_id, crime_id, occurred_at desc, id desc)
  where crime_id is not null;
create index case_timeline_person_keyset on case_timeline (force_id, person_id, occurred_at desc, id desc)
  where person_id is not null;

-- Identity resolution looks candidates up by date of birth, by exact phone or email and by
-- address words, as well as by name (people_display_name_trigrams, migration 1001).
create index people_birth on people (force_id, date_of_birth) where date_of_birth is not null;
create index contact_points_exact on contact_points (force_id, kind, lower(value));
create index contact_points_address_trigrams on contact_points using gin (lower(value) gin_trgm_ops)
  where kind = 'address';
