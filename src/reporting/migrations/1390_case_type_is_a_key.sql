-- The per-day counts (migration 1000) give a message its case's type when the message is counted,
-- and a change of type moves the messages already committed (migration 1022). The two must be
-- serialised per case: a message counted while its crime is retyped must either be seen by the
-- move or read the new type. Migration 1021 did it with row locks: a message reads the type
-- under a key-share lock, and a change of type first locked the row for update (a trigger), then
-- updated it. That relied on PostgreSQL never granting a key-share and a for-update lock on a row
-- at once, which by its source it can (decision 0051; the instant is too brief to drive from a
-- test): a key-share request that finds the row only locked lets go of the page and, when it has
-- it again, starts over only if the row was updated meanwhile, not if it was locked for update.
-- The update that followed changed no key, so it did not wait for the key-share holder either;
-- the move missed the message (not yet committed), which had read the old type: 2 of 120
-- held-back messages in one run of six of src/reporting/counts-under-concurrency.test.ts under
-- load.
--
-- Now the type is a key column: a unique index that names it (its rows are unique by id anyway).
-- A change of type is then an update of a key, which conflicts with key-share in the update
-- itself: it waits for every key-share holder on the row, however that lock was granted, and a
-- key-share request that comes after it waits for it and reads the new version. No lock-for-update
-- comes first, so the triggers of 1021 go. Only a statement that names the type takes the row as
-- for a change of key (PostgreSQL decides by the columns an update names, for an upsert and for a
-- row locked before its triggers), so the source writes changes of type in a statement of their
-- own and its upsert no longer names the type (src/cases/staged-store.ts); an update of anything
-- else, or one that sets the same type, still does not wait for messages being counted.
create unique index crimes_type_is_key on crimes (id, crime_type);
create unique index incidents_type_is_key on incidents (id, incident_type);

drop trigger crimes_type_change_lock on crimes;
drop trigger incidents_type_change_lock on incidents;
drop function waypoint_case_type_change_lock();
