-- GOV.UK One Login for the Portal and the citizen's account settings (decision 0027).

-- A force's One Login client: the issuer (which must pass the outbound allow-list for identity
-- providers), the client id, the private key it signs request objects and client assertions with
-- (sealed with the credential cipher, never shown again), and the level of authentication asked
-- for (`vtr`). No row: the force does not use One Login.
create table portal_one_login_settings (
  force_id text primary key references forces(id),
  issuer text not null check (length(issuer) between 8 and 500),
  client_id text not null check (length(client_id) between 1 and 200),
  private_key_sealed text not null check (length(private_key_sealed) <= 20000),
  key_id text not null check (length(key_id) between 1 and 200),
  vtr text not null check (vtr in ('Cl', 'Cl.Cm')),
  updated_at timestamptz not null,
  updated_by uuid
);
select waypoint_grant_app('portal_one_login_settings');
select waypoint_enable_tenancy('portal_one_login_settings');

-- One Login's `sub` is the key of an account that signs in with it; the email and phone it
-- reports are kept as the account's own (CP-15: One Login verified them).
alter table portal_accounts add column one_login_sub text check (one_login_sub is null or length(one_login_sub) <= 255);
create unique index portal_accounts_one_login_sub on portal_accounts (one_login_sub) where one_login_sub is not null;
alter table portal_accounts add column phone_verified boolean not null default false;

-- The person's details as they keep them (CP-28, CP-29); each change reaches the forces with a
-- live case through the write-back outbox (CP-30, CP-31).
alter table portal_accounts add column first_name text check (first_name is null or length(first_name) <= 100);
alter table portal_accounts add column last_name text check (last_name is null or length(last_name) <= 100);
alter table portal_accounts add column address text check (address is null or length(address) <= 500);
alter table portal_accounts add column contact_phone text check (contact_phone is null or length(contact_phone) <= 20);

-- How and when they hear from the Portal (CP-11, CP-25): a channel, and quiet hours in UK time
-- (both or neither; a start after the end runs overnight).
alter table portal_accounts add column notify_channel text not null default 'email' check (notify_channel in ('email', 'sms', 'both'));
alter table portal_accounts add column quiet_from smallint check (quiet_from between 0 and 23);
alter table portal_accounts add column quiet_to smallint check (quiet_to between 0 and 23);
alter table portal_accounts add constraint portal_accounts_quiet_hours check ((quiet_from is null) = (quiet_to is null));

-- Which versions of the terms of use, privacy notice and cookies policy were accepted (CP-13).
alter table portal_accounts add column terms_version text check (terms_version is null or length(terms_version) <= 40);
alter table portal_accounts add column privacy_version text check (privacy_version is null or length(privacy_version) <= 40);
alter table portal_accounts add column cookies_version text check (cookies_version is null or length(cookies_version) <= 40);

-- A One Login sign-in under way is a challenge too: state and nonce kept until the person returns.
alter table portal_challenges drop constraint portal_challenges_purpose_check;
alter table portal_challenges add constraint portal_challenges_purpose_check
  check (purpose in ('register', 'sign-in', 'one-login'));
