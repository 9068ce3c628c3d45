-- Source systems: the raw inbox of every inbound STORM/SMARTStorm, Athena and warehouse event,
-- per-force mapping profiles (versioned) and the interim warehouse poller's watermarks
-- (UJ-4, CP-157, CP-162, CP-163, CP-174).

-- Every event exactly as received. One live row per (force, system, source event id); a repeat
-- is stored too, as 'duplicate', and changes nothing (transactional inbox).
create table source_events (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  source_system text not null check (source_system in ('storm', 'athena', 'warehouse')),
  source_event_id text not null,
  event_type text,
  content_type text not null,
  payload text not null,
  -- Kept when staff correct a quarantined payload, so the original stays on record (CP-163).
  original_payload text,
  occurred_at timestamptz,
  received_at timestamptz not null,
  processed_at timestamptz,
  status text not null check (status in ('received', 'applied', 'quarantined', 'duplicate', 'superseded')),
  reason text,
  warnings jsonb not null default '[]',
  profile_version integer,
  attempts integer not null default 0,
  updated_at timestamptz not null
);
create unique index source_events_live on source_events (force_id, source_system, source_event_id)
  where status <> 'duplicate';
create index source_events_status on source_events (force_id, source_system, status, received_at);
select waypoint_grant_app('source_events', 'select, insert, update');
select waypoint_enable_tenancy('source_events');

-- A force's mapping of its own STORM/Athena build onto the case model; each edit is a new version.
create table mapping_profiles (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  source_system text not null check (source_system in ('storm', 'athena', 'warehouse')),
  version integer not null,
  document jsonb not null,
  note text,
  created_by uuid,
  created_at timestamptz not null default now()
);
create unique index mapping_profiles_version on mapping_profiles (force_id, source_system, version);
select waypoint_grant_app('mapping_profiles', 'select, insert');
select waypoint_enable_tenancy('mapping_profiles');

-- The interim read-only route to Athena data: a force's data warehouse, polled by watermark.
create table warehouse_sources (
  force_id text primary key references forces(id),
  connection_url text not null,
  source_table text not null,
  watermark_column text not null,
  event_id_column text not null,
  watermark text,
  enabled boolean not null default true,
  last_polled_at timestamptz,
  last_error text,
  updated_at timestamptz not null default now()
);
select waypoint_grant_app('warehouse_sources');
select waypoint_enable_tenancy('warehouse_sources');
