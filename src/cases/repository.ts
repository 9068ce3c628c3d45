// The SQL that reads incidents, crimes, case parties and the case timeline, and delivers case
// events. Every method runs in the caller's transaction (row-level security confines it to one
// force). Source changes are written by the staged store (staged-store.ts), set-based.
import { sql } from 'drizzle-orm'
import { arrayParam, rows, type Tx } from '../platform/db/database.ts'
import { rowsWithDates } from './rows.ts'
import { type ContactPointRow, type MarkerRow, type PersonRow, personColumns } from './person-repository.ts'

export interface IncidentRow {
  id: string
  forceId: string
  cadRef: string
  openedAt: Date | null
  closedAt: Date | null
  grading: string | null
  incidentType: string | null
  openingCode: string | null
  closingCode: string | null
  location: string | null
  /** The occurrence the log belongs to: it and the crimes raised from it (0320_occurrences.sql). */
  occurrenceId: string
  fieldVersions: Record<string, string>
  updatedAt: Date
}

export interface CrimeRow {
  id: string
  forceId: string
  crimeRef: string
  crimeType: string | null
  homeOfficeClass: string | null
  status: string
  outcome: string | null
  officerId: string | null
  supervisorId: string | null
  officerName: string | null
  officerCollar: string | null
  supervisorName: string | null
  supervisorCollar: string | null
  vcopCategory: string | null
  vcopReason: string | null
  recordedAt: Date | null
  closedAt: Date | null
  /** The occurrence the crime belongs to: it and the CAD logs it was raised from. */
  occurrenceId: string
  fieldVersions: Record<string, string>
  updatedAt: Date
}

export interface TimelineRow {
  id: string
  incidentId: string | null
  crimeId: string | null
  personId: string | null
  eventType: string
  summary: string
  changes: Record<string, { from: unknown; to: unknown }>
  sourceSystem: string | null
  sourceEventId: string | null
  occurredAt: Date
  recordedAt: Date
}

export interface PartyRow {
  id: string
  personId: string
  incidentId: string | null
  crimeId: string | null
  role: string
  /** A parent or guardian's, or an attorney's: the person on the case they act for (CP-37). */
  actsForPersonId: string | null
  displayName: string | null
  addedAt: Date
}

const incidentColumns = sql.raw(`id, force_id as "forceId", cad_ref as "cadRef", opened_at as "openedAt",
  closed_at as "closedAt", grading, incident_type as "incidentType", opening_code as "openingCode",
  closing_code as "closingCode", location, occurrence_id as "occurrenceId", field_versions as "fieldVersions",
  updated_at as "updatedAt"`)

const crimeColumns =
  sql.raw(`c.id, c.force_id as "forceId", c.crime_ref as "crimeRef", c.crime_type as "crimeType",
  c.home_office_class as "homeOfficeClass", c.status, c.outcome, c.officer_id as "officerId",
  c.supervisor_id as "supervisorId", o.name as "officerName", o.collar_number as "officerCollar",
  s.name as "supervisorName", s.collar_number as "supervisorCollar", c.vcop_category as "vcopCategory",
  c.vcop_reason as "vcopReason", c.recorded_at as "recordedAt", c.closed_at as "closedAt",
  c.occurrence_id as "occurrenceId", c.field_versions as "fieldVersions", c.updated_at as "updatedAt"`)

const crimeFrom = sql.raw(
  `crimes c left join officers o on o.id = c.officer_id left join officers s on s.id = c.supervisor_id`,
)

export { rowsWithDates } from './rows.ts'

/** A case as it stands, without its timeline: what `CaseRepository.standing` reads in one go. */
export interface StandingCase {
  incident: IncidentRow | null
  crime: CrimeRow | null
  /** For an incident: the crimes it is linked to, by reference. */
  linkedCrimes: { id: string; crimeRef: string; status: string }[]
  /** For a crime: its CAD logs, by reference. */
  linkedIncidents: IncidentRow[]
  /** Every incident and crime of the case's occurrence, the case itself included. */
  occurrenceIncidentIds: string[]
  occurrenceCrimeIds: string[]
  parties: PartyRow[]
  people: PersonRow[]
  contactPoints: (ContactPointRow & { personId: string })[]
  markers: (MarkerRow & { personId: string })[]
}

