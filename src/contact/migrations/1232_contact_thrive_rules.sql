-- THRIVE rules a force edits (CRM-17). Each save is a new version, kept with who saved it, when
-- and why; the latest is the one in force. A rule set names, for each grading from Immediate to
-- Appointment, the dimensions whose rating at or above a level suggests it, and whether a
-- vulnerability, domestic abuse or safeguarding marker does; and the vulnerability rating from
-- which a caller is flagged vulnerable. A force with no saved set uses Waypoint's own rules.
create table contact_thrive_rule_sets (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  version integer not null check (version >= 1),
  rules jsonb not null,
  vulnerable_at_least smallint not null check (vulnerable_at_least between 1 and 3),
  note text not null check (length(note) between 1 and 500),
  saved_by uuid not null,
  saved_at timestamptz not null,
  unique (force_id, version)
);
select waypoint_grant_app('contact_thrive_rule_sets', 'select, insert');
select waypoint_enable_tenancy('contact_thrive_rule_sets');

-- Which version of the force's rules suggested an assessment's grading (null: Waypoint's own).
alter table contact_thrive_assessments add column rule_set_version integer;
-- Stamped as the assessment is stored, in its transaction: the version its suggestion read.
create function contact_thrive_rule_set_version() returns trigger
  language plpgsql set search_path from current as $$
begin
  new.rule_set_version := (select max(r.version) from contact_thrive_rule_sets r where r.force_id = new.force_id);
  return new;
end $$;
create trigger contact_thrive_assessments_rule_set before insert on contact_thrive_assessments
  for each row execute function contact_thrive_rule_set_version();
