-- Telling a person with an account that their case changed (decision 0036). Each force says which
-- kinds of update are told and how soon (CP-62, CP-56): at once, or in a daily round at an hour it
-- chooses, with a least gap between two notifications about one case; and which details of a case
-- its people are shown in their account (CP-60). No row: the defaults (every kind at once, no gap,
-- every detail shown).
create table portal_notification_settings (
  force_id text primary key references forces(id),
  new_case text not null check (new_case in ('off', 'immediate', 'daily')),
  status_change text not null check (status_change in ('off', 'immediate', 'daily')),
  officer_change text not null check (officer_change in ('off', 'immediate', 'daily')),
  new_message text not null check (new_message in ('off', 'immediate', 'daily')),
  digest_hour smallint not null check (digest_hour between 0 and 23),
  min_gap_hours smallint not null check (min_gap_hours between 0 and 72),
  shown_fields jsonb not null,
  updated_at timestamptz not null,
  updated_by uuid
);
select waypoint_grant_app('portal_notification_settings');
select waypoint_enable_tenancy('portal_notification_settings');

-- Each notification the Portal sent an account about a case: the kinds of update it tells and the
-- messages that carry it. An update while its messages still wait is folded into them, and the
-- next one waits for the force's least gap after the last (CP-56).
create table portal_case_notices (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  account_id uuid not null references portal_accounts(id) on delete cascade,
  person_id uuid not null,
  case_id uuid not null,
  kinds jsonb not null,
  message_ids jsonb not null,
  due_at timestamptz not null,
  send_after timestamptz not null,
  created_at timestamptz not null
);
select waypoint_grant_app('portal_case_notices');
select waypoint_enable_tenancy('portal_case_notices');
create index portal_case_notices_case on portal_case_notices (force_id, account_id, case_id, created_at desc);

-- How an account linked to one of this force's people wishes to be told (CP-25): its addresses,
-- channel and quiet hours, read inside the force's own transaction (a case change's ingest)
-- without the system role. Only accounts linked to the calling force's people are answered.
create function waypoint_portal_notice_contacts(account_ids uuid[])
  returns table (id uuid, email text, mobile text, notify_channel text, quiet_from smallint, quiet_to smallint)
  language sql stable security definer set search_path from current as $$
  select a.id, a.email, a.mobile, a.notify_channel, a.quiet_from, a.quiet_to
  from portal_accounts a
  where a.id = any (account_ids)
    and exists (select 1 from portal_links l where l.account_id = a.id and l.force_id = waypoint_current_force())
$$;
revoke all on function waypoint_portal_notice_contacts(uuid[]) from public;
grant execute on function waypoint_portal_notice_contacts(uuid[]) to waypoint_app;
