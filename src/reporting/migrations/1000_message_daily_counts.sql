-- The Journeys reports' figures per London day, kept as messages change (UJ-13..UJ-16,
-- decision 0022). A force's year is 825,000 messages; the reports counted the period's messages
-- (with their crime or incident) on every request, seconds at that volume. These tables hold the
-- same counts the reports' rules give (repository `messageFacts`): a message that left Waypoint
-- is counted on the London day and hour it left; one that never left (cancelled, held back, or
-- refused before the provider took it) on the day it was reported, with its reason; a
-- designer's test send not at all. Triggers keep them in step, in the transaction that changes
-- the message, the crime or the incident, so a report reads committed counts that equal a
-- direct count of the messages (src/reporting/daily-counts.test.ts). Rows whose count falls to
-- zero stay (the reports skip them) so that no trigger waits on another transaction's row.
create table message_daily_counts (
  force_id text not null references forces(id),
  day date not null,
  -- True: left Waypoint that day. False: never left, reported that day.
  sent boolean not null,
  channel text not null,
  -- The template's title is read when the report runs (template versions never change).
  template_id uuid,
  template_key text,
  case_type text not null,
  status text not null,
  -- Why a message never left (status_reason, or the last error); null for messages that left.
  reason text,
  count integer not null,
  constraint message_daily_counts_key unique nulls not distinct
    (force_id, day, sent, channel, template_id, template_key, case_type, status, reason)
);
select waypoint_grant_app('message_daily_counts', 'select');
select waypoint_enable_tenancy('message_daily_counts');

create table message_hourly_counts (
  force_id text not null references forces(id),
  day date not null,
  hour smallint not null,
  channel text not null,
  count integer not null,
  primary key (force_id, day, hour, channel)
);
select waypoint_grant_app('message_hourly_counts', 'select');
select waypoint_enable_tenancy('message_hourly_counts');

