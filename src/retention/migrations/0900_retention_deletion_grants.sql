-- PIRM deletion (UJ-3, CP-4, CRM-4): the retention role may delete from the append-only tables
-- of every capability. Numbered after their migrations so that the tables exist; row-level
-- security still confines it to the force of the transaction.
grant delete on case_timeline, message_events, enrolment_steps, enrolment_decisions, source_events,
  writeback_attempts
  to waypoint_retention;
