-- Letters (CRM-21): message templates gain the channel `letter`, written in the template editor
-- beside the text message and the email, in each language, with versions. A handler makes a
-- letter from a contact: the template filled from the person and one of their cases, with the
-- address on record, as a PDF. The letter is an outbound message of the contact's conversation
-- on the channel `letter` (so it is on the person's single view), its PDF an attachment scanned
-- like any other file; this table says which template, version and case made it and who made it,
-- and goes when retention deletes the conversation or the contact.
alter table message_templates drop constraint message_templates_channel_check,
  add constraint message_templates_channel_check check (channel in ('sms', 'email', 'letter'));
alter table conversation_messages drop constraint conversation_messages_channel_check,
  add constraint conversation_messages_channel_check
    check (channel in ('sms', 'email', 'portal', 'chat', 'phone', 'letter'));

create table contact_letters (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  person_id uuid not null,
  conversation_id uuid not null references conversations(id) on delete cascade,
  message_id uuid not null references conversation_messages(id) on delete cascade,
  attachment_id uuid not null references conversation_attachments(id) on delete cascade,
  template_id uuid not null references message_templates(id),
  template_key text not null check (length(template_key) between 2 and 63),
  template_version integer not null,
  language text not null check (length(language) between 2 and 8),
  -- The case the placeholders were filled from: a crime or an incident, or none.
  crime_id uuid,
  incident_id uuid,
  sha256 text not null check (length(sha256) = 64),
  created_by uuid not null,
  created_by_name text not null check (length(created_by_name) <= 200),
  created_at timestamptz not null
);
create index contact_letters_item on contact_letters (item_id, created_at);
create index contact_letters_person on contact_letters (force_id, person_id, created_at desc);
select waypoint_grant_app('contact_letters', 'select, insert');
select waypoint_enable_tenancy('contact_letters');