-- The case type a report gives a message: its crime's type, else its incident's, else
-- "Not recorded" (messages.case_id is the case's id as text).
create function waypoint_message_case_type(case_id text) returns text
  language sql stable set search_path from current as $$
  select coalesce(
    (select c.crime_type from crimes c
      where case_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' and c.id = case_id::uuid),
    (select i.incident_type from incidents i
      where case_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' and i.id = case_id::uuid),
    'Not recorded')
$$;

-- Where a message is counted: none for a test send or one still waiting; else whether it left,
-- the London day and hour, and (when it did not leave) the reason. The same rules as
-- `messageFacts` in src/reporting/repository.ts: a receipt can land before dispatch records
-- 'sent', leaving only the receipt time; a failure the provider never accepted did not leave.
create function waypoint_message_counted(m messages)
  returns table (sent boolean, day date, hour smallint, reason text)
  language sql stable set search_path from current as $$
  select s.at is not null,
    ((coalesce(s.at, m.sent_at, m.completed_at, m.due_at)) at time zone 'Europe/London')::date,
    extract(hour from s.at at time zone 'Europe/London')::smallint,
    case when s.at is null then coalesce(m.status_reason, m.last_error) end
  from (select case
      when m.status in ('sent', 'delivered') or (m.status in ('permanent-failure', 'temporary-failure',
        'technical-failure') and (m.sent_at is not null or m.provider_ref is not null))
      then coalesce(m.sent_at, m.completed_at) end as at) s
  where not m.is_test
    and (s.at is not null or m.status in ('cancelled', 'suppressed', 'permanent-failure',
      'temporary-failure', 'technical-failure'))
$$;

-- Adds the signed counts of `changes` (a query giving force_id, channel, template_id,
-- template_key, status, case_type, sent, day, hour, reason and delta), in key order so that two
-- transactions touching the same rows take their locks in the same order.
create function waypoint_message_counts_sql(changes text) returns text
  language sql immutable as $$
  select format($q$
    with changed as (%s),
    daily as (
      insert into message_daily_counts as t (force_id, day, sent, channel, template_id, template_key,
          case_type, status, reason, count)
        select force_id, day, sent, channel, template_id, template_key, case_type, status, reason, sum(delta)
        from changed group by 1, 2, 3, 4, 5, 6, 7, 8, 9 having sum(delta) <> 0 order by 1, 2, 3, 4, 5, 6, 7, 8, 9
      on conflict on constraint message_daily_counts_key do update set count = t.count + excluded.count
      returning 1
    )
    insert into message_hourly_counts as t (force_id, day, hour, channel, count)
      select force_id, day, hour, channel, sum(delta) from changed where sent
      group by 1, 2, 3, 4 having sum(delta) <> 0 order by 1, 2, 3, 4
    on conflict (force_id, day, hour, channel) do update set count = t.count + excluded.count
  $q$, changes)
$$;

-- A statement's inserted, changed or deleted messages, counted once per statement (a
-- cancellation of many messages is one pass). Security definer: the counts belong to reporting,
-- and a trigger function cannot be called on its own.
create function waypoint_message_counts_on_change() returns trigger
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
    execute waypoint_message_counts_sql(added);
  elsif tg_op = 'DELETE' then
    execute waypoint_message_counts_sql(removed);
  else
    execute waypoint_message_counts_sql(added || ' union all ' || removed);
  end if;
  return null;
end $$;
revoke all on function waypoint_message_counts_on_change() from public;

create trigger messages_counted_insert after insert on messages
  referencing new table as new_rows for each statement execute function waypoint_message_counts_on_change();
create trigger messages_counted_update after update on messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function waypoint_message_counts_on_change();
create trigger messages_counted_delete after delete on messages
  referencing old table as old_rows for each statement execute function waypoint_message_counts_on_change();

-- A crime or incident recorded, retyped or deleted moves its messages from one case type to
-- another.
create function waypoint_message_counts_on_case_type() returns trigger
  language plpgsql security definer set search_path from current as $$
declare
  force text := coalesce(new.force_id, old.force_id);
  case_key text := coalesce(new.id, old.id)::text;
  before_type text := 'Not recorded';
  after_type text := 'Not recorded';
begin
  if tg_op <> 'INSERT' then
    before_type := coalesce(to_jsonb(old) ->> tg_argv[0], 'Not recorded');
  end if;
  if tg_op <> 'DELETE' then
    after_type := coalesce(to_jsonb(new) ->> tg_argv[0], 'Not recorded');
  end if;
  if before_type = after_type then
    return null;
  end if;
  execute waypoint_message_counts_sql(format($s$
    select m.force_id, m.channel, m.template_id, m.template_key, m.status, x.case_type,
      k.sent, k.day, k.hour, k.reason, x.delta
    from messages m cross join lateral waypoint_message_counted(m) k
      cross join (values (%L, -1), (%L, 1)) x (case_type, delta)
    where m.force_id = %L and m.case_id = %L$s$, before_type, after_type, force, case_key));
  return null;
end $$;
revoke all on function waypoint_message_counts_on_case_type() from public;

create trigger crimes_message_counts after insert or delete or update of crime_type on crimes
  for each row execute function waypoint_message_counts_on_case_type('crime_type');
create trigger incidents_message_counts after insert or delete or update of incident_type on incidents
  for each row execute function waypoint_message_counts_on_case_type('incident_type');

-- The messages already sent, counted once, each day's rows together (a report reads a period's).
insert into message_daily_counts (force_id, day, sent, channel, template_id, template_key, case_type,
    status, reason, count)
  select m.force_id, k.day, k.sent, m.channel, m.template_id, m.template_key,
    coalesce(c.crime_type, i.incident_type, 'Not recorded'), m.status, k.reason, count(*)
  from messages m cross join lateral waypoint_message_counted(m) k
    left join crimes c on c.id::text = m.case_id
    left join incidents i on i.id::text = m.case_id
  group by 1, 2, 3, 4, 5, 6, 7, 8, 9 order by 1, 2;
insert into message_hourly_counts (force_id, day, hour, channel, count)
  select m.force_id, k.day, k.hour, m.channel, count(*)
  from messages m cross join lateral waypoint_message_counted(m) k
  where k.sent
  group by 1, 2, 3, 4 order by 1, 2;
