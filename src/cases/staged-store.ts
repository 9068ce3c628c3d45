// The case model's writes for a batch of source changes, made set-based (issue 4 item 7).
//
// `load` reads, in a fixed handful of statements, every row the batch can touch: incidents and
// crimes by reference, the people reachable through the batch's identities and names, and their
// identities, claims, contact points, markers and case parties. The applier then runs each change
// against this in-memory copy (the same rules as one change at a time), and `flush` writes the
// result back with one statement per table. The ingest transaction holds the force's ingest lock
// (`lockForce`), so nothing else changes these rows between `load` and `flush`.
import { randomUUID } from 'node:crypto'
import { type SQL, sql } from 'drizzle-orm'
import { arrayParam, type Tx } from '../platform/db/database.ts'
import { sqlStateOf } from '../platform/db/database-error.ts'
import type { CaseChange } from './model.ts'
import type { ClaimRow, ContactPointRow, IdentityRow, PersonRow } from './person-repository.ts'
import { type CrimeRow, type IncidentRow, rowsWithDates as rows, type TimelineRow } from './repository.ts'

export type NewTimelineEntry = Omit<TimelineRow, 'id' | 'incidentId' | 'crimeId' | 'personId'> & {
  incidentId?: string
  crimeId?: string
  personId?: string
}

interface OfficerState {
  id: string
  collar: string
  name: string | null
  email: string | null
  teamId: string | null
}

/** What the person tables hold, with the person they belong to. */
type IdentityState = IdentityRow & { personId: string }
type ClaimState = ClaimRow & { personId: string }
type ContactPointState = Omit<ContactPointRow, 'id'> & { personId: string }

interface MarkerState {
  id: string
  personId: string
  kind: string
  sourceSystem: string
  addedAt: Date
  removedAt: Date | null
}

interface PartyState {
  personId: string
  incidentId: string | null
  crimeId: string | null
  role: string
  actsForPersonId: string | null
  addedAt: Date
}

const incidentFields = [
  'openedAt',
  'closedAt',
  'grading',
  'incidentType',
  'openingCode',
  'closingCode',
  'location',
] as const
const crimeFields = [
  'crimeType',
  'homeOfficeClass',
  'status',
  'outcome',
  'officerId',
  'supervisorId',
  'vcopCategory',
  'vcopReason',
  'recordedAt',
  'closedAt',
] as const

/** Serialises the force's ingest: batches of one force apply one after another. */
export async function lockForce(tx: Tx, forceId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`waypoint.ingest:${forceId}`}))`)
}

/** Serialises delivery of a force's pending case events, so listeners see them in order. */
/**
 * Takes the force's case-event delivery lock for the transaction, which commits without waiting
 * for its WAL to reach disk: a delivery lost in a crash is simply delivered again (the events
 * stay undelivered with it), and nothing it wrote can be acted on outside before that WAL is on
 * disk, since any later transaction that commits durably (a message claimed for sending) flushes
 * it first.
 */
export async function lockDelivery(tx: Tx, forceId: string): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtext(${`waypoint.case-events:${forceId}`})), set_config('synchronous_commit', 'off', true)`,
  )
}

/**
 * In an ingest transaction: takes the force's case-event delivery lock and says whether no
 * earlier case event of the force is still waiting, so this batch's may be delivered here
 * without overtaking any. The transaction stays durable (its source events were accepted).
 */
export async function lockDeliveryIfClear(tx: Tx, forceId: string): Promise<boolean> {
  const [found] = await rows<{ waiting: boolean }>(
    tx,
    sql`select pg_advisory_xact_lock(hashtext(${`waypoint.case-events:${forceId}`})),
          exists (select 1 from case_timeline where force_id = ${forceId} and delivered_at is null) as waiting`,
  )
  return found?.waiting === false
}

export class StagedCaseStore {
  readonly #forceId: string
  readonly #now: Date
  readonly #incidents = new Map<string, IncidentRow>()
  readonly #crimes = new Map<string, CrimeRow>()
  readonly #dirtyIncidents = new Set<IncidentRow>()
  readonly #dirtyCrimes = new Set<CrimeRow>()
  /** The type each incident and crime held had when loaded (by id): a change of type is written apart. */
  readonly #loadedTypes = new Map<string, string | null>()
  readonly #links = new Set<string>()
  readonly #newLinks: { crimeId: string; incidentId: string }[] = []
  /** Occurrences begun by this batch, and those held before that a link merged into another. */
  readonly #newOccurrences = new Set<string>()
  readonly #mergedOccurrences = new Map<string, string>()
  readonly #teams = new Map<string, string>()
  readonly #newTeams: { id: string; name: string }[] = []
  readonly #officers = new Map<string, OfficerState>()
  readonly #dirtyOfficers = new Set<OfficerState>()
  readonly #parties = new Map<string, PartyState>()
  readonly #newParties: PartyState[] = []
  /** Parties held before this batch whose relationship (whom they act for) it changed. */
  readonly #changedParties = new Set<PartyState>()
  readonly #timeline: NewTimelineEntry[] = []
  readonly #people = new Map<string, PersonRow>()
  readonly #dirtyPeople = new Set<PersonRow>()
  readonly #newPeople = new Set<string>()
  readonly #identities = new Map<string, IdentityState>()
  readonly #dirtyIdentities = new Set<IdentityState>()
  readonly #claims = new Map<string, ClaimState>()
  readonly #dirtyClaims = new Set<ClaimState>()
  readonly #contactPoints = new Map<string, ContactPointState>()
  readonly #dirtyContactPoints = new Set<ContactPointState>()
  readonly #markers = new Map<string, MarkerState>()
  readonly #newMarkers: MarkerState[] = []
  readonly #removedMarkers: MarkerState[] = []

