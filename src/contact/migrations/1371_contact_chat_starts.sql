-- The web chat's limit on chats started (and plain-form messages sent) from one address: 10 a
-- minute per force (decision 0047). Kept here rather than in each web process, so that several
-- processes behind a load balancer share it. The address is kept only as a SHA-256 digest, and a
-- row only for the minute it counts in: each start deletes the force's older rows.
create table contact_chat_starts (
  id bigint generated always as identity primary key,
  force_id text not null references forces(id),
  address_hash text not null check (length(address_hash) = 64),
  started_at timestamptz not null
);
create index contact_chat_starts_address on contact_chat_starts (force_id, address_hash, started_at);
create index contact_chat_starts_time on contact_chat_starts (force_id, started_at);
select waypoint_grant_app('contact_chat_starts', 'select, insert, delete');
select waypoint_enable_tenancy('contact_chat_starts');
