-- Replies: an outbound conversation message sent by text or email goes through messaging's
-- dispatch as a `messages` row (rate limits, reconciliation, receipts, write-back) and carries
-- that row's id. Its delivery state follows the row's status, kept in step by the trigger below
-- whatever moves it (dispatch, a receipt, a status poll, an opt-out cancelling it).
alter table conversation_messages add column message_id uuid references messages(id) on delete set null;
create unique index conversation_messages_message on conversation_messages (message_id)
  where message_id is not null;
alter table conversation_messages drop constraint conversation_messages_delivery_status_check;
alter table conversation_messages add constraint conversation_messages_delivery_status_check
  check (delivery_status in ('received', 'queued', 'sending', 'sent', 'delivered', 'failed', 'cancelled'));
-- A failed message: permanent (the address cannot take it) or temporary (the phone was off, the
-- provider failed), with the reason in words.
alter table conversation_messages add column failure text check (failure in ('permanent', 'temporary'));
alter table conversation_messages add column status_reason text;
-- The force's unread messages (the console's home page counts them).
create index conversation_messages_unread on conversation_messages (force_id, conversation_id)
  where direction = 'inbound' and read_at is null;

-- Read state per participant: how far each has read (staff when they open the conversation, the
-- citizen in the portal).
alter table conversation_participants add column last_read_at timestamptz;

create or replace function waypoint_conversation_delivery() returns trigger language plpgsql as $$
begin
  update conversation_messages set
    delivery_status = case new.status
      when 'scheduled' then 'queued'
      when 'sending' then 'sending'
      when 'sent' then 'sent'
      when 'delivered' then 'delivered'
      when 'cancelled' then 'cancelled'
      when 'suppressed' then 'cancelled'
      else 'failed' end,
    failure = case new.status
      when 'permanent-failure' then 'permanent'
      when 'temporary-failure' then 'temporary'
      when 'technical-failure' then 'temporary' end,
    status_reason = case when new.status in ('permanent-failure', 'temporary-failure', 'technical-failure',
      'cancelled', 'suppressed') then coalesce(new.status_reason, new.last_error) end
  where message_id = new.id;
  return null;
end $$;
create trigger messages_conversation_delivery after update of status on messages
  for each row when (old.status is distinct from new.status)
  execute function waypoint_conversation_delivery();
