-- A person's name is indexed by its words for the outbox's search (0970), but a GIN entry must
-- fit in an index page: one "word" of a few thousand characters (a name a source sent without
-- spaces, which Waypoint stores and finds by its hash: CP-163) failed the insert. Only the first
-- 500 characters of a name are split into words now, so no entry exceeds 2,000 bytes; a name's
-- words past that point are not searchable from the outbox, and nothing is refused.
drop index people_name_words;
create index people_name_words on people
  using gin ((regexp_split_to_array(lower(left(coalesce(display_name, ''), 500)), '\s+')));

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
      and regexp_split_to_array(lower(left(coalesce(display_name, ''), 500)), '\s+') @> name_words
    limit 1000)
$$;
revoke all on function waypoint_outbox_search_targets(text, text[]) from public;
grant execute on function waypoint_outbox_search_targets(text, text[]) to waypoint_app;
