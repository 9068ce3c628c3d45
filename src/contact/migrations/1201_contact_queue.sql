-- Contact's omnichannel queue: every contact is a conversation (src/messaging/conversations);
-- a contact here is one spell of work on it, from a person's message to an outcome. Handlers
-- (agents) have skills, a capacity and a state; routing gives the most urgent, longest-waiting
-- contact to the least-loaded ready agent with its skill. Every state an agent was in is kept, so
-- "not ready" time is measured (the LOT 3 KPI is −50%).

create table contact_agents (
  force_id text not null references forces(id),
  staff_id uuid not null,
  display_name text not null,
  state text not null default 'offline' check (state in ('ready', 'not_ready', 'wrap_up', 'offline')),
  reason text check (reason in ('break', 'lunch', 'training', 'meeting', 'admin', 'coaching')),
  skills text[] not null default '{sms,email,chat}',
  capacity smallint not null default 3 check (capacity between 1 and 20),
  state_since timestamptz not null,
  primary key (force_id, staff_id),
  check ((state = 'not_ready') = (reason is not null))
);
select waypoint_grant_app('contact_agents');
select waypoint_enable_tenancy('contact_agents');

create table contact_agent_states (
  id bigint generated always as identity primary key,
  force_id text not null references forces(id),
  staff_id uuid not null,
  state text not null,
  reason text,
  started_at timestamptz not null,
  ended_at timestamptz
);
create index contact_agent_states_open on contact_agent_states (force_id, staff_id) where ended_at is null;
create index contact_agent_states_started on contact_agent_states (force_id, started_at);
select waypoint_grant_app('contact_agent_states', 'select, insert, update');
select waypoint_enable_tenancy('contact_agent_states');

create table contact_items (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  -- PIRM deletion of a person's conversations takes their contacts with them.
  conversation_id uuid not null references conversations(id) on delete cascade,
  person_id uuid,
  channel text not null check (channel in ('sms', 'email', 'portal', 'chat')),
  -- 1 most urgent … 4 least.
  priority smallint not null check (priority between 1 and 4),
  skill text not null,
  status text not null default 'waiting' check (status in ('waiting', 'assigned', 'wrap_up', 'closed')),
  assigned_to uuid,
  enqueued_at timestamptz not null,
  assigned_at timestamptz,
  wrap_started_at timestamptz,
  closed_at timestamptz,
  outcome text,
  outcome_note text check (length(outcome_note) <= 1000),
  transfers smallint not null default 0,
  check ((status = 'waiting') = (assigned_to is null)),
  check ((status = 'closed') = (outcome is not null))
);
-- One open contact per conversation: a further message joins it.
create unique index contact_items_open_conversation on contact_items (force_id, conversation_id)
  where status <> 'closed';
-- The queue in routing order, and each agent's open contacts.
create index contact_items_waiting on contact_items (force_id, priority, enqueued_at) where status = 'waiting';
create index contact_items_agent on contact_items (force_id, assigned_to) where status in ('assigned', 'wrap_up');
create index contact_items_closed on contact_items (force_id, closed_at) where status = 'closed';
select waypoint_grant_app('contact_items');
select waypoint_enable_tenancy('contact_items');

-- What happened to each contact, in order: queued, assigned, claimed, transferred (with the note),
-- ended, outcome recorded.
create table contact_item_events (
  id bigint generated always as identity primary key,
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  kind text not null check (kind in ('queued', 'assigned', 'claimed', 'transferred', 'ended', 'closed')),
  by_staff_id uuid,
  to_staff_id uuid,
  skill text,
  note text check (length(note) <= 1000),
  at timestamptz not null
);
create index contact_item_events_item on contact_item_events (item_id, id);
select waypoint_grant_app('contact_item_events', 'select, insert');
select waypoint_enable_tenancy('contact_item_events');

-- PIRM deletion of a person (UJ-3, CRM-4) takes Contact's decisions about them with them: the
-- links merging their records into a view, and the corrections sent back for them.
alter table contact_person_links drop constraint contact_person_links_person_id_fkey,
  add constraint contact_person_links_person_id_fkey foreign key (person_id) references people(id) on delete cascade;
alter table contact_person_links drop constraint contact_person_links_merged_person_id_fkey,
  add constraint contact_person_links_merged_person_id_fkey foreign key (merged_person_id) references people(id)
    on delete cascade;
alter table contact_corrections drop constraint contact_corrections_person_id_fkey,
  add constraint contact_corrections_person_id_fkey foreign key (person_id) references people(id) on delete cascade;
