-- Review, retention and deletion under the PIRM Code 2023 (UJ-3, CP-4, CRM-4): per-force rules,
-- the review queue, legal holds and a log of outcomes that holds ids and counts only.

-- Deletion runs inside the force's own transaction (row-level security still applies) as a role
-- that may also delete from the append-only tables; only the retention service switches to it.
do $$ begin
  if not exists (select 1 from pg_roles where rolname = 'waypoint_retention') then
    create role waypoint_retention nologin nobypassrls;
  end if;
end $$;
grant waypoint_app to waypoint_retention;
-- Its delete rights on the append-only tables of later capabilities are granted in
-- 0900_retention_deletion_grants.sql, which runs after those tables exist.
do $$ begin
  if not pg_has_role(current_user, 'waypoint_retention', 'member') then
    execute format('grant waypoint_retention to %I', current_user);
  end if;
end $$;

-- A force's rule for one kind of record in one category. The periods are counted from the
-- record's `date_field`; either may be empty (review only, or delete without review).
create table retention_rules (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  record_type text not null check (record_type in ('incident', 'crime', 'person', 'message', 'source_event')),
  category text not null,
  date_field text not null check (date_field in ('closed_at', 'last_activity', 'processed_at', 'created_at')),
  review_after_months integer check (review_after_months between 1 and 1200),
  delete_after_months integer check (delete_after_months between 1 and 1200),
  description text not null,
  updated_by uuid,
  updated_at timestamptz not null default now(),
  constraint retention_rules_has_period check (review_after_months is not null or delete_after_months is not null)
);
create unique index retention_rules_category on retention_rules (force_id, record_type, category);
select waypoint_grant_app('retention_rules');
select waypoint_enable_tenancy('retention_rules');

-- Defaults only: every force must set these to its own policy (docs in src/retention/README.md).
insert into retention_rules (force_id, record_type, category, date_field, review_after_months, delete_after_months, description)
select f.id, d.record_type, d.category, d.date_field, d.review_after, d.delete_after, d.description
from forces f cross join (values
  ('incident', 'closed-non-crime', 'closed_at', null::integer, 12, 'Closed incidents that did not become a crime'),
  ('crime', 'closed', 'closed_at', 72, null::integer, 'Closed crimes: reviewed six years after closure'),
  ('crime', 'charged', 'closed_at', 72, null::integer, 'Charged crimes: reviewed six years after closure'),
  ('crime', 'no-further-action', 'closed_at', null::integer, 24, 'Crimes closed with no further action'),
  ('person', 'no-case', 'last_activity', null::integer, 12, 'People no longer on any case'),
  ('person', 'domestic_abuse', 'last_activity', 72, null::integer, 'People with a domestic abuse marker'),
  ('message', 'any', 'created_at', null::integer, 24, 'Messages to victims and callers'),
  ('source_event', 'applied', 'processed_at', null::integer, 3, 'Raw STORM and Athena event payloads once applied')
) as d(record_type, category, date_field, review_after, delete_after, description);

-- A legal hold: the record is never queued for review and never deleted while it is in force.
create table retention_holds (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  record_type text not null check (record_type in ('incident', 'crime', 'person')),
  record_id uuid not null,
  reason text not null,
  placed_by uuid,
  placed_at timestamptz not null,
  released_by uuid,
  released_at timestamptz,
  release_reason text
);
create unique index retention_holds_active on retention_holds (force_id, record_type, record_id) where released_at is null;
select waypoint_grant_app('retention_holds', 'select, insert, update');
select waypoint_enable_tenancy('retention_holds');

-- The review queue and its decisions: keep (with a reason and the next review date) or delete.
create table retention_reviews (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  record_type text not null,
  record_id uuid not null,
  reference text,
  rule_id uuid not null references retention_rules(id),
  due_at timestamptz not null,
  status text not null check (status in ('pending', 'kept', 'deleted')),
  reason text,
  keep_until timestamptz,
  decided_by uuid,
  decided_at timestamptz,
  created_at timestamptz not null
);
create unique index retention_reviews_pending on retention_reviews (force_id, record_type, record_id) where status = 'pending';
create index retention_reviews_record on retention_reviews (force_id, record_type, record_id, keep_until);
select waypoint_grant_app('retention_reviews', 'select, insert, update, delete');
select waypoint_enable_tenancy('retention_reviews');

-- What happened under which rule, for the report: ids, references of no personal nature, counts.
create table retention_outcomes (
  id bigserial primary key,
  force_id text not null references forces(id),
  record_type text not null,
  -- Empty for a batch (messages, raw source events): the counts say how many went.
  record_id uuid,
  rule_id uuid,
  rule_label text,
  outcome text not null check (outcome in ('queued', 'kept', 'deleted')),
  counts jsonb not null default '{}',
  actor_id uuid,
  at timestamptz not null
);
create index retention_outcomes_at on retention_outcomes (force_id, at);
select waypoint_grant_app('retention_outcomes', 'select, insert');
grant usage on sequence retention_outcomes_id_seq to waypoint_app, waypoint_system;
select waypoint_enable_tenancy('retention_outcomes');
