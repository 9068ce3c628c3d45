-- The outbox's search by crime or incident reference and by a person's name, at a year's volume.
-- Under row-level security PostgreSQL checks a row's policy before any condition that is not
-- leakproof, so upper(replace(crime_ref, …)) and the name's words cannot use their indexes and
-- every crime, incident and person of the region would be read (3.6 s at a year of Kent). This
-- function looks the ids up through those indexes, only ever among the rows of the force the
-- transaction acts for (waypoint_current_force(), sealed: decision 0019) and returns ids alone;
-- the messages themselves are then read under row-level security as before.
create or replace function waypoint_outbox_search_targets(reference_key text, name_words text[])
  returns table (case_id text, person_id text)
  language sql stable security definer set search_path from current as $$
  select id::text, null::text from crimes
    where force_id = waypoint_current_force() and upper(replace(crime_ref, ' ', '')) = reference_key
  union all
  select id::text, null::text from incidents
    where force_id = waypoint_current_force() and upper(replace(cad_ref, ' ', '')) = reference_key
  union all
  (select null::text, id::text from people
    where cardinality(name_words) > 0 and force_id = waypoint_current_force()
      and regexp_split_to_array(lower(coalesce(display_name, '')), '\s+') @> name_words
    limit 1000)
$$;
revoke all on function waypoint_outbox_search_targets(text, text[]) from public;
grant execute on function waypoint_outbox_search_targets(text, text[]) to waypoint_app;
