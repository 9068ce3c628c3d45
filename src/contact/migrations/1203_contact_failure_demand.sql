-- Failure demand (CRM-13): whether a contact's outcome was demand the force caused by not doing
-- something, or not doing it right, first time (chasing an update above all), kept with the
-- contact when its outcome is recorded so reports count it without knowing the outcome codes.
alter table contact_items add column failure_demand boolean;
alter table contact_items add constraint contact_items_failure_demand_closed
  check ((status = 'closed') = (failure_demand is not null));

-- Assessments of one contact in the order they were made, even within one clock tick.
alter table contact_thrive_assessments add column seq bigint generated always as identity;
