-- A change of a crime's or incident's type moves its messages' counts without waiting for anyone.
-- It upserted the per-day rows (migration 1000), few and shared by every message of a day: a
-- source batch that locked a crime to retype it then waited for a row a dispatch transaction had
-- counted into, while that dispatch waited to read the crime's type (migration 1021) — a deadlock
-- PostgreSQL ended after a second (src/reporting/counts-under-concurrency.test.ts counted them in
-- the log, where a source batch ended by one is taken again one event at a time). Now the move is
-- written as rows of its own (`move_id`), which nobody else writes, so it never waits on a row; the
-- reports add up every row of a key, as they did. Message changes still add to the one row of
-- their key (move_id null).
alter table message_daily_counts add column move_id uuid;
alter table message_daily_counts drop constraint message_daily_counts_key;
alter table message_daily_counts add constraint message_daily_counts_key unique nulls not distinct
  (force_id, day, sent, channel, template_id, template_key, case_type, status, reason, move_id);

create or replace function waypoint_message_counts_on_case_type() returns trigger
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
  -- A move changes no hour's total (the hourly counts have no case type).
  insert into message_daily_counts as t (force_id, day, sent, channel, template_id, template_key,
      case_type, status, reason, count, move_id)
    select m.force_id, k.day, k.sent, m.channel, m.template_id, m.template_key, x.case_type, m.status,
      k.reason, sum(x.delta), x.move_id
    from messages m cross join lateral waypoint_message_counted(m) k
      cross join (select v.case_type, v.delta, g.id as move_id
        from (values (before_type, -1), (after_type, 1)) v (case_type, delta), (select gen_random_uuid() as id) g) x
    where m.force_id = force and m.case_id = case_key
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 11 having sum(x.delta) <> 0;
  return null;
end $$;
revoke all on function waypoint_message_counts_on_case_type() from public;
