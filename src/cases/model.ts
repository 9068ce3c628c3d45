// The case model's vocabulary: what a source event may state about an incident, a crime and the
// people on them once a force's mapping profile has translated it (UJ-4, CP-162).
export const gradings = ['Immediate', 'Prompt', 'Scheduled', 'Appointment', 'No Response'] as const
export type Grading = (typeof gradings)[number]

export const crimeStatuses = ['open', 'closed', 'charged', 'no-further-action'] as const
export type CrimeStatus = (typeof crimeStatuses)[number]

export const partyRoles = ['victim', 'witness', 'parent_guardian', 'attorney', 'suspect'] as const
export type PartyRole = (typeof partyRoles)[number]

export const markerKinds = [
  'vulnerability',
  'domestic_abuse',
  'safeguarding',
  'do_not_contact',
  'deceased',
] as const
export type MarkerKind = (typeof markerKinds)[number]

export const contactChannels = ['sms', 'email', 'letter', 'phone'] as const
export type ContactChannel = (typeof contactChannels)[number]

export const vcopCategories = ['standard', 'enhanced'] as const
export type VcopCategory = (typeof vcopCategories)[number]

/** What a source event is about, after mapping; the domain events are derived from the changes. */
export const changeKinds = [
  'incident.opened',
  'incident.updated',
  'incident.closed',
  'crime.recorded',
  'crime.updated',
  'crime.officer-assigned',
  'crime.status-changed',
  'crime.closed',
] as const
export type ChangeKind = (typeof changeKinds)[number]

export interface IncidentFacts {
  cadRef: string
  /** Crimes the log says were raised from it: with them it is one occurrence. */
  linkedCrimeRefs?: string[]
  openedAt?: Date
  closedAt?: Date
  grading?: Grading
  incidentType?: string
  openingCode?: string
  closingCode?: string
  location?: string
}

export interface OfficerFacts {
  collar: string
  name?: string
  email?: string
  team?: string
}

export interface CrimeFacts {
  crimeRef: string
  linkedCadRefs?: string[]
  crimeType?: string
  homeOfficeClass?: string
  status?: CrimeStatus
  outcome?: string
  officer?: OfficerFacts
  supervisor?: OfficerFacts
  vcopCategory?: VcopCategory
  vcopReason?: string
  recordedAt?: Date
  closedAt?: Date
}

export interface PhoneNumber {
  /** E.164, e.g. +447700900123. */
  value: string
  mobile: boolean
}

export interface PersonFacts {
  stormNominal?: string
  athenaUrn?: string
  name?: string
  /** ISO date, YYYY-MM-DD. */
  dateOfBirth?: string
  role?: PartyRole
  /**
   * A parent or guardian's, or an attorney's: the source's identifier (Athena URN or STORM
   * nominal) of the person on the same case they act for (CP-37).
   */
  actsFor?: string
  phones: PhoneNumber[]
  emails: string[]
  address?: string
  preferredChannel?: ContactChannel
  language?: string
  markers: MarkerKind[]
  /** Markers the source says have ended (e.g. a safeguarding concern resolved). */
  removedMarkers?: MarkerKind[]
}

export interface CaseChange {
  kind: ChangeKind
  incident?: IncidentFacts
  crime?: CrimeFacts
  people: PersonFacts[]
}

export interface Provenance {
  sourceSystem: string
  /** The inbox row that carried the change. */
  sourceEventId?: string
  /** When the source says the change happened: orders out-of-order events. */
  occurredAt: Date
}
