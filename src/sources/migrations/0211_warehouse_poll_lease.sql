-- One poll of a force's warehouse at a time: a scheduled poll and "poll now" (or two workers)
-- would otherwise read the same rows twice. A poll claims the source until it records its outcome;
-- a claim older than the lease (a worker that died mid-poll) is taken over.
alter table warehouse_sources add column poll_started_at timestamptz;
