-- Canned responses: a force's short replies, kept by its contact supervisors, that a handler puts
-- into a reply and edits before sending.
create table contact_canned_responses (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  title text not null check (length(title) between 1 and 100),
  body text not null check (length(body) between 1 and 1000),
  updated_by uuid not null,
  updated_at timestamptz not null
);
create unique index contact_canned_responses_title on contact_canned_responses (force_id, lower(title));
select waypoint_grant_app('contact_canned_responses');
select waypoint_enable_tenancy('contact_canned_responses');
