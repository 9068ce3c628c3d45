-- One occurrence: what happened to the people on a case. A CAD log and the crime raised from it
-- (and any other log that crime names) are one occurrence, whichever the sources send first and
-- however late the link between them arrives. Every incident and crime names its occurrence;
-- linking two records of different occurrences merges them into one. Journeys enrol a person
-- once per journey per occurrence.
alter table incidents add column occurrence_id uuid not null default gen_random_uuid();
alter table crimes add column occurrence_id uuid not null default gen_random_uuid();

-- Records already linked: each group of linked logs and crimes takes its smallest member's id.
with recursive edges (a, b) as (
  select crime_id, incident_id from crime_incidents
  union all
  select incident_id, crime_id from crime_incidents
),
reach (node, member) as (
  select id, id from incidents
  union
  select id, id from crimes
  union
  select e.b, r.member from reach r join edges e on e.a = r.node
),
grouped as (select node, min(member::text)::uuid as occurrence from reach group by node)
update incidents i set occurrence_id = g.occurrence from grouped g where g.node = i.id;

with recursive edges (a, b) as (
  select crime_id, incident_id from crime_incidents
  union all
  select incident_id, crime_id from crime_incidents
),
reach (node, member) as (
  select id, id from incidents
  union
  select id, id from crimes
  union
  select e.b, r.member from reach r join edges e on e.a = r.node
),
grouped as (select node, min(member::text)::uuid as occurrence from reach group by node)
update crimes c set occurrence_id = g.occurrence from grouped g where g.node = c.id;

create index incidents_by_occurrence on incidents (occurrence_id);
create index crimes_by_occurrence on crimes (occurrence_id);
