-- The Victims' Code counts (CP-65, decisions 0015 and 0022) read, for each deadline of the
-- period, whether one of its journeys' messages was handed to the provider by the deadline. Read
-- as one probe per journey (and per journey merged into it) into the first contacts, that was
-- about 15,000 deadlines and 60,000 index probes in the default 44 days: about a second at a
-- year's volume, and the home page's "at risk" tile paid it too over nine days. This table keeps,
-- for every journey, its deadline and its first contact side by side: the earliest time one of
-- its messages, or one of a journey merged into it, was handed over and is still sent or
-- delivered (coalesce(sent_at, completed_at); a test send never counts), and the earliest
-- delivery. A journey merged into another has no deadline of its own here (due_at is null), as
-- the report counts it under the one it was merged into. The counts, and the deadlines a page of
-- the report lists, are then one read of an index by deadline, which carries everything they
-- need (with the journey's case and start, which name a deadline's case).
--
-- Triggers keep it in the transaction that changes a message, a journey's steps or the journey,
-- so it equals what the messages say (src/reporting/victims-code.test.ts compares the counts
-- with the report's rows, which are read from the messages). It is self-contained: it reads
-- enrolments, enrolment_steps and messages only.
create table vcop_deadline_contacts (
  enrolment_id uuid primary key references enrolments(id) on delete cascade,
  force_id text not null references forces(id),
  crime_id uuid,
  person_id uuid not null,
  case_id uuid not null,
  enrolled_at timestamptz not null,
  -- The journey's Victims' Code deadline; null when it has none or was merged into another.
  due_at timestamptz,
  handed_at timestamptz,
  delivered_at timestamptz
);
create index vcop_deadline_contacts_due on vcop_deadline_contacts (due_at)
  include (force_id, crime_id, person_id, case_id, enrolled_at, enrolment_id, handed_at, delivered_at)
  where due_at is not null;
select waypoint_grant_app('vcop_deadline_contacts', 'select');
select waypoint_enable_tenancy('vcop_deadline_contacts', 'case');

-- Recomputes these journeys' rows from the journeys, their steps and messages, and those of the
-- journeys merged into them. Each row is made if missing, then locked (in id order), then
-- computed by a later statement that sees what committed meanwhile: two transactions changing
-- messages of one journey at once cannot leave the row with what only one of them saw.
create function waypoint_vcop_deadline_contacts_refresh(enrolment_ids uuid[]) returns void
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
      from enrolment_steps s join messages m on m.id = s.message_id
      where s.enrolment_id in (select e.id union all select x.id from enrolments x where x.merged_into = e.id)
        and m.status in ('sent', 'delivered') and not m.is_test
    ) contact
    where e.id = any (enrolment_ids)
  ) f
  where c.enrolment_id = f.id
    and (c.force_id, c.crime_id, c.person_id, c.case_id, c.enrolled_at, c.due_at, c.handed_at, c.delivered_at)
      is distinct from (f.force_id, f.crime_id, f.person_id, f.case_id, f.enrolled_at, f.due_at, f.handed_at, f.delivered_at);
end $$;
revoke all on function waypoint_vcop_deadline_contacts_refresh(uuid[]) from public;

-- These journeys and those they were merged into.
create function waypoint_vcop_deadline_contacts_with_parents(enrolment_ids uuid[]) returns uuid[]
  language sql stable security definer set search_path from current as $$
  select array(
    select x.id from unnest(enrolment_ids) x (id) where x.id is not null
    union
    select e.merged_into from enrolments e where e.id = any (enrolment_ids) and e.merged_into is not null)
$$;
revoke all on function waypoint_vcop_deadline_contacts_with_parents(uuid[]) from public;

-- Messages whose status or times changed (or that came or went): their journeys' rows.
create function waypoint_vcop_deadline_contacts_on_message() returns trigger
  language plpgsql security definer set search_path from current as $$
declare
  changed uuid[];
begin
  if tg_op = 'INSERT' then
    select array_agg(n.id) into changed from new_rows n;
  elsif tg_op = 'DELETE' then
    select array_agg(o.id) into changed from old_rows o;
  else
    select array_agg(n.id) into changed from new_rows n join old_rows o on o.id = n.id
    where (n.status, n.sent_at, n.completed_at, n.is_test) is distinct from (o.status, o.sent_at, o.completed_at, o.is_test);
  end if;
  if changed is not null then
    perform waypoint_vcop_deadline_contacts_refresh(waypoint_vcop_deadline_contacts_with_parents(array(
      select distinct s.enrolment_id from enrolment_steps s where s.message_id = any (changed))));
  end if;
  return null;
end $$;
revoke all on function waypoint_vcop_deadline_contacts_on_message() from public;

create trigger messages_vcop_deadline_contacts_insert after insert on messages
  referencing new table as new_rows for each statement execute function waypoint_vcop_deadline_contacts_on_message();
