-- Messaging: templates, messages and their lifecycle, opt-outs, contact-point health, per-force
-- settings and the shared provider rate limit. Runs unchanged on PGlite and PostgreSQL 15.

-- Per-force messaging settings: which channel sends, branding (UJ-12), links (UJ-11) and the
-- sending windows (UJ-8). One row per force; a force without a row uses the defaults.
create table messaging_settings (
  force_id text primary key references forces(id),
  sms_channel text not null default 'outbox' check (sms_channel in ('outbox', 'notify')),
  email_channel text not null default 'outbox' check (email_channel in ('outbox', 'notify', 'smtp')),
  sender_name text,
  reply_to_email text,
  notify_sms_sender_id text,
  notify_email_reply_to_id text,
  branding jsonb not null default '{}',
  links jsonb not null default '[]',
  sending_windows jsonb not null default '{}',
  updated_by uuid,
  updated_at timestamptz not null default now()
);
select waypoint_grant_app('messaging_settings');
select waypoint_enable_tenancy('messaging_settings');

-- Versioned templates: a change is a new version; messages keep the version they used.
create table message_templates (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  key text not null,
  title text not null,
  channel text not null check (channel in ('sms', 'email')),
  language text not null default 'en',
  version integer not null,
  subject text,
  body text not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  unique (force_id, key, channel, language, version)
);
select waypoint_grant_app('message_templates', 'select, insert');
select waypoint_enable_tenancy('message_templates');

create table messages (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  -- Our unique reference, sent to the provider: reconciliation after a crash asks for it.
  reference text not null unique,
  person_id text,
  case_id text,
  channel text not null check (channel in ('sms', 'email')),
  provider text not null check (provider in ('outbox', 'notify', 'smtp')),
  recipient text not null,
  recipient_key text not null,
  template_id uuid references message_templates(id),
  template_key text,
  template_version integer,
  language text not null default 'en',
  subject text,
  body text not null,
  body_markdown text,
  body_html text,
  due_at timestamptz not null,
  send_after timestamptz not null,
  urgent boolean not null default false,
  status text not null check (status in ('scheduled', 'sending', 'sent', 'delivered', 'permanent-failure',
    'temporary-failure', 'technical-failure', 'cancelled', 'suppressed')),
  status_reason text,
  provider_ref text,
  attempts integer not null default 0,
  last_error text,
  sending_since timestamptz,
  sent_at timestamptz,
  completed_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index messages_due on messages (send_after) where status = 'scheduled';
create index messages_sending on messages (sending_since) where status = 'sending';
create index messages_awaiting_receipt on messages (sent_at) where status = 'sent';
create index messages_person on messages (force_id, person_id);
create index messages_case on messages (force_id, case_id);
create index messages_recipient on messages (force_id, recipient_key);
create index messages_provider_ref on messages (provider_ref);
create index messages_created on messages (force_id, created_at desc);
select waypoint_grant_app('messages');
select waypoint_enable_tenancy('messages', 'message');

-- Every transition of a message, append-only.
create table message_events (
  id bigserial primary key,
  force_id text not null references forces(id),
  message_id uuid not null references messages(id),
  from_status text,
  to_status text not null,
  detail text,
  actor_id uuid,
  at timestamptz not null default now()
);
create index message_events_message on message_events (message_id, id);
select waypoint_grant_app('message_events', 'select, insert');
grant usage, select on sequence message_events_id_seq to waypoint_app, waypoint_system;
select waypoint_enable_tenancy('message_events', 'message');

-- Opt-outs (UJ-6): a person's choice not to receive automated messages on a channel (or all).
create table message_opt_outs (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  channel text not null check (channel in ('sms', 'email', 'all')),
  address_key text not null,
  source text not null check (source in ('sms-stop', 'email-link', 'staff')),
  note text,
  recorded_by uuid,
  recorded_at timestamptz not null default now(),
  withdrawn_by uuid,
  withdrawn_at timestamptz
);
create unique index message_opt_outs_active on message_opt_outs (force_id, channel, address_key) where withdrawn_at is null;
select waypoint_grant_app('message_opt_outs');
select waypoint_enable_tenancy('message_opt_outs');

-- A phone number or email address that has failed permanently: staff are alerted and journeys
-- stop using it until someone confirms new details (the cases capability owns the details).
create table contact_point_health (
  force_id text not null references forces(id),
  address_key text not null,
  channel text not null check (channel in ('sms', 'email')),
  status text not null check (status in ('bad', 'ok')),
  reason text,
  message_id uuid references messages(id),
  failed_at timestamptz not null,
  acknowledged_by uuid,
  acknowledged_at timestamptz,
  primary key (force_id, address_key)
);
select waypoint_grant_app('contact_point_health');
select waypoint_enable_tenancy('contact_point_health');

-- Shared provider rate limits (Notify: 3,000 messages a minute per API key), one token bucket
-- row per key, updated atomically by every worker.
create table provider_rate_buckets (
  bucket text primary key,
  tokens double precision not null,
  capacity double precision not null,
  refill_per_second double precision not null,
  refilled_at timestamptz not null
);
grant select, insert, update on provider_rate_buckets to waypoint_system;

-- One dispatch wake-up job per second with messages due, however many messages share it.
create table message_dispatch_wakeups (
  at timestamptz primary key
);
grant select, insert, delete on message_dispatch_wakeups to waypoint_system, waypoint_app;
