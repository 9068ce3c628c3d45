-- Write-back to the force's Command & Control (CAD) and records system (RMS): a transactional
-- outbox (UJ-9, UJ-10, CP-87, CP-101, CP-105, CRM-12) with an attempt history and a dead-letter
-- state that staff replay from the console (CP-163). Runs unchanged on PGlite and PostgreSQL 15.

-- Where a force's CAD or RMS accepts write-back entries. Builds differ per force (facts §7), so
-- each force and target has its own URL and credentials. The secret is stored encrypted by
-- Waypoint (AES-256-GCM) and is never shown back in full.
create table writeback_endpoints (
  force_id text not null references forces(id),
  target text not null check (target in ('cad', 'rms')),
  url text not null,
  auth_kind text not null default 'none' check (auth_kind in ('none', 'bearer', 'basic')),
  auth_username text,
  auth_secret_encrypted text,
  auth_secret_hint text,
  timeout_ms integer not null default 10000 check (timeout_ms between 100 and 60000),
  enabled boolean not null default true,
  updated_by uuid,
  updated_at timestamptz not null,
  primary key (force_id, target)
);
select waypoint_grant_app('writeback_endpoints');
select waypoint_enable_tenancy('writeback_endpoints');

create table writeback_entries (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  target text not null check (target in ('cad', 'rms')),
  -- The CAD log reference or the crime reference the entry is written against.
  target_ref text not null,
  kind text not null check (kind in ('message-sent', 'message-received', 'officer-update', 'note')),
  body jsonb not null,
  -- CP-105: an officer's RMS update never triggers a message to the victim; the flag travels
  -- with the entry so the RMS does not raise its own victim update either.
  notify_victim boolean not null default false,
  idempotency_key text not null,
  status text not null default 'pending' check (status in ('pending', 'sending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  -- While `sending`, the claim expires at this time so a crashed worker's entry is taken again.
  claim_expires_at timestamptz,
  last_error text,
  last_http_status integer,
  remote_ref text,
  replays integer not null default 0,
  -- A replay starts a fresh retry window (CP-163).
  replayed_at timestamptz,
  replayed_by uuid,
  created_by uuid,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  delivered_at timestamptz,
  dead_at timestamptz,
  constraint writeback_entries_key unique (force_id, idempotency_key)
);
create index writeback_entries_due on writeback_entries (next_attempt_at) where status in ('pending', 'sending');
create index writeback_entries_dead on writeback_entries (force_id, dead_at) where status = 'dead';
create index writeback_entries_ref on writeback_entries (force_id, target, target_ref);
select waypoint_grant_app('writeback_entries');
select waypoint_enable_tenancy('writeback_entries');

-- Every delivery attempt, append-only: what was tried, when, and what the target answered.
create table writeback_attempts (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  entry_id uuid not null references writeback_entries(id),
  attempt integer not null,
  started_at timestamptz not null,
  duration_ms integer not null,
  outcome text not null check (outcome in ('delivered', 'retry', 'dead')),
  http_status integer,
  error text
);
create index writeback_attempts_entry on writeback_attempts (entry_id, attempt);
select waypoint_grant_app('writeback_attempts', 'select, insert');
select waypoint_enable_tenancy('writeback_attempts');
