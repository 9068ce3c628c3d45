-- A member of staff may remove an opt-out when the person asks to hear again: why is kept beside
-- who and when, and the person page reads every opt-out of an address, removed ones too.
alter table message_opt_outs add column withdrawn_reason text
  check (withdrawn_reason is null or char_length(withdrawn_reason) <= 1000);
create index message_opt_outs_by_address on message_opt_outs (force_id, address_key, recorded_at desc);
