// Deleting raw inbound events (their payloads hold personal data) for review, retention and
// deletion under the PIRM Code (UJ-3, CP-4, CRM-4), in the caller's transaction.
import { type SQL, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

async function count(tx: Tx, query: SQL): Promise<number> {
  const [row] = await rows<{ n: number }>(
    tx,
    sql`with d as (${query} returning 1) select count(*)::int as n from d`,
  )
  return row?.n ?? 0
}

export class SourceEventDeletionRepository {
  /** The events with these ids, and every repeat of them that was stored as a duplicate. */
  async deleteEvents(tx: Tx, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0
    const list = sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )
    // A join on (source_system, source_event_id), which its index serves: the same rows as
    // "id in (…) or exists (a repeat)", which read every source event for each deleted case.
    return count(
      tx,
      sql`delete from source_events s
            using (select distinct source_system, source_event_id from source_events where id in (${list})) o
            where s.source_system = o.source_system and s.source_event_id = o.source_event_id`,
    )
  }

  /** Up to `limit` events processed before `cutoff` that need nothing more (applied, duplicate, superseded). */
  deleteProcessedBefore(tx: Tx, cutoff: Date, limit: number): Promise<number> {
    return count(
      tx,
      sql`delete from source_events where id in (select id from source_events where processed_at < ${cutoff}
            and status in ('applied', 'duplicate', 'superseded') limit ${limit})`,
    )
  }
}
