-- The case and person pages list each message a journey sent with the step and decision behind
-- it, and the message page for officers finds its step by message: both read by index.
create index enrolment_steps_by_message on enrolment_steps (message_id) where message_id is not null;
create index enrolment_decisions_by_person on enrolment_decisions (person_id) where outcome = 'enrolled';
