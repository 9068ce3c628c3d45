-- Victims' Code reports and the deadlines page read one force's deadlines in a date range
-- (CP-65): without this they read every enrolment the force has. The second index finds the
-- enrolments merged into a deadline's, whose messages count as contact too.
create index enrolments_vcop_due on enrolments (force_id, vcop_due_at) where vcop_due_at is not null;
create index enrolments_merged_into on enrolments (merged_into) where merged_into is not null;
