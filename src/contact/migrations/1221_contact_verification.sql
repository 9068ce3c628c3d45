-- Verifying a caller (CRM-15): matched to a known person by the number they call from, then sent a
-- one-time code to the contact detail on record, or asked questions only they should know from
-- what the source systems hold (date of birth, postcode, crime reference). Each attempt is kept
-- with its method, outcome and who ran it. The code itself is never stored: only its keyed hash,
-- and the message carrying it is a sensitive message (migration 1020), hidden from staff.
create table contact_verifications (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  person_id uuid not null references people(id) on delete cascade,
  method text not null check (method in ('code', 'knowledge')),
  status text not null check (status in ('pending', 'verified', 'failed')),
  -- Where the code went, as staff may see it ("mobile number ending 401").
  sent_to text check (length(sent_to) <= 200),
  code_hash text,
  code_expires_at timestamptz,
  code_tries smallint not null default 0,
  -- The questions asked and those answered rightly (never the answers).
  questions text[] not null default '{}',
  matched text[] not null default '{}',
  started_by uuid not null,
  started_at timestamptz not null,
  decided_at timestamptz
);
create index contact_verifications_item on contact_verifications (item_id, started_at desc);
select waypoint_grant_app('contact_verifications', 'select, insert, update');
select waypoint_enable_tenancy('contact_verifications');

-- An address confirmed with the caller against the gazetteer (CRM-32), by its UPRN.
create table contact_item_addresses (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  uprn text not null check (uprn ~ '^[0-9]{1,12}$'),
  address text not null check (length(address) between 1 and 500),
  gazetteer text not null check (length(gazetteer) <= 40),
  confirmed_by uuid not null,
  confirmed_at timestamptz not null
);
create index contact_item_addresses_item on contact_item_addresses (item_id, confirmed_at desc);
select waypoint_grant_app('contact_item_addresses', 'select, insert');
select waypoint_enable_tenancy('contact_item_addresses');
