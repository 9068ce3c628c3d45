-- Force administrators set up their warehouse poller from the console (CP-157): the connection
-- string is kept encrypted under the same configured key as write-back credentials, with only the
-- host and database name in clear for the page; the poller reads with the force's own SELECT
-- rather than a whole table, at the force's own interval, and records how many rows each poll read.
alter table warehouse_sources
  alter column connection_url drop not null,
  alter column source_table drop not null,
  alter column event_id_column drop not null,
  add column connection_url_encrypted text,
  add column connection_host text,
  add column connection_database text,
  add column query text,
  add column poll_interval_minutes integer not null default 5
    check (poll_interval_minutes between 5 and 1440),
  add column last_rows integer,
  add column updated_by uuid;

-- Sources set up before this page read a whole table; that is the same as this query.
update warehouse_sources set query = 'select * from ' || source_table where query is null;
alter table warehouse_sources alter column query set not null;
alter table warehouse_sources add constraint warehouse_sources_connection
  check (connection_url is not null or connection_url_encrypted is not null);
