-- Journeys look enrolments and decisions up by case within the force's row-level security, which
-- the planner applies as a filter, not an index condition: the (force_id, …) indexes could not
-- serve `incident_id in (…)` or `crime_id = …` alone, and each case event scanned every
-- enrolment. These lead with the case.
create index enrolments_by_incident on enrolments (incident_id) where incident_id is not null;
create index enrolments_by_crime on enrolments (crime_id) where crime_id is not null;
create index enrolments_by_person on enrolments (person_id);
create index enrolment_decisions_by_incident on enrolment_decisions (incident_id) where incident_id is not null;
create index enrolment_decisions_by_crime on enrolment_decisions (crime_id) where crime_id is not null;
