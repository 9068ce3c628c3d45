-- Quarantine reasons recorded before database errors were given readable reasons.
update source_events set reason = 'Could not apply: a value in the event is too long for Waypoint to store'
  where status = 'quarantined' and reason like 'Could not apply: index row size %';
update source_events
  set reason = 'Could not apply: a value in the event contains a null character or bytes that are not UTF-8'
  where status = 'quarantined'
    and (reason like 'Could not apply: invalid byte sequence for encoding%'
      or reason like 'Could not apply: unsupported Unicode escape sequence%');
