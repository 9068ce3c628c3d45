// The only code that touches `change_requests` (migration 0981), always inside the caller's
// force transaction (row-level security: a force sees only its own requests).
import { and, desc, eq, sql } from 'drizzle-orm'
import { rows, type Tx } from '../db/database.ts'
import { changeRequests } from './schema.ts'

export type ChangeRequest = typeof changeRequests.$inferSelect
export type ChangeRequestWithNames = ChangeRequest & {
  requestedByName: string | null
  decidedByName: string | null
}

export class ChangeRequestRepository {
  /** Stores a request; an earlier pending request for the same thing is withdrawn (superseded). */
  async insert(
    tx: Tx,
    row: typeof changeRequests.$inferInsert,
  ): Promise<{ request: ChangeRequest; withdrew: number }> {
    const withdrawn = await tx
      .update(changeRequests)
      .set({
        status: 'withdrawn',
        decidedAt: row.requestedAt,
        decidedBy: row.requestedBy,
        reason: 'Replaced by a newer change',
      })
      .where(
        and(
          eq(changeRequests.forceId, row.forceId),
          eq(changeRequests.kind, row.kind),
          eq(changeRequests.subjectId, row.subjectId),
          eq(changeRequests.status, 'pending'),
        ),
      )
      .returning({ id: changeRequests.id })
    const [request] = await tx.insert(changeRequests).values(row).returning()
    return { request: request!, withdrew: withdrawn.length }
  }

  async find(tx: Tx, id: string): Promise<ChangeRequestWithNames | undefined> {
    const found = await this.#withNames(tx).where(eq(changeRequests.id, id))
    return found[0]
  }

  /** The newest requests of the force, pending first; at most `limit`. */
  list(tx: Tx, forceId: string, limit: number): Promise<ChangeRequestWithNames[]> {
    return this.#withNames(tx)
      .where(eq(changeRequests.forceId, forceId))
      .orderBy(sql`(${changeRequests.status} = 'pending') desc`, desc(changeRequests.requestedAt))
      .limit(limit)
  }

  /** The pending request for one journey or template, if any. */
  async pendingFor(
    tx: Tx,
    forceId: string,
    kind: string,
    subjectId: string,
  ): Promise<ChangeRequest | undefined> {
    const found = await tx
      .select()
      .from(changeRequests)
      .where(
        and(
          eq(changeRequests.forceId, forceId),
          eq(changeRequests.kind, kind as 'journey'),
          eq(changeRequests.subjectId, subjectId),
          eq(changeRequests.status, 'pending'),
        ),
      )
    return found[0]
  }

  /** Marks a pending request decided; false when it was decided meanwhile. */
  async decide(
    tx: Tx,
    id: string,
    decision: {
      status: 'approved' | 'rejected'
      decidedBy: string
      decidedAt: Date
      reason: string | null
      outcome: string | null
    },
  ): Promise<boolean> {
    const changed = await tx
      .update(changeRequests)
      .set(decision)
      .where(and(eq(changeRequests.id, id), eq(changeRequests.status, 'pending')))
      .returning({ id: changeRequests.id })
    return changed.length > 0
  }

  /** Pending requests of the force, counted up to `cap` rows (the dashboard). */
  async pendingCount(tx: Tx, forceId: string, cap: number): Promise<number> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from (select 1 from change_requests
          where force_id = ${forceId} and status = 'pending' limit ${cap}) capped`,
    )
    return row?.n ?? 0
  }

  #withNames(tx: Tx) {
    const requester = sql`(select display_name from staff_users where id = ${changeRequests.requestedBy})`
    const decider = sql`(select display_name from staff_users where id = ${changeRequests.decidedBy})`
    return tx
      .select({
        id: changeRequests.id,
        forceId: changeRequests.forceId,
        kind: changeRequests.kind,
        subjectId: changeRequests.subjectId,
        subjectName: changeRequests.subjectName,
        summary: changeRequests.summary,
        diff: changeRequests.diff,
        proposal: changeRequests.proposal,
        requestedBy: changeRequests.requestedBy,
        requestedAt: changeRequests.requestedAt,
        status: changeRequests.status,
        decidedBy: changeRequests.decidedBy,
        decidedAt: changeRequests.decidedAt,
        reason: changeRequests.reason,
        outcome: changeRequests.outcome,
        requestedByName: sql<string | null>`${requester}`,
        decidedByName: sql<string | null>`${decider}`,
      })
      .from(changeRequests)
      .$dynamic()
  }
}
