-- Lookup indexes that do not start with force_id. Row-level security adds
-- `force_id = current force OR shared` to every query; that OR cannot use a force_id index, so
-- without these the ingest look-ups (by CAD/crime reference, identity, person) scanned every
-- force's rows and ran the sharing check on each (measured: bench/ingest.ts).
create index incidents_by_cad_ref on incidents (cad_ref);
create index crimes_by_crime_ref on crimes (crime_ref);
create index person_identities_by_value on person_identities (kind, value);
create index person_identities_by_person on person_identities (person_id);
create index person_claims_by_person on person_claims (person_id, field);
create index person_claims_by_value on person_claims (field, value);
create index contact_points_by_person on contact_points (person_id);
create index person_markers_by_person on person_markers (person_id);
create index case_parties_by_incident on case_parties (incident_id) where incident_id is not null;
create index case_parties_by_crime on case_parties (crime_id) where crime_id is not null;
create index case_parties_by_person on case_parties (person_id);
create index crime_incidents_by_incident on crime_incidents (incident_id);
create index case_timeline_by_incident on case_timeline (incident_id, occurred_at) where incident_id is not null;
create index case_timeline_by_crime on case_timeline (crime_id, occurred_at) where crime_id is not null;
create index case_timeline_by_person on case_timeline (person_id, occurred_at) where person_id is not null;
