-- Portal messaging (decision 0028): what a message is (an ordinary message, the force asking for
-- information, the person's answer to such a request, or extra information the force sends),
-- the person hiding a message from their own view (soft delete: the force keeps it), an officer
-- recalling or editing a message within the force's window (the original kept for evidence), when
-- a person's message is due an answer under the force's working-hours SLA, when it was answered
-- and when it was escalated to a supervisor, and whether it read as a new crime.
alter table conversation_messages add column kind text not null default 'message'
  check (kind in ('message', 'information-request', 'information', 'extra-information'));
alter table conversation_messages add column answers_request uuid references conversation_messages(id);
alter table conversation_messages add column hidden_by_citizen_at timestamptz;
alter table conversation_messages add column recalled_at timestamptz;
alter table conversation_messages add column edited_at timestamptz;
alter table conversation_messages add column original_body text;
alter table conversation_messages add column changed_by uuid;
alter table conversation_messages add column due_by timestamptz;
alter table conversation_messages add column answered_at timestamptz;
alter table conversation_messages add column escalated_at timestamptz;
alter table conversation_messages add column new_crime_rule text check (length(new_crime_rule) <= 200);
-- Messages waiting for an answer, by when they are due (the escalation job and "My cases").
create index conversation_messages_due on conversation_messages (due_by)
  where direction = 'inbound' and answered_at is null and due_by is not null;
