-- A journey's Victims' Code contact row (migration 0982) is recomputed from its steps and
-- messages, and those of the journeys merged into it. The refresh read them in a subquery that
-- referred to each journey outside it (`s.enrolment_id in (select e.id union all select x.id …
-- where x.merged_into = e.id)`), which PostgreSQL ran once per journey, and in a bulk change
-- (tables filled in the same transaction, so without statistics) as a scan of every step: each
-- refresh of k journeys cost k × (the steps in the table), the square of a bulk insert's size
-- (8,000 crimes: 27 s of a 36 s load; 165,000: over an hour, never finished). It is now one
-- set-based statement: the journeys, those merged into them, their steps and messages, joined
-- with no reference out of it, so a few journeys are read by index and many by hash, and the
-- cost follows the rows read (8,000 crimes: 0.5 s; 40,000: 3.2 s). What the row says is
-- unchanged. (Migration 1440 read each journey's steps by index from the journey, linear up to
-- 16,000 crimes, but at 40,000 the planner, without statistics, again scanned every step per
-- journey.)
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
  -- One set-based statement: the journeys, each with those merged into it, joined to their steps
  -- and messages. Nothing in it refers to a row outside it, so PostgreSQL joins by index for a
  -- few journeys and by hash for many; neither grows faster than the rows it reads.
  update vcop_deadline_contacts c
  set force_id = f.force_id, crime_id = f.crime_id, person_id = f.person_id, case_id = f.case_id,
    enrolled_at = f.enrolled_at, due_at = f.due_at, handed_at = f.handed_at, delivered_at = f.delivered_at
  from (
    with targets as materialized (
      select e.id, e.force_id, e.crime_id, e.person_id, e.case_id, e.enrolled_at,
        case when e.merged_into is null then e.vcop_due_at end as due_at
      from enrolments e where e.id = any (enrolment_ids)
    ),
    members as (
      select t.id as root, t.id as member from targets t
      union all
      select t.id, x.id from targets t join enrolments x on x.merged_into = t.id
    ),
    contact as (
      select mb.root, min(coalesce(m.sent_at, m.completed_at)) as handed_at,
        min(m.completed_at) filter (where m.status = 'delivered') as delivered_at
      from members mb
      join enrolment_steps s on s.enrolment_id = mb.member
      join messages m on m.id = s.message_id
      where m.status in ('sent', 'delivered') and not m.is_test
      group by mb.root
    )
    select t.*, contact.handed_at, contact.delivered_at
    from targets t left join contact on contact.root = t.id
  ) f
  where c.enrolment_id = f.id
    and (c.force_id, c.crime_id, c.person_id, c.case_id, c.enrolled_at, c.due_at, c.handed_at, c.delivered_at)
      is distinct from (f.force_id, f.crime_id, f.person_id, f.case_id, f.enrolled_at, f.due_at, f.handed_at, f.delivered_at);
end $$;
revoke all on function waypoint_vcop_deadline_contacts_refresh(uuid[]) from public;
