-- Telephony (CRM-6, CRM-8): the force's telephony platform (CTI) tells Waypoint what happens to
-- each call: offered to the queue (with the caller's number and the IVR choices), answered, held,
-- resumed, transferred and ended. A call is a conversation on the channel `phone` and a contact
-- in the one queue; its events are kept in order, each once by the platform's event id, and the
-- wait and handling time are measured from them. Demand moves between channels: any contact can
-- become a call-back, and a call the caller gave up on waiting becomes one by itself.
alter table conversations drop constraint conversations_channel_check,
  add constraint conversations_channel_check check (channel in ('sms', 'email', 'portal', 'chat', 'phone'));
alter table conversation_messages drop constraint conversation_messages_channel_check,
  add constraint conversation_messages_channel_check check (channel in ('sms', 'email', 'portal', 'chat', 'phone'));
alter table contact_items drop constraint contact_items_channel_check,
  add constraint contact_items_channel_check check (channel in ('sms', 'email', 'portal', 'chat', 'phone'));

create table contact_calls (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  -- The telephony platform's id for the call.
  call_ref text not null check (length(call_ref) between 1 and 100),
  conversation_id uuid not null references conversations(id) on delete cascade,
  item_id uuid references contact_items(id) on delete cascade,
  -- As the platform gave it; null when withheld.
  caller_number text check (length(caller_number) <= 40),
  dialled text check (length(dialled) <= 40),
  -- The IVR menus the caller went through and what they chose: [{ menu, choice, label }].
  ivr jsonb not null default '[]',
  state text not null check (state in ('offered', 'answered', 'held', 'ended')),
  offered_at timestamptz not null,
  answered_at timestamptz,
  ended_at timestamptz,
  held_since timestamptz,
  held_seconds integer not null default 0,
  transfers smallint not null default 0,
  -- The caller hung up before anyone answered.
  abandoned boolean not null default false,
  answered_by text check (length(answered_by) <= 100)
);
create unique index contact_calls_ref on contact_calls (force_id, call_ref);
create index contact_calls_item on contact_calls (item_id);
select waypoint_grant_app('contact_calls');
select waypoint_enable_tenancy('contact_calls');

create table contact_call_events (
  id bigint generated always as identity primary key,
  force_id text not null references forces(id),
  call_id uuid not null references contact_calls(id) on delete cascade,
  -- The platform's id for the event: an event sent again is taken once.
  event_id text not null check (length(event_id) between 1 and 200),
  kind text not null check (kind in ('offered', 'ivr', 'answered', 'held', 'resumed', 'transferred', 'ended')),
  occurred_at timestamptz not null,
  agent text check (length(agent) <= 100),
  detail jsonb not null default '{}',
  received_at timestamptz not null
);
create unique index contact_call_events_event on contact_call_events (force_id, event_id);
create index contact_call_events_call on contact_call_events (call_id, occurred_at, id);
select waypoint_grant_app('contact_call_events', 'select, insert');
select waypoint_enable_tenancy('contact_call_events');

-- A contact turned into a call-back (from any channel, or a call the caller gave up on): the
-- number to ring and why. The contact itself waits in the queue on the channel `phone`.
create table contact_callbacks (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  from_channel text not null,
  number text not null check (length(number) between 1 and 40),
  reason text not null check (reason in ('requested', 'abandoned')),
  note text check (length(note) <= 500),
  requested_by uuid,
  requested_at timestamptz not null
);
create index contact_callbacks_item on contact_callbacks (item_id, requested_at desc);
select waypoint_grant_app('contact_callbacks', 'select, insert');
select waypoint_enable_tenancy('contact_callbacks');
