-- Scripts and tagging (CRM-18, CRM-19, CRM-28). A force's contact supervisors and administrators
-- design scripts without code: questions with guidance for the handler, answers that branch to
-- another question or end the script, and tags an answer puts on the contact. Scripts are
-- versioned as journeys are: one draft and at most one published version at a time, a published
-- version never changes, and each contact keeps the version its handler followed.
create table contact_scripts (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  title text not null check (length(title) between 1 and 120),
  created_by uuid not null,
  created_at timestamptz not null
);
create index contact_scripts_force on contact_scripts (force_id, title);
select waypoint_grant_app('contact_scripts', 'select, insert, update');
select waypoint_enable_tenancy('contact_scripts');

create table contact_script_versions (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  script_id uuid not null references contact_scripts(id),
  version integer not null check (version >= 1),
  status text not null check (status in ('draft', 'published', 'retired')),
  -- [{ id, text, guidance, kind: 'choice' | 'text', options: [{ label, tags, next }], next }]
  questions jsonb not null default '[]',
  created_by uuid not null,
  created_at timestamptz not null,
  published_by uuid,
  published_at timestamptz,
  unique (script_id, version),
  check ((status = 'draft') = (published_at is null))
);
create unique index contact_script_versions_draft on contact_script_versions (script_id) where status = 'draft';
create unique index contact_script_versions_published on contact_script_versions (script_id) where status = 'published';
select waypoint_grant_app('contact_script_versions', 'select, insert, update');
select waypoint_enable_tenancy('contact_script_versions');

-- A handler following a script on a contact: the version followed, each answer in order, and the
-- question to ask next (none once the script ends).
create table contact_script_runs (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  version_id uuid not null references contact_script_versions(id),
  answers jsonb not null default '[]',
  next_question text,
  started_by uuid not null,
  started_at timestamptz not null,
  completed_at timestamptz
);
create index contact_script_runs_item on contact_script_runs (item_id, started_at desc);
create index contact_script_runs_version on contact_script_runs (version_id);
select waypoint_grant_app('contact_script_runs', 'select, insert, update');
select waypoint_enable_tenancy('contact_script_runs');

-- Tags on a contact, put there by an answer to a script (CRM-19); reported by tag and time.
create table contact_item_tags (
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  tag text not null check (length(tag) between 1 and 40),
  run_id uuid references contact_script_runs(id) on delete cascade,
  tagged_at timestamptz not null,
  primary key (item_id, tag)
);
create index contact_item_tags_tag on contact_item_tags (force_id, tag, tagged_at);
select waypoint_grant_app('contact_item_tags', 'select, insert');
select waypoint_enable_tenancy('contact_item_tags');
