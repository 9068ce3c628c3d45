-- A force's GOV.UK Notify API key, set by its admin in the console. The key is kept sealed with
-- AES-256-GCM (src/messaging/notify-keys.ts), so a copy of the database alone does not yield it;
-- its name and last 4 characters are kept apart so staff can recognise it without seeing it.
alter table messaging_settings add column notify_api_key_sealed text;
alter table messaging_settings add column notify_api_key_name text;
alter table messaging_settings add column notify_api_key_last4 text;
alter table messaging_settings add column notify_api_key_set_at timestamptz;
alter table messaging_settings add column notify_api_key_set_by uuid;
