-- Scanning attachments: what each file really is (by its first bytes, not the type its sender
-- declared), the outcome in words, and which scanner said so. `failed`: a file that may never be
-- served (too large, or a kind of file that is not accepted), as against `infected`.
alter table conversation_attachments drop constraint conversation_attachments_scan_status_check;
alter table conversation_attachments add constraint conversation_attachments_scan_status_check
  check (scan_status in ('pending', 'clean', 'infected', 'failed'));
alter table conversation_attachments add column detected_type text;
alter table conversation_attachments add column scan_detail text;
alter table conversation_attachments add column scanned_by text;
create index conversation_attachments_pending on conversation_attachments (created_at)
  where scan_status = 'pending';
