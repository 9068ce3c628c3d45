// What the Journeys engine knows about a case when it decides: the narrow view of the POLE model
// that triggers, conditions, eligibility (UJ-7, CP-61) and the safe-contact policy evaluate.
// It is built from the case model by `CaseReader`, so the rules stay pure and testable.
import type { Tx } from '../platform/db/database.ts'

export type Channel = 'sms' | 'email'

export interface PersonSnapshot {
  id: string
  role: string
  /** A parent or guardian's, or an attorney's: the person on the case they act for. */
  actsForPersonId?: string
  name?: string
  /** ISO date, YYYY-MM-DD. */
  dateOfBirth?: string
  /** Mobile numbers in E.164. */
  mobiles: string[]
  emails: string[]
  address?: string
  preferredChannel?: string
  language?: string
  markers: string[]
  /** Channels a domestic-abuse victim (or their officer) confirmed are safe to use. */
  confirmedSafeChannels: Channel[]
  optedOut: boolean
}

export interface CaseSnapshot {
  forceId: string
  forceName?: string
  forceProducts: string[]
  /**
   * The occurrence the case belongs to (an incident and the crimes raised from it are one), and
   * every incident and crime in it: a person is enrolled once per journey per occurrence.
   */
  occurrence: { id: string; incidentIds: string[]; crimeIds: string[] }
  incident?: {
    id: string
    cadRef: string
    grading?: string
    incidentType?: string
    location?: string
    open: boolean
  }
  crime?: {
    id: string
    crimeRef: string
    crimeType?: string
    status: string
    vcopCategory?: string
    officerName?: string
    officerCollar?: string
    recordedAt?: Date
  }
  people: PersonSnapshot[]
}

/** The case a journey runs for: the crime once there is one, else the incident. */
export interface CaseKey {
  incidentId?: string
  crimeId?: string
}

/** Reads a case from the case model, inside the caller's transaction. */
export interface CaseReader {
  loadCase(tx: Tx, key: CaseKey & { forceId: string }): Promise<CaseSnapshot | undefined>
}

const ukPostcodeDistrict = /\b([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\b/i

/** The outward code of the first postcode in a location ("ME14 1XX" → "ME14"). */
export function postcodeDistrict(location: string | undefined): string | undefined {
  const match = location ? ukPostcodeDistrict.exec(location) : null
  return match ? match[1]!.toUpperCase() : undefined
}

/** Whole years between a date of birth and `at`, in UTC dates. */
export function ageOn(dateOfBirth: string | undefined, at: Date): number | undefined {
  if (!dateOfBirth) return undefined
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number]
  let age = at.getUTCFullYear() - y
  const beforeBirthday = at.getUTCMonth() + 1 < m || (at.getUTCMonth() + 1 === m && at.getUTCDate() < d)
  if (beforeBirthday) age -= 1
  return age
}

/** Channels the person can be reached on now, ignoring policy. */
export function availableChannels(person: PersonSnapshot): Channel[] {
  const channels: Channel[] = []
  if (person.mobiles.length > 0) channels.push('sms')
  if (person.emails.length > 0) channels.push('email')
  return channels
}
