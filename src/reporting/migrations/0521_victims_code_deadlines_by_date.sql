-- The Victims' Code counts and pages read the deadlines of a date range. Under row-level
-- security the force is a policy filter, not an index condition, so enrolments_vcop_due (force,
-- deadline) was walked from its first entry, and the planner chose to read every enrolment
-- instead. This index leads with the deadline, holds only the deadlines the reports count (not
-- those of enrolments merged into another) and carries what the reports group by, so the
-- period's deadlines are read from it alone.
create index enrolments_vcop_deadlines on enrolments (vcop_due_at)
  include (force_id, crime_id, person_id, case_id, enrolled_at)
  where vcop_due_at is not null and merged_into is null;
drop index enrolments_vcop_due;
