// Deleting the write-back entries of a case (they quote the messages sent) for review, retention
// and deletion under the PIRM Code (UJ-3, CP-4, CRM-4), in the caller's transaction.
import { type SQL, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

async function count(tx: Tx, query: SQL): Promise<number> {
  const [row] = await rows<{ n: number }>(
    tx,
    sql`with d as (${query} returning 1) select count(*)::int as n from d`,
  )
  return row?.n ?? 0
}

export class WritebackDeletionRepository {
  /** Entries written against a CAD log (`cad`) or crime record (`rms`) with this reference. */
  async deleteForReference(
    tx: Tx,
    target: 'cad' | 'rms',
    reference: string,
  ): Promise<Record<string, number>> {
    const entries = sql`select id from writeback_entries where target = ${target} and target_ref = ${reference}`
    return {
      writeback_attempts: await count(tx, sql`delete from writeback_attempts where entry_id in (${entries})`),
      writeback_entries: await count(
        tx,
        sql`delete from writeback_entries where target = ${target} and target_ref = ${reference}`,
      ),
    }
  }
}
