-- Each scheduled send of a saved report (decision 0054), keyed by the report and its slot (the
-- UK time it was due): the key is taken in the transaction that sends the email, so of two
-- workers due at once one sends and the other finds the slot taken; after downtime only the
-- latest missed slot is sent, once.
create table contact_report_runs (
  force_id text not null references forces(id),
  report_id uuid not null references contact_saved_reports(id) on delete cascade,
  slot timestamptz not null,
  sent_at timestamptz not null,
  -- How many members of staff it went to, and how: the CSV attached, a link to the report in
  -- Waypoint (a report naming handlers), or nobody (no recipient may read it any more).
  recipients smallint not null default 0,
  report_rows integer not null default 0,
  delivery text not null default 'none' check (delivery in ('attachment', 'link', 'none')),
  primary key (report_id, slot)
);
create index contact_report_runs_force on contact_report_runs (force_id, sent_at desc);
select waypoint_grant_app('contact_report_runs', 'select, insert, update, delete');
select waypoint_enable_tenancy('contact_report_runs');
