-- The national front-end API (issue 14 §7): webhooks to iHub and their deliveries (CP-163).
-- Runs unchanged on PGlite and PostgreSQL 15.

-- A force's subscriptions: where its Portal events go (an address the deployment allows), which
-- events, and the signing secret, kept encrypted (WRITEBACK_CREDENTIAL_KEY).
create table portal_webhooks (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  api_client_id text not null check (length(api_client_id) <= 100),
  url text not null check (length(url) between 8 and 2000),
  events text[] not null,
  secret_sealed text not null,
  created_at timestamptz not null,
  disabled_at timestamptz
);
select waypoint_grant_app('portal_webhooks');
select waypoint_enable_tenancy('portal_webhooks');
create index portal_webhooks_force on portal_webhooks (force_id) where disabled_at is null;

-- One event for one subscription: retried with backoff, parked as a dead letter when retries run
-- out, and replayable from the console or the API (CP-163).
create table portal_webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  webhook_id uuid not null references portal_webhooks(id) on delete cascade,
  event_id uuid not null,
  event_type text not null check (length(event_type) <= 60),
  payload jsonb not null,
  status text not null check (status in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  window_started_at timestamptz not null,
  last_http_status integer,
  last_error text check (last_error is null or length(last_error) <= 500),
  delivered_at timestamptz,
  replayed_at timestamptz,
  created_at timestamptz not null
);
select waypoint_grant_app('portal_webhook_deliveries');
select waypoint_enable_tenancy('portal_webhook_deliveries');
create unique index portal_webhook_deliveries_event on portal_webhook_deliveries (webhook_id, event_id);
create index portal_webhook_deliveries_due on portal_webhook_deliveries (next_attempt_at) where status = 'pending';
create index portal_webhook_deliveries_force on portal_webhook_deliveries (force_id, created_at desc);
