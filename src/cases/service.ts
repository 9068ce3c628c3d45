// CaseService: the case model's rules and the only way other capabilities reach cases. Writes
// come from the source adapters inside their ingest transaction; every change becomes a row on
// the case timeline and a domain event delivered to `onChange` listeners in that transaction.
import { isDatabaseUnavailable } from '../platform/db/database-error.ts'
import type { Logger } from '../platform/logger.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { NotFoundError } from '../platform/errors.ts'
import { type ApplyResult, CaseChangeApplier } from './apply-change.ts'
import { CaseDeletionRepository, type CaseKind, type DeletionCounts } from './deletion-repository.ts'
import { type CaseChangeListener, type CaseEvent, CaseEventPublisher } from './events.ts'
import { type CaseListing, CaseListingRepository } from './listing-repository.ts'
import { lockDelivery, lockDeliveryIfClear, lockForce, StagedCaseStore } from './staged-store.ts'
import type { CaseChange, Provenance } from './model.ts'
import type {
  ClaimRow,
  ContactPointRow,
  IdentityRow,
  MarkerRow,
  PersonRepository,
  PersonRow,
} from './person-repository.ts'
import type {
  CaseReferences,
  CaseRepository,
  CrimeRow,
  IncidentRow,
  PartyRow,
  TimelineRow,
} from './repository.ts'

export interface Party extends PartyRow {
  contactPoints: ContactPointRow[]
  markers: MarkerRow[]
}

export interface IncidentCase {
  incident: IncidentRow
  crimes: { id: string; crimeRef: string; status: string }[]
  parties: Party[]
  timeline: TimelineRow[]
}

export interface CrimeCase {
  crime: CrimeRow
  incidents: IncidentRow[]
  parties: Party[]
  timeline: TimelineRow[]
}

export interface StandingCaseView {
  incident: IncidentRow | null
  crime: CrimeRow | null
  linkedCrimes: { id: string; crimeRef: string; status: string }[]
  linkedIncidents: IncidentRow[]
  /**
   * The case's occurrence: an incident and the crimes raised from it are one (they share the
   * occurrence id on their rows), with the ids of every incident and crime in it.
   */
  occurrence: { id: string; incidentIds: string[]; crimeIds: string[] }
  parties: Party[]
  people: PersonRow[]
}

export interface PersonRecord {
  person: PersonRow
  identities: IdentityRow[]
  claims: ClaimRow[]
  /** Fields for which sources disagree, with every value held (CP-163: nothing a source said is lost). */
  conflicts: { field: string; values: ClaimRow[] }[]
  contactPoints: ContactPointRow[]
  markers: MarkerRow[]
  parties: PartyRow[]
  timeline: TimelineRow[]
}

export interface SearchResults {
  cases: { kind: 'incident' | 'crime'; id: string; forceId: string; reference: string; status: string }[]
  people: PersonRow[]
}

/** `timeline: false` leaves the timeline out, for readers that only need the case as it stands. */
/**
 * `tx`: the caller's transaction. `timeline: false` leaves the timeline out; `parties: false`
 * leaves out the parties and the linked cases (the Portal shows a victim neither).
 */
type ReadOptions = { tx?: Tx; timeline?: boolean; parties?: boolean }

export class CaseService {
  readonly #db: Database
  readonly #cases: CaseRepository
  readonly #people: PersonRepository
  readonly #clock: Clock
  readonly #log: Pick<Logger, 'warn'> | undefined
  readonly #publisher = new CaseEventPublisher()
  readonly #deletion = new CaseDeletionRepository()
  readonly #listing = new CaseListingRepository()
  #onPending: ((forceId: string) => void) | undefined

  constructor(
    db: Database,
    cases: CaseRepository,
    people: PersonRepository,
    clock: Clock,
    log?: Pick<Logger, 'warn'>,
  ) {
    this.#db = db
    this.#cases = cases
    this.#people = people
    this.#clock = clock
    this.#log = log
  }

