-- A person is enrolled at most once in a journey for one occurrence (an incident and the crime
-- raised from it, src/cases/migrations/0320_occurrences.sql), whichever record enrolled them and
-- however many transactions try at once: the unique index below decides. When a late link makes
-- two enrolments one occurrence, the later is merged into the earlier (`merged_into`) and ends;
-- a merged enrolment stays as the record of what it did.
alter table enrolments add column occurrence_id uuid;
alter table enrolments add column merged_into uuid;

update enrolments e set occurrence_id = coalesce(
  (select c.occurrence_id from crimes c where c.id = e.crime_id),
  (select i.occurrence_id from incidents i where i.id = e.incident_id),
  (select c.occurrence_id from crimes c where c.id = e.case_id),
  (select i.occurrence_id from incidents i where i.id = e.case_id),
  e.case_id);

-- Enrolments made twice before this rule: the later of each pair is merged into the earliest.
with ranked as (
  select id, first_value(id) over w as first_id, row_number() over w as n
  from enrolments
  window w as (partition by journey_id, occurrence_id, person_id order by enrolled_at, id)
)
update enrolments e set
  merged_into = r.first_id,
  status = case when e.status in ('active', 'waiting-event') then 'cancelled' else e.status end,
  end_reason = coalesce(e.end_reason, 'the same journey already runs for this person on this occurrence'),
  due_at = null,
  waiting_for = null
from ranked r where r.id = e.id and r.n > 1;

alter table enrolments alter column occurrence_id set not null;
drop index enrolments_once;
create unique index enrolments_once on enrolments (journey_id, occurrence_id, person_id) where merged_into is null;
create index enrolments_by_occurrence on enrolments (occurrence_id, person_id);
create index enrolments_by_case on enrolments (case_id);
