-- The service-incident log (CP-185, UJ-17, CRM-33): problems and incidents with the service, the
-- forces they affect, and every action taken against them, kept so that they can be shown to a
-- force on request. Force administrators read only incidents that affect their force.
create table service_incidents (
  id uuid primary key default gen_random_uuid(),
  number bigint generated always as identity unique,
  kind text not null check (kind in ('incident', 'problem')),
  title text not null,
  severity text not null check (severity in ('critical', 'high', 'medium', 'low')),
  force_ids text[] not null check (cardinality(force_ids) > 0),
  started_at timestamptz not null,
  description text not null,
  status text not null default 'open' check (status in ('open', 'resolved')),
  resolved_at timestamptz,
  resolution text,
  created_by text,
  created_by_name text not null,
  created_at timestamptz not null
);
create index service_incidents_started on service_incidents (started_at desc);
grant select on service_incidents to waypoint_app;
grant select, insert, update on service_incidents to waypoint_system;
alter table service_incidents enable row level security;
create policy incidents_of_affected_force on service_incidents for select
  using (waypoint_current_force() = any (force_ids));

-- Actions taken are append-only: a correction is a further action, never an edit.
create table service_incident_actions (
  id bigint generated always as identity primary key,
  incident_id uuid not null references service_incidents(id),
  taken_at timestamptz not null,
  actor_id text,
  actor_name text not null,
  kind text not null check (kind in ('opened', 'action', 'resolved')),
  description text not null
);
create index service_incident_actions_incident on service_incident_actions (incident_id, id);
grant select on service_incident_actions to waypoint_app;
grant select, insert on service_incident_actions to waypoint_system;
alter table service_incident_actions enable row level security;
create policy incident_actions_of_affected_force on service_incident_actions for select
  using (exists (select 1 from service_incidents i where i.id = incident_id));
