-- GOV.UK Notify's daily limit pauses a force's sending until midnight; its per-minute rate limit
-- only until the rolling minute frees. Why the bucket is paused, shown to the force's admins.
alter table provider_rate_buckets add column paused_reason text;
