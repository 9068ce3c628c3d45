// The only code that touches the write-back tables. Claims use `FOR UPDATE SKIP LOCKED` so any
// number of workers, on any number of nodes, take disjoint sets of due entries.
import { and, asc, count, desc, eq, inArray, lte, or, sql } from 'drizzle-orm'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import {
  type WritebackAttempt,
  type WritebackBody,
  type WritebackEndpointRow,
  type WritebackEntry,
  type WritebackKind,
  type WritebackStatus,
  type WritebackTarget,
  writebackAttempts,
  writebackEndpoints,
  writebackEntries,
} from './schema.ts'

export interface NewEntry {
  forceId: string
  target: WritebackTarget
  targetRef: string
  kind: WritebackKind
  body: WritebackBody
  notifyVictim: boolean
  idempotencyKey: string
  createdBy: string | null
  now: Date
}

export interface AttemptOutcome {
  entry: WritebackEntry
  startedAt: Date
  durationMs: number
  httpStatus: number | null
  error: string | null
  now: Date
  /** `retry` carries the time of the next attempt. */
  result:
    | { kind: 'delivered'; remoteRef: string | null }
    | { kind: 'retry'; nextAttemptAt: Date }
    | { kind: 'dead' }
}

export type EndpointValues = Omit<WritebackEndpointRow, 'updatedAt' | 'updatedBy'>

export class WritebackRepository {
  readonly #db: Database

  constructor(db: Database) {
    this.#db = db
  }

  /** Inserts in the caller's transaction; an existing key returns the entry already there. */
  async insert(tx: Tx, entry: NewEntry): Promise<{ entry: WritebackEntry; created: boolean }> {
    const { now, ...values } = entry
    const [created] = await tx
      .insert(writebackEntries)
      .values({
        ...values,
        status: 'pending',
        attempts: 0,
        replays: 0,
        nextAttemptAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: [writebackEntries.forceId, writebackEntries.idempotencyKey] })
      .returning()
    if (created) return { entry: created, created: true }
    const [existing] = await tx
      .select()
      .from(writebackEntries)
      .where(
        and(
          eq(writebackEntries.forceId, entry.forceId),
          eq(writebackEntries.idempotencyKey, entry.idempotencyKey),
        ),
      )
    if (!existing) throw new Error(`Write-back entry ${entry.idempotencyKey} vanished while being enqueued`)
    return { entry: existing, created: false }
  }

