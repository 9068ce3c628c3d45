-- The case-type lock of migration 1003 without the deadlocks it brought. Reading a message's
-- case type took a share lock on the crime or incident row, which every update of that row
-- conflicts with: a source batch updating a crime's status or officer (a row lock held until its
-- batch commits) made dispatch wait, and a batch updating crimes A then B while a dispatch batch
-- held B and read A deadlocked (src/reporting/counts-under-concurrency.test.ts, on PostgreSQL 15).
-- Only a change of type matters to the counts. So a message change now takes a key-share lock,
-- which ordinary updates do not conflict with, and a change of type first locks the row for
-- update (which conflicts with key-share), before the row is changed: a retype still waits for
-- message changes in progress on that case and then moves what they committed, and a message
-- change still waits for a retype in progress and then reads the new type. (Locked after the
-- update instead, a message change could read the old type between the two and be missed.)
create or replace function waypoint_message_case_type(case_id text) returns text
  language sql volatile set search_path from current as $$
  select coalesce(
    (select c.crime_type from crimes c
      where case_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' and c.id = case_id::uuid
      for key share),
    (select i.incident_type from incidents i
      where case_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' and i.id = case_id::uuid
      for key share),
    'Not recorded')
$$;

create function waypoint_case_type_change_lock() returns trigger
  language plpgsql security definer set search_path from current as $$
begin
  -- Waits for message changes on this case that read its type (key-share) to commit.
  execute format('select 1 from %I where id = $1 for update', tg_table_name) using old.id;
  return new;
end $$;
revoke all on function waypoint_case_type_change_lock() from public;

create trigger crimes_type_change_lock before update of crime_type on crimes
  for each row when (old.crime_type is distinct from new.crime_type)
  execute function waypoint_case_type_change_lock();
create trigger incidents_type_change_lock before update of incident_type on incidents
  for each row when (old.incident_type is distinct from new.incident_type)
  execute function waypoint_case_type_change_lock();

-- Dispatch's own statements, cheaper. Claiming messages (scheduled to sending), and scheduling
-- them, change nothing either table counts: a message is counted once it has left or ended, and
-- a journey's first contact is a message sent or delivered. These triggers ran a planned-afresh
-- statement (and the contacts' refresh with its row locks) for each such statement all the same.
create or replace function waypoint_message_counts_on_change() returns trigger
  language plpgsql security definer set search_path from current as $$
declare
  added text := $s$select n.force_id, n.channel, n.template_id, n.template_key, n.status,
      waypoint_message_case_type(n.case_id) as case_type, k.sent, k.day, k.hour, k.reason, 1 as delta
    from new_rows n cross join lateral waypoint_message_counted(n) k$s$;
  removed text := $s$select o.force_id, o.channel, o.template_id, o.template_key, o.status,
      waypoint_message_case_type(o.case_id) as case_type, k.sent, k.day, k.hour, k.reason, -1 as delta
    from old_rows o cross join lateral waypoint_message_counted(o) k$s$;
begin
  if tg_op = 'INSERT' then
    if not exists (select 1 from new_rows where status not in ('scheduled', 'sending')) then
      return null;
    end if;
    execute waypoint_message_counts_sql(added);
  elsif tg_op = 'DELETE' then
    execute waypoint_message_counts_sql(removed);
  else
    if not exists (select 1 from new_rows where status not in ('scheduled', 'sending'))
      and not exists (select 1 from old_rows where status not in ('scheduled', 'sending')) then
      return null;
    end if;
    execute waypoint_message_counts_sql(added || ' union all ' || removed);
  end if;
  return null;
end $$;
revoke all on function waypoint_message_counts_on_change() from public;

create or replace function waypoint_enrolment_contacts_on_message() returns trigger
  language plpgsql security definer set search_path from current as $$
declare
  changed uuid[];
begin
  if tg_op = 'INSERT' then
    select array_agg(n.id) into changed from new_rows n where n.status in ('sent', 'delivered');
  elsif tg_op = 'DELETE' then
    select array_agg(o.id) into changed from old_rows o where o.status in ('sent', 'delivered');
  else
    select array_agg(n.id) into changed from new_rows n join old_rows o on o.id = n.id
    where (n.status in ('sent', 'delivered') or o.status in ('sent', 'delivered'))
      and (n.status, n.sent_at, n.completed_at, n.is_test) is distinct from (o.status, o.sent_at, o.completed_at, o.is_test);
  end if;
  if changed is not null then
    perform waypoint_enrolment_contacts_refresh(array(
      select distinct s.enrolment_id from enrolment_steps s where s.message_id = any (changed)));
  end if;
  return null;
end $$;
revoke all on function waypoint_enrolment_contacts_on_message() from public;
