// Builds the engine's CaseSnapshot from the case model (through CaseService only), adding what
// Journeys holds itself (channels confirmed safe) and what Messaging knows (opt-outs, UJ-6).
import type { PersonRow } from '../cases/person-repository.ts'
import type { CaseService, Party } from '../cases/service.ts'
import type { Tx } from '../platform/db/database.ts'
import type { MessageScheduler } from './ports.ts'
import type { JourneyRepository } from './repository.ts'
import type { CaseKey, CaseReader, CaseSnapshot, PersonSnapshot } from './snapshot.ts'

export type CaseSource = Pick<CaseService, 'standing'>

export class CaseServiceReader implements CaseReader {
  readonly #cases: CaseSource
  readonly #repo: JourneyRepository
  readonly #messages: () => MessageScheduler | undefined

  constructor(cases: CaseSource, repo: JourneyRepository, messages: () => MessageScheduler | undefined) {
    this.#cases = cases
    this.#repo = repo
    this.#messages = messages
  }

  async loadCase(tx: Tx, key: CaseKey & { forceId: string }): Promise<CaseSnapshot | undefined> {
    const { forceId } = key
    const caseKey = key.crimeId
      ? { crimeId: key.crimeId }
      : key.incidentId
        ? { incidentId: key.incidentId }
        : undefined
    if (!caseKey) return undefined
    const found = await this.#cases.standing(forceId, caseKey, { tx })
    if (!found) return undefined
    const force = await this.#repo.forceSummary(tx, forceId)
    const base = {
      forceId,
      forceName: force.name,
      forceProducts: force.products,
      occurrence: found.occurrence,
      people: await this.#people(tx, forceId, found.parties, found.people),
    }
    const { crime } = found
    if (!crime) return { ...base, ...(found.incident ? { incident: incidentOf(found.incident) } : {}) }
    const incident = found.linkedIncidents[0]
    return {
      ...base,
      ...(incident ? { incident: incidentOf(incident) } : {}),
      crime: {
        id: crime.id,
        crimeRef: crime.crimeRef,
        status: crime.status,
        ...(crime.crimeType ? { crimeType: crime.crimeType } : {}),
        ...(crime.vcopCategory ? { vcopCategory: crime.vcopCategory } : {}),
        ...(crime.officerName ? { officerName: crime.officerName } : {}),
        ...(crime.officerCollar ? { officerCollar: crime.officerCollar } : {}),
        ...(crime.recordedAt ? { recordedAt: crime.recordedAt } : {}),
      },
    }
  }

  async #people(tx: Tx, forceId: string, parties: Party[], people: PersonRow[]): Promise<PersonSnapshot[]> {
    const ids = [...new Set(parties.map((p) => p.personId))]
    const safe = await this.#repo.confirmedSafeChannels(tx, ids)
    const addressesOf = (party: Party) => [
      ...party.contactPoints
        .filter((c) => c.kind === 'phone' && c.mobile)
        .map((c) => ({ channel: 'sms' as const, address: c.value })),
      ...party.contactPoints
        .filter((c) => c.kind === 'email')
        .map((c) => ({ channel: 'email' as const, address: c.value })),
    ]
    // Every party's mobiles and emails are checked for opt-outs (UJ-6) in one read.
    const addresses = parties.flatMap((party) => addressesOf(party).map((a) => ({ ...a, party })))
    const optedOut = (await this.#messages()?.optedOut(tx, forceId, addresses)) ?? []
    const result: PersonSnapshot[] = []
    for (const party of parties) {
      const person = people.find((p) => p.id === party.personId)
      if (!person) continue
      const own = addresses.flatMap((a, i) => (a.party === party ? [{ ...a, optedOut: !!optedOut[i] }] : []))
      const mobiles = own.filter((a) => a.channel === 'sms').map((a) => a.address)
      const emails = own.filter((a) => a.channel === 'email').map((a) => a.address)
      const address = party.contactPoints.find((c) => c.kind === 'address')?.value
      result.push({
        id: party.personId,
        role: party.role,
        ...(party.actsForPersonId ? { actsForPersonId: party.actsForPersonId } : {}),
        ...(person.displayName ? { name: person.displayName } : {}),
        ...(person.dateOfBirth ? { dateOfBirth: person.dateOfBirth } : {}),
        mobiles,
        emails,
        ...(address ? { address } : {}),
        ...(person.preferredChannel ? { preferredChannel: person.preferredChannel } : {}),
        ...(person.language ? { language: person.language } : {}),
        markers: party.markers.map((m) => m.kind),
        confirmedSafeChannels: safe.filter((s) => s.personId === party.personId).map((s) => s.channel),
        optedOut: own.some((a) => a.optedOut),
      })
    }
    return result
  }
}

function incidentOf(incident: {
  id: string
  cadRef: string
  grading: string | null
  incidentType: string | null
  location: string | null
  closedAt: Date | null
}): NonNullable<CaseSnapshot['incident']> {
  return {
    id: incident.id,
    cadRef: incident.cadRef,
    open: incident.closedAt === null,
    ...(incident.grading ? { grading: incident.grading } : {}),
    ...(incident.incidentType ? { incidentType: incident.incidentType } : {}),
    ...(incident.location ? { location: incident.location } : {}),
  }
}
