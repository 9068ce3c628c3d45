-- The language a person chose for the Portal's pages with the Cymraeg / English toggle (CP-155,
-- decision 0057). Null until they choose: their pages are then in the language the force's
-- records give them (people.language), and in English when the records give none.
alter table portal_accounts add column language text check (language in ('en', 'cy'));