  /**
   * Takes up to `limit` due entries of every force: pending ones whose time has come, and ones
   * left in `sending` by a worker whose claim expired. Each claim counts as an attempt.
   */
  async claimDue(now: Date, limit: number, claimExpiresAt: Date): Promise<WritebackEntry[]> {
    return this.#db.asSystem(async (tx) => {
      const due = tx
        .select({ id: writebackEntries.id })
        .from(writebackEntries)
        .where(
          or(
            and(eq(writebackEntries.status, 'pending'), lte(writebackEntries.nextAttemptAt, now)),
            and(eq(writebackEntries.status, 'sending'), lte(writebackEntries.claimExpiresAt, now)),
          ),
        )
        .orderBy(asc(writebackEntries.nextAttemptAt))
        .limit(limit)
        .for('update', { skipLocked: true })
      return tx
        .update(writebackEntries)
        .set({
          status: 'sending',
          attempts: sql`${writebackEntries.attempts} + 1`,
          claimExpiresAt,
          updatedAt: now,
        })
        .where(inArray(writebackEntries.id, due))
        .returning()
    })
  }

  /**
   * Records attempts' outcomes, one transaction per force. Each update is fenced on the claim: a
   * worker whose claim expired and was taken over cannot overwrite the newer attempt. Returns the
   * ids whose outcome was recorded.
   */
  async recordOutcomes(outcomes: AttemptOutcome[]): Promise<Set<string>> {
    const recorded = new Set<string>()
    const byForce = Map.groupBy(outcomes, (o) => o.entry.forceId)
    for (const [forceId, group] of byForce) {
      await this.#db.withForce(forceId, async (tx) => {
        for (const outcome of group) {
          if (await this.#applyOutcome(tx, outcome)) recorded.add(outcome.entry.id)
        }
        const attempts = group.filter((o) => recorded.has(o.entry.id))
        if (attempts.length === 0) return
        await tx.insert(writebackAttempts).values(
          attempts.map((o) => ({
            forceId,
            entryId: o.entry.id,
            attempt: o.entry.attempts,
            startedAt: o.startedAt,
            durationMs: o.durationMs,
            outcome: o.result.kind,
            httpStatus: o.httpStatus,
            error: o.error,
          })),
        )
      })
    }
    return recorded
  }

  async #applyOutcome(tx: Tx, outcome: AttemptOutcome): Promise<boolean> {
    const { entry, result, now } = outcome
    const changes =
      result.kind === 'delivered'
        ? { status: 'delivered' as const, deliveredAt: now, remoteRef: result.remoteRef, lastError: null }
        : result.kind === 'retry'
          ? { status: 'pending' as const, nextAttemptAt: result.nextAttemptAt, lastError: outcome.error }
          : { status: 'dead' as const, deadAt: now, lastError: outcome.error }
    const updated = await tx
      .update(writebackEntries)
      .set({ ...changes, claimExpiresAt: null, lastHttpStatus: outcome.httpStatus, updatedAt: now })
      .where(
        and(
          eq(writebackEntries.id, entry.id),
          eq(writebackEntries.status, 'sending'),
          eq(writebackEntries.attempts, entry.attempts),
        ),
      )
      .returning({ id: writebackEntries.id })
    return updated.length > 0
  }

  /** Puts dead entries back in the queue with a fresh retry window (CP-163). */
  async replay(tx: Tx, forceId: string, ids: string[] | 'all-dead', by: string | null, now: Date) {
    return tx
      .update(writebackEntries)
      .set({
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        deadAt: null,
        replays: sql`${writebackEntries.replays} + 1`,
        replayedAt: now,
        replayedBy: by,
        updatedAt: now,
      })
      .where(
        and(
          eq(writebackEntries.forceId, forceId),
          eq(writebackEntries.status, 'dead'),
          ids === 'all-dead' ? undefined : inArray(writebackEntries.id, ids),
        ),
      )
      .returning({ id: writebackEntries.id })
  }

  async countByStatus(tx: Tx, forceId: string): Promise<Record<WritebackStatus, number>> {
    const result: Record<WritebackStatus, number> = { pending: 0, sending: 0, delivered: 0, dead: 0 }
    const grouped = await tx
      .select({ status: writebackEntries.status, n: count() })
      .from(writebackEntries)
      .where(eq(writebackEntries.forceId, forceId))
      .groupBy(writebackEntries.status)
    for (const row of grouped) result[row.status] = Number(row.n)
    return result
  }

  /** Entries not yet delivered or dead, across every force: the backlog on /health/ready. */
  async backlog(): Promise<number> {
    const [row] = await this.#db.asSystem((tx) =>
      tx
        .select({ n: count() })
        .from(writebackEntries)
        .where(inArray(writebackEntries.status, ['pending', 'sending'])),
    )
    return Number(row?.n ?? 0)
  }

  /** The force's dead letters, counting at most `cap`: read from writeback_entries_dead alone. */
  async countDead(tx: Tx, forceId: string, cap: number): Promise<number> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from (
            select 1 from writeback_entries where force_id = ${forceId} and status = 'dead' limit ${cap}
          ) found`,
    )
    return row?.n ?? 0
  }

  async listDead(tx: Tx, forceId: string, limit: number): Promise<WritebackEntry[]> {
    return tx
      .select()
      .from(writebackEntries)
      .where(and(eq(writebackEntries.forceId, forceId), eq(writebackEntries.status, 'dead')))
      .orderBy(desc(writebackEntries.deadAt))
      .limit(limit)
  }

  async listByReference(tx: Tx, forceId: string, target: WritebackTarget, targetRef: string) {
    return tx
      .select()
      .from(writebackEntries)
      .where(
        and(
          eq(writebackEntries.forceId, forceId),
          eq(writebackEntries.target, target),
          eq(writebackEntries.targetRef, targetRef),
        ),
      )
      .orderBy(asc(writebackEntries.createdAt))
  }

  async get(tx: Tx, forceId: string, id: string): Promise<WritebackEntry | undefined> {
    const [row] = await tx
      .select()
      .from(writebackEntries)
      .where(and(eq(writebackEntries.forceId, forceId), eq(writebackEntries.id, id)))
    return row
  }

  async attemptsOf(tx: Tx, entryId: string): Promise<WritebackAttempt[]> {
    return tx
      .select()
      .from(writebackAttempts)
      .where(eq(writebackAttempts.entryId, entryId))
      .orderBy(asc(writebackAttempts.startedAt), asc(writebackAttempts.attempt))
  }

  async endpoint(forceId: string, target: WritebackTarget): Promise<WritebackEndpointRow | undefined> {
    return this.#db.withForce(forceId, async (tx) => this.endpointIn(tx, forceId, target))
  }

  async endpointIn(
    tx: Tx,
    forceId: string,
    target: WritebackTarget,
  ): Promise<WritebackEndpointRow | undefined> {
    const [row] = await tx
      .select()
      .from(writebackEndpoints)
      .where(and(eq(writebackEndpoints.forceId, forceId), eq(writebackEndpoints.target, target)))
    return row
  }

  async endpoints(tx: Tx, forceId: string): Promise<WritebackEndpointRow[]> {
    return tx.select().from(writebackEndpoints).where(eq(writebackEndpoints.forceId, forceId))
  }

  async saveEndpoint(tx: Tx, values: EndpointValues, by: string | null, now: Date): Promise<void> {
    const row = { ...values, updatedBy: by, updatedAt: now }
    await tx
      .insert(writebackEndpoints)
      .values(row)
      .onConflictDoUpdate({ target: [writebackEndpoints.forceId, writebackEndpoints.target], set: row })
  }
}
