// The only code that touches the audit tables.
import { asc, eq, sql } from 'drizzle-orm'
import type { Database, Tx } from '../db/database.ts'
import { auditChains, auditEvents } from './schema.ts'

export type AuditRow = typeof auditEvents.$inferSelect
export type NewAuditRow = Omit<typeof auditEvents.$inferInsert, 'id' | 'seq' | 'prevHash' | 'hash' | 'chain'>

export class AuditRepository {
  readonly #db: Database
  constructor(db: Database) {
    this.#db = db
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
    await tx.insert(auditChains).values({ chain, lastSeq: 0, lastHash: '' }).onConflictDoNothing()
    const [head] = await tx.select().from(auditChains).where(eq(auditChains.chain, chain)).for('update')
    const linked = { ...row, chain, seq: head.lastSeq + 1, prevHash: head.lastHash }
    const hash = computeHash(linked)
    const [inserted] = await tx
      .insert(auditEvents)
      .values({ ...linked, hash })
      .returning()
    await tx
      .update(auditChains)
      .set({ lastSeq: linked.seq, lastHash: hash })
      .where(eq(auditChains.chain, chain))
    return inserted
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
