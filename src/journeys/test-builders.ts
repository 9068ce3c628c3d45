// Builders for journey tests: a case and the people on it, with only what a test cares about.
import type { CaseSnapshot, PersonSnapshot } from './snapshot.ts'

let sequence = 0

export function aPerson(overrides: Partial<PersonSnapshot> = {}): PersonSnapshot {
  sequence += 1
  return {
    id: `person-${sequence}`,
    role: 'victim',
    dateOfBirth: '1985-04-02',
    mobiles: [`+4477009${String(sequence).padStart(5, '0')}`],
    emails: [`person${sequence}@example.org`],
    markers: [],
    confirmedSafeChannels: [],
    optedOut: false,
    ...overrides,
  }
}

export function aCase(overrides: Partial<CaseSnapshot> = {}): CaseSnapshot {
  sequence += 1
  return {
    forceId: 'kent',
    forceProducts: ['journeys', 'portal'],
    occurrence: { id: `occurrence-${sequence}`, incidentIds: [`incident-${sequence}`], crimeIds: [] },
    incident: {
      id: `incident-${sequence}`,
      cadRef: `KE-${sequence}`,
      grading: 'Prompt',
      incidentType: 'Burglary',
      location: '1 High Street, Maidstone ME14 1XX',
      open: true,
    },
    people: [],
    ...overrides,
  }
}

export function aCrime(
  overrides: Partial<NonNullable<CaseSnapshot['crime']>> = {},
): NonNullable<CaseSnapshot['crime']> {
  sequence += 1
  return {
    id: `crime-${sequence}`,
    crimeRef: `46/${sequence}/26`,
    crimeType: 'Burglary',
    status: 'open',
    vcopCategory: 'standard',
    ...overrides,
  }
}