  /**
   * A listener refused a round of case events: logged (ids and counts, no personal data), and
   * rethrown when the database itself failed, since taking the events again cannot help then.
   */
  #listenerRefused(error: unknown, forceId: string, events: number, next: string): void {
    if (isDatabaseUnavailable(error)) throw error
    this.#log?.warn(
      { err: error, forceId, events },
      `a case-change listener refused a round of events; ${next}`,
    )
  }

  /** Subscribes to case events; the listener runs inside the transaction that made the change. */
  onChange(listener: CaseChangeListener): () => void {
    return this.#publisher.subscribe(listener)
  }

  /**
   * Applies a change stated by a source system, in the caller's transaction: updates the model,
   * writes the timeline and notifies listeners there and then. Stale fields (older than what is
   * held) are skipped.
   */
  async applySourceChange(
    tx: Tx,
    forceId: string,
    change: CaseChange,
    provenance: Provenance,
  ): Promise<ApplyResult> {
    const [result] = await this.applySourceChanges(tx, forceId, [{ change, provenance }], {
      delivery: 'now',
    })
    return result!
  }

  /**
   * Applies a batch of source changes in order, set-based (staged-store.ts), in the caller's
   * transaction, holding the force's ingest lock. Delivery of the case events to the listeners:
   * - 'now': in this transaction (a listener's refusal fails it);
   * - 'here': in this transaction, in a savepoint, when no earlier event of the force is still
   *   waiting; if one is, or a listener refuses, the events wait on the timeline for
   *   `deliverPending` (the transactional outbox) and the `onPending` hook is told once this
   *   transaction commits. For small batches: one commit instead of two, and no job between;
   * - 'later': they wait on the timeline, so a large batch is not held up by the listeners.
   * A change the model refuses throws: the caller retries the batch one change at a time.
   */
  async applySourceChanges(
    tx: Tx,
    forceId: string,
    batch: { change: CaseChange; provenance: Provenance }[],
    options: { delivery: 'now' | 'here' | 'later' },
  ): Promise<ApplyResult[]> {
    const now = this.#clock.now()
    await lockForce(tx, forceId)
    const store = new StagedCaseStore(forceId, now)
    await store.load(
      tx,
      batch.map((b) => b.change),
    )
    const applier = new CaseChangeApplier(store)
    const results: ApplyResult[] = []
    const events: CaseEvent[] = []
    for (const { change, provenance } of batch) {
      const result = await applier.apply(tx, forceId, change, provenance, now)
      results.push(result)
      events.push(...result.events)
    }
    for (const event of events) {
      await store.addTimeline(tx, forceId, {
        incidentId: event.incidentId,
        crimeId: event.crimeId,
        personId: event.personId,
        eventType: event.type,
        summary: summarise(event),
        changes: event.changes,
        sourceSystem: event.sourceSystem,
        sourceEventId: event.sourceEventId ?? null,
        occurredAt: event.occurredAt,
        recordedAt: now,
      })
    }
    if (options.delivery === 'now') {
      await store.flush(tx, now)
      await this.#publisher.publish(tx, events)
      return results
    }
    const here = options.delivery === 'here' && events.length > 0 && (await lockDeliveryIfClear(tx, forceId))
    await store.flush(tx, null)
    if (here) {
      try {
        await tx.transaction((sp) => this.#publisher.publish(sp as Tx, events))
        await this.#cases.markAllDelivered(tx, this.#clock.now())
        return results
      } catch (error) {
        // The events wait on the timeline and are delivered (or their refusal recorded) by
        // deliverPending, one at a time.
        this.#listenerRefused(error, forceId, events.length, 'they are delivered one at a time later')
      }
    }
    if (events.length > 0 && this.#onPending) {
      const onPending = this.#onPending
      this.#db.afterTransaction(tx, (committed) => {
        if (committed) onPending(forceId)
      })
    }
    return results
  }

  /** Told (after commit) of a force whose case events wait on the timeline for `deliverPending`. */
  onPending(hook: (forceId: string) => void): void {
    this.#onPending = hook
  }

  /**
   * Delivers case events left on the timeline by batch ingest to the listeners, oldest first,
   * one force at a time (a second caller for the same force waits). The round goes to the
   * listeners together, in one savepoint; if a listener refuses, the round is taken again one
   * event per savepoint, so only the refused event is recorded and retried later.
   * Returns how many were delivered.
   */
  async deliverPending(forceId: string, limit = 500): Promise<number> {
    return this.#db.withForce(forceId, async (tx) => {
      await lockDelivery(tx, forceId)
      const pending = await this.#cases.undeliveredTimeline(tx, limit)
      if (pending.length === 0) return 0
      const events = pending.map((entry) => timelineEvent(forceId, entry))
      try {
        await tx.transaction((sp) => this.#publisher.publish(sp as Tx, events))
        await this.#cases.markDelivered(
          tx,
          pending.map((entry) => entry.id),
          this.#clock.now(),
        )
        return pending.length
      } catch (error) {
        // Somebody refused: find out which, one event at a time.
        this.#listenerRefused(error, forceId, events.length, 'they are taken again one at a time')
      }
      const delivered: string[] = []
      for (const [i, entry] of pending.entries()) {
        try {
          await tx.transaction((sp) => this.#publisher.publish(sp as Tx, [events[i]!]))
          delivered.push(entry.id)
        } catch (error) {
          if (isDatabaseUnavailable(error)) throw error
          this.#log?.warn(
            { err: error, forceId, timelineEntry: entry.id },
            'a case-change listener refused an event; the refusal is recorded and it is retried later',
          )
          await this.#cases.markRefused(tx, entry.id, (error as Error).message)
        }
      }
      await this.#cases.markDelivered(tx, delivered, this.#clock.now())
      return delivered.length
    })
  }

  /** Forces with case events waiting for delivery (the safety sweep's work list). */
  forcesWithPendingEvents(): Promise<string[]> {
    return this.#db.asSystem((tx) => this.#cases.forcesWithUndelivered(tx))
  }

  async getIncident(forceId: string, id: string, options: ReadOptions = {}): Promise<IncidentCase> {
    return this.#read(forceId, options, async (tx) => {
      const incident = await this.#cases.incident(tx, id)
      if (!incident) throw new NotFoundError('The incident')
      return {
        incident,
        crimes: options.parties === false ? [] : await this.#cases.linkedCrimes(tx, id),
        parties:
          options.parties === false
            ? []
            : await this.#withContacts(tx, await this.#cases.parties(tx, { incidentId: id })),
        timeline: options.timeline === false ? [] : await this.#cases.timeline(tx, { incidentId: id }),
      }
    })
  }

  async getCrime(forceId: string, id: string, options: ReadOptions = {}): Promise<CrimeCase> {
    return this.#read(forceId, options, async (tx) => {
      const crime = await this.#cases.crime(tx, id)
      if (!crime) throw new NotFoundError('The crime')
      return {
        crime,
        incidents: options.parties === false ? [] : await this.#cases.linkedIncidents(tx, id),
        parties:
          options.parties === false
            ? []
            : await this.#withContacts(tx, await this.#cases.parties(tx, { crimeId: id })),
        timeline: options.timeline === false ? [] : await this.#cases.timeline(tx, { crimeId: id }),
      }
    })
  }

  /** The people on a crime or incident, in their roles (no contact details). */
  async parties(
    forceId: string,
    key: { crimeId: string } | { incidentId: string },
    options: ReadOptions = {},
  ): Promise<PartyRow[]> {
    return this.#read(forceId, options, (tx) => this.#cases.parties(tx, key))
  }

  async findIncidentByRef(
    forceId: string,
    cadRef: string,
    options: ReadOptions = {},
  ): Promise<IncidentCase | undefined> {
    const id = await this.#read(
      forceId,
      options,
      async (tx) => (await this.#cases.incidentByRef(tx, cadRef))?.id,
    )
    return id ? this.getIncident(forceId, id, options) : undefined
  }

  async findCrimeByRef(
    forceId: string,
    crimeRef: string,
    options: ReadOptions = {},
  ): Promise<CrimeCase | undefined> {
    const id = await this.#read(
      forceId,
      options,
      async (tx) => (await this.#cases.crimeByRef(tx, crimeRef))?.id,
    )
    return id ? this.getCrime(forceId, id, options) : undefined
  }

  /**
   * An incident or crime as it stands (no timeline), with its parties' people, in one read: for
   * readers that act on the case, such as Journeys. Undefined when there is no such case.
   */
  async standing(
    forceId: string,
    key: { incidentId: string } | { crimeId: string },
    options: ReadOptions = {},
  ): Promise<StandingCaseView | undefined> {
    const found = await this.#read(forceId, options, (tx) => this.#cases.standing(tx, key))
    if (!found) return undefined
    return {
      incident: found.incident,
      crime: found.crime,
      linkedCrimes: found.linkedCrimes,
      linkedIncidents: found.linkedIncidents,
      occurrence: {
        id: (found.incident ?? found.crime)!.occurrenceId,
        incidentIds: found.occurrenceIncidentIds,
        crimeIds: found.occurrenceCrimeIds,
      },
      people: found.people,
      parties: found.parties.map((party) => ({
        ...party,
        contactPoints: found.contactPoints
          .filter((c) => c.personId === party.personId)
          .map(({ personId: _, ...c }) => c),
        markers: found.markers.filter((m) => m.personId === party.personId).map(({ personId: _, ...m }) => m),
      })),
    }
  }

  /** An incident's or crime's references (CAD logs, open or not, and crime) in one read. */
  async references(
    forceId: string,
    caseId: string,
    options: ReadOptions = {},
  ): Promise<CaseReferences | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(caseId)) return undefined
    return this.#read(forceId, options, (tx) => this.#cases.references(tx, caseId))
  }

  async getPerson(forceId: string, id: string, options: ReadOptions = {}): Promise<PersonRecord> {
    return this.#read(forceId, options, async (tx) => {
      const person = await this.#people.person(tx, id)
      if (!person) throw new NotFoundError('The person')
      const claims = await this.#people.claims(tx, id)
      const byField = Map.groupBy(claims, (c) => c.field)
      const conflicts = [...byField.entries()]
        .filter(([, values]) => new Set(values.map((v) => v.value)).size > 1)
        .map(([field, values]) => ({ field, values }))
      return {
        person,
        identities: await this.#people.identities(tx, id),
        claims,
        conflicts,
        contactPoints: await this.#people.contactPoints(tx, id),
        markers: await this.#people.markers(tx, id),
        parties: await this.#cases.parties(tx, { personId: id }),
        timeline: await this.#cases.timeline(tx, { personId: id }),
      }
    })
  }

  /**
   * Staff search (item 5): a crime or CAD reference in any case and spacing, part of a name, or
   * the last digits of a phone number.
   */
  async search(forceId: string, query: string): Promise<SearchResults> {
    const text = query.trim()
    if (text.length < 2) return { cases: [], people: [] }
    const reference = text.toUpperCase().replace(/\s+/g, '')
    const digits = text.replace(/[\s()+-]/g, '')
    const phoneDigits = /^\d{4,}$/.test(digits) ? digits.replace(/^0/, '') : undefined
    return this.#db.withForce(forceId, async (tx) => ({
      cases: await this.#cases.searchCases(tx, reference),
      people: await this.#people.search(tx, text.replace(/\s+/g, ' '), phoneDigits),
    }))
  }

  /**
   * Crimes recorded, and incidents opened without a crime, between `from` and `to`, newest first
   * (the journey designer's dry run, UJ-18). Identifiers only: read each case with getCrime or
   * getIncident.
   */
  casesBegunBetween(
    forceId: string,
    period: { from: Date; to: Date },
    limit: number,
    options: ReadOptions = {},
  ): Promise<CaseListing[]> {
    return this.#read(forceId, options, (tx) => this.#listing.begunBetween(tx, period.from, period.to, limit))
  }

  /** The crime types the force's crimes carry, for the journey designer's pick-lists. */
  crimeTypes(forceId: string, limit = 300): Promise<string[]> {
    return this.#read(forceId, {}, (tx) => this.#listing.crimeTypes(tx, forceId, limit))
  }

  async #withContacts(tx: Tx, parties: PartyRow[]): Promise<Party[]> {
    if (!parties.length) return []
    const ids = [...new Set(parties.map((p) => p.personId))]
    const points = await this.#people.contactPointsOfPeople(tx, ids)
    const markers = await this.#people.markersOfPeople(tx, ids)
    return parties.map((party) => ({
      ...party,
      contactPoints: points.filter((c) => c.personId === party.personId).map(({ personId: _, ...c }) => c),
      markers: markers.filter((m) => m.personId === party.personId).map(({ personId: _, ...m }) => m),
    }))
  }

  #read<T>(forceId: string, options: ReadOptions, fn: (tx: Tx) => Promise<T>): Promise<T> {
    return options.tx ? fn(options.tx) : this.#db.withForce(forceId, fn)
  }

  /**
   * PIRM deletion (UJ-3, CP-4, CRM-4) in the caller's transaction: the case, its timeline, parties
   * and links. Returns what the caller must also delete: its people, raw events and reference.
   */
  async deleteCase(
    tx: Tx,
    kind: CaseKind,
    id: string,
  ): Promise<{ counts: DeletionCounts; personIds: string[]; sourceEventIds: string[]; reference?: string }> {
    const reference = await this.#deletion.reference(tx, kind, id)
    const personIds = await this.#deletion.partyPersonIds(tx, kind, id)
    const sourceEventIds = await this.#deletion.sourceEventIds(tx, { kind, id })
    const counts = await this.#deletion.deleteCase(tx, kind, id)
    return { counts, personIds, sourceEventIds, ...(reference ? { reference } : {}) }
  }

  /** True while the person is a party to any case (then PIRM deletion of the person waits). */
  isOnAnyCase(tx: Tx, personId: string): Promise<boolean> {
    return this.#deletion.isOnAnyCase(tx, personId)
  }

  /** PIRM deletion of a person with identities, claims, contact points, markers and timeline. */
  async deletePerson(
    tx: Tx,
    personId: string,
  ): Promise<{ counts: DeletionCounts; sourceEventIds: string[] }> {
    const sourceEventIds = await this.#deletion.sourceEventIds(tx, { kind: 'person', id: personId })
    return { counts: await this.#deletion.deletePerson(tx, personId), sourceEventIds }
  }
}

