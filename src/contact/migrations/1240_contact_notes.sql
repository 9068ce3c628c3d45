-- Private notes on a contact: written by the force's contact staff for each other, never shown to
-- the person and never sent back to CAD or RMS. A note may mention colleagues of the same force;
-- each mention is a notice on that colleague's queue until they open the contact's notes.
create table contact_notes (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  author_id uuid not null,
  author_name text not null,
  body text not null check (length(body) between 1 and 2000),
  at timestamptz not null
);
create index contact_notes_item on contact_notes (item_id, at);
select waypoint_grant_app('contact_notes', 'select, insert');
select waypoint_enable_tenancy('contact_notes');

create table contact_note_mentions (
  force_id text not null references forces(id),
  note_id uuid not null references contact_notes(id) on delete cascade,
  staff_id uuid not null,
  seen_at timestamptz,
  primary key (note_id, staff_id)
);
create index contact_note_mentions_unseen on contact_note_mentions (force_id, staff_id) where seen_at is null;
select waypoint_grant_app('contact_note_mentions', 'select, insert, update');
select waypoint_enable_tenancy('contact_note_mentions');