  constructor(forceId: string, now: Date) {
    this.#forceId = forceId
    this.#now = now
  }

  /** Reads everything the changes can touch, in one statement. */
  async load(tx: Tx, changes: CaseChange[]): Promise<void> {
    const force = this.#forceId
    const cadRefs = new Set<string>()
    const crimeRefs = new Set<string>()
    const collars = new Set<string>()
    const teams = new Set<string>()
    const identityKeys: { kind: string; value: string }[] = []
    const names = new Set<string>()
    for (const change of changes) {
      if (change.incident) {
        cadRefs.add(change.incident.cadRef)
        for (const ref of change.incident.linkedCrimeRefs ?? []) crimeRefs.add(ref)
      }
      if (change.crime) {
        crimeRefs.add(change.crime.crimeRef)
        for (const ref of change.crime.linkedCadRefs ?? []) cadRefs.add(ref)
        for (const officer of [change.crime.officer, change.crime.supervisor]) {
          if (!officer) continue
          collars.add(officer.collar)
          if (officer.team) teams.add(officer.team)
        }
      }
      for (const person of change.people) {
        if (person.stormNominal) identityKeys.push({ kind: 'storm_nominal', value: person.stormNominal })
        if (person.athenaUrn) identityKeys.push({ kind: 'athena_urn', value: person.athenaUrn })
        for (const phone of person.phones) identityKeys.push({ kind: 'phone', value: phone.value })
        for (const email of person.emails) identityKeys.push({ kind: 'email', value: email })
        if (person.name) names.add(person.name)
        // Whom they act for may be someone already known and not in this event (decision 0046).
        if (person.actsFor)
          for (const kind of ['athena_urn', 'storm_nominal'])
            identityKeys.push({ kind, value: person.actsFor })
      }
    }
    // Lists of literal values (not sub-selects), so each look-up is an index probe per value. Rows
    // found by id are this force's already, so those look-ups use the id indexes alone.
    const texts = (values: Iterable<string>) => {
      const list = [...values]
      return list.length
        ? sql`(${sql.join(
            list.map((v) => sql`${v}`),
            sql`, `,
          )})`
        : sql`(null)`
    }
    // Claimed values are indexed by their md5 (a name may be longer than a btree entry may be).
    const hashes = (values: Iterable<string>) => {
      const list = [...values]
      return list.length
        ? sql`(${sql.join(
            list.map((v) => sql`md5(${v})`),
            sql`, `,
          )})`
        : sql`(null)`
    }
    const pairs = identityKeys.length
      ? sql.join(
          identityKeys.map((k) => sql`(${k.kind}, ${k.value})`),
          sql`, `,
        )
      : sql`(null, null)`
    const list = (query: SQL) => sql`(select coalesce(jsonb_agg(x), '[]') from (${query}) x)`
    const [found] = await rows<Record<string, string | unknown[]>>(
      tx,
      sql`with
        inc as (select * from incidents where force_id = ${force} and cad_ref in ${texts(cadRefs)}),
        cri as (select * from crimes where force_id = ${force} and crime_ref in ${texts(crimeRefs)}),
        cand as (
          select person_id from person_identities where force_id = ${force} and (kind, value) in (${pairs})
          union
          select person_id from person_claims
            where force_id = ${force} and field = 'name' and md5(value) in ${hashes(names)}
              and value in ${texts(names)})
      select
        ${list(sql`select id, force_id as "forceId", cad_ref as "cadRef", opened_at as "openedAt", closed_at as "closedAt",
          grading, incident_type as "incidentType", opening_code as "openingCode", closing_code as "closingCode",
          location, occurrence_id as "occurrenceId", field_versions as "fieldVersions", updated_at as "updatedAt"
          from inc`)} as incidents,
        ${list(sql`select c.id, c.force_id as "forceId", c.crime_ref as "crimeRef", c.crime_type as "crimeType",
          c.home_office_class as "homeOfficeClass", c.status, c.outcome, c.officer_id as "officerId",
          c.supervisor_id as "supervisorId", o.name as "officerName", o.collar_number as "officerCollar",
          s.name as "supervisorName", s.collar_number as "supervisorCollar", c.vcop_category as "vcopCategory",
          c.vcop_reason as "vcopReason", c.recorded_at as "recordedAt", c.closed_at as "closedAt",
          c.occurrence_id as "occurrenceId", c.field_versions as "fieldVersions", c.updated_at as "updatedAt"
          from cri c left join officers o on o.id = c.officer_id left join officers s on s.id = c.supervisor_id`)} as crimes,
        ${list(sql`select id, name from teams where force_id = ${force} and name in ${texts(teams)}`)} as teams,
        ${list(sql`select id, collar_number as collar, name, email, team_id as "teamId" from officers
          where force_id = ${force} and collar_number in ${texts(collars)}`)} as officers,
        ${list(sql`select crime_id as "crimeId", incident_id as "incidentId" from crime_incidents
          where crime_id = any(array(select id from cri))`)} as links,
        ${list(sql`select person_id as "personId", incident_id as "incidentId", crime_id as "crimeId", role,
          acts_for_person_id as "actsForPersonId", added_at as "addedAt" from case_parties
          where (incident_id = any(array(select id from inc)) or crime_id = any(array(select id from cri)))`)} as parties,
        ${list(sql`select id, force_id as "forceId", display_name as "displayName", date_of_birth::text as "dateOfBirth",
          preferred_channel as "preferredChannel", language, updated_at as "updatedAt"
          from people where id = any(array(select person_id from cand))`)} as people,
        ${list(sql`select person_id as "personId", kind, value, source_system as "sourceSystem",
          source_event_id as "sourceEventId", first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt"
          from person_identities where person_id = any(array(select person_id from cand))`)} as identities,
        ${list(sql`select person_id as "personId", field, value, source_system as "sourceSystem",
          first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt"
          from person_claims where person_id = any(array(select person_id from cand))`)} as claims,
        ${list(sql`select person_id as "personId", kind, value, mobile, preferred, source_system as "sourceSystem",
          first_seen_at as "firstSeenAt", last_seen_at as "lastSeenAt"
          from contact_points where person_id = any(array(select person_id from cand))`)} as "contactPoints",
        ${list(sql`select id, person_id as "personId", kind, source_system as "sourceSystem", added_at as "addedAt",
          removed_at as "removedAt" from person_markers
          where removed_at is null and person_id = any(array(select person_id from cand))`)} as markers`,
    )
    const read = <T>(key: string): T[] => {
      const value = found![key]
      const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>[]
      for (const row of parsed)
        for (const field of Object.keys(row))
          if (field.endsWith('At') && typeof row[field] === 'string')
            row[field] = new Date(row[field] as string)
      return parsed as T[]
    }
    for (const row of read<IncidentRow>('incidents')) {
      this.#incidents.set(row.cadRef, row)
      this.#loadedTypes.set(row.id, row.incidentType)
    }
    for (const row of read<CrimeRow>('crimes')) {
      this.#crimes.set(row.crimeRef, row)
      this.#loadedTypes.set(row.id, row.crimeType)
    }
    for (const row of read<{ id: string; name: string }>('teams')) this.#teams.set(row.name, row.id)
    for (const row of read<OfficerState>('officers')) this.#officers.set(row.collar, row)
    for (const link of read<{ crimeId: string; incidentId: string }>('links'))
      this.#links.add(`${link.crimeId}|${link.incidentId}`)
    for (const party of read<PartyState>('parties')) this.#parties.set(partyKey(party), party)
    for (const row of read<PersonRow>('people')) this.#people.set(row.id, row)
    for (const row of read<IdentityState>('identities'))
      this.#identities.set(identityKey(row.personId, row.kind, row.value), row)
    for (const row of read<ClaimState>('claims')) this.#claims.set(claimKey(row), row)
    for (const row of read<ContactPointState>('contactPoints'))
      this.#contactPoints.set(identityKey(row.personId, row.kind, row.value), row)
    for (const row of read<MarkerState>('markers')) this.#markers.set(`${row.personId}|${row.kind}`, row)
  }

