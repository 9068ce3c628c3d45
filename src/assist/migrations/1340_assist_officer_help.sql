-- Assist's help for the investigating officer on portal messages (CP-89, CP-93, CP-121; decision
-- 0043): the force's switch (no row means off, until its administrator turns it on; every change
-- audited), and every suggested reply and action shown to an officer with what became of it: a
-- reply used as it was, edited before sending, or ignored (with how like the sent text it was); an
-- action marked done or not needed.
create table assist_officer_help_settings (
  force_id text primary key references forces(id),
  enabled boolean not null,
  updated_by uuid not null,
  updated_at timestamptz not null
);
select waypoint_grant_app('assist_officer_help_settings', 'select, insert, update');
select waypoint_enable_tenancy('assist_officer_help_settings');

create table assist_officer_suggestions (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  conversation_id uuid not null references conversations(id),
  -- The person's message the suggestion answers (their latest when it was shown).
  message_id uuid not null references conversation_messages(id),
  staff_id uuid not null references staff_users(id),
  kind text not null check (kind in ('reply', 'action')),
  key text not null check (length(key) between 1 and 60),
  intent text check (length(intent) <= 40),
  confidence real,
  urgent boolean not null default false,
  text text not null check (length(text) between 1 and 2000),
  -- A reply's kind of portal message (message, information-request, extra-information).
  message_kind text check (message_kind in ('message', 'information-request', 'extra-information')),
  reason text check (length(reason) <= 1000),
  shown_at timestamptz not null,
  outcome text check (outcome in ('used-as-is', 'edited', 'ignored', 'done', 'not-needed')),
  -- For a reply: how like the sent text it was (0..1, by words in order), and the message sent.
  similarity real check (similarity between 0 and 1),
  sent_message_id uuid,
  decided_at timestamptz,
  unique (message_id, staff_id, kind, key)
);
create index assist_officer_suggestions_open on assist_officer_suggestions (force_id, conversation_id, staff_id)
  where outcome is null;
select waypoint_grant_app('assist_officer_suggestions', 'select, insert, update');
select waypoint_enable_tenancy('assist_officer_suggestions');
