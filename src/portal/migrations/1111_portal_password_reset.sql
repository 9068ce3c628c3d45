-- Resetting a built-in account's password (CP-24) is a challenge too: a code to the account's
-- email address, then a new password (decision 0027).
alter table portal_challenges drop constraint portal_challenges_purpose_check;
alter table portal_challenges add constraint portal_challenges_purpose_check
  check (purpose in ('register', 'sign-in', 'one-login', 'reset'));
