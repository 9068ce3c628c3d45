-- How a member of staff signs in, chosen when an administrator adds them: 'sso' through the
-- force's identity provider, or 'local' with a Waypoint password and an authenticator app. A
-- local account is never linked to an identity provider's sign-in by its email address.
alter table staff_users add column sign_in_method text not null default 'sso'
  check (sign_in_method in ('sso', 'local'));
update staff_users set sign_in_method = 'local' where password_hash is not null;

-- A local user's set-up link: the token is kept only as its SHA-256, it expires, it is used
-- once, and issuing a new one for the same person ends the old one. Read and written before
-- sign-in, so by the system role only.
create table staff_setup_links (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references staff_users(id),
  force_id text references forces(id),
  token_hash text not null unique,
  created_by uuid references staff_users(id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz
);
create index staff_setup_links_user on staff_setup_links (user_id) where used_at is null and revoked_at is null;
grant select, insert, update on staff_setup_links to waypoint_system;
