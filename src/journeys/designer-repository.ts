// The journey designer's one read of its own: which cases of the force began in a period, for
// the dry run (UJ-18). Only identifiers are read here; each case is then loaded through the
// case service's reader, as enrolment does, so the dry run sees exactly what the engine would.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import type { CaseKey } from './snapshot.ts'

export class DesignerRepository {
  /** Crimes recorded, and incidents opened without a crime, between `from` and `to`; newest first. */
  async casesBetween(tx: Tx, from: Date, to: Date, limit: number): Promise<CaseKey[]> {
    const found = await rows<{ kind: 'crime' | 'incident'; id: string }>(
      tx,
      sql`(select 'crime' as kind, id::text as id, coalesce(recorded_at, created_at) as began from crimes
            where coalesce(recorded_at, created_at) between ${from.toISOString()} and ${to.toISOString()})
          union all
          (select 'incident' as kind, i.id::text as id, coalesce(i.opened_at, i.created_at) as began from incidents i
            where coalesce(i.opened_at, i.created_at) between ${from.toISOString()} and ${to.toISOString()}
              and not exists (select 1 from crime_incidents ci where ci.incident_id = i.id))
          order by began desc limit ${limit}`,
    )
    return found.map((r) => (r.kind === 'crime' ? { crimeId: r.id } : { incidentId: r.id }))
  }
}
