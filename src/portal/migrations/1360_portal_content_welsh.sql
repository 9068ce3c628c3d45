-- A Welsh version of each of the force's Portal pages (decision 0046): rights and support,
-- complaints and help may each have Welsh words, kept in their own numbered versions beside the
-- English ones and shown to a person whose language is Welsh; the Single Online Home addresses
-- are the same in both languages. No Welsh row: the English words are shown.
alter table portal_content_versions add column language text not null default 'en'
  check (language in ('en', 'cy'));
alter table portal_content_versions add constraint portal_content_versions_links_english
  check (key <> 'links' or language = 'en');
alter table portal_content_versions drop constraint portal_content_versions_force_id_key_version_key;
alter table portal_content_versions add constraint portal_content_versions_version
  unique (force_id, key, language, version);
