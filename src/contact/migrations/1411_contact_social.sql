-- Social media (issue 15 item 2; CRM-8): a generic signed webhook channel. A force's social
-- platform connector posts each message a person sent, signed with HMAC-SHA256 under the force's
-- secret; the message lands in a conversation on the channel `social` and in the contact queue.
-- A handler's reply is queued here and posted, signed the same way, to the connector's address
-- (on the deployment's webhook allow-list), retried with backoff until delivered or given up.
alter table conversations drop constraint conversations_channel_check,
  add constraint conversations_channel_check check (channel in ('sms', 'email', 'portal', 'chat', 'phone', 'social'));
alter table conversation_messages drop constraint conversation_messages_channel_check,
  add constraint conversation_messages_channel_check
    check (channel in ('sms', 'email', 'portal', 'chat', 'phone', 'letter', 'social'));
alter table contact_items drop constraint contact_items_channel_check,
  add constraint contact_items_channel_check check (channel in ('sms', 'email', 'portal', 'chat', 'phone', 'social'));

-- The force's connector: off, or on with its address and the shared secret (sealed with the
-- credential key, bound to the force; staff see its last four characters only).
create table contact_social_settings (
  force_id text primary key references forces(id),
  enabled boolean not null,
  url text check (length(url) <= 500),
  secret_sealed text,
  secret_last4 text check (length(secret_last4) <= 4),
  updated_by uuid not null,
  updated_at timestamptz not null,
  check (not enabled or (url is not null and secret_sealed is not null))
);
select waypoint_grant_app('contact_social_settings', 'select, insert, update');
select waypoint_enable_tenancy('contact_social_settings');

-- Replies on their way to the connector: one a reply, leased by a delivery run, retried with
-- backoff; `delivered` or `dead` (given up), which the reply's status in the conversation shows.
create table contact_social_deliveries (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  message_id uuid not null unique references conversation_messages(id) on delete cascade,
  payload jsonb not null,
  status text not null check (status in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  window_started_at timestamptz not null,
  last_http_status integer,
  last_error text check (length(last_error) <= 500),
  delivered_at timestamptz,
  created_at timestamptz not null
);
create index contact_social_deliveries_due on contact_social_deliveries (next_attempt_at) where status = 'pending';
select waypoint_grant_app('contact_social_deliveries', 'select, insert, update');
select waypoint_enable_tenancy('contact_social_deliveries');
