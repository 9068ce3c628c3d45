-- The wallboard and Contact's MI (CRM-9, CRM-26) count the contacts that arrived in a period (a
-- day for the wallboard's SLA, weeks and months for reports): by the time they arrived, per force,
-- whatever their status.
create index contact_items_enqueued on contact_items (force_id, enqueued_at);
-- The first time each contact reached a handler (routing or a claim) is read per contact.
create index contact_item_events_answered on contact_item_events (item_id, at) where kind in ('assigned', 'claimed');
-- Weekly outcomes and failure demand (CRM-13) and the MI reports read closed contacts by when they
-- closed, from the index alone.
create index contact_items_closed_facts on contact_items (force_id, closed_at)
  include (outcome, failure_demand, channel, enqueued_at, assigned_at, wrap_started_at)
  where status = 'closed';
