// Deleting a case or a person for review, retention and deletion under the PIRM Code (UJ-3,
// CP-4, CRM-4). Runs in the caller's transaction; the retention service makes it all-or-nothing
// across capabilities. Returns how many rows went from each table: counts, never content.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

export type CaseKind = 'incident' | 'crime'
export type DeletionCounts = Record<string, number>

async function count(tx: Tx, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await rows<{ n: number }>(
    tx,
    sql`with d as (${query} returning 1) select count(*)::int as n from d`,
  )
  return row?.n ?? 0
}

export class CaseDeletionRepository {
  /** The case's own reference (CAD log or crime reference), used to find its write-back entries. */
  async reference(tx: Tx, kind: CaseKind, id: string): Promise<string | undefined> {
    const [row] =
      kind === 'crime'
        ? await rows<{ ref: string }>(tx, sql`select crime_ref as ref from crimes where id = ${id}`)
        : await rows<{ ref: string }>(tx, sql`select cad_ref as ref from incidents where id = ${id}`)
    return row?.ref
  }

  async partyPersonIds(tx: Tx, kind: CaseKind, id: string): Promise<string[]> {
    const found =
      kind === 'crime'
        ? await rows<{ id: string }>(
            tx,
            sql`select distinct person_id as id from case_parties where crime_id = ${id}`,
          )
        : await rows<{ id: string }>(
            tx,
            sql`select distinct person_id as id from case_parties where incident_id = ${id}`,
          )
    return found.map((r) => r.id)
  }

  /** Raw inbound events that built this case or person (their payloads hold personal data). */
  async sourceEventIds(tx: Tx, target: { kind: CaseKind | 'person'; id: string }): Promise<string[]> {
    const column =
      target.kind === 'crime' ? 'crime_id' : target.kind === 'incident' ? 'incident_id' : 'person_id'
    const fromTimeline = await rows<{ id: string }>(
      tx,
      sql`select distinct source_event_id as id from case_timeline
          where ${sql.raw(column)} = ${target.id} and source_event_id is not null`,
    )
    const fromIdentities =
      target.kind === 'person'
        ? await rows<{ id: string }>(
            tx,
            sql`select distinct source_event_id as id from person_identities
                where person_id = ${target.id} and source_event_id is not null`,
          )
        : []
    return [...new Set([...fromTimeline, ...fromIdentities].map((r) => r.id))]
  }

  async deleteCase(tx: Tx, kind: CaseKind, id: string): Promise<DeletionCounts> {
    const column = sql.raw(kind === 'crime' ? 'crime_id' : 'incident_id')
    return {
      case_timeline: await count(tx, sql`delete from case_timeline where ${column} = ${id}`),
      case_parties: await count(tx, sql`delete from case_parties where ${column} = ${id}`),
      crime_incidents: await count(tx, sql`delete from crime_incidents where ${column} = ${id}`),
      [kind === 'crime' ? 'crimes' : 'incidents']:
        kind === 'crime'
          ? await count(tx, sql`delete from crimes where id = ${id}`)
          : await count(tx, sql`delete from incidents where id = ${id}`),
    }
  }

  async isOnAnyCase(tx: Tx, personId: string): Promise<boolean> {
    const found = await rows(tx, sql`select 1 from case_parties where person_id = ${personId} limit 1`)
    return found.length > 0
  }

  async deletePerson(tx: Tx, personId: string): Promise<DeletionCounts> {
    return {
      case_timeline: await count(tx, sql`delete from case_timeline where person_id = ${personId}`),
      case_parties: await count(tx, sql`delete from case_parties where person_id = ${personId}`),
      person_identities: await count(tx, sql`delete from person_identities where person_id = ${personId}`),
      person_claims: await count(tx, sql`delete from person_claims where person_id = ${personId}`),
      contact_points: await count(tx, sql`delete from contact_points where person_id = ${personId}`),
      person_markers: await count(tx, sql`delete from person_markers where person_id = ${personId}`),
      people: await count(tx, sql`delete from people where id = ${personId}`),
    }
  }
}
