// The only code that touches the audit tables.
import { and, asc, desc, eq, gte, ilike, inArray, lt, or, type SQL, sql } from 'drizzle-orm'
import { type Database, rows, type Tx } from '../db/database.ts'
import { auditChains, auditEvents, auditForwarding } from './schema.ts'

export type AuditRow = typeof auditEvents.$inferSelect
export type NewAuditRow = Omit<typeof auditEvents.$inferInsert, 'id' | 'seq' | 'prevHash' | 'hash' | 'chain'>

export type ForwardingDestination = 'syslog' | 'hec'

/** Search filters; every one is optional. `to` is exclusive. */
export interface AuditFilters {
  from?: Date
  to?: Date
  /** A member of staff's id, or part of their name. */
  actor?: string
  /** An action, or the start of one (`case.` for every case action). */
  action?: string
  /** Any of these actions (a search by plain words, action-names.ts). */
  actions?: string[]
  recordType?: string
  recordId?: string
  /** Only for region-wide searches (system administrators). */
  forceId?: string
}

/** Whose events a search may see: one force (row-level security) or the whole region. */
export type AuditScope = { forceId: string } | 'region'

export class AuditRepository {
  readonly #db: Database
  readonly #destinations: readonly ForwardingDestination[]

  /** `destinations`: the SIEMs every new event is queued for (CP-175, CP-176). */
  constructor(db: Database, destinations: readonly ForwardingDestination[] = []) {
    this.#db = db
    this.#destinations = destinations
  }

  get forwardingDestinations(): readonly ForwardingDestination[] {
    return this.#destinations
  }

  /**
   * Appends to a chain inside `tx`: locks the chain head, links the new row to the previous hash
   * and moves the head. `computeHash` sees the row with its seq and prevHash.
   */
  async append(
    tx: Tx,
    chain: string,
    row: NewAuditRow,
    computeHash: (row: NewAuditRow & { chain: string; seq: number; prevHash: string }) => string,
  ): Promise<AuditRow> {
    // Takes (or first creates) the chain head, locked until commit, in one statement.
    const [head] = await tx
      .insert(auditChains)
      .values({ chain, lastSeq: 0, lastHash: '' })
      .onConflictDoUpdate({ target: auditChains.chain, set: { chain } })
      .returning()
    const linked = { ...row, chain, seq: head!.lastSeq + 1, prevHash: head!.lastHash }
    const hash = computeHash(linked)
    // The new row and the moved head, in one statement.
    const moved = tx
      .$with('moved')
      .as(
        tx
          .update(auditChains)
          .set({ lastSeq: linked.seq, lastHash: hash })
          .where(eq(auditChains.chain, chain))
          .returning({ chain: auditChains.chain }),
      )
    const [inserted] = await tx
      .with(moved)
      .insert(auditEvents)
      .values({ ...linked, hash })
      .returning()
    // Transactional outbox: the forwarding rows commit or roll back with the audit row.
    if (this.#destinations.length > 0) {
      await tx.insert(auditForwarding).values(
        this.#destinations.map((destination) => ({
          auditEventId: inserted.id,
          destination,
          status: 'pending' as const,
          attempts: 0,
          nextAttemptAt: row.occurredAt as Date,
        })),
      )
    }
    return inserted
  }

  /** One page of matching events, newest first. */
  search(
    scope: AuditScope,
    filters: AuditFilters,
    page: { limit: number; offset: number },
  ): Promise<AuditRow[]> {
    return this.#inScope(scope, (tx) =>
      tx
        .select()
        .from(auditEvents)
        .where(whereOf(filters, scope))
        .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
        .limit(page.limit)
        .offset(page.offset),
    )
  }

  /** The names of the members of staff with these ids that the scope may see. */
  async staffNames(scope: AuditScope, ids: string[]): Promise<Map<string, string>> {
    const uuids = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/i.test(id))
    if (uuids.length === 0) return new Map()
    const found = await this.#inScope(scope, (tx) =>
      rows<{ id: string; name: string }>(
        tx,
        sql`select id::text as id, display_name as name from staff_users
            where id = any(${`{${uuids.join(',')}}`}::uuid[])`,
      ),
    )
    return new Map(found.map((r) => [r.id, r.name]))
  }

  /** Every matching event, newest first, read in pages so an export never holds them all. */
  async *searchAll(scope: AuditScope, filters: AuditFilters, pageSize = 500): AsyncGenerator<AuditRow> {
    let after: { occurredAt: Date; id: number } | undefined
    for (;;) {
      const position = after
      const page = await this.#inScope(scope, (tx) =>
        tx
          .select()
          .from(auditEvents)
          .where(
            and(
              whereOf(filters, scope),
              position
                ? sql`(${auditEvents.occurredAt}, ${auditEvents.id}) < (${position.occurredAt.toISOString()}::timestamptz, ${position.id})`
                : undefined,
            ),
          )
          .orderBy(desc(auditEvents.occurredAt), desc(auditEvents.id))
          .limit(pageSize),
      )
      for (const row of page) yield row
      if (page.length < pageSize) return
      const last = page[page.length - 1]
      after = { occurredAt: last.occurredAt, id: last.id }
    }
  }

  #inScope<T>(scope: AuditScope, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return scope === 'region' ? this.#db.asSystem(fn) : this.#db.withForce(scope.forceId, fn)
  }

  /** Every row of a chain in order, in pages, for verification and export. */
  async *readChain(chain: string, pageSize = 1000): AsyncGenerator<AuditRow> {
    let after = 0
    for (;;) {
      const page = await this.#db.asSystem((tx) =>
        tx
          .select()
          .from(auditEvents)
          .where(sql`${auditEvents.chain} = ${chain} and ${auditEvents.seq} > ${after}`)
          .orderBy(asc(auditEvents.seq))
          .limit(pageSize),
      )
      for (const row of page) yield row
      if (page.length < pageSize) return
      after = page[page.length - 1].seq
    }
  }

  listChains(): Promise<{ chain: string; lastSeq: number; lastHash: string }[]> {
    return this.#db.asSystem((tx) => tx.select().from(auditChains).orderBy(asc(auditChains.chain)))
  }
}

function whereOf(filters: AuditFilters, scope: AuditScope): SQL | undefined {
  const conditions: (SQL | undefined)[] = []
  // Row-level security confines a force's search already; saying so lets the (force_id,
  // occurred_at) index serve it instead of every force's rows.
  if (scope !== 'region') conditions.push(eq(auditEvents.forceId, scope.forceId))
  if (filters.from) conditions.push(gte(auditEvents.occurredAt, filters.from))
  if (filters.to) conditions.push(lt(auditEvents.occurredAt, filters.to))
  if (filters.actor) {
    conditions.push(
      or(
        eq(auditEvents.actorId, filters.actor),
        ilike(auditEvents.actorName, `%${escapeLike(filters.actor)}%`),
        // Events that keep only the member of staff's id are found by their name too.
        sql`${auditEvents.actorId} in (select id::text from staff_users
              where display_name ilike ${`%${escapeLike(filters.actor)}%`})`,
      ),
    )
  }
  if (filters.action) conditions.push(ilike(auditEvents.action, `${escapeLike(filters.action)}%`))
  if (filters.actions) conditions.push(inArray(auditEvents.action, filters.actions))
  if (filters.recordType) conditions.push(eq(auditEvents.recordType, filters.recordType))
  if (filters.recordId) conditions.push(eq(auditEvents.recordId, filters.recordId))
  if (filters.forceId) conditions.push(eq(auditEvents.forceId, filters.forceId))
  return and(...conditions)
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`)
}
