-- GOV.UK Notify as the real service behaves.
-- 1. A Notify template belongs to one Notify service, and each force has its own service: the
--    force's text message and email template ids are kept with its key.
alter table messaging_settings add column notify_sms_template_id text;
alter table messaging_settings add column notify_email_template_id text;

-- 2. A message whose provider could not say whether it holds it is asked about again, with
--    backoff, and never sent again blind: when to ask next, and how often it has been asked.
alter table messages add column check_again_at timestamptz;
alter table messages add column reconcile_checks integer not null default 0;

-- 3. After a 429 the force's whole bucket pauses until Notify's rolling minute frees.
alter table provider_rate_buckets add column paused_until timestamptz;
