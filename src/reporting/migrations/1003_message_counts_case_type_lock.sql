-- The per-day counts (migration 1000) give a message its case's current type. A message written
-- or changed in one transaction while another retyped its crime could be counted under the
-- type it read, and the retype's move would not see it: the counts of two types then disagreed
-- with the messages. Reading the type now takes a share lock on the crime or incident row, so
-- a message change waits for a retype in progress (and then reads the new type), and a retype
-- waits for message changes in progress (and then moves what they committed).
create or replace function waypoint_message_case_type(case_id text) returns text
  language sql volatile set search_path from current as $$
  select coalesce(
    (select c.crime_type from crimes c
      where case_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' and c.id = case_id::uuid
      for share),
    (select i.incident_type from incidents i
      where case_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' and i.id = case_id::uuid
      for share),
    'Not recorded')
$$;
