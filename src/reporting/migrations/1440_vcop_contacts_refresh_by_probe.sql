-- A journey's Victims' Code contact row (migration 0982) is recomputed from its steps and
-- messages, and those of the journeys merged into it. The refresh read them with
-- `s.enrolment_id in (select e.id union all select x.id … where x.merged_into = e.id)`, a
-- subquery that refers to the journey outside it: PostgreSQL cannot make that a join, so it ran
-- it as a filter over every step of every journey it looked at. Each refresh of k journeys cost
-- k × (the steps in the table): a bulk insert of a year's steps (a migration, a restore's
-- replay, bench/year-of-kent.ts) grew with the square of its size (8,000 crimes: 27 s of 36;
-- 165,000: over an hour, never finished). The same rows are now reached from the journey and
-- those merged into it, through the steps' index by journey and the messages' key: each
-- journey costs its own steps, whatever the table holds. What the row says is unchanged.
create or replace function waypoint_vcop_deadline_contacts_refresh(enrolment_ids uuid[]) returns void
  language plpgsql security definer set search_path from current as $$
begin
  if enrolment_ids is null or cardinality(enrolment_ids) = 0 then
    return;
  end if;
  insert into vcop_deadline_contacts (enrolment_id, force_id, person_id, case_id, enrolled_at)
    select e.id, e.force_id, e.person_id, e.case_id, e.enrolled_at from enrolments e
    where e.id = any (enrolment_ids) order by e.id
    on conflict (enrolment_id) do nothing;
  perform 1 from vcop_deadline_contacts where enrolment_id = any (enrolment_ids) order by enrolment_id for update;
  update vcop_deadline_contacts c
  set force_id = f.force_id, crime_id = f.crime_id, person_id = f.person_id, case_id = f.case_id,
    enrolled_at = f.enrolled_at, due_at = f.due_at, handed_at = f.handed_at, delivered_at = f.delivered_at
  from (
    select e.id, e.force_id, e.crime_id, e.person_id, e.case_id, e.enrolled_at,
      case when e.merged_into is null then e.vcop_due_at end as due_at,
      contact.handed_at, contact.delivered_at
    from enrolments e
    cross join lateral (
      select min(coalesce(m.sent_at, m.completed_at)) as handed_at,
        min(m.completed_at) filter (where m.status = 'delivered') as delivered_at
      from (
        select s.message_id from enrolment_steps s where s.enrolment_id = e.id
        union all
        select ms.message_id from enrolments x
        cross join lateral (
          select s.message_id from enrolment_steps s where s.enrolment_id = x.id offset 0
        ) ms
        where x.merged_into = e.id
      ) st
      join messages m on m.id = st.message_id
      where m.status in ('sent', 'delivered') and not m.is_test
    ) contact
    where e.id = any (enrolment_ids)
  ) f
  where c.enrolment_id = f.id
    and (c.force_id, c.crime_id, c.person_id, c.case_id, c.enrolled_at, c.due_at, c.handed_at, c.delivered_at)
      is distinct from (f.force_id, f.crime_id, f.person_id, f.case_id, f.enrolled_at, f.due_at, f.handed_at, f.delivered_at);
end $$;
revoke all on function waypoint_vcop_deadline_contacts_refresh(uuid[]) from public;
