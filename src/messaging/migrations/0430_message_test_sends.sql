-- A journey designer's test send (UJ-18) goes to the designer, not a victim: it is flagged so that
-- the Journeys reports, their CSVs and the Power BI feed never count it (UJ-13..UJ-16).
alter table messages add column is_test boolean not null default false;
