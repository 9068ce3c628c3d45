// Reads of people, their source identities, claims, contact points and markers (source changes
// to them are written set-based by staged-store.ts).
import { sql } from 'drizzle-orm'
import type { Tx } from '../platform/db/database.ts'
import { rowsWithDates as rows } from './rows.ts'

export interface PersonRow {
  id: string
  forceId: string
  displayName: string | null
  dateOfBirth: string | null
  preferredChannel: string | null
  language: string | null
  updatedAt: Date
}

export interface IdentityRow {
  kind: string
  value: string
  sourceSystem: string
  sourceEventId: string | null
  firstSeenAt: Date
  lastSeenAt: Date
}

export interface ClaimRow {
  field: string
  value: string
  sourceSystem: string
  firstSeenAt: Date
  lastSeenAt: Date
}

export interface ContactPointRow {
  id: string
  kind: string
  value: string
  mobile: boolean
  preferred: boolean
  sourceSystem: string
  firstSeenAt: Date
  lastSeenAt: Date
}

export interface MarkerRow {
  kind: string
  detail: string | null
  sourceSystem: string
  addedAt: Date
}

export const personColumns = sql.raw(`id, force_id as "forceId", display_name as "displayName",
  date_of_birth::text as "dateOfBirth", preferred_channel as "preferredChannel", language, updated_at as "updatedAt"`)

export class PersonRepository {
  async person(tx: Tx, id: string): Promise<PersonRow | undefined> {
    const [row] = await rows<PersonRow>(tx, sql`select ${personColumns} from people where id = ${id}`)
    return row
  }

  contactPointsOfPeople(tx: Tx, ids: string[]): Promise<(ContactPointRow & { personId: string })[]> {
    return rows(
      tx,
      sql`select id, person_id as "personId", kind, value, mobile, preferred, source_system as "sourceSystem",
            first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt" from contact_points
          where person_id in ${uuidList(ids)} order by kind, last_seen_at desc`,
    )
  }

  markersOfPeople(tx: Tx, ids: string[]): Promise<(MarkerRow & { personId: string })[]> {
    return rows(
      tx,
      sql`select person_id as "personId", kind, detail, source_system as "sourceSystem", added_at as "addedAt"
          from person_markers where person_id in ${uuidList(ids)} and removed_at is null order by added_at`,
    )
  }

  identities(tx: Tx, personId: string): Promise<IdentityRow[]> {
    return rows(
      tx,
      sql`select kind, value, source_system as "sourceSystem", source_event_id as "sourceEventId",
            first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt"
          from person_identities where person_id = ${personId} order by kind, first_seen_at`,
    )
  }

  claims(tx: Tx, personId: string): Promise<ClaimRow[]> {
    return rows(
      tx,
      sql`select field, value, source_system as "sourceSystem", first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt"
          from person_claims where person_id = ${personId} order by field, last_seen_at desc`,
    )
  }

  contactPoints(tx: Tx, personId: string): Promise<ContactPointRow[]> {
    return rows(
      tx,
      sql`select id, kind, value, mobile, preferred, source_system as "sourceSystem", first_seen_at as "firstSeenAt",
            last_seen_at as "lastSeenAt" from contact_points where person_id = ${personId} order by kind, last_seen_at desc`,
    )
  }

  markers(tx: Tx, personId: string): Promise<MarkerRow[]> {
    return rows(
      tx,
      sql`select kind, detail, source_system as "sourceSystem", added_at as "addedAt"
          from person_markers where person_id = ${personId} and removed_at is null order by added_at`,
    )
  }

  /** People whose name contains the text, or whose phone ends with the digits given. */
  async search(tx: Tx, name: string | undefined, phoneDigits: string | undefined): Promise<PersonRow[]> {
    const byName = name ? `%${name.toLowerCase().replace(/[%_\\]/g, '\\$&')}%` : null
    const byPhone = phoneDigits ? `%${phoneDigits}` : null
    return rows<PersonRow>(
      tx,
      // The ids come from trigram indexes (migration 1001); the rows are read under row-level
      // security.
      sql`select ${personColumns} from people p
          where p.id in (select waypoint_person_search_targets(${byName}::text, ${byPhone}::text))
          order by p.display_name limit 50`,
    )
  }
}

/** A literal list of ids for `in`, so each is an index probe. */
function uuidList(ids: string[]) {
  return ids.length
    ? sql`(${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql`(null::uuid)`
}
