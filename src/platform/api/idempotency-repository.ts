// The only code that touches `api_idempotency_keys`: one row per client and key, under the
// client's force's row-level security.
import { and, eq, lt, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { apiIdempotencyKeys } from './schema.ts'

export type IdempotencyRow = typeof apiIdempotencyKeys.$inferSelect

export interface IdempotencyKeyOf {
  forceId: string
  clientId: string
  key: string
}

export class IdempotencyRepository {
  readonly #db: Database

  constructor(db: Database) {
    this.#db = db
  }

  /**
   * Claims the key for a request: true when this request is the first with it (or takes over a
   * claim abandoned before `staleBefore`, a process that died mid-request), otherwise the row held.
   */
  async claim(
    k: IdempotencyKeyOf,
    requestHash: string,
    now: Date,
    staleBefore: Date,
  ): Promise<{ claimed: true } | { claimed: false; row: IdempotencyRow }> {
    return this.#db.withForce(k.forceId, async (tx) => {
      const inserted = await tx
        .insert(apiIdempotencyKeys)
        .values({
          forceId: k.forceId,
          clientId: k.clientId,
          idempotencyKey: k.key,
          requestHash,
          createdAt: now,
        })
        .onConflictDoNothing()
        .returning({ key: apiIdempotencyKeys.idempotencyKey })
      if (inserted.length > 0) return { claimed: true as const }
      const taken = await tx
        .update(apiIdempotencyKeys)
        .set({ createdAt: now, requestHash })
        .where(
          and(
            this.#where(k),
            sql`${apiIdempotencyKeys.statusCode} is null`,
            lt(apiIdempotencyKeys.createdAt, staleBefore),
            eq(apiIdempotencyKeys.requestHash, requestHash),
          ),
        )
        .returning({ key: apiIdempotencyKeys.idempotencyKey })
      if (taken.length > 0) return { claimed: true as const }
      const [row] = await tx.select().from(apiIdempotencyKeys).where(this.#where(k))
      return { claimed: false as const, row: row! }
    })
  }

  async complete(
    k: IdempotencyKeyOf,
    answer: { statusCode: number; contentType: string; body: string },
    now: Date,
  ): Promise<void> {
    await this.#db.withForce(k.forceId, (tx) =>
      tx
        .update(apiIdempotencyKeys)
        .set({
          statusCode: answer.statusCode,
          contentType: answer.contentType,
          responseBody: answer.body,
          completedAt: now,
        })
        .where(this.#where(k)),
    )
  }

  /** Lets the key be used again: the request failed in a way a retry may not (a server error). */
  async release(k: IdempotencyKeyOf): Promise<void> {
    await this.#db.withForce(k.forceId, (tx) => tx.delete(apiIdempotencyKeys).where(this.#where(k)))
  }

  /** Keys older than `before`, in every force (job `api.forget-idempotency-keys`). */
  async removeOlderThan(before: Date): Promise<number> {
    return this.#db.asSystem(async (tx) => {
      const removed = await tx
        .delete(apiIdempotencyKeys)
        .where(lt(apiIdempotencyKeys.createdAt, before))
        .returning({ key: apiIdempotencyKeys.idempotencyKey })
      return removed.length
    })
  }

  #where(k: IdempotencyKeyOf) {
    return and(
      eq(apiIdempotencyKeys.forceId, k.forceId),
      eq(apiIdempotencyKeys.clientId, k.clientId),
      eq(apiIdempotencyKeys.idempotencyKey, k.key),
    )
  }
}
