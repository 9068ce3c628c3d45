-- A person's opt-out (UJ-6) is written back to the CAD log or crime record like a message is
-- (UJ-9, UJ-10), as its own kind of entry so the source system can tell it from a message.
alter table writeback_entries drop constraint writeback_entries_kind_check;
alter table writeback_entries add constraint writeback_entries_kind_check
  check (kind in ('message-sent', 'message-received', 'officer-update', 'note', 'opt-out'));
