-- Emails cannot be answered with STOP: every email now ends with a visible unsubscribe link.
-- The default templates' email versions carried the text message's "Reply STOP" sentence; each
-- email template whose newest version still has that exact sentence gets a new version without
-- it (earlier versions stay, as for any template change; created_by null marks Waypoint's change).
insert into message_templates (force_id, key, title, channel, language, version, subject, body, created_by)
select t.force_id, t.key, t.title, t.channel, t.language, t.version + 1, t.subject,
       replace(replace(t.body, ' Reply STOP to stop these messages.', ''),
               ' Atebwch STOP i atal y negeseuon hyn.', ''),
       null
from message_templates t
where t.channel = 'email'
  and (t.body like '% Reply STOP to stop these messages.%' or t.body like '% Atebwch STOP i atal y negeseuon hyn.%')
  and t.version = (
    select max(m.version) from message_templates m
    where m.force_id = t.force_id and m.key = t.key and m.channel = t.channel and m.language = t.language
  );
