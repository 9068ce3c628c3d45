-- The outbox lists a force's newest messages of one status (held back, failed, …): read them
-- newest first from an index instead of walking every message the force has sent.
create index messages_status_created on messages (force_id, status, created_at desc);
