-- A signed-in person with a built-in account changes the email address or mobile number they
-- sign in with (CP-29): a challenge of its own, holding the new address until the code sent to it
-- comes back (decision 0027).
alter table portal_challenges drop constraint portal_challenges_purpose_check;
alter table portal_challenges add constraint portal_challenges_purpose_check
  check (purpose in ('register', 'sign-in', 'one-login', 'reset', 'change'));
