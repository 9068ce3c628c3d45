-- Assist's automated summaries (CRM-11, CP-120), switched on or off per force by its administrator.
-- No row means the force has not chosen: summaries are shown (the embedded summariser is offline
-- and extractive). Every change is audited; the row keeps who made the last one and when.
create table assist_summary_settings (
  force_id text primary key references forces(id),
  enabled boolean not null,
  updated_by uuid not null,
  updated_at timestamptz not null
);
select waypoint_grant_app('assist_summary_settings', 'select, insert, update');
select waypoint_enable_tenancy('assist_summary_settings');
