-- As 0101 for cases: look-ups that row-level security's OR would otherwise turn into scans.
create index source_events_by_event_id on source_events (source_system, source_event_id);
create index source_events_by_status on source_events (status, received_at);
create index mapping_profiles_by_system on mapping_profiles (source_system, version);
