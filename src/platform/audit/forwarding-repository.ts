// The only code that touches the SIEM forwarding outbox (CP-175, CP-176). Delivery runs as the
// system role: it reads every force's events to ship them to the region's SIEM.
import { and, asc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import type { AuditRow, ForwardingDestination } from './audit-repository.ts'
import { auditEvents, auditForwarding, auditForwardingLeases } from './schema.ts'

export interface PendingForward {
  id: number
  attempts: number
  nextAttemptAt: Date
  event: AuditRow
}

export class ForwardingRepository {
  readonly #db: Database
  constructor(db: Database) {
    this.#db = db
  }

  /** Takes the destination's lease unless another worker holds an unexpired one. */
  claimLease(destination: ForwardingDestination, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.#db.asSystem(async (tx) => {
      await tx.insert(auditForwardingLeases).values({ destination }).onConflictDoNothing()
      const claimed = await tx
        .update(auditForwardingLeases)
        .set({ holder, leasedUntil: until })
        .where(
          and(
            eq(auditForwardingLeases.destination, destination),
            or(isNull(auditForwardingLeases.leasedUntil), lt(auditForwardingLeases.leasedUntil, now)),
          ),
        )
        .returning({ destination: auditForwardingLeases.destination })
      return claimed.length === 1
    })
  }

  async releaseLease(destination: ForwardingDestination, holder: string): Promise<void> {
    await this.#db.asSystem((tx) =>
      tx
        .update(auditForwardingLeases)
        .set({ holder: null, leasedUntil: null })
        .where(
          and(eq(auditForwardingLeases.destination, destination), eq(auditForwardingLeases.holder, holder)),
        ),
    )
  }

  /** The oldest undelivered events for a destination, in the order they were recorded. */
  pending(destination: ForwardingDestination, limit: number): Promise<PendingForward[]> {
    return this.#db.asSystem(async (tx) => {
      const found = await tx
        .select({
          id: auditForwarding.id,
          attempts: auditForwarding.attempts,
          nextAttemptAt: auditForwarding.nextAttemptAt,
          event: auditEvents,
        })
        .from(auditForwarding)
        .innerJoin(auditEvents, eq(auditEvents.id, auditForwarding.auditEventId))
        .where(and(eq(auditForwarding.destination, destination), eq(auditForwarding.status, 'pending')))
        .orderBy(asc(auditForwarding.id))
        .limit(limit)
      return found
    })
  }

  async markDelivered(ids: number[], at: Date): Promise<void> {
    if (ids.length === 0) return
    await this.#db.asSystem((tx) =>
      tx
        .update(auditForwarding)
        .set({ status: 'delivered', deliveredAt: at, lastError: null })
        .where(inArray(auditForwarding.id, ids)),
    )
  }

  async markFailed(ids: number[], nextAttemptAt: Date, error: string): Promise<void> {
    if (ids.length === 0) return
    await this.#db.asSystem((tx) =>
      tx
        .update(auditForwarding)
        .set({
          attempts: sql`${auditForwarding.attempts} + 1`,
          nextAttemptAt,
          lastError: error.slice(0, 500),
        })
        .where(inArray(auditForwarding.id, ids)),
    )
  }

  /** Destinations with undelivered events: one cheap look before any lease is taken. */
  destinationsWithPending(): Promise<Set<string>> {
    return this.#db.asSystem(async (tx) => {
      const found = await tx
        .selectDistinct({ destination: auditForwarding.destination })
        .from(auditForwarding)
        .where(eq(auditForwarding.status, 'pending'))
      return new Set(found.map((f) => f.destination))
    })
  }

  /** Undelivered events per destination: the backlog shown on /health/ready. */
  backlog(): Promise<Record<string, number>> {
    return this.#db.asSystem(async (tx) => {
      const counts = await tx
        .select({ destination: auditForwarding.destination, count: sql<number>`count(*)::int` })
        .from(auditForwarding)
        .where(eq(auditForwarding.status, 'pending'))
        .groupBy(auditForwarding.destination)
      return Object.fromEntries(counts.map((c) => [c.destination, Number(c.count)]))
    })
  }
}