/** Every `…At` field of a JSON result, however deep, as a Date. */
function reviveDates<T>(value: T): T {
  if (Array.isArray(value)) for (const item of value) reviveDates(item)
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>
    for (const [key, inner] of Object.entries(record)) {
      if (key.endsWith('At') && typeof inner === 'string') record[key] = new Date(inner)
      else reviveDates(inner)
    }
  }
  return value
}

export interface CaseReferences {
  kind: 'incident' | 'crime'
  /** The crime's reference; for an incident, its first linked crime's, if crimed. */
  crimeRef: string | null
  /** The CAD logs: the incident's own, or those linked to the crime, by reference. */
  logs: { cadRef: string; open: boolean }[]
}

export class CaseRepository {
  async incidentByRef(tx: Tx, cadRef: string): Promise<IncidentRow | undefined> {
    const [row] = await rowsWithDates<IncidentRow>(
      tx,
      sql`select ${incidentColumns} from incidents where cad_ref = ${cadRef}`,
    )
    return row
  }

  async incident(tx: Tx, id: string): Promise<IncidentRow | undefined> {
    const [row] = await rowsWithDates<IncidentRow>(
      tx,
      sql`select ${incidentColumns} from incidents where id = ${id}`,
    )
    return row
  }

  async crimeByRef(tx: Tx, crimeRef: string): Promise<CrimeRow | undefined> {
    const [row] = await rowsWithDates<CrimeRow>(
      tx,
      sql`select ${crimeColumns} from ${crimeFrom} where c.crime_ref = ${crimeRef}`,
    )
    return row
  }

  async crime(tx: Tx, id: string): Promise<CrimeRow | undefined> {
    const [row] = await rowsWithDates<CrimeRow>(
      tx,
      sql`select ${crimeColumns} from ${crimeFrom} where c.id = ${id}`,
    )
    return row
  }

  async linkedIncidents(tx: Tx, crimeId: string): Promise<IncidentRow[]> {
    return rowsWithDates<IncidentRow>(
      tx,
      sql`select ${incidentColumns} from incidents where id in (select incident_id from crime_incidents where crime_id = ${crimeId}) order by cad_ref`,
    )
  }

