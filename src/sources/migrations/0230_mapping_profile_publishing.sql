-- Mapping profiles are saved as versions and put in use by publishing one (UJ-4, CP-162). A
-- version keeps the sample event it was tried against; publishing runs that sample first. Each
-- publication (or revert to an earlier version) is a row here, never changed: the force's
-- profile in use is the version of its latest publication.
alter table mapping_profiles add column sample text;

create table mapping_profile_publications (
  id bigint generated always as identity primary key,
  force_id text not null references forces(id),
  source_system text not null check (source_system in ('storm', 'athena', 'warehouse')),
  version integer not null,
  kind text not null check (kind in ('published', 'reverted')),
  published_by uuid,
  published_at timestamptz not null default now(),
  foreign key (force_id, source_system, version) references mapping_profiles (force_id, source_system, version)
);
create index mapping_profile_publications_latest
  on mapping_profile_publications (force_id, source_system, id desc);
select waypoint_grant_app('mapping_profile_publications', 'select, insert');
select waypoint_enable_tenancy('mapping_profile_publications');

-- Every version saved before publishing existed was in use from its saving.
insert into mapping_profile_publications (force_id, source_system, version, kind, published_by, published_at)
  select force_id, source_system, version, 'published', created_by, created_at
    from mapping_profiles order by force_id, source_system, version;
