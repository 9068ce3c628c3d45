// The web chat's limit on chats started from one address (decision 0047): at most
// `CHAT_STARTS_PER_MINUTE` in the last minute, per force, counting chats started over the
// WebSocket and messages sent through the plain form. Kept in PostgreSQL (migration 1371) so that
// every web process behind a load balancer counts the same starts: an advisory lock on the force
// and address makes the count and the insert one step across processes. The address is kept only
// as a SHA-256 digest, and only for the minute it counts in.
import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows } from '../platform/db/database.ts'
import { DomainError } from '../platform/errors.ts'

export const CHAT_STARTS_PER_MINUTE = 10
const windowMs = 60_000

export class ChatStartLimit {
  readonly #db: Database
  readonly #clock: Clock
  readonly #max: number

  constructor(deps: { db: Database; clock: Clock; max?: number }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#max = deps.max ?? CHAT_STARTS_PER_MINUTE
  }

  /** Counts one start from `address` in the force, or refuses it (429) when the minute's are used. */
  async take(forceId: string, address: string): Promise<void> {
    const key = createHash('sha256').update(address).digest('hex')
    const now = this.#clock.now()
    const since = new Date(now.getTime() - windowMs)
    const allowed = await this.#db.withForce(forceId, async (tx) => {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(${`chat-start:${forceId}:${key}`}, 0))`,
      )
      await tx.execute(sql`delete from contact_chat_starts where started_at <= ${since}`)
      const [{ n } = { n: 0 }] = await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from contact_chat_starts where address_hash = ${key} and started_at > ${since}`,
      )
      if (n >= this.#max) return false
      await tx.execute(
        sql`insert into contact_chat_starts (force_id, address_hash, started_at) values (${forceId}, ${key}, ${now})`,
      )
      return true
    })
    if (!allowed)
      throw new DomainError(
        'too-many-chats',
        'Too many chats started from here: wait a minute and try again',
        {
          status: 429,
        },
      )
  }
}
