-- Assist's standard forms (CRM-20): a safeguarding referral or a public protection notice prepared
-- from a contact. Each time the form is opened, what Waypoint suggested for each field and the
-- records it came from are kept (a draft); the handler's submission keeps the values they chose
-- and, for each field, how it stands to the suggestion (accepted, edited, cleared, entered). The
-- audit trail names the fields and the change, never the values (they stay here, per force).
create table assist_forms (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  form text not null check (form in ('safeguarding-referral', 'public-protection-notice')),
  item_id uuid not null references contact_items(id),
  person_id uuid,
  status text not null check (status in ('draft', 'submitted')),
  -- Each field's suggested value and its sources, as shown: { field: { value, sources: [{ label, href }] } }.
  suggested jsonb not null,
  prepared_by uuid not null,
  prepared_at timestamptz not null,
  -- The values submitted, and per field { suggested, final, change }.
  submitted jsonb,
  changes jsonb,
  submitted_by uuid,
  submitted_by_name text check (length(submitted_by_name) <= 200),
  submitted_at timestamptz,
  check ((status = 'submitted') = (submitted_at is not null and submitted is not null))
);
create index assist_forms_submitted on assist_forms (force_id, submitted_at desc) where status = 'submitted';
create index assist_forms_item on assist_forms (item_id);
select waypoint_grant_app('assist_forms', 'select, insert, update');
select waypoint_enable_tenancy('assist_forms');

-- Form filling is switched on per force by its administrator; no row means off. Every change is
-- audited; the row keeps who made the last one and when.
create table assist_form_settings (
  force_id text primary key references forces(id),
  enabled boolean not null,
  updated_by uuid not null,
  updated_at timestamptz not null
);
select waypoint_grant_app('assist_form_settings', 'select, insert, update');
select waypoint_enable_tenancy('assist_form_settings');
