// Applies one mapped source change to the case model inside the ingest transaction. Each field
// carries the source time of its last change (`field_versions`): an event older than the field's
// version never overwrites it (out-of-order delivery), and is reported as stale instead.
import type { Tx } from '../platform/db/database.ts'
import type { CaseEvent, CaseEventType, FieldChange } from './events.ts'
import type { CaseChange, CrimeFacts, IncidentFacts, OfficerFacts, PersonFacts, Provenance } from './model.ts'
import type { StagedCaseStore } from './staged-store.ts'

export interface ApplyResult {
  events: CaseEvent[]
  /** Fields the event would have set but a newer source event already had. */
  staleFields: string[]
  incidentId?: string
  crimeId?: string
}

interface Reconciled {
  changes: Record<string, FieldChange>
  values: Record<string, unknown>
  versions: Record<string, string>
  stale: string[]
}

const closingStatuses = new Set(['closed', 'no-further-action'])

export class CaseChangeApplier {
  readonly #cases: StagedCaseStore
  readonly #people: StagedCaseStore

  /** Applies changes to a batch's staged copy of the case model (see staged-store.ts). */
  constructor(store: StagedCaseStore) {
    this.#cases = store
    this.#people = store
  }

  async apply(
    tx: Tx,
    forceId: string,
    change: CaseChange,
    provenance: Provenance,
    now: Date,
  ): Promise<ApplyResult> {
    const result: ApplyResult = { events: [], staleFields: [] }
    const base = {
      forceId,
      occurredAt: provenance.occurredAt,
      sourceSystem: provenance.sourceSystem,
      sourceEventId: provenance.sourceEventId,
    }
    if (change.incident) {
      const incident = await this.#applyIncident(tx, forceId, change.incident, change.kind, provenance, now)
      result.incidentId = incident.id
      result.staleFields.push(...incident.stale)
      result.events.push(...incident.events.map((e) => ({ ...base, ...e, incidentId: incident.id })))
    }
    if (change.crime) {
      const crime = await this.#applyCrime(tx, forceId, change.crime, change.kind, provenance, now)
      result.crimeId = crime.id
      result.staleFields.push(...crime.stale)
      result.events.push(...crime.events.map((e) => ({ ...base, ...e, crimeId: crime.id })))
    }
    const caseIds = result.crimeId ? { crimeId: result.crimeId } : { incidentId: result.incidentId }
    // A parent or guardian, or an attorney, names whom they act for by the source's identifier
    // (CP-37): the people they may name are applied first, so the event's own people resolve.
    const bySourceId = new Map<string, string>()
    const people = [...change.people.filter((p) => !p.actsFor), ...change.people.filter((p) => p.actsFor)]
    for (const person of people) {
      const actsForPersonId = person.actsFor ? await this.#actsFor(tx, person.actsFor, bySourceId) : undefined
      const applied = await this.#applyPerson(tx, forceId, person, caseIds, provenance, now, actsForPersonId)
      if (person.athenaUrn) bySourceId.set(person.athenaUrn, applied.personId)
      if (person.stormNominal) bySourceId.set(person.stormNominal, applied.personId)
      result.events.push(...applied.events.map((e) => ({ ...base, ...caseIds, ...e })))
    }
    return result
  }

