-- SIEM forwarding outbox (CP-175 Sentinel, CP-176 Splunk). One row per audit event and
-- destination, written in the same transaction as the audit row, so an event is never lost while
-- the SIEM is down: rows wait, with exponential backoff, and are delivered in order per
-- destination when it returns.
create table audit_forwarding (
  id bigint generated always as identity primary key,
  audit_event_id bigint not null references audit_events(id),
  destination text not null check (destination in ('syslog', 'hec')),
  status text not null default 'pending' check (status in ('pending', 'delivered')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  last_error text,
  delivered_at timestamptz,
  unique (audit_event_id, destination)
);
create index audit_forwarding_pending on audit_forwarding (destination, id) where status = 'pending';
-- The application role only enqueues; delivery runs as the system role.
grant insert on audit_forwarding to waypoint_app;
grant select, insert, update on audit_forwarding to waypoint_system;

-- One lease per destination so that only one worker delivers to it at a time (keeps order).
create table audit_forwarding_leases (
  destination text primary key,
  holder text,
  leased_until timestamptz
);
grant select, insert, update on audit_forwarding_leases to waypoint_system;
