// The only SQL of providers' rate buckets: token buckets on the database clock, shared by every
// worker, and the pauses a provider's 429 imposes.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

/** Why a provider's bucket is paused: its per-minute rate limit, or its daily limit. */
export type BucketPauseReason = 'rate-limit' | 'daily-limit'

export class RateBucketRepository {
  /**
   * Token bucket on the database clock, shared by every worker (Notify: 3,000 a minute per key).
   * The row lock serialises concurrent takers; returns how many tokens were granted.
   */
  async takeTokens(
    tx: Tx,
    bucket: string,
    wanted: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<number> {
    await tx.execute(
      sql`insert into provider_rate_buckets (bucket, tokens, capacity, refill_per_second, refilled_at)
          values (${bucket}, ${capacity}, ${capacity}, ${refillPerSecond}, clock_timestamp())
          on conflict (bucket) do update set capacity = excluded.capacity, refill_per_second = excluded.refill_per_second`,
    )
    const [row] = await rows<{ granted: number }>(
      tx,
      sql`with now as (select clock_timestamp() as t),
          current as (
            select b.bucket,
                   case when b.paused_until > now.t then 0
                        else least(b.capacity, b.tokens + extract(epoch from (now.t - greatest(b.refilled_at, coalesce(b.paused_until, b.refilled_at)))) * b.refill_per_second)
                   end as available, now.t
            from provider_rate_buckets b, now where b.bucket = ${bucket} for update of b)
          update provider_rate_buckets b
             set tokens = c.available - least(${wanted}, floor(c.available)), refilled_at = c.t
            from current c where b.bucket = c.bucket
          returning least(${wanted}, floor(c.available))::int as granted`,
    )
    return Number(row?.granted ?? 0)
  }

  /**
   * A 429 from the provider: the bucket grants nothing for `seconds` and starts empty after it.
   * A longer pause already set stands, with its reason. Returns when it frees (the database clock).
   */
  async pauseBucket(tx: Tx, bucket: string, seconds: number, reason: BucketPauseReason): Promise<Date> {
    const [row] = await rows<{ paused_until: string | Date }>(
      tx,
      sql`update provider_rate_buckets
             set paused_reason = case
                   when paused_until > clock_timestamp() + make_interval(secs => ${seconds}) then paused_reason
                   else ${reason} end,
                 paused_until = greatest(coalesce(paused_until, clock_timestamp()), clock_timestamp() + make_interval(secs => ${seconds})),
                 tokens = 0, refilled_at = clock_timestamp()
           where bucket = ${bucket}
       returning paused_until`,
    )
    return row ? new Date(row.paused_until) : new Date(Date.now() + seconds * 1000)
  }

  /** Why and until when a bucket is paused now (the database clock), if it is. */
  async bucketPause(tx: Tx, bucket: string): Promise<{ until: Date; reason: BucketPauseReason } | undefined> {
    const [row] = await rows<{ paused_until: string | Date; paused_reason: string | null }>(
      tx,
      sql`select paused_until, paused_reason from provider_rate_buckets
           where bucket = ${bucket} and paused_until > clock_timestamp()`,
    )
    if (!row) return undefined
    return {
      until: new Date(row.paused_until),
      reason: row.paused_reason === 'daily-limit' ? 'daily-limit' : 'rate-limit',
    }
  }
}