  async #applyIncident(
    tx: Tx,
    forceId: string,
    facts: IncidentFacts,
    kind: string,
    prov: Provenance,
    now: Date,
  ) {
    let row = await this.#cases.incidentByRef(tx, facts.cadRef)
    const created = !row
    row ??= await this.#cases.insertIncident(tx, forceId, facts.cadRef, now)
    const { cadRef: _ref, linkedCrimeRefs, ...proposed } = facts as IncidentFacts & Record<string, unknown>
    if (kind === 'incident.closed' && proposed.closedAt === undefined) proposed.closedAt = prov.occurredAt
    if (
      proposed.openedAt === undefined &&
      (kind === 'incident.opened' || (created && kind !== 'incident.closed'))
    ) {
      proposed.openedAt = prov.occurredAt
    }
    const r = reconcile(
      row as unknown as Record<string, unknown>,
      row.fieldVersions,
      proposed,
      prov.occurredAt,
    )
    if (Object.keys(r.versions).length)
      await this.#cases.updateIncident(tx, row.id, r.values, r.versions, now)
    for (const crimeRef of linkedCrimeRefs ?? []) {
      const crimeId =
        (await this.#cases.crimeByRef(tx, crimeRef))?.id ??
        (await this.#cases.insertCrime(tx, forceId, crimeRef, now))
      if (await this.#cases.linkCrimeToIncident(tx, forceId, crimeId, row.id)) {
        r.changes[`linkedCrime:${crimeRef}`] = { from: null, to: crimeRef }
      }
    }
    const events: { type: CaseEventType; changes: Record<string, FieldChange> }[] = []
    const { closedAt, closingCode, ...others } = r.changes
    const closing = closedAt?.to ? { closedAt, ...(closingCode ? { closingCode } : {}) } : undefined
    if (created) events.push({ type: 'incident.opened', changes: closing ? others : r.changes })
    else if (Object.keys(closing ? others : r.changes).length)
      events.push({ type: 'incident.updated', changes: closing ? others : r.changes })
    if (closing) events.push({ type: 'incident.closed', changes: closing })
    return { id: row.id, events, stale: r.stale.map((f) => `incident.${f}`) }
  }

  async #applyCrime(tx: Tx, forceId: string, facts: CrimeFacts, kind: string, prov: Provenance, now: Date) {
    let crimeId = (await this.#cases.crimeByRef(tx, facts.crimeRef))?.id
    const created = !crimeId
    crimeId ??= await this.#cases.insertCrime(tx, forceId, facts.crimeRef, now)
    const row = (await this.#cases.crime(tx, crimeId))!
    const { crimeRef: _ref, linkedCadRefs, officer, supervisor, ...rest } = facts
    const proposed: Record<string, unknown> = { ...rest }
    if (officer) proposed.officerId = await this.#officerId(tx, forceId, officer, now)
    if (supervisor) proposed.supervisorId = await this.#officerId(tx, forceId, supervisor, now)
    if (kind === 'crime.closed' && proposed.status === undefined) proposed.status = 'closed'
    if (kind === 'crime.closed' && proposed.closedAt === undefined) proposed.closedAt = prov.occurredAt
    if (proposed.recordedAt === undefined && (created || kind === 'crime.recorded'))
      proposed.recordedAt = prov.occurredAt
    const r = reconcile(
      row as unknown as Record<string, unknown>,
      row.fieldVersions,
      proposed,
      prov.occurredAt,
    )
    if (Object.keys(r.versions).length) await this.#cases.updateCrime(tx, crimeId, r.values, r.versions, now)
    for (const cadRef of linkedCadRefs ?? []) {
      const incident =
        (await this.#cases.incidentByRef(tx, cadRef)) ??
        (await this.#cases.insertIncident(tx, forceId, cadRef, now))
      if (await this.#cases.linkCrimeToIncident(tx, forceId, crimeId, incident.id)) {
        r.changes[`linkedIncident:${cadRef}`] = { from: null, to: cadRef }
      }
    }
    const events: { type: CaseEventType; changes: Record<string, FieldChange> }[] = []
    const { officerId, supervisorId, status, closedAt, ...others } = r.changes
    const closes = (status && closingStatuses.has(String(status.to))) || closedAt?.to
    if (created) {
      events.push({ type: 'crime.recorded', changes: r.changes })
      if (closes) events.push({ type: 'crime.closed', changes: pick({ status, closedAt }) })
      return { id: crimeId, events, stale: r.stale.map((f) => `crime.${f}`) }
    }
    if (officerId || supervisorId)
      events.push({ type: 'crime.officer-assigned', changes: pick({ officerId, supervisorId }) })
    if (status) events.push({ type: 'crime.status-changed', changes: { status } })
    if (closes) events.push({ type: 'crime.closed', changes: pick({ status, closedAt }) })
    else if (closedAt) others.closedAt = closedAt
    if (Object.keys(others).length) events.push({ type: 'crime.updated', changes: others })
    return { id: crimeId, events, stale: r.stale.map((f) => `crime.${f}`) }
  }

  async #officerId(tx: Tx, forceId: string, officer: OfficerFacts, now: Date): Promise<string> {
    const teamId = officer.team ? await this.#cases.upsertTeam(tx, forceId, officer.team) : undefined
    return this.#cases.upsertOfficer(tx, forceId, { ...officer, teamId }, now)
  }

  /** The person a source identifier names: one of this event's people, or one already known. */
  async #actsFor(tx: Tx, sourceId: string, bySourceId: Map<string, string>): Promise<string | undefined> {
    return (
      bySourceId.get(sourceId) ??
      (await this.#people.personByIdentity(tx, 'athena_urn', sourceId)) ??
      (await this.#people.personByIdentity(tx, 'storm_nominal', sourceId)) ??
      undefined
    )
  }

  async #applyPerson(
    tx: Tx,
    forceId: string,
    facts: PersonFacts,
    caseIds: { crimeId?: string; incidentId?: string },
    prov: Provenance,
    now: Date,
    actsForPersonId: string | undefined,
  ): Promise<{
    personId: string
    events: { type: CaseEventType; personId: string; changes: Record<string, FieldChange> }[]
  }> {
    const contacts = [...facts.phones.map((p) => p.value), ...facts.emails]
    let personId =
      (facts.stormNominal &&
        (await this.#people.personByIdentity(tx, 'storm_nominal', facts.stormNominal))) ||
      (facts.athenaUrn && (await this.#people.personByIdentity(tx, 'athena_urn', facts.athenaUrn))) ||
      (facts.name &&
        (await this.#people.personByNameAnd(tx, facts.name, facts.dateOfBirth ?? null, contacts))) ||
      undefined
    const existing = personId ? await this.#people.person(tx, personId) : undefined
    personId ??= await this.#people.insertPerson(tx, forceId, now)
    const seen = {
      sourceSystem: prov.sourceSystem,
      sourceEventId: prov.sourceEventId,
      seenAt: prov.occurredAt,
    }
    if (facts.stormNominal)
      await this.#people.recordIdentity(tx, forceId, personId, {
        kind: 'storm_nominal',
        value: facts.stormNominal,
        ...seen,
      })
    if (facts.athenaUrn)
      await this.#people.recordIdentity(tx, forceId, personId, {
        kind: 'athena_urn',
        value: facts.athenaUrn,
        ...seen,
      })
    for (const phone of facts.phones)
      await this.#people.recordIdentity(tx, forceId, personId, { kind: 'phone', value: phone.value, ...seen })
    for (const email of facts.emails)
      await this.#people.recordIdentity(tx, forceId, personId, { kind: 'email', value: email, ...seen })

    // CP-163: the first value stands; a different value from any source is kept as a claim and
    // surfaced on the person page rather than overwriting it.
    const update: {
      displayName?: string
      dateOfBirth?: string
      preferredChannel?: string
      language?: string
    } = {}
    const contactChanges: Record<string, FieldChange> = {}
    if (facts.name) {
      await this.#people.recordClaim(tx, forceId, personId, { field: 'name', value: facts.name, ...seen })
      if (!existing?.displayName) update.displayName = facts.name
    }
    if (facts.dateOfBirth) {
      await this.#people.recordClaim(tx, forceId, personId, {
        field: 'dateOfBirth',
        value: facts.dateOfBirth,
        ...seen,
      })
      if (!existing?.dateOfBirth) update.dateOfBirth = facts.dateOfBirth
    }
    if (facts.preferredChannel && facts.preferredChannel !== existing?.preferredChannel) {
      update.preferredChannel = facts.preferredChannel
      contactChanges.preferredChannel = {
        from: existing?.preferredChannel ?? null,
        to: facts.preferredChannel,
      }
    }
    if (facts.language && facts.language !== existing?.language) {
      update.language = facts.language
      contactChanges.language = { from: existing?.language ?? null, to: facts.language }
    }
    if (Object.keys(update).length) await this.#people.updatePerson(tx, personId, update, now)

    const points = [
      ...facts.phones.map((p) => ({ kind: 'phone', value: p.value, mobile: p.mobile })),
      ...facts.emails.map((value) => ({ kind: 'email', value, mobile: false })),
      ...(facts.address ? [{ kind: 'address', value: facts.address, mobile: false }] : []),
    ]
    for (const point of points) {
      const added = await this.#people.recordContactPoint(tx, forceId, personId, {
        ...point,
        sourceSystem: prov.sourceSystem,
        seenAt: prov.occurredAt,
      })
      if (added && existing) contactChanges[`${point.kind}:${point.value}`] = { from: null, to: point.value }
    }
    if (contactChanges.preferredChannel) {
      const kind =
        facts.preferredChannel === 'email'
          ? 'email'
          : facts.preferredChannel === 'letter'
            ? 'address'
            : 'phone'
      await this.#people.setPreferredContactPoint(tx, personId, kind)
    }
    const events: { type: CaseEventType; personId: string; changes: Record<string, FieldChange> }[] = []
    // Whom a person acts for counts only for the roles that act for someone.
    const actsFor =
      actsForPersonId && actsForPersonId !== personId && proxyRoles.has(facts.role ?? '')
        ? actsForPersonId
        : undefined
    if (
      facts.role &&
      (await this.#cases.addParty(
        tx,
        forceId,
        { personId, ...caseIds, role: facts.role, ...(actsFor ? { actsForPersonId: actsFor } : {}) },
        now,
      ))
    ) {
      events.push({
        type: 'case.party-added',
        personId,
        changes: {
          role: { from: null, to: facts.role },
          ...(actsFor ? { actsFor: { from: null, to: actsFor } } : {}),
          ...contactChanges,
        },
      })
    } else {
      // A later event may say whom a party already on the case acts for, or name someone else
      // (decision 0046): recorded on the party, as the source's change in the case's trail.
      const changed =
        facts.role && actsFor
          ? await this.#cases.setPartyActsFor(tx, {
              personId,
              ...caseIds,
              role: facts.role,
              actsForPersonId: actsFor,
            })
          : undefined
      if (changed)
        events.push({
          type: 'case.party-changed',
          personId,
          changes: {
            role: { from: facts.role, to: facts.role },
            actsFor: { from: changed.from, to: actsFor },
          },
        })
      if (Object.keys(contactChanges).length)
        events.push({ type: 'person.contact-changed', personId, changes: contactChanges })
    }
    for (const kind of facts.markers) {
      if (
        await this.#people.addMarker(tx, forceId, personId, {
          kind,
          sourceSystem: prov.sourceSystem,
          addedAt: prov.occurredAt,
        })
      ) {
        events.push({ type: 'person.marker-added', personId, changes: { marker: { from: null, to: kind } } })
      }
    }
    for (const kind of facts.removedMarkers ?? []) {
      if (await this.#people.removeMarker(tx, forceId, personId, { kind, removedAt: prov.occurredAt })) {
        events.push({
          type: 'person.marker-removed',
          personId,
          changes: { marker: { from: kind, to: null } },
        })
      }
    }
    return { personId, events }
  }
}

/** The roles that act for another person on the case (CP-37). */
const proxyRoles = new Set(['parent_guardian', 'attorney'])

function reconcile(
  row: Record<string, unknown>,
  fieldVersions: Record<string, string>,
  proposed: Record<string, unknown>,
  occurredAt: Date,
): Reconciled {
  const out: Reconciled = { changes: {}, values: {}, versions: {}, stale: [] }
  for (const [field, value] of Object.entries(proposed)) {
    if (value === undefined) continue
    const version = fieldVersions[field]
    if (version && new Date(version).getTime() > occurredAt.getTime()) {
      out.stale.push(field)
      continue
    }
    out.versions[field] = occurredAt.toISOString()
    if (!sameValue(row[field], value)) {
      out.changes[field] = { from: row[field] ?? null, to: value }
      out.values[field] = value
    }
  }
  return out
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a != null && b != null && new Date(a as Date).getTime() === new Date(b as Date).getTime()
  }
  return (a ?? null) === (b ?? null)
}

function pick(changes: Record<string, FieldChange | undefined>): Record<string, FieldChange> {
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Record<
    string,
    FieldChange
  >
}
