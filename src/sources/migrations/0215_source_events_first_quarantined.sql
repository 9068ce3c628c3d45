-- When an event was first quarantined, kept after it is corrected and replayed: integration
-- health counts every event that could not be applied when it arrived, not only those still
-- waiting, so the error rate does not fall to 0% once staff have replayed them.
alter table source_events add column first_quarantined_at timestamptz;
update source_events set first_quarantined_at = coalesce(processed_at, updated_at)
  where status = 'quarantined' or reason like 'quarantined%';

create function source_events_first_quarantined() returns trigger language plpgsql as $$
begin
  if new.status = 'quarantined' and new.first_quarantined_at is null then
    new.first_quarantined_at := coalesce(new.processed_at, new.updated_at);
  end if;
  return new;
end
$$;

create trigger source_events_first_quarantined before insert or update on source_events
  for each row execute function source_events_first_quarantined();
