-- Assist's offline speech for Contact's telephony (CRM-22, CRM-6; decision 0041). Each force
-- switches it on or off (off until its administrator switches it on; every change audited). The
-- telephony platform posts recordings of a call: the caller's spoken reason, said in the IVR
-- before the call is offered to the queue (the call may not be known yet), or a voicemail. Each is kept until it is transcribed, then its audio is dropped and the
-- transcript stays on the call, marked as made by a machine, with what the machine decided from it.
create table assist_speech_settings (
  force_id text primary key references forces(id),
  enabled boolean not null,
  updated_by uuid not null,
  updated_at timestamptz not null
);
select waypoint_grant_app('assist_speech_settings', 'select, insert, update');
select waypoint_enable_tenancy('assist_speech_settings');

create table assist_call_recordings (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  -- The platform's id for the call, and Waypoint's once the call is offered.
  call_ref text not null check (length(call_ref) between 1 and 100),
  call_id uuid references contact_calls(id) on delete cascade,
  item_id uuid references contact_items(id) on delete cascade,
  -- reason: what the caller said in the IVR before the call is queued; voicemail: a message left.
  kind text not null check (kind in ('reason', 'voicemail')),
  status text not null check (status in ('queued', 'transcribed', 'failed', 'skipped')),
  -- The WAV as posted, until it is transcribed (then null).
  audio bytea,
  audio_bytes integer not null check (audio_bytes between 1 and 6291456),
  audio_seconds numeric(6, 2) not null,
  client_id text not null check (length(client_id) <= 200),
  received_at timestamptz not null,
  transcript text check (length(transcript) <= 10000),
  engine text check (length(engine) <= 200),
  elapsed_seconds numeric(8, 2),
  -- What the machine decided from a spoken reason: intent, confidence, danger signs, priority, skill.
  decision jsonb,
  error text check (length(error) <= 500),
  transcribed_at timestamptz,
  search tsvector generated always as (to_tsvector('english', coalesce(transcript, ''))) stored
);
create index assist_call_recordings_item on assist_call_recordings (item_id, received_at);
create index assist_call_recordings_call on assist_call_recordings (call_id);
create index assist_call_recordings_call_ref on assist_call_recordings (force_id, call_ref);
create index assist_call_recordings_search on assist_call_recordings using gin (search);
select waypoint_grant_app('assist_call_recordings', 'select, insert, update');
select waypoint_enable_tenancy('assist_call_recordings');
