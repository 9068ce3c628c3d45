// Domain events of the case model, for capabilities that react to cases (Journeys, Portal,
// Contact). Listeners run INSIDE the transaction that changed the case (the ingest transaction
// of the source event), so whatever they do commits or rolls back with the change itself.
//
//   incident.opened          a CAD log first seen (or its opening details first arrive)
//   incident.updated         grading, type, codes or location of a log changed
//   incident.closed          the CAD log was closed (closedAt, closingCode)
//   crime.recorded           an Athena investigation/crime first seen
//   crime.updated            crime type, Home Office class, outcome, VCoP category, linked logs…
//   crime.officer-assigned   investigating officer or supervisor changed
//   crime.status-changed     status moved (open, closed, charged, no-further-action)
//   crime.closed             status became closed / no-further-action, or closedAt arrived
//   person.marker-added      vulnerability, domestic abuse, safeguarding, do-not-contact, deceased
//   person.marker-removed    a source ended one of those markers
//   person.contact-changed   a new phone/email/address, or preferred channel/language changed
//   case.party-added         a person joined the case as victim, witness, parent/guardian,
//                            attorney or suspect (changes.role; contact details in the same event)
//   case.party-changed       a later event named whom a parent/guardian or attorney already on
//                            the case acts for, or someone else (changes.actsFor; decision 0046)
//
// A newly seen incident or crime raises only `incident.opened` / `crime.recorded` (plus
// `incident.closed` / `crime.closed` when it arrives already closed); listeners read the whole
// case with `cases.getCrime(forceId, id, { tx })` inside the same transaction.
//
// Every event carries the force, the ids of the case (and person) and the changed fields as
// `{ field: { from, to } }`.
import type { Tx } from '../platform/db/database.ts'

export const caseEventTypes = [
  'incident.opened',
  'incident.updated',
  'incident.closed',
  'crime.recorded',
  'crime.updated',
  'crime.officer-assigned',
  'crime.status-changed',
  'crime.closed',
  'person.marker-added',
  'person.marker-removed',
  'person.contact-changed',
  'case.party-added',
  'case.party-changed',
] as const

export type CaseEventType = (typeof caseEventTypes)[number]

export interface FieldChange {
  from: unknown
  to: unknown
}

export interface CaseEvent {
  type: CaseEventType
  forceId: string
  incidentId?: string
  crimeId?: string
  personId?: string
  changes: Record<string, FieldChange>
  occurredAt: Date
  sourceSystem: string
  /** The raw inbox row (`source_events.id`) that caused the change. */
  sourceEventId?: string
}

/**
 * Receives the events of one change, or of one delivery round, in the order they happened. They
 * were all applied before the listener is called, so the case read in `tx` is the same for each:
 * a listener may read it once for all of them.
 */
export type CaseChangeListener = (tx: Tx, events: CaseEvent[]) => Promise<void>

/** Fan-out of case events to listeners, in registration order, within the caller's transaction. */
export class CaseEventPublisher {
  readonly #listeners: CaseChangeListener[] = []

  subscribe(listener: CaseChangeListener): () => void {
    this.#listeners.push(listener)
    return () => {
      const at = this.#listeners.indexOf(listener)
      if (at >= 0) this.#listeners.splice(at, 1)
    }
  }

  async publish(tx: Tx, events: CaseEvent[]): Promise<void> {
    if (events.length === 0) return
    for (const listener of this.#listeners) await listener(tx, events)
  }
}