  // ——— the applier's reads and writes, against the in-memory copy ———

  async incidentByRef(_tx: Tx, cadRef: string): Promise<IncidentRow | undefined> {
    return this.#incidents.get(cadRef)
  }

  async insertIncident(_tx: Tx, forceId: string, cadRef: string, now: Date): Promise<IncidentRow> {
    const row: IncidentRow = {
      id: randomUUID(),
      forceId,
      cadRef,
      openedAt: null,
      closedAt: null,
      grading: null,
      incidentType: null,
      openingCode: null,
      closingCode: null,
      location: null,
      occurrenceId: randomUUID(),
      fieldVersions: {},
      updatedAt: now,
    }
    this.#newOccurrences.add(row.occurrenceId)
    this.#incidents.set(cadRef, row)
    this.#dirtyIncidents.add(row)
    return row
  }

  async updateIncident(
    _tx: Tx,
    id: string,
    values: Record<string, unknown>,
    versions: Record<string, string>,
    now: Date,
  ): Promise<void> {
    const row = [...this.#incidents.values()].find((i) => i.id === id)
    if (!row) throw new Error(`Incident ${id} is not part of this batch`)
    this.#dirtyIncidents.add(updated(row, incidentFields, values, versions, now))
  }

  async crimeByRef(_tx: Tx, crimeRef: string): Promise<CrimeRow | undefined> {
    return this.#crimes.get(crimeRef)
  }

  async crime(_tx: Tx, id: string): Promise<CrimeRow | undefined> {
    return [...this.#crimes.values()].find((c) => c.id === id)
  }

  async insertCrime(_tx: Tx, forceId: string, crimeRef: string, now: Date): Promise<string> {
    const row: CrimeRow = {
      id: randomUUID(),
      forceId,
      crimeRef,
      crimeType: null,
      homeOfficeClass: null,
      status: 'open',
      outcome: null,
      officerId: null,
      supervisorId: null,
      officerName: null,
      officerCollar: null,
      supervisorName: null,
      supervisorCollar: null,
      vcopCategory: null,
      vcopReason: null,
      recordedAt: null,
      closedAt: null,
      occurrenceId: randomUUID(),
      fieldVersions: {},
      updatedAt: now,
    }
    this.#newOccurrences.add(row.occurrenceId)
    this.#crimes.set(crimeRef, row)
    this.#dirtyCrimes.add(row)
    return row.id
  }

  async updateCrime(
    _tx: Tx,
    id: string,
    values: Record<string, unknown>,
    versions: Record<string, string>,
    now: Date,
  ): Promise<void> {
    const row = await this.crime(_tx, id)
    if (!row) throw new Error(`Crime ${id} is not part of this batch`)
    this.#dirtyCrimes.add(updated(row, crimeFields, values, versions, now))
  }

  async upsertTeam(_tx: Tx, _forceId: string, name: string): Promise<string> {
    let id = this.#teams.get(name)
    if (!id) {
      id = randomUUID()
      this.#teams.set(name, id)
      this.#newTeams.push({ id, name })
    }
    return id
  }

  async upsertOfficer(
    _tx: Tx,
    _forceId: string,
    officer: { collar: string; name?: string; email?: string; teamId?: string },
    _now: Date,
  ): Promise<string> {
    let held = this.#officers.get(officer.collar)
    if (!held) {
      held = { id: randomUUID(), collar: officer.collar, name: null, email: null, teamId: null }
      this.#officers.set(officer.collar, held)
    }
    held.name = officer.name ?? held.name
    held.email = officer.email ?? held.email
    held.teamId = officer.teamId ?? held.teamId
    this.#dirtyOfficers.add(held)
    return held.id
  }

  async linkCrimeToIncident(
    _tx: Tx,
    _forceId: string,
    crimeId: string,
    incidentId: string,
  ): Promise<boolean> {
    const key = `${crimeId}|${incidentId}`
    if (this.#links.has(key)) return false
    this.#links.add(key)
    this.#newLinks.push({ crimeId, incidentId })
    const crime = [...this.#crimes.values()].find((c) => c.id === crimeId)
    const incident = [...this.#incidents.values()].find((i) => i.id === incidentId)
    if (crime && incident) this.#mergeOccurrences(crime.occurrenceId, incident.occurrenceId)
    return true
  }

  /**
   * A crime linked to a CAD log makes them one occurrence. The one already held survives (the
   * log's, when both were); the other's records, staged or not, move to it.
   */
  #mergeOccurrences(ofCrime: string, ofIncident: string): void {
    if (ofCrime === ofIncident) return
    const keepCrime = this.#newOccurrences.has(ofIncident) && !this.#newOccurrences.has(ofCrime)
    const [from, into] = keepCrime ? [ofIncident, ofCrime] : [ofCrime, ofIncident]
    for (const row of this.#incidents.values())
      if (row.occurrenceId === from) {
        row.occurrenceId = into
        this.#dirtyIncidents.add(row)
      }
    for (const row of this.#crimes.values())
      if (row.occurrenceId === from) {
        row.occurrenceId = into
        this.#dirtyCrimes.add(row)
      }
    for (const [merged, target] of this.#mergedOccurrences)
      if (target === from) this.#mergedOccurrences.set(merged, into)
    if (!this.#newOccurrences.has(from)) this.#mergedOccurrences.set(from, into)
  }

  async addParty(
    _tx: Tx,
    _forceId: string,
    party: {
      personId: string
      incidentId?: string
      crimeId?: string
      role: string
      actsForPersonId?: string
    },
    now: Date,
  ): Promise<boolean> {
    const state: PartyState = {
      personId: party.personId,
      incidentId: party.incidentId ?? null,
      crimeId: party.crimeId ?? null,
      role: party.role,
      actsForPersonId: party.actsForPersonId ?? null,
      addedAt: now,
    }
    const key = partyKey(state)
    if (this.#parties.has(key)) return false
    this.#parties.set(key, state)
    this.#newParties.push(state)
    return true
  }

  /**
   * Records whom a party already on the case acts for, as a later event names it (decision
   * 0046). Returns whom they acted for before when that changed; undefined when it did not, or
   * when the party is not on the case in that role.
   */
  async setPartyActsFor(
    _tx: Tx,
    party: { personId: string; incidentId?: string; crimeId?: string; role: string; actsForPersonId: string },
  ): Promise<{ from: string | null } | undefined> {
    const key = partyKey({
      personId: party.personId,
      incidentId: party.incidentId ?? null,
      crimeId: party.crimeId ?? null,
      role: party.role,
      actsForPersonId: null,
      addedAt: this.#now,
    })
    const state = this.#parties.get(key)
    if (!state || state.actsForPersonId === party.actsForPersonId) return undefined
    const from = state.actsForPersonId
    state.actsForPersonId = party.actsForPersonId
    if (!this.#newParties.includes(state)) this.#changedParties.add(state)
    return { from }
  }

  async addTimeline(_tx: Tx, _forceId: string, entry: NewTimelineEntry): Promise<void> {
    this.#timeline.push(entry)
  }

  async person(_tx: Tx, id: string): Promise<PersonRow | undefined> {
    return this.#people.get(id)
  }

  /** The person who first held the identity (the earliest first-seen), as the database orders it. */
  async personByIdentity(_tx: Tx, kind: string, value: string): Promise<string | undefined> {
    let best: IdentityState | undefined
    for (const identity of this.#identities.values()) {
      if (identity.kind !== kind || identity.value !== value) continue
      if (!best || identity.firstSeenAt < best.firstSeenAt) best = identity
    }
    return best?.personId
  }

  /** A person named exactly so who also shares a date of birth or a phone/email identity. */
  async personByNameAnd(
    _tx: Tx,
    name: string,
    dateOfBirth: string | null,
    contacts: string[],
  ): Promise<string | undefined> {
    const named = [...this.#claims.values()]
      .filter((c) => c.field === 'name' && c.value === name)
      .sort((a, b) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime())
    for (const claim of named) {
      const person = claim.personId
      const sameBirth =
        dateOfBirth !== null &&
        [...this.#claims.values()].some(
          (d) => d.personId === person && d.field === 'dateOfBirth' && d.value === dateOfBirth,
        )
      const sharedContact = [...this.#identities.values()].some(
        (i) =>
          i.personId === person && (i.kind === 'phone' || i.kind === 'email') && contacts.includes(i.value),
      )
      if (sameBirth || sharedContact) return person
    }
    return undefined
  }

  async insertPerson(_tx: Tx, forceId: string, now: Date): Promise<string> {
    const row: PersonRow = {
      id: randomUUID(),
      forceId,
      displayName: null,
      dateOfBirth: null,
      preferredChannel: null,
      language: null,
      updatedAt: now,
    }
    this.#people.set(row.id, row)
    this.#newPeople.add(row.id)
    this.#dirtyPeople.add(row)
    return row.id
  }

  async updatePerson(
    _tx: Tx,
    id: string,
    values: { displayName?: string; dateOfBirth?: string; preferredChannel?: string; language?: string },
    now: Date,
  ): Promise<void> {
    const row = this.#people.get(id)
    if (!row) throw new Error(`Person ${id} is not part of this batch`)
    row.displayName = values.displayName ?? row.displayName
    row.dateOfBirth = values.dateOfBirth ?? row.dateOfBirth
    row.preferredChannel = values.preferredChannel ?? row.preferredChannel
    row.language = values.language ?? row.language
    row.updatedAt = now
    this.#dirtyPeople.add(row)
  }

  async recordIdentity(
    _tx: Tx,
    _forceId: string,
    personId: string,
    identity: { kind: string; value: string; sourceSystem: string; sourceEventId?: string; seenAt: Date },
  ): Promise<void> {
    const key = identityKey(personId, identity.kind, identity.value)
    const held = this.#identities.get(key)
    if (held) {
      if (identity.seenAt > held.lastSeenAt) held.lastSeenAt = identity.seenAt
      if (identity.seenAt < held.firstSeenAt) held.firstSeenAt = identity.seenAt
      this.#dirtyIdentities.add(held)
      return
    }
    const state: IdentityState = {
      personId,
      kind: identity.kind,
      value: identity.value,
      sourceSystem: identity.sourceSystem,
      sourceEventId: identity.sourceEventId ?? null,
      firstSeenAt: identity.seenAt,
      lastSeenAt: identity.seenAt,
    }
    this.#identities.set(key, state)
    this.#dirtyIdentities.add(state)
  }

  async recordClaim(
    _tx: Tx,
    _forceId: string,
    personId: string,
    claim: { field: string; value: string; sourceSystem: string; seenAt: Date },
  ): Promise<string[]> {
    const state: ClaimState = {
      personId,
      field: claim.field,
      value: claim.value,
      sourceSystem: claim.sourceSystem,
      firstSeenAt: claim.seenAt,
      lastSeenAt: claim.seenAt,
    }
    const key = claimKey(state)
    const held = this.#claims.get(key)
    if (held) {
      if (claim.seenAt > held.lastSeenAt) held.lastSeenAt = claim.seenAt
      this.#dirtyClaims.add(held)
    } else {
      this.#claims.set(key, state)
      this.#dirtyClaims.add(state)
    }
    return [
      ...new Set(
        [...this.#claims.values()]
          .filter((c) => c.personId === personId && c.field === claim.field)
          .map((c) => c.value),
      ),
    ]
  }

  async recordContactPoint(
    _tx: Tx,
    _forceId: string,
    personId: string,
    point: { kind: string; value: string; mobile: boolean; sourceSystem: string; seenAt: Date },
  ): Promise<boolean> {
    const key = identityKey(personId, point.kind, point.value)
    const held = this.#contactPoints.get(key)
    if (held) {
      if (point.seenAt > held.lastSeenAt) held.lastSeenAt = point.seenAt
      this.#dirtyContactPoints.add(held)
      return false
    }
    const state: ContactPointState = {
      personId,
      kind: point.kind,
      value: point.value,
      mobile: point.mobile,
      preferred: false,
      sourceSystem: point.sourceSystem,
      firstSeenAt: point.seenAt,
      lastSeenAt: point.seenAt,
    }
    this.#contactPoints.set(key, state)
    this.#dirtyContactPoints.add(state)
    return true
  }

  /** The most recently seen contact point of the kind becomes the preferred one. */
  async setPreferredContactPoint(_tx: Tx, personId: string, kind: string): Promise<void> {
    const points = [...this.#contactPoints.values()].filter((p) => p.personId === personId)
    const latest = Math.max(...points.filter((p) => p.kind === kind).map((p) => p.lastSeenAt.getTime()))
    for (const point of points) {
      const preferred = point.kind === kind && point.lastSeenAt.getTime() === latest
      if (point.preferred !== preferred) {
        point.preferred = preferred
        this.#dirtyContactPoints.add(point)
      }
    }
  }

  /** Adds a marker unless one of that kind is already active; true when added. */
  async addMarker(
    _tx: Tx,
    _forceId: string,
    personId: string,
    marker: { kind: string; sourceSystem: string; addedAt: Date },
  ): Promise<boolean> {
    const key = `${personId}|${marker.kind}`
    if (this.#markers.has(key)) return false
    const state: MarkerState = { id: randomUUID(), personId, removedAt: null, ...marker }
    this.#markers.set(key, state)
    this.#newMarkers.push(state)
    return true
  }

  /** Ends the active marker of that kind; true when there was one. */
  async removeMarker(
    _tx: Tx,
    _forceId: string,
    personId: string,
    marker: { kind: string; removedAt: Date },
  ): Promise<boolean> {
    const key = `${personId}|${marker.kind}`
    const held = this.#markers.get(key)
    if (!held) return false
    this.#markers.delete(key)
    held.removedAt = marker.removedAt
    if (this.#newMarkers.includes(held)) return true
    this.#removedMarkers.push(held)
    return true
  }

  /**
   * Writes the batch's result back in one statement: a data-modifying CTE per table that changed
   * (foreign keys are checked at the end of the statement, so their order does not matter), and
   * the timeline entries, delivered at `deliveredAt` or left for delivery when null.
   */
  async flush(tx: Tx, deliveredAt: Date | null): Promise<void> {
    const force = this.#forceId
    const now = this.#now
    await this.#writeTypeChanges(tx)
    const parts: SQL[] = []
    const add = (list: unknown[], columns: string, statement: (source: SQL) => SQL) => {
      if (!list.length) return
      const source = sql`jsonb_to_recordset(${JSON.stringify(list)}::jsonb) as v(${sql.raw(columns)})`
      parts.push(sql`${sql.raw(`w${parts.length}`)} as (${statement(source)})`)
    }
    add(
      this.#newTeams,
      'id uuid, name text',
      (v) => sql`insert into teams (id, force_id, name) select id, ${force}, name from ${v}`,
    )
    add(
      [...this.#dirtyOfficers],
      'id uuid, collar text, name text, email text, "teamId" uuid',
      (v) => sql`insert into officers (id, force_id, collar_number, name, email, team_id, updated_at)
          select id, ${force}, collar, name, email, "teamId", ${now} from ${v}
          on conflict (id) do update set name = excluded.name, email = excluded.email, team_id = excluded.team_id,
            updated_at = excluded.updated_at`,
    )
    add(
      [...this.#dirtyIncidents],
      `id uuid, "cadRef" text, "openedAt" timestamptz, "closedAt" timestamptz, grading text, "incidentType" text,
       "openingCode" text, "closingCode" text, location text, "occurrenceId" uuid, "fieldVersions" jsonb,
       "updatedAt" timestamptz`,
      (
        v,
      ) => sql`insert into incidents (id, force_id, cad_ref, opened_at, closed_at, grading, incident_type, opening_code,
            closing_code, location, occurrence_id, field_versions, created_at, updated_at)
          select id, ${force}, "cadRef", "openedAt", "closedAt", grading, "incidentType", "openingCode", "closingCode",
            location, "occurrenceId", "fieldVersions", ${now}, "updatedAt" from ${v}
          on conflict (id) do update set opened_at = excluded.opened_at, closed_at = excluded.closed_at,
            occurrence_id = excluded.occurrence_id,
            grading = excluded.grading, opening_code = excluded.opening_code,
            closing_code = excluded.closing_code, location = excluded.location,
            field_versions = excluded.field_versions, updated_at = excluded.updated_at`,
    )
    add(
      [...this.#dirtyCrimes],
      `id uuid, "crimeRef" text, "crimeType" text, "homeOfficeClass" text, status text, outcome text, "officerId" uuid,
       "supervisorId" uuid, "vcopCategory" text, "vcopReason" text, "recordedAt" timestamptz, "closedAt" timestamptz,
       "occurrenceId" uuid, "fieldVersions" jsonb, "updatedAt" timestamptz`,
      (
        v,
      ) => sql`insert into crimes (id, force_id, crime_ref, crime_type, home_office_class, status, outcome, officer_id,
            supervisor_id, vcop_category, vcop_reason, recorded_at, closed_at, occurrence_id, field_versions, created_at,
            updated_at)
          select id, ${force}, "crimeRef", "crimeType", "homeOfficeClass", status, outcome, "officerId", "supervisorId",
            "vcopCategory", "vcopReason", "recordedAt", "closedAt", "occurrenceId", "fieldVersions", ${now}, "updatedAt"
          from ${v}
          on conflict (id) do update set occurrence_id = excluded.occurrence_id,
            home_office_class = excluded.home_office_class, status = excluded.status, outcome = excluded.outcome,
            officer_id = excluded.officer_id, supervisor_id = excluded.supervisor_id,
            vcop_category = excluded.vcop_category, vcop_reason = excluded.vcop_reason,
            recorded_at = excluded.recorded_at, closed_at = excluded.closed_at,
            field_versions = excluded.field_versions, updated_at = excluded.updated_at`,
    )
    add(
      this.#newLinks,
      '"crimeId" uuid, "incidentId" uuid',
      (v) => sql`insert into crime_incidents (force_id, crime_id, incident_id, linked_at)
          select ${force}, "crimeId", "incidentId", ${now} from ${v} on conflict do nothing`,
    )
    add(
      [...this.#dirtyPeople],
      'id uuid, "displayName" text, "dateOfBirth" text, "preferredChannel" text, language text, "updatedAt" timestamptz',
      (
        v,
      ) => sql`insert into people (id, force_id, display_name, date_of_birth, preferred_channel, language, created_at,
            updated_at)
          select id, ${force}, "displayName", "dateOfBirth"::date, "preferredChannel", language, ${now}, "updatedAt"
          from ${v}
          on conflict (id) do update set display_name = excluded.display_name,
            date_of_birth = excluded.date_of_birth, preferred_channel = excluded.preferred_channel,
            language = excluded.language, updated_at = excluded.updated_at`,
    )
    add(
      [...this.#dirtyIdentities],
      `"personId" uuid, kind text, value text, "sourceSystem" text, "sourceEventId" uuid,
       "firstSeenAt" timestamptz, "lastSeenAt" timestamptz`,
      (
        v,
      ) => sql`insert into person_identities (force_id, person_id, kind, value, source_system, source_event_id,
            first_seen_at, last_seen_at)
          select ${force}, "personId", kind, value, "sourceSystem", "sourceEventId", "firstSeenAt", "lastSeenAt" from ${v}
          on conflict (force_id, person_id, kind, value) do update set
            last_seen_at = greatest(person_identities.last_seen_at, excluded.last_seen_at),
            first_seen_at = least(person_identities.first_seen_at, excluded.first_seen_at)`,
    )
    add(
      [...this.#dirtyClaims],
      `"personId" uuid, field text, value text, "sourceSystem" text, "firstSeenAt" timestamptz, "lastSeenAt" timestamptz`,
      (
        v,
      ) => sql`insert into person_claims (force_id, person_id, field, value, source_system, first_seen_at, last_seen_at)
          select ${force}, "personId", field, value, "sourceSystem", "firstSeenAt", "lastSeenAt" from ${v}
          on conflict (force_id, person_id, field, md5(value), source_system) do update set
            last_seen_at = greatest(person_claims.last_seen_at, excluded.last_seen_at)`,
    )
    add(
      [...this.#dirtyContactPoints],
      `"personId" uuid, kind text, value text, mobile boolean, preferred boolean, "sourceSystem" text,
       "firstSeenAt" timestamptz, "lastSeenAt" timestamptz`,
      (
        v,
      ) => sql`insert into contact_points (force_id, person_id, kind, value, mobile, preferred, source_system,
            first_seen_at, last_seen_at)
          select ${force}, "personId", kind, value, mobile, preferred, "sourceSystem", "firstSeenAt", "lastSeenAt"
          from ${v}
          on conflict (force_id, person_id, kind, value) do update set preferred = excluded.preferred,
            last_seen_at = greatest(contact_points.last_seen_at, excluded.last_seen_at)`,
    )
    add(
      this.#removedMarkers,
      'id uuid, "removedAt" timestamptz',
      (v) => sql`update person_markers m set removed_at = v."removedAt" from ${v} where m.id = v.id`,
    )
    add(
      this.#newMarkers,
      'id uuid, "personId" uuid, kind text, "sourceSystem" text, "addedAt" timestamptz, "removedAt" timestamptz',
      (
        v,
      ) => sql`insert into person_markers (id, force_id, person_id, kind, source_system, added_at, removed_at)
          select id, ${force}, "personId", kind, "sourceSystem", "addedAt", "removedAt" from ${v}`,
    )
    add(
      this.#newParties,
      '"personId" uuid, "incidentId" uuid, "crimeId" uuid, role text, "actsForPersonId" uuid, "addedAt" timestamptz',
      (
        v,
      ) => sql`insert into case_parties (force_id, person_id, incident_id, crime_id, role, acts_for_person_id, added_at)
          select ${force}, "personId", "incidentId", "crimeId", role, "actsForPersonId", "addedAt" from ${v}`,
    )
    add(
      [...this.#changedParties],
      '"personId" uuid, "incidentId" uuid, "crimeId" uuid, role text, "actsForPersonId" uuid',
      (v) => sql`update case_parties p set acts_for_person_id = v."actsForPersonId" from ${v}
          where p.force_id = ${force} and p.person_id = v."personId" and p.role = v.role
            and p.incident_id is not distinct from v."incidentId" and p.crime_id is not distinct from v."crimeId"`,
    )
    add(
      this.#timeline,
      `"incidentId" uuid, "crimeId" uuid, "personId" uuid, "eventType" text, summary text, changes jsonb,
       "sourceSystem" text, "sourceEventId" uuid, "occurredAt" timestamptz, "recordedAt" timestamptz`,
      (
        v,
      ) => sql`insert into case_timeline (force_id, incident_id, crime_id, person_id, event_type, summary, changes,
            source_system, source_event_id, occurred_at, recorded_at, delivered_at)
          select ${force}, "incidentId", "crimeId", "personId", "eventType", summary, changes, "sourceSystem",
            "sourceEventId", "occurredAt", "recordedAt", ${deliveredAt} from ${v}`,
    )
    if (parts.length) await tx.execute(sql`with ${sql.join(parts, sql`, `)} select 1`)
    // Records of a merged occurrence this batch did not stage (the crime's other logs) follow it.
    // After the statement above, so no row is changed twice in one statement.
    if (this.#mergedOccurrences.size > 0) {
      const merges = JSON.stringify([...this.#mergedOccurrences].map(([from, into]) => ({ from, into })))
      const source = sql`jsonb_to_recordset(${merges}::jsonb) as v("from" uuid, "into" uuid)`
      await tx.execute(
        sql`with i as (update incidents r set occurrence_id = v."into" from ${source}
              where r.force_id = ${force} and r.occurrence_id = v."from" returning 1),
            c as (update crimes r set occurrence_id = v."into" from ${source}
              where r.force_id = ${force} and r.occurrence_id = v."from" returning 1)
          select (select count(*) from i) + (select count(*) from c)`,
      )
    }
  }

  /**
   * Writes the changes of type of the incidents and crimes held, in a statement of their own that
   * names the type only for rows whose type changes: the type is a key column (migration 1390,
   * decision 0051), so this update and the messages being counted on the case (key-share) wait for
   * each other. The upsert of `flush` leaves the type alone: naming it would lock every row it
   * writes as for a change of key, and make every batch and every message on its cases wait.
   *
   * It never waits while it holds one of these rows (decision 0061). A transaction counting
   * messages about several cases holds each case's key-share until it commits; had this update
   * changed case A and then waited for case B, which that transaction holds and which then asks
   * for A, the two would deadlock. So the rows are locked in order of id, in a savepoint, with a
   * lock timeout shorter than the server's deadlock timeout: one that is not free in time lets go
   * of them all, waits a moment holding none, and tries again. After `typeChangeAttempts` tries it
   * waits as long as it takes.
   */
  async #writeTypeChanges(tx: Tx): Promise<void> {
    const changed = <T extends { id: string }>(dirty: Set<T>, type: (row: T) => string | null) =>
      [...dirty]
        .filter((row) => this.#loadedTypes.has(row.id) && this.#loadedTypes.get(row.id) !== type(row))
        .map((row) => ({ id: row.id, type: type(row) }))
    const incidents = changed(this.#dirtyIncidents, (row) => row.incidentType)
    const crimes = changed(this.#dirtyCrimes, (row) => row.crimeType)
    if (!incidents.length && !crimes.length) return
    const source = (list: { id: string; type: string | null }[]) =>
      sql`jsonb_to_recordset(${JSON.stringify(list)}::jsonb) as v(id uuid, type text)`
    const ids = (list: { id: string }[]) =>
      arrayParam(
        list.map((row) => row.id),
        'uuid',
      )
    const write = async (sp: Tx, wait: boolean) => {
      // Half the deadlock timeout, at most 500 ms: this lets go before the server would end a
      // transaction waiting on it.
      const [previous] = wait
        ? []
        : await rows<{ timeout: string }>(
            sp,
            sql`select current_setting('lock_timeout') as timeout, set_config('lock_timeout', greatest(10, least(500,
                  extract(epoch from current_setting('deadlock_timeout')::interval) * 500))::int || 'ms', true)`,
          )
      if (incidents.length)
        await sp.execute(
          sql`select 1 from incidents where force_id = ${this.#forceId} and id = any (${ids(incidents)})
              order by id for update`,
        )
      if (crimes.length)
        await sp.execute(
          sql`select 1 from crimes where force_id = ${this.#forceId} and id = any (${ids(crimes)})
              order by id for update`,
        )
      if (previous) await sp.execute(sql`select set_config('lock_timeout', ${previous.timeout}, true)`)
      if (incidents.length)
        await sp.execute(
          sql`update incidents r set incident_type = v.type from ${source(incidents)}
              where r.force_id = ${this.#forceId} and r.id = v.id and r.incident_type is distinct from v.type`,
        )
      if (crimes.length)
        await sp.execute(
          sql`update crimes r set crime_type = v.type from ${source(crimes)}
              where r.force_id = ${this.#forceId} and r.id = v.id and r.crime_type is distinct from v.type`,
        )
    }
    for (let attempt = 1; ; attempt += 1) {
      const wait = attempt >= typeChangeAttempts
      try {
        await tx.transaction((sp) => write(sp as Tx, wait))
        break
      } catch (error) {
        if (wait || sqlStateOf(error) !== lockNotAvailable) throw error
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** Math.min(attempt, 6) * Math.random()))
      }
    }
    for (const { id, type } of [...incidents, ...crimes]) this.#loadedTypes.set(id, type)
  }
}

/** Tries a change of type makes without waiting while it holds a row, before it waits as long as it takes. */
const typeChangeAttempts = 8
const lockNotAvailable = '55P03'

/** Sets the changed fields of a staged incident or crime and the source time of each. */
function updated<T extends { fieldVersions: Record<string, string>; updatedAt: Date }>(
  row: T,
  fields: readonly string[],
  values: Record<string, unknown>,
  versions: Record<string, string>,
  now: Date,
): T {
  for (const [field, value] of Object.entries(values)) {
    if (!fields.includes(field)) throw new Error(`Unknown field ${field}`)
    ;(row as Record<string, unknown>)[field] = value ?? null
  }
  row.fieldVersions = { ...row.fieldVersions, ...versions }
  row.updatedAt = now
  return row
}

function identityKey(personId: string, kind: string, value: string): string {
  return `${personId}|${kind}|${value}`
}

function claimKey(claim: Pick<ClaimRow, 'field' | 'value' | 'sourceSystem'> & { personId: string }): string {
  return `${claim.personId}|${claim.field}|${claim.value}|${claim.sourceSystem}`
}

function partyKey(party: PartyState): string {
  return `${party.personId}|${party.incidentId ?? ''}|${party.crimeId ?? ''}|${party.role}`
}
