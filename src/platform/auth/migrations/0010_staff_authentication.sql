-- Staff sign-in (ARCHITECTURE.md security baseline, ASVS L3 for authentication).
-- totp_last_step: the RFC 6238 time step of the last accepted code, so a code cannot be replayed
-- within its window. grant_detail / revoke_detail: how a role changed ('sso' when the identity
-- provider's groups granted or removed it; null when an administrator did) (CP-152).
alter table staff_users add column totp_last_step bigint;
alter table staff_role_grants add column grant_detail text;
alter table staff_role_grants add column revoke_detail text;
