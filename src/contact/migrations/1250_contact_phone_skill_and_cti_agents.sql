-- Phone calls reach handlers (decision 0038). Handlers were made with the skills sms, email and
-- chat only, so once telephony put calls in the queue (migration 1220) they waited for a handler
-- with the phone skill that nobody had. A new handler now has phone too, and so does every
-- existing handler whose skills no supervisor has ever set (one a supervisor has set keeps what
-- the supervisor chose).
alter table contact_agents alter column skills set default '{sms,email,chat,phone}';
update contact_agents a set skills = array_append(a.skills, 'phone')
  where not ('phone' = any (a.skills))
    and not exists (
      select 1 from audit_events e
      where e.record_type = 'contact-agent' and e.record_id = a.staff_id::text
        and e.action = 'contact.agent-skills-changed' and e.force_id = a.force_id
    );

-- The telephony platform names the handler who answered a call by its own agent login or
-- extension; a supervisor records each handler's, so the answered call's contact becomes theirs.
alter table contact_agents add column cti_agent text
  check (cti_agent is null or length(cti_agent) between 1 and 100);
create unique index contact_agents_cti_agent on contact_agents (force_id, lower(cti_agent))
  where cti_agent is not null;
