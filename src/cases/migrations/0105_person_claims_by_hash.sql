-- A claimed value (a name, an address) can be longer than a btree index entry may be (about
-- 2.7 KB): such an event used to fail with "index row size … exceeds btree maximum". Claims are
-- now indexed by the md5 of the value; look-ups compare the hash, then the value itself.
drop index person_claims_value;
create unique index person_claims_value on person_claims (force_id, person_id, field, md5(value), source_system);
drop index person_claims_by_value;
create index person_claims_by_value on person_claims (field, md5(value));

