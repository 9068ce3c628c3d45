-- Idempotency keys on the integration API's POSTs (the Portal API requires one on every POST), and
-- each machine client's pinned API version (CP-179). Runs unchanged on PGlite and PostgreSQL 15.

-- A repeated POST with the same key gets the first answer again, not a second action; the same key
-- with a different request is refused. Rows are per client, under the client's force's row-level
-- security. A row without a status is a request still being answered.
create table api_idempotency_keys (
  force_id text not null references forces(id),
  client_id text not null check (length(client_id) <= 100),
  idempotency_key text not null check (length(idempotency_key) between 1 and 255),
  request_hash text not null check (length(request_hash) = 64),
  status_code integer,
  content_type text check (content_type is null or length(content_type) <= 200),
  response_body text,
  created_at timestamptz not null,
  completed_at timestamptz,
  primary key (force_id, client_id, idempotency_key)
);
create index api_idempotency_keys_age on api_idempotency_keys (created_at);
select waypoint_grant_app('api_idempotency_keys');
select waypoint_enable_tenancy('api_idempotency_keys');

-- CP-179: a client answered in an earlier released version of the API (null: the current one), so
-- a faulty new version is rolled back for that client alone, by a force administrator, at once.
alter table api_clients add column pinned_version text
  check (pinned_version is null or pinned_version ~ '^[0-9]+\.[0-9]+\.[0-9]+$');
alter table api_clients add column pinned_by uuid;
alter table api_clients add column pinned_at timestamptz;
