-- The Portal (LOT 2): citizen accounts, their links to each force's people and cases, invitations
-- to register, the pending steps of registering and signing in, and each force's portal settings
-- (decision 0023).

-- One account per person, region-wide: someone who reported to two forces signs in once and sees
-- both forces' cases (CP-19, CP-55). Reached only by the system role (sign-in look-ups and the
-- citizen's own reads); a force's staff see their own force's links (portal_links), never this.
create table portal_accounts (
  id uuid primary key default gen_random_uuid(),
  email text not null check (length(email) between 3 and 254),
  email_key text not null check (length(email_key) between 3 and 254),
  mobile text check (mobile is null or length(mobile) <= 20),
  password_hash text,
  second_factor text check (second_factor in ('sms', 'email', 'app')),
  totp_secret text,
  totp_last_step bigint,
  terms_accepted_at timestamptz,
  failed_attempts integer not null default 0,
  locked_until timestamptz,
  home_force_id text not null references forces(id),
  created_at timestamptz not null,
  last_signed_in_at timestamptz,
  previous_signed_in_at timestamptz
);
create unique index portal_accounts_email on portal_accounts (email_key);
grant select, insert, update, delete on portal_accounts to waypoint_system;

-- What an account may see in one force: a person of that force on a case, in a role (CP-35..37).
-- Under row-level security, so a force's staff see only their own force's links.
create table portal_links (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  account_id uuid not null references portal_accounts(id) on delete cascade,
  person_id uuid not null,
  case_kind text not null check (case_kind in ('incident', 'crime')),
  case_id uuid not null,
  role text not null check (role in ('victim', 'witness', 'parent_guardian', 'attorney')),
  invitation_id uuid,
  linked_at timestamptz not null
);
select waypoint_grant_app('portal_links');
select waypoint_enable_tenancy('portal_links');
create unique index portal_links_case on portal_links (force_id, account_id, case_id, person_id);
create index portal_links_account on portal_links (account_id);
create index portal_links_person on portal_links (force_id, person_id);

-- Invitations to register (CP-6, CP-7, CP-38): the link's token is stored as its SHA-256 only,
-- is single-use and expires; a reminder issues a new token, so only the latest link works.
create table portal_invitations (
  id uuid primary key default gen_random_uuid(),
  force_id text not null references forces(id),
  person_id uuid not null,
  case_kind text not null check (case_kind in ('incident', 'crime')),
  case_id uuid not null,
  role text not null check (role in ('victim', 'witness', 'parent_guardian', 'attorney')),
  channel text not null check (channel in ('sms', 'email')),
  address text not null check (length(address) between 1 and 254),
  token_hash text not null check (length(token_hash) = 64),
  reason text not null check (length(reason) <= 1000),
  created_by uuid,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  last_sent_at timestamptz not null,
  reminders_sent integer not null default 0,
  message_id uuid,
  accepted_at timestamptz,
  account_id uuid references portal_accounts(id) on delete set null
);
select waypoint_grant_app('portal_invitations');
select waypoint_enable_tenancy('portal_invitations');
create unique index portal_invitations_token on portal_invitations (token_hash);
create index portal_invitations_person on portal_invitations (force_id, person_id);
create index portal_invitations_waiting on portal_invitations (last_sent_at) where accepted_at is null;

-- Each force's rules for who gets a portal link (CP-9), in the journeys' conditions language, and
-- how long a link lasts and when reminders go (CP-7). No row: the defaults in eligibility.ts.
create table portal_settings (
  force_id text primary key references forces(id),
  eligibility jsonb not null,
  link_valid_days integer not null check (link_valid_days between 1 and 90),
  remind_after_days integer not null check (remind_after_days between 1 and 60),
  max_reminders integer not null check (max_reminders between 0 and 5),
  updated_at timestamptz not null,
  updated_by uuid
);
select waypoint_grant_app('portal_settings');
select waypoint_enable_tenancy('portal_settings');

-- A registration or sign-in under way, before there is a session: the browser holds a random
-- token (its SHA-256 is kept), the step reached, and the one-time code sent (hashed), with its
-- attempts counted (CP-15, CP-17). Region-wide, as the account is.
create table portal_challenges (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null check (length(token_hash) = 64),
  purpose text not null check (purpose in ('register', 'sign-in')),
  step text not null check (length(step) <= 40),
  force_id text references forces(id),
  invitation_id uuid,
  account_id uuid references portal_accounts(id) on delete cascade,
  email text check (email is null or length(email) <= 254),
  code_hash text,
  code_channel text check (code_channel in ('sms', 'email')),
  code_expires_at timestamptz,
  attempts integer not null default 0,
  pending jsonb not null default '{}',
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create unique index portal_challenges_token on portal_challenges (token_hash);
grant select, insert, update, delete on portal_challenges to waypoint_system;
