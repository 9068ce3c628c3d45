-- Second-person approval of journey and template changes (issue 13 §7). When a force has turned
-- it on (forces.settings.changesNeedApproval), publishing a journey, saving a template or rolling
-- either back stores a change request instead; another member of staff with the right role
-- approves it (and the capability applies the proposal then) or rejects it with a reason. The
-- author never decides their own request. `diff` is what the approval page shows, field by field;
-- `proposal` is what the capability applies.
create table change_requests (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  kind text not null check (kind in ('journey', 'template')),
  subject_id text not null,
  subject_name text not null,
  summary text not null,
  diff jsonb not null,
  proposal jsonb not null,
  requested_by uuid not null references staff_users(id),
  requested_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'withdrawn')),
  decided_by uuid references staff_users(id),
  decided_at timestamptz,
  reason text,
  outcome text
);
select waypoint_grant_app('change_requests', 'select, insert, update');
select waypoint_enable_tenancy('change_requests');
create index change_requests_by_status on change_requests (force_id, status, requested_at desc);
create unique index change_requests_one_pending on change_requests (force_id, kind, subject_id) where status = 'pending';
