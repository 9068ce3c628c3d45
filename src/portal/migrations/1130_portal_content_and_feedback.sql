-- The Portal's own words per force (decision 0035): the Victims' Code rights and support page
-- (CP-122), how to complain (CP-132), help (CP-143, CP-144) and the Single Online Home links
-- (CP-22, CP-73, CP-75), each kept as numbered versions a force administrator publishes without
-- code (CP-186), perhaps after a second person's approval. No row: Waypoint's default words.
create table portal_content_versions (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  key text not null check (key in ('rights', 'complaints', 'help', 'links')),
  version integer not null check (version >= 1),
  body text not null check (length(body) <= 20000),
  created_by uuid not null references staff_users(id),
  created_at timestamptz not null,
  approved_by uuid references staff_users(id),
  unique (force_id, key, version)
);
select waypoint_grant_app('portal_content_versions', 'select, insert');
select waypoint_enable_tenancy('portal_content_versions');

-- A change to the Portal's words waits for approval like a journey or template change.
alter table change_requests drop constraint change_requests_kind_check;
alter table change_requests add constraint change_requests_kind_check
  check (kind in ('journey', 'template', 'portal-content'));

-- CP-127: what people think of the Portal, per force: the GOV.UK satisfaction question (1 very
-- dissatisfied .. 5 very satisfied), whether it helped, and how to improve it. Not tied to the
-- account: the force sees answers, never who gave them.
create table portal_feedback (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  rating smallint not null check (rating between 1 and 5),
  found_what_needed text check (found_what_needed in ('yes', 'partly', 'no')),
  comment text check (length(comment) <= 1200),
  given_at timestamptz not null
);
select waypoint_grant_app('portal_feedback', 'select, insert');
select waypoint_enable_tenancy('portal_feedback');
create index portal_feedback_by_time on portal_feedback (force_id, given_at);

-- CP-145: a day on which a signed-in person opened their cases, per force with a case of theirs.
create table portal_visits (
  force_id text not null references forces(id),
  day date not null,
  account_id uuid not null,
  primary key (force_id, day, account_id)
);
select waypoint_grant_app('portal_visits', 'select, insert');
select waypoint_enable_tenancy('portal_visits');
