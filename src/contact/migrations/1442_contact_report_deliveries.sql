-- Each email of a scheduled report's slot, one per member of staff (decision 0065). The slot is
-- taken, its report run and its emails written down in one transaction; each email is then sent
-- on its own, outside it, and marked sent. So one refused or failed address no longer sends the
-- report again to the others, and an email is sent again only if its own send did not finish:
-- with the same Message-ID, which mail systems use to put two copies of one message together.
--
-- status: pending (to send, at next_attempt_at), sending (a worker has it; one that stopped
-- mid-send leaves it so, and it is sent again once updated_at is 15 minutes old), sent, or
-- failed (after the fifth failure, or when the person may no longer receive the report).
-- last_error holds an error's code only, never its text, which may carry an address.
create table contact_report_deliveries (
  force_id text not null references forces(id),
  report_id uuid not null,
  slot timestamptz not null,
  staff_id uuid not null references staff_users(id),
  message_id text not null check (length(message_id) <= 200),
  status text not null default 'pending' check (status in ('pending', 'sending', 'sent', 'failed')),
  attempts smallint not null default 0,
  next_attempt_at timestamptz not null,
  updated_at timestamptz not null,
  sent_at timestamptz,
  last_error text check (length(last_error) <= 60),
  primary key (report_id, slot, staff_id),
  foreign key (report_id, slot) references contact_report_runs (report_id, slot) on delete cascade
);
create index contact_report_deliveries_open on contact_report_deliveries (next_attempt_at)
  where status in ('pending', 'sending');
select waypoint_grant_app('contact_report_deliveries', 'select, insert, update, delete');
select waypoint_enable_tenancy('contact_report_deliveries');

-- The email every recipient of the run gets (subject, text, the CSV if attached), kept until no
-- email of the run is left to send, then cleared.
alter table contact_report_runs add column email jsonb;
