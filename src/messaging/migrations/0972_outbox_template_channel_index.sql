-- The outbox filtered by template and channel together (an email template's messages): read in
-- order, and counted up to the bound, from one index instead of a scan of the force's messages
-- (300 ms to count them at a year of Kent, bench/console.ts).
create index messages_outbox_template_channel on messages (force_id, template_key, channel, created_at desc, id desc);
