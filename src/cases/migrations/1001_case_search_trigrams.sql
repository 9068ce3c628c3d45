-- Staff search (/console/cases) matches part of a crime or incident reference, part of a name or
-- the last digits of a phone number anywhere in the text, at a year's volume (decision 0022).
-- A `like '%…%'` cannot use a B-tree index, and under row-level security PostgreSQL checks each
-- row's policy before a condition that is not leakproof, so every crime, incident, person and
-- phone number of the region was read (about a second at a year of Kent). Trigram indexes
-- (pg_trgm, loaded by PGlite too) answer the substring; these functions look the ids up through
-- them among the rows the transaction's force may read — its own (waypoint_current_force(),
-- sealed: decision 0019) and those a live sharing agreement opens to it, as the tables' policies
-- allow — and return ids alone. The rows are then read under row-level security as before.
create extension if not exists pg_trgm;

create index crimes_crime_ref_trigrams on crimes using gin (upper(replace(crime_ref, ' ', '')) gin_trgm_ops);
create index incidents_cad_ref_trigrams on incidents using gin (upper(replace(cad_ref, ' ', '')) gin_trgm_ops);
create index people_display_name_trigrams on people using gin (lower(display_name) gin_trgm_ops);
create index contact_points_phone_trigrams on contact_points using gin (value gin_trgm_ops) where kind = 'phone';

-- The forces whose records of `record_kind` the transaction's force may read: its own, and those
-- sharing with it now (the shared-read policies' own test, migration 0520).
create function waypoint_readable_forces(record_kind text) returns setof text
  language sql stable security definer set search_path from current as $$
  select waypoint_current_force() where waypoint_current_force() is not null
  union
  select a.from_force_id from sharing_agreements a
  where a.to_force_id = waypoint_current_force() and record_kind = any (a.record_kinds)
    and a.revoked_at is null and a.starts_at <= now() and (a.expires_at is null or a.expires_at > now())
$$;
revoke all on function waypoint_readable_forces(text) from public;

-- Crimes and incidents whose reference (upper case, no spaces) is `like reference_pattern`: the
-- first 25 of each by reference. Planned for the pattern given (EXECUTE): planned for any
-- pattern, the planner walked the references in order looking for 25 matches, every crime of
-- the region for a rare one.
create function waypoint_case_search_targets(reference_pattern text)
  returns table (kind text, id uuid)
  language plpgsql stable security definer set search_path from current as $$
begin
  return query execute $q$
    (select 'crime', c.id from crimes c
      where upper(replace(c.crime_ref, ' ', '')) like $1
        and c.force_id in (select waypoint_readable_forces('case'))
      order by c.crime_ref limit 25)
    union all
    (select 'incident', i.id from incidents i
      where upper(replace(i.cad_ref, ' ', '')) like $1
        and i.force_id in (select waypoint_readable_forces('case'))
      order by i.cad_ref limit 25)$q$ using reference_pattern;
end $$;
revoke all on function waypoint_case_search_targets(text) from public;
grant execute on function waypoint_case_search_targets(text) to waypoint_app;

-- People whose name (lower case) is `like name_pattern`, or who have a phone number `like
-- phone_pattern`: the first 50 of each by name, which hold the first 50 of both by name.
create function waypoint_person_search_targets(name_pattern text, phone_pattern text)
  returns setof uuid
  language plpgsql stable security definer set search_path from current as $$
begin
  if name_pattern is not null then
    return query execute $q$
      select p.id from people p
      where lower(p.display_name) like $1 and p.force_id in (select waypoint_readable_forces('person'))
      order by p.display_name limit 50$q$ using name_pattern;
  end if;
  if phone_pattern is not null then
    return query execute $q$
      select p.id from contact_points c join people p on p.id = c.person_id
      where c.kind = 'phone' and c.value like $1
        and c.force_id in (select waypoint_readable_forces('person'))
        and p.force_id in (select waypoint_readable_forces('person'))
      order by p.display_name limit 50$q$ using phone_pattern;
  end if;
end $$;
revoke all on function waypoint_person_search_targets(text, text) from public;
grant execute on function waypoint_person_search_targets(text, text) to waypoint_app;
