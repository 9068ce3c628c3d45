-- Reporting: API keys that let a force's Power BI read its OData feed (UJ-16). Power BI's OData
-- connector cannot run the OAuth2 client-credentials flow, so a force admin issues a key; only
-- its SHA-256 hash is stored (the key is 256 random bits, so a slow hash adds nothing).
create table report_api_keys (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  name text not null,
  -- The first characters of the key, shown so staff can tell keys apart.
  key_prefix text not null,
  key_hash text not null unique,
  created_by uuid,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_by uuid,
  revoked_at timestamptz
);
create index report_api_keys_force on report_api_keys (force_id, created_at desc);
select waypoint_grant_app('report_api_keys', 'select, insert, update');
select waypoint_enable_tenancy('report_api_keys');
