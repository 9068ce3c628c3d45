-- Case events as a transactional outbox. Batch ingest writes a change and its timeline entries in
-- one transaction and leaves them undelivered; `CaseService.deliverPending` then hands them to
-- the listeners (Journeys) in order and marks each delivered. A listener that refuses an event
-- is retried; after five attempts the event is marked delivered with the error kept on record.
alter table case_timeline add column delivered_at timestamptz;
alter table case_timeline add column delivery_attempts integer not null default 0;
alter table case_timeline add column delivery_error text;
update case_timeline set delivered_at = recorded_at;
create index case_timeline_undelivered on case_timeline (force_id, id) where delivered_at is null;
grant update (delivered_at, delivery_attempts, delivery_error) on case_timeline to waypoint_app, waypoint_system;