/** The case event a timeline entry records. */
function timelineEvent(forceId: string, entry: TimelineRow): CaseEvent {
  return {
    type: entry.eventType as CaseEvent['type'],
    forceId,
    ...(entry.incidentId ? { incidentId: entry.incidentId } : {}),
    ...(entry.crimeId ? { crimeId: entry.crimeId } : {}),
    ...(entry.personId ? { personId: entry.personId } : {}),
    changes: entry.changes,
    occurredAt: entry.occurredAt,
    sourceSystem: entry.sourceSystem ?? 'unknown',
    ...(entry.sourceEventId ? { sourceEventId: entry.sourceEventId } : {}),
  }
}

const fieldNames: Record<string, string> = {
  officerId: 'investigating officer',
  supervisorId: 'supervisor',
  homeOfficeClass: 'Home Office class',
  vcopCategory: 'VCoP category',
  crimeType: 'crime type',
  incidentType: 'incident type',
}

/** One line for the timeline; the full before/after is kept in `changes`. */
export function summarise(event: CaseEvent): string {
  const c = event.changes
  const list = Object.keys(c)
    .map((k) => fieldNames[k] ?? k.replace(/([A-Z])/g, ' $1').toLowerCase())
    .join(', ')
  switch (event.type) {
    case 'incident.opened':
      return `Incident opened${c.grading ? ` (${c.grading.to})` : ''}`
    case 'incident.updated':
      return `Incident updated: ${list}`
    case 'incident.closed':
      return `Incident closed${c.closingCode ? ` (${c.closingCode.to})` : ''}`
    case 'crime.recorded':
      return `Crime recorded${c.crimeType ? `: ${c.crimeType.to}` : ''}`
    case 'crime.updated':
      return `Crime updated: ${list}`
    case 'crime.officer-assigned':
      return `Officer assigned: ${list}`
    case 'crime.status-changed':
      return `Status changed from ${c.status?.from ?? 'none'} to ${c.status?.to}`
    case 'crime.closed':
      return 'Crime closed'
    case 'person.marker-added':
      return `Marker added: ${String(c.marker?.to).replace(/_/g, ' ')}`
    case 'person.marker-removed':
      return `Marker removed: ${String(c.marker?.from).replace(/_/g, ' ')}`
    case 'person.contact-changed':
      return `Contact details changed: ${list}`
    case 'case.party-added':
      return `Person added as ${String(c.role?.to).replace(/_/g, ' ')}`
    case 'case.party-changed':
      return `The ${String(c.role?.to).replace(/_/g, ' ')} now acts for another person on the case`
  }
}