  /**
   * An incident or crime as it stands, in one statement: the case, what is linked to it, its
   * parties and their people, contact points and active markers (in the orders the separate
   * reads give). Undefined when there is no such case.
   */
  async standing(
    tx: Tx,
    key: { incidentId: string } | { crimeId: string },
  ): Promise<StandingCase | undefined> {
    const byIncident = 'incidentId' in key
    const id = byIncident ? key.incidentId : key.crimeId
    const partyFilter = byIncident ? sql`p.incident_id = ${id}::uuid` : sql`p.crime_id = ${id}::uuid`
    const [found] = await rows<{ found: StandingCase }>(
      tx,
      sql`with parties as (
            select p.id, p.person_id as "personId", p.incident_id as "incidentId", p.crime_id as "crimeId", p.role,
                   p.acts_for_person_id as "actsForPersonId", pe.display_name as "displayName", p.added_at as "addedAt"
            from case_parties p join people pe on pe.id = p.person_id where ${partyFilter}),
          ids as (select distinct "personId" as id from parties)
          select json_build_object(
            'incident', ${
              byIncident
                ? sql`(select row_to_json(x) from (select ${incidentColumns} from incidents where id = ${id}::uuid) x)`
                : sql`null`
            },
            'crime', ${
              byIncident
                ? sql`null`
                : sql`(select row_to_json(x) from (select ${crimeColumns} from ${crimeFrom} where c.id = ${id}::uuid) x)`
            },
            'linkedCrimes', ${
              byIncident
                ? sql`coalesce((select json_agg(x order by x."crimeRef") from (select c.id, c.crime_ref as "crimeRef", c.status
                    from crimes c join crime_incidents ci on ci.crime_id = c.id where ci.incident_id = ${id}::uuid) x), '[]')`
                : sql`'[]'::json`
            },
            'linkedIncidents', ${
              byIncident
                ? sql`'[]'::json`
                : sql`coalesce((select json_agg(x order by x."cadRef") from (select ${incidentColumns} from incidents
                    where id in (select incident_id from crime_incidents where crime_id = ${id}::uuid)) x), '[]')`
            },
            'occurrenceIncidentIds', coalesce((select json_agg(id) from incidents
              where occurrence_id = (select occurrence_id from ${sql.raw(byIncident ? 'incidents' : 'crimes')} where id = ${id}::uuid)), '[]'),
            'occurrenceCrimeIds', coalesce((select json_agg(id) from crimes
              where occurrence_id = (select occurrence_id from ${sql.raw(byIncident ? 'incidents' : 'crimes')} where id = ${id}::uuid)), '[]'),
            'parties', coalesce((select json_agg(x order by x."addedAt", x.role) from parties x), '[]'),
            'people', coalesce((select json_agg(x) from (select ${personColumns} from people
              where id in (select id from ids)) x), '[]'),
            'contactPoints', coalesce((select json_agg(x order by x.kind, x."lastSeenAt" desc) from (
              select id, person_id as "personId", kind, value, mobile, preferred, source_system as "sourceSystem",
                first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt"
              from contact_points where person_id in (select id from ids)) x), '[]'),
            'markers', coalesce((select json_agg(x order by x."addedAt") from (
              select person_id as "personId", kind, detail, source_system as "sourceSystem", added_at as "addedAt"
              from person_markers where person_id in (select id from ids) and removed_at is null) x), '[]')
          ) as found`,
    )
    const standing = found?.found
    if (!standing || (!standing.incident && !standing.crime)) return undefined
    return reviveDates(standing)
  }

  /** A case's references in one read: its CAD logs (by reference) and crime, for either id. */
  async references(tx: Tx, caseId: string): Promise<CaseReferences | undefined> {
    const [found] = await rows<CaseReferences>(
      tx,
      sql`select 'crime' as kind, c.crime_ref as "crimeRef",
            coalesce((select json_agg(json_build_object('cadRef', i.cad_ref, 'open', i.closed_at is null) order by i.cad_ref)
              from crime_incidents ci join incidents i on i.id = ci.incident_id where ci.crime_id = c.id), '[]') as logs
          from crimes c where c.id = ${caseId}::uuid
          union all
          select 'incident', (select c.crime_ref from crime_incidents ci join crimes c on c.id = ci.crime_id
              where ci.incident_id = i.id order by c.crime_ref limit 1),
            json_build_array(json_build_object('cadRef', i.cad_ref, 'open', i.closed_at is null))
          from incidents i where i.id = ${caseId}::uuid`,
    )
    return found
  }

  async linkedCrimes(
    tx: Tx,
    incidentId: string,
  ): Promise<{ id: string; crimeRef: string; status: string }[]> {
    return rows(
      tx,
      sql`select c.id, c.crime_ref as "crimeRef", c.status from crimes c join crime_incidents ci on ci.crime_id = c.id
          where ci.incident_id = ${incidentId} order by c.crime_ref`,
    )
  }

  async parties(
    tx: Tx,
    where: { incidentId?: string; crimeId?: string; personId?: string },
  ): Promise<PartyRow[]> {
    const filter = where.incidentId
      ? sql`p.incident_id = ${where.incidentId}`
      : where.crimeId
        ? sql`p.crime_id = ${where.crimeId}`
        : sql`p.person_id = ${where.personId ?? null}`
    return rowsWithDates<PartyRow>(
      tx,
      sql`select p.id, p.person_id as "personId", p.incident_id as "incidentId", p.crime_id as "crimeId", p.role,
            p.acts_for_person_id as "actsForPersonId", pe.display_name as "displayName", p.added_at as "addedAt"
          from case_parties p join people pe on pe.id = p.person_id where ${filter} order by p.added_at, p.role`,
    )
  }

