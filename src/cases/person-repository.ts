// The only SQL over people, their source identities, claims, contact points and markers.
import { sql } from 'drizzle-orm'
import type { Tx } from '../platform/db/database.ts'
import { rowsWithDates as rows } from './repository.ts'

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

const personColumns = sql.raw(`id, force_id as "forceId", display_name as "displayName",
  date_of_birth::text as "dateOfBirth", preferred_channel as "preferredChannel", language, updated_at as "updatedAt"`)

export class PersonRepository {
  async person(tx: Tx, id: string): Promise<PersonRow | undefined> {
    const [row] = await rows<PersonRow>(tx, sql`select ${personColumns} from people where id = ${id}`)
    return row
  }

  async personByIdentity(tx: Tx, kind: string, value: string): Promise<string | undefined> {
    const [row] = await rows<{ personId: string }>(
      tx,
      sql`select person_id as "personId" from person_identities where kind = ${kind} and value = ${value}
          order by first_seen_at limit 1`,
    )
    return row?.personId
  }

  /** A person a source named exactly so who also shares a date of birth or a phone/email identity. */
  async personByNameAnd(
    tx: Tx,
    name: string,
    dateOfBirth: string | null,
    contacts: string[],
  ): Promise<string | undefined> {
    const contactList = contacts.length
      ? sql.join(
          contacts.map((c) => sql`${c}`),
          sql`, `,
        )
      : sql`null`
    const [row] = await rows<{ id: string }>(
      tx,
      sql`select c.person_id as id from person_claims c where c.field = 'name' and c.value = ${name} and (
            (${dateOfBirth}::text is not null and exists (select 1 from person_claims d where d.person_id = c.person_id
              and d.field = 'dateOfBirth' and d.value = ${dateOfBirth}))
            or exists (select 1 from person_identities i where i.person_id = c.person_id and i.kind in ('phone', 'email')
                       and i.value in (${contactList})))
          order by c.first_seen_at limit 1`,
    )
    return row?.id
  }

  async insertPerson(tx: Tx, forceId: string, now: Date): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into people (force_id, created_at, updated_at) values (${forceId}, ${now}, ${now}) returning id`,
    )
    return row!.id
  }

  async updatePerson(
    tx: Tx,
    id: string,
    values: { displayName?: string; dateOfBirth?: string; preferredChannel?: string; language?: string },
    now: Date,
  ): Promise<void> {
    await tx.execute(
      sql`update people set display_name = coalesce(${values.displayName ?? null}, display_name),
            date_of_birth = coalesce(${values.dateOfBirth ?? null}::date, date_of_birth),
            preferred_channel = coalesce(${values.preferredChannel ?? null}, preferred_channel),
            language = coalesce(${values.language ?? null}, language), updated_at = ${now}
          where id = ${id}`,
    )
  }

  async recordIdentity(
    tx: Tx,
    forceId: string,
    personId: string,
    identity: { kind: string; value: string; sourceSystem: string; sourceEventId?: string; seenAt: Date },
  ): Promise<void> {
    await tx.execute(
      sql`insert into person_identities (force_id, person_id, kind, value, source_system, source_event_id, first_seen_at, last_seen_at)
          values (${forceId}, ${personId}, ${identity.kind}, ${identity.value}, ${identity.sourceSystem},
            ${identity.sourceEventId ?? null}, ${identity.seenAt}, ${identity.seenAt})
          on conflict (force_id, person_id, kind, value) do update set
            last_seen_at = greatest(person_identities.last_seen_at, excluded.last_seen_at),
            first_seen_at = least(person_identities.first_seen_at, excluded.first_seen_at)`,
    )
  }

  /** Records a source's value for a field; returns the distinct values now held for it. */
  async recordClaim(
    tx: Tx,
    forceId: string,
    personId: string,
    claim: { field: string; value: string; sourceSystem: string; seenAt: Date },
  ): Promise<string[]> {
    await tx.execute(
      sql`insert into person_claims (force_id, person_id, field, value, source_system, first_seen_at, last_seen_at)
          values (${forceId}, ${personId}, ${claim.field}, ${claim.value}, ${claim.sourceSystem}, ${claim.seenAt}, ${claim.seenAt})
          on conflict (force_id, person_id, field, value, source_system) do update set
            last_seen_at = greatest(person_claims.last_seen_at, excluded.last_seen_at)`,
    )
    const values = await rows<{ value: string }>(
      tx,
      sql`select distinct value from person_claims where person_id = ${personId} and field = ${claim.field}`,
    )
    return values.map((v) => v.value)
  }

  /** Adds a contact point; true when it is new for this person. */
  async recordContactPoint(
    tx: Tx,
    forceId: string,
    personId: string,
    point: { kind: string; value: string; mobile: boolean; sourceSystem: string; seenAt: Date },
  ): Promise<boolean> {
    const [row] = await rows<{ inserted: boolean }>(
      tx,
      sql`insert into contact_points (force_id, person_id, kind, value, mobile, source_system, first_seen_at, last_seen_at)
          values (${forceId}, ${personId}, ${point.kind}, ${point.value}, ${point.mobile}, ${point.sourceSystem}, ${point.seenAt}, ${point.seenAt})
          on conflict (force_id, person_id, kind, value) do update set
            last_seen_at = greatest(contact_points.last_seen_at, excluded.last_seen_at)
          returning (xmax = 0) as inserted`,
    )
    return row!.inserted
  }

  async setPreferredContactPoint(tx: Tx, personId: string, kind: string): Promise<void> {
    await tx.execute(
      sql`update contact_points set preferred = (kind = ${kind} and last_seen_at = (
            select max(last_seen_at) from contact_points where person_id = ${personId} and kind = ${kind}))
          where person_id = ${personId}`,
    )
  }

  /** Adds a marker unless one of that kind is already active; true when added. */
  async addMarker(
    tx: Tx,
    forceId: string,
    personId: string,
    marker: { kind: string; sourceSystem: string; addedAt: Date },
  ): Promise<boolean> {
    const inserted = await rows(
      tx,
      sql`insert into person_markers (force_id, person_id, kind, source_system, added_at)
          values (${forceId}, ${personId}, ${marker.kind}, ${marker.sourceSystem}, ${marker.addedAt})
          on conflict (force_id, person_id, kind) where removed_at is null do nothing returning id`,
    )
    return inserted.length > 0
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
      sql`select ${personColumns} from people p where
            (${byName}::text is not null and lower(p.display_name) like ${byName})
            or (${byPhone}::text is not null and exists (select 1 from contact_points c where c.person_id = p.id
                and c.kind = 'phone' and c.value like ${byPhone}))
          order by p.display_name limit 50`,
    )
  }
}
