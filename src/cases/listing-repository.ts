// Which cases of a force began in a period: crimes by when they were recorded, and incidents by
// when they were opened unless a crime was recorded from them (the crime stands for both). Used
// by the journey designer's dry run (UJ-18) through CaseService, which owns every case read.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import type { CaseKind } from './deletion-repository.ts'

export interface CaseListing {
  kind: CaseKind
  id: string
}

export class CaseListingRepository {
  /** Newest first, at most `limit`; row-level security confines it to the transaction's force. */
  async begunBetween(tx: Tx, from: Date, to: Date, limit: number): Promise<CaseListing[]> {
    return rows<CaseListing>(
      tx,
      sql`(select 'crime' as kind, id::text as id, coalesce(recorded_at, created_at) as began from crimes
            where coalesce(recorded_at, created_at) between ${from.toISOString()} and ${to.toISOString()})
          union all
          (select 'incident' as kind, i.id::text as id, coalesce(i.opened_at, i.created_at) as began from incidents i
            where coalesce(i.opened_at, i.created_at) between ${from.toISOString()} and ${to.toISOString()}
              and not exists (select 1 from crime_incidents ci where ci.incident_id = i.id))
          order by began desc limit ${limit}`,
    )
  }

  /** The crime types the force's own crimes carry (not those shared with it), most used first. */
  async crimeTypes(tx: Tx, forceId: string, limit: number): Promise<string[]> {
    const found = await rows<{ crimeType: string }>(
      tx,
      sql`select crime_type as "crimeType" from crimes where force_id = ${forceId} and crime_type is not null
          group by crime_type order by count(*) desc, crime_type limit ${limit}`,
    )
    return found.map((r) => r.crimeType)
  }
}
