-- Whether a force's messages may go on 25 and 26 December themselves, whatever day of the week
-- they fall on. By default they may not (decision 0011); urgent messages always go.
alter table messaging_settings add column if not exists send_on_christmas_days boolean not null default false;
