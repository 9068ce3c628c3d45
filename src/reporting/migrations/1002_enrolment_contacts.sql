-- The Victims' Code counts (CP-65, decisions 0015 and 0022) at a year's volume. For each
-- deadline of the period they looked through its journeys' steps to their messages for one
-- handed to the provider by the deadline: some 15,000 deadlines and 60,000 index probes in the
-- default 44 days, seconds under row-level security. This table keeps, per enrolment, the
-- earliest time one of its messages was handed over and is still sent or delivered (the same
-- rule: coalesce(sent_at, completed_at); a test send never counts), and the earliest delivery,
-- so that a deadline is met exactly when one of its journeys' `handed_at` is at or before it.
-- Triggers keep it in the transaction that changes a message or a journey's steps, so it equals
-- what the messages say (src/reporting/victims-code.test.ts compares it with the rows).
create table enrolment_contacts (
  enrolment_id uuid primary key references enrolments(id) on delete cascade,
  force_id text not null references forces(id),
  handed_at timestamptz,
  delivered_at timestamptz
);
select waypoint_grant_app('enrolment_contacts', 'select');
select waypoint_enable_tenancy('enrolment_contacts', 'case');

-- Recomputes the contacts of these enrolments from their steps and messages. Each row is locked
-- (in id order) before it is computed, and computed by a later statement that sees what
-- committed meanwhile: two transactions changing messages of one journey at once cannot leave
-- the row with what only one of them saw.
create function waypoint_enrolment_contacts_refresh(enrolment_ids uuid[]) returns void
  language plpgsql security definer set search_path from current as $$
begin
  insert into enrolment_contacts (enrolment_id, force_id)
    select e.id, e.force_id from enrolments e where e.id = any (enrolment_ids) order by e.id
    on conflict (enrolment_id) do nothing;
  perform 1 from enrolment_contacts where enrolment_id = any (enrolment_ids) order by enrolment_id for update;
  update enrolment_contacts c set handed_at = f.handed_at, delivered_at = f.delivered_at
  from (
    select e.id,
      (select min(coalesce(m.sent_at, m.completed_at)) from enrolment_steps s join messages m on m.id = s.message_id
        where s.enrolment_id = e.id and m.status in ('sent', 'delivered') and not m.is_test) as handed_at,
      (select min(m.completed_at) from enrolment_steps s join messages m on m.id = s.message_id
        where s.enrolment_id = e.id and m.status = 'delivered' and not m.is_test) as delivered_at
    from unnest(enrolment_ids) e (id)
  ) f
  where c.enrolment_id = f.id
    and (c.handed_at, c.delivered_at) is distinct from (f.handed_at, f.delivered_at);
end $$;
revoke all on function waypoint_enrolment_contacts_refresh(uuid[]) from public;

-- Messages whose status or times changed (or that came or went): their journeys' contacts.
create function waypoint_enrolment_contacts_on_message() returns trigger
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
    perform waypoint_enrolment_contacts_refresh(array(
      select distinct s.enrolment_id from enrolment_steps s where s.message_id = any (changed)));
  end if;
  return null;
end $$;
revoke all on function waypoint_enrolment_contacts_on_message() from public;

create trigger messages_enrolment_contacts_insert after insert on messages
  referencing new table as new_rows for each statement execute function waypoint_enrolment_contacts_on_message();
create trigger messages_enrolment_contacts_update after update on messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function waypoint_enrolment_contacts_on_message();
create trigger messages_enrolment_contacts_delete after delete on messages
  referencing old table as old_rows for each statement execute function waypoint_enrolment_contacts_on_message();

-- A step recorded (or removed) links a message to a journey.
create function waypoint_enrolment_contacts_on_step() returns trigger
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
    perform waypoint_enrolment_contacts_refresh(touched);
  end if;
  return null;
end $$;
revoke all on function waypoint_enrolment_contacts_on_step() from public;

create trigger enrolment_steps_contacts_insert after insert on enrolment_steps
  referencing new table as new_rows for each statement execute function waypoint_enrolment_contacts_on_step();
create trigger enrolment_steps_contacts_update after update on enrolment_steps
  referencing old table as old_rows new table as new_rows
  for each statement execute function waypoint_enrolment_contacts_on_step();
create trigger enrolment_steps_contacts_delete after delete on enrolment_steps
  referencing old table as old_rows for each statement execute function waypoint_enrolment_contacts_on_step();

-- The journeys that have already messaged, once.
insert into enrolment_contacts (enrolment_id, force_id, handed_at, delivered_at)
  select s.enrolment_id, s.force_id,
    min(coalesce(m.sent_at, m.completed_at)) filter (where m.status in ('sent', 'delivered')),
    min(m.completed_at) filter (where m.status = 'delivered')
  from enrolment_steps s join messages m on m.id = s.message_id
  where not m.is_test and s.enrolment_id in (select id from enrolments)
  group by 1, 2 order by 1;
