-- Contact's standard reports (CRM-26): calls offered in a period, and how many the caller gave
-- up on before anyone answered, read by index.
create index contact_calls_offered on contact_calls (force_id, offered_at) include (abandoned, answered_at);
