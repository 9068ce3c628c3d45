-- Conversations: two-way communication on any channel (SMS, email, portal, chat). A conversation
-- belongs to a force and to a person (none yet while an unknown sender waits for triage), and
-- optionally to a case; its participants are the citizen, staff and bots; its messages go both
-- ways, each with a delivery state and a read state. Journeys' outbound messages stay in
-- `messages` and are shown beside these on the person's timeline.

create table conversations (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  -- Null while the sender is not matched to a person: kept for someone to triage, never lost.
  person_id uuid,
  case_id text,
  -- The channel the conversation began on; its messages may use others.
  channel text not null check (channel in ('sms', 'email', 'portal', 'chat')),
  -- The citizen's normalised phone number or email address, for matching replies (and triage).
  citizen_address_key text,
  subject text,
  status text not null default 'open' check (status in ('open', 'closed')),
  created_at timestamptz not null default now(),
  last_message_at timestamptz not null default now()
);
create index conversations_recent on conversations (force_id, last_message_at desc);
create index conversations_person on conversations (force_id, person_id, last_message_at desc);
create index conversations_address on conversations (force_id, citizen_address_key) where person_id is null;
select waypoint_grant_app('conversations');
select waypoint_enable_tenancy('conversations');

create table conversation_participants (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  conversation_id uuid not null references conversations(id),
  kind text not null check (kind in ('citizen', 'staff', 'bot')),
  person_id uuid,
  staff_id uuid,
  display_name text,
  -- The citizen's address as given (phone number or email address).
  address text,
  joined_at timestamptz not null default now()
);
create index conversation_participants_conversation on conversation_participants (conversation_id);
select waypoint_grant_app('conversation_participants');
select waypoint_enable_tenancy('conversation_participants');

create table conversation_messages (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  conversation_id uuid not null references conversations(id),
  participant_id uuid references conversation_participants(id),
  direction text not null check (direction in ('inbound', 'outbound')),
  channel text not null check (channel in ('sms', 'email', 'portal', 'chat')),
  -- Who carried it (notify, smtp, portal…) and its id there: the same inbound message delivered
  -- twice is stored once.
  provider text not null,
  provider_ref text,
  from_address text,
  to_address text,
  subject text,
  body text not null,
  delivery_status text not null check (delivery_status in ('received', 'queued', 'sent', 'delivered', 'failed')),
  -- Read by staff (an inbound message) or by the citizen (an outbound one).
  read_at timestamptz,
  read_by uuid,
  sent_at timestamptz not null,
  created_at timestamptz not null default now()
);
create unique index conversation_messages_provider_ref on conversation_messages (force_id, provider, provider_ref)
  where provider_ref is not null;
create index conversation_messages_conversation on conversation_messages (conversation_id, sent_at);
select waypoint_grant_app('conversation_messages');
select waypoint_enable_tenancy('conversation_messages');

-- Files that came with a message: stored as bytes with their checksum; nothing is served until a
-- scan has found them clean.
create table conversation_attachments (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  message_id uuid not null references conversation_messages(id),
  filename text not null check (length(filename) between 1 and 255),
  content_type text not null,
  size_bytes integer not null check (size_bytes >= 0 and size_bytes <= 10485760),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content bytea not null,
  scan_status text not null default 'pending' check (scan_status in ('pending', 'clean', 'infected')),
  scanned_at timestamptz,
  created_at timestamptz not null default now(),
  check (octet_length(content) = size_bytes)
);
create index conversation_attachments_message on conversation_attachments (message_id);
select waypoint_grant_app('conversation_attachments');
select waypoint_enable_tenancy('conversation_attachments');
