-- Assist's chatbot on the web chat (CRM-7; decision 0020): each force switches it on or off, and
-- keeps its own knowledge base of intents once it changes the one Waypoint ships (until then the
-- force has no rows and the bot uses src/assist/intents.json).
create table assist_settings (
  force_id text primary key references forces(id),
  chatbot_enabled boolean not null default false,
  -- Null when Waypoint set it (the demo switches Essex's on).
  updated_by uuid,
  updated_at timestamptz not null
);
select waypoint_grant_app('assist_settings');
select waypoint_enable_tenancy('assist_settings');

create table assist_intents (
  force_id text not null references forces(id),
  name text not null check (name ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(name) <= 40),
  title text not null check (length(title) between 1 and 100),
  phrases text[] not null check (cardinality(phrases) between 3 and 40),
  answer text not null check (length(answer) between 1 and 1000),
  priority smallint not null check (priority between 1 and 4),
  skill text not null,
  hand_over boolean not null,
  position integer not null,
  updated_by uuid,
  updated_at timestamptz not null,
  primary key (force_id, name)
);
select waypoint_grant_app('assist_intents');
select waypoint_enable_tenancy('assist_intents');
