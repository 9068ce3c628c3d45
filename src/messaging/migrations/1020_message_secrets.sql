-- Messages that carry a credential: a portal sign-in or verification code, an invitation link
-- with its single-use token. Staff who read the outbox, the message page, its CSV, a case's or a
-- person's messages, and the CAD or RMS the message is written back to must never see one (the
-- code or link would let them act as the person). Such a message is `sensitive`: its subject and
-- bodies in `messages` are rendered with the credential hidden ("[code hidden]"), and the words
-- the person gets are kept apart in `message_secrets`, which the tenant role may write but never
-- read; dispatch (the system role) reads them to hand the message to the provider. They are kept
-- only while the message may still be handed over (scheduled or sending, which a retry or a
-- reconciliation goes back through): once it is sent, delivered, failed, cancelled or
-- suppressed, the row is deleted in the same transaction, so the credential is gone from the
-- database.
alter table messages add column sensitive boolean not null default false;

create table message_secrets (
  message_id uuid primary key references messages(id) on delete cascade,
  force_id text not null references forces(id),
  -- { "subject", "text", "markdown", "html" } as rendered for the person.
  content jsonb not null
);
grant insert on message_secrets to waypoint_app;
grant select, insert, delete on message_secrets to waypoint_system;
select waypoint_enable_tenancy('message_secrets');

create function waypoint_message_secret_erase() returns trigger
  language plpgsql security definer set search_path from current as $$
begin
  delete from message_secrets where message_id = new.id;
  return null;
end $$;
revoke all on function waypoint_message_secret_erase() from public;

-- Fires only for sensitive messages, so other messages' moves cost nothing more.
create trigger messages_secret_erased after update of status on messages
  for each row when (new.sensitive and new.status not in ('scheduled', 'sending'))
  execute function waypoint_message_secret_erase();
