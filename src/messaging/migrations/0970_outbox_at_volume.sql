-- The outbox at a year's volume (825,000 messages a force). Pages are read newest first by
-- keyset (created_at, id), so each order index ends in id and replaces the one without it; the
-- template filter has its own; a person's name is found by its words (case-insensitive), for
-- the outbox's search by name. Phone numbers and email addresses are found through
-- messages_recipient (the normalised recipient_key) and references through their unique index.
create index messages_outbox_order on messages (force_id, created_at desc, id desc);
drop index messages_created;
create index messages_outbox_status on messages (force_id, status, created_at desc, id desc);
drop index messages_status_created;
create index messages_outbox_template on messages (force_id, template_key, created_at desc, id desc);
create index people_name_words on people
  using gin ((regexp_split_to_array(lower(coalesce(display_name, '')), '\s+')));
