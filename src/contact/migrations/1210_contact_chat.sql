-- Web chat (CRM-7, CRM-8, CRM-34): a widget a force embeds on its Single Online Home pages. Each
-- chat is a conversation (channel 'chat'); the citizen holds a random token, kept here only as its
-- SHA-256. A force sets the origins that may embed the widget, its opening hours and the reply
-- sent out of hours; a chat that has ended may get one short satisfaction survey.

create table contact_chat_settings (
  force_id text primary key references forces(id),
  enabled boolean not null default true,
  -- Scheme, host and port only (https://www.essex.police.uk), at most 20.
  allowed_origins text[] not null default '{}' check (cardinality(allowed_origins) <= 20),
  -- Opening hours on the UK wall clock, by ISO weekday ("1" Monday … "7" Sunday):
  -- ["08:00", "20:00"], or null when closed all day.
  hours jsonb not null,
  out_of_hours_reply text not null check (length(out_of_hours_reply) between 1 and 1000),
  updated_at timestamptz not null,
  updated_by uuid
);
select waypoint_grant_app('contact_chat_settings', 'select, insert, update');
select waypoint_enable_tenancy('contact_chat_settings');

create table contact_chats (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  -- PIRM deletion of the conversation takes the chat (and its survey) with it.
  conversation_id uuid not null references conversations(id) on delete cascade,
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  -- The page that embedded the widget (an allowed origin), or Waypoint's own.
  origin text not null check (length(origin) <= 200),
  started_at timestamptz not null,
  out_of_hours boolean not null default false,
  -- The automated first responder answering before a handler does; null once it hands over
  -- (or when the force has none).
  responder text check (length(responder) <= 100),
  ended_at timestamptz,
  ended_by text check (ended_by in ('citizen', 'staff')),
  check ((ended_at is null) = (ended_by is null))
);
create index contact_chats_conversation on contact_chats (conversation_id);
create index contact_chats_started on contact_chats (force_id, started_at);
select waypoint_grant_app('contact_chats', 'select, insert, update');
select waypoint_enable_tenancy('contact_chats');

create table contact_chat_surveys (
  chat_id uuid primary key references contact_chats(id) on delete cascade,
  force_id text not null references forces(id),
  -- 5 very satisfied … 1 very dissatisfied.
  rating smallint not null check (rating between 1 and 5),
  comment text check (length(comment) <= 500),
  answered_at timestamptz not null
);
create index contact_chat_surveys_answered on contact_chat_surveys (force_id, answered_at);
select waypoint_grant_app('contact_chat_surveys', 'select, insert');
select waypoint_enable_tenancy('contact_chat_surveys');