create trigger messages_vcop_deadline_contacts_update after update on messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function waypoint_vcop_deadline_contacts_on_message();
create trigger messages_vcop_deadline_contacts_delete after delete on messages
  referencing old table as old_rows for each statement execute function waypoint_vcop_deadline_contacts_on_message();

-- A step recorded, changed or removed links a message to a journey, or unlinks it.
create function waypoint_vcop_deadline_contacts_on_step() returns trigger
  language plpgsql security definer set search_path from current as $$
declare
  touched uuid[];
begin
  if tg_op = 'INSERT' then
    select array_agg(distinct n.enrolment_id) into touched from new_rows n where n.message_id is not null;
  elsif tg_op = 'DELETE' then
    select array_agg(distinct o.enrolment_id) into touched from old_rows o where o.message_id is not null;
  else
    select array_agg(distinct x.enrolment_id) into touched from (
      select n.enrolment_id, n.message_id from new_rows n union all select o.enrolment_id, o.message_id from old_rows o
    ) x where x.message_id is not null;
  end if;
  if touched is not null then
    perform waypoint_vcop_deadline_contacts_refresh(waypoint_vcop_deadline_contacts_with_parents(touched));
  end if;
  return null;
end $$;
revoke all on function waypoint_vcop_deadline_contacts_on_step() from public;

create trigger enrolment_steps_vcop_deadline_contacts_insert after insert on enrolment_steps
  referencing new table as new_rows for each statement execute function waypoint_vcop_deadline_contacts_on_step();
create trigger enrolment_steps_vcop_deadline_contacts_update after update on enrolment_steps
  referencing old table as old_rows new table as new_rows
  for each statement execute function waypoint_vcop_deadline_contacts_on_step();
create trigger enrolment_steps_vcop_deadline_contacts_delete after delete on enrolment_steps
  referencing old table as old_rows for each statement execute function waypoint_vcop_deadline_contacts_on_step();

-- A journey started, given its deadline, merged into another (or no longer), moved to another
-- crime or person, or removed: its row, and those of the journeys it was and is merged into.
create function waypoint_vcop_deadline_contacts_on_enrolment() returns trigger
  language plpgsql security definer set search_path from current as $$
declare
  touched uuid[];
begin
  if tg_op = 'INSERT' then
    select array_agg(x.id) into touched from (
      select n.id from new_rows n union select n.merged_into from new_rows n where n.merged_into is not null
    ) x;
  elsif tg_op = 'DELETE' then
    -- The journey's own row goes with it (on delete cascade).
    select array_agg(distinct o.merged_into) into touched from old_rows o where o.merged_into is not null;
  else
    select array_agg(x.id) into touched from (
      select n.id, n.merged_into as now_into, o.merged_into as was_into
      from new_rows n join old_rows o on o.id = n.id
      where (n.force_id, n.crime_id, n.person_id, n.case_id, n.enrolled_at, n.vcop_due_at, n.merged_into)
        is distinct from (o.force_id, o.crime_id, o.person_id, o.case_id, o.enrolled_at, o.vcop_due_at, o.merged_into)
    ) c cross join lateral (values (c.id), (c.now_into), (c.was_into)) x (id)
    where x.id is not null;
  end if;
  if touched is not null then
    perform waypoint_vcop_deadline_contacts_refresh(touched);
  end if;
  return null;
end $$;
revoke all on function waypoint_vcop_deadline_contacts_on_enrolment() from public;

create trigger enrolments_vcop_deadline_contacts_insert after insert on enrolments
  referencing new table as new_rows for each statement execute function waypoint_vcop_deadline_contacts_on_enrolment();
create trigger enrolments_vcop_deadline_contacts_update after update on enrolments
  referencing old table as old_rows new table as new_rows
  for each statement execute function waypoint_vcop_deadline_contacts_on_enrolment();
create trigger enrolments_vcop_deadline_contacts_delete after delete on enrolments
  referencing old table as old_rows for each statement execute function waypoint_vcop_deadline_contacts_on_enrolment();

-- Every journey there is, once.
insert into vcop_deadline_contacts (enrolment_id, force_id, crime_id, person_id, case_id, enrolled_at, due_at,
    handed_at, delivered_at)
  select e.id, e.force_id, e.crime_id, e.person_id, e.case_id, e.enrolled_at,
    case when e.merged_into is null then e.vcop_due_at end, contact.handed_at, contact.delivered_at
  from enrolments e
  left join (
    -- A journey's own messages and those of the journeys merged into it, as the refresh reads them.
    select x.owner as id,
      min(coalesce(m.sent_at, m.completed_at)) filter (where m.status in ('sent', 'delivered')) as handed_at,
      min(m.completed_at) filter (where m.status = 'delivered') as delivered_at
    from (
      select j.id as owner, j.id as member from enrolments j
      union all
      select j.merged_into, j.id from enrolments j where j.merged_into is not null
    ) x
    join enrolment_steps s on s.enrolment_id = x.member join messages m on m.id = s.message_id
    where not m.is_test
    group by 1
  ) contact on contact.id = e.id
  order by e.id;
