-- A force's OpenAI-compatible model provider for Assist (issue 16; decision 0048). No row means
-- the force uses only Waypoint's embedded engine. The API key is kept sealed (AES-256-GCM, bound
-- to the force) and never shown again: staff see its last 4 characters. `features` lists the
-- features that ask the provider first; each other feature keeps the embedded engine. Every change
-- and every connection test is audited; each call that fell back to the embedded engine is audited
-- without the text sent.
create table assist_provider_settings (
  force_id text primary key references forces(id),
  name text not null check (length(name) between 1 and 60),
  base_url text not null check (length(base_url) between 8 and 300),
  chat_model text not null check (length(chat_model) between 1 and 100),
  transcription_model text check (length(transcription_model) between 1 and 100),
  api_key_sealed text check (length(api_key_sealed) <= 2000),
  api_key_last4 text check (length(api_key_last4) <= 4),
  timeout_ms integer not null check (timeout_ms between 500 and 60000),
  redact boolean not null,
  features text[] not null default '{}'
    check (features <@ array['chatbot', 'officer-replies', 'summaries', 'transcription']::text[]),
  updated_by uuid not null,
  updated_at timestamptz not null
);
select waypoint_grant_app('assist_provider_settings', 'select, insert, update, delete');
select waypoint_enable_tenancy('assist_provider_settings');
