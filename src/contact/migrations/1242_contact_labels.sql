-- Labels on contacts: a force's set of labels, kept by its contact supervisors; handlers put them
-- on contacts and take them off, and the queue can show only the contacts with one.
create table contact_labels (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  name text not null check (length(name) between 1 and 40),
  created_at timestamptz not null
);
create unique index contact_labels_name on contact_labels (force_id, lower(name));
select waypoint_grant_app('contact_labels', 'select, insert, delete');
select waypoint_enable_tenancy('contact_labels');

create table contact_item_labels (
  force_id text not null references forces(id),
  item_id uuid not null references contact_items(id) on delete cascade,
  label_id uuid not null references contact_labels(id) on delete cascade,
  added_by uuid not null,
  added_at timestamptz not null,
  primary key (item_id, label_id)
);
create index contact_item_labels_label on contact_item_labels (force_id, label_id);
select waypoint_grant_app('contact_item_labels', 'select, insert, delete');
select waypoint_enable_tenancy('contact_item_labels');