  /** The force's case events not yet delivered to listeners, oldest first. */
  undeliveredTimeline(tx: Tx, limit: number): Promise<TimelineRow[]> {
    return rowsWithDates<TimelineRow>(
      tx,
      sql`select id::text, incident_id as "incidentId", crime_id as "crimeId", person_id as "personId",
            event_type as "eventType", summary, changes, source_system as "sourceSystem",
            source_event_id as "sourceEventId", occurred_at as "occurredAt", recorded_at as "recordedAt"
          from case_timeline where force_id = waypoint_current_force() and delivered_at is null
          order by id limit ${limit}`,
    )
  }

  /** Marks events delivered. */
  async markDelivered(tx: Tx, ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return
    await tx.execute(
      sql`update case_timeline set delivered_at = ${at}, delivery_attempts = delivery_attempts + 1
          where id = any(${arrayParam(ids, 'bigint')})`,
    )
  }

  /** Marks every waiting event of the transaction's force delivered (the caller holds the delivery lock). */
  async markAllDelivered(tx: Tx, at: Date): Promise<void> {
    await tx.execute(
      sql`update case_timeline set delivered_at = ${at}, delivery_attempts = delivery_attempts + 1
          where force_id = waypoint_current_force() and delivered_at is null`,
    )
  }

  /** Records a listener's refusal of an event (the fifth refusal ends the retries). */
  async markRefused(tx: Tx, id: string, error: string): Promise<void> {
    await tx.execute(
      sql`update case_timeline set delivery_attempts = delivery_attempts + 1, delivery_error = ${error},
            delivered_at = case when delivery_attempts + 1 >= 5 then now() end
          where id = ${id}::bigint`,
    )
  }

  /** Forces with case events waiting for delivery (system-wide, for the safety sweep). */
  async forcesWithUndelivered(tx: Tx): Promise<string[]> {
    const found = await rows<{ forceId: string }>(
      tx,
      sql`select distinct force_id as "forceId" from case_timeline where delivered_at is null`,
    )
    return found.map((f) => f.forceId)
  }

  async timeline(
    tx: Tx,
    where: { incidentId?: string; crimeId?: string; personId?: string },
  ): Promise<TimelineRow[]> {
    const filter = where.incidentId
      ? sql`incident_id = ${where.incidentId}`
      : where.crimeId
        ? sql`crime_id = ${where.crimeId}`
        : sql`person_id = ${where.personId ?? null}`
    return rowsWithDates<TimelineRow>(
      tx,
      sql`select id::text, incident_id as "incidentId", crime_id as "crimeId", person_id as "personId",
            event_type as "eventType", summary, changes, source_system as "sourceSystem",
            source_event_id as "sourceEventId", occurred_at as "occurredAt", recorded_at as "recordedAt"
          from case_timeline where ${filter} order by occurred_at desc, id desc limit 500`,
    )
  }

  /** Case references that match, ignoring case and spaces, anywhere in the reference. */
  async searchCases(
    tx: Tx,
    reference: string,
  ): Promise<
    { kind: 'incident' | 'crime'; id: string; forceId: string; reference: string; status: string }[]
  > {
    const pattern = `%${reference.replace(/[%_\\]/g, '\\$&')}%`
    return rows(
      tx,
      // The ids come from their trigram indexes (migration 1001); the rows are read under
      // row-level security.
      sql`with target as (select kind, id from waypoint_case_search_targets(${pattern}))
          (select 'crime' as kind, id, force_id as "forceId", crime_ref as reference, status from crimes
            where id in (select id from target where kind = 'crime') order by crime_ref limit 25)
          union all
          (select 'incident' as kind, id, force_id as "forceId", cad_ref as reference,
            case when closed_at is null then 'open' else 'closed' end as status from incidents
            where id in (select id from target where kind = 'incident') order by cad_ref limit 25)`,
    )
  }
}
