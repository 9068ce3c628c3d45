// The mapping profiles every force starts with (version 1). Forces' builds differ (facts §7:
// "data trigger points differ"): Kent's SMARTStorm uses numbered gradings (G1–G5), its own event
// names and UK-style dates; Essex's Athena reports outcomes under its own message type. A force
// admin edits these as new versions in the console.
import type { MappingProfile } from './mapping.ts'

export const sourceSystems = ['storm', 'athena', 'warehouse'] as const
export type SourceSystem = (typeof sourceSystems)[number]

const personCodes = {
  'person.role': { VIC: 'victim', WIT: 'witness', PG: 'parent_guardian', ATT: 'attorney', SUS: 'suspect' },
  'person.markers': {
    VUL: 'vulnerability',
    DA: 'domestic_abuse',
    SG: 'safeguarding',
    DNC: 'do_not_contact',
    DEC: 'deceased',
  },
  'person.preferredChannel': { SMS: 'sms', EMAIL: 'email', LETTER: 'letter', PHONE: 'phone' },
}

const personFields = {
  name: 'name',
  dateOfBirth: 'dateOfBirth',
  role: 'role',
  // A parent or guardian, or an attorney, names the person they act for by their URN or nominal.
  actsFor: 'actsFor',
  phone: 'phone',
  email: 'email',
  address: 'address',
  preferredChannel: 'preferredContact',
  language: 'language',
  markers: 'markers',
  removedMarkers: 'markersRemoved',
}

export const defaultStormProfile: MappingProfile = {
  eventId: 'eventId',
  eventType: 'eventType',
  occurredAt: 'timestamp',
  dateFormat: 'iso',
  eventTypes: {
    LOG_CREATED: 'incident.opened',
    LOG_UPDATED: 'incident.updated',
    LOG_REGRADED: 'incident.updated',
    LOG_CLOSED: 'incident.closed',
  },
  fields: {
    'incident.cadRef': 'log.reference',
    'incident.openedAt': 'log.openedAt',
    'incident.closedAt': 'log.closedAt',
    'incident.grading': 'log.grading',
    'incident.incidentType': 'log.incidentType',
    'incident.openingCode': 'log.openingCode',
    'incident.closingCode': 'log.closingCode',
    'incident.location': 'log.location',
    // Once crimed, the log names its crime reference(s): a JSON list or wrapped XML elements.
    'incident.linkedCrimeRefs': 'log.crimeReferences',
  },
  people: { path: 'log.persons', fields: { stormNominal: 'nominalId', ...personFields } },
  codes: {
    'incident.grading': {
      IMM: 'Immediate',
      PRI: 'Prompt',
      SCH: 'Scheduled',
      APT: 'Appointment',
      NR: 'No Response',
    },
    ...personCodes,
  },
}

export const defaultAthenaProfile: MappingProfile = {
  eventId: 'messageId',
  eventType: 'messageType',
  occurredAt: 'eventTime',
  dateFormat: 'iso',
  eventTypes: {
    INVESTIGATION_CREATED: 'crime.recorded',
    CRIMED: 'crime.updated',
    OFFICER_ASSIGNED: 'crime.officer-assigned',
    STATUS_CHANGED: 'crime.status-changed',
    OUTCOME: 'crime.updated',
    CLOSED: 'crime.closed',
  },
  fields: {
    'crime.crimeRef': 'investigation.crimeReference',
    'crime.linkedCadRefs': 'investigation.linkedLogs',
    'crime.crimeType': 'investigation.crimeType',
    'crime.homeOfficeClass': 'investigation.homeOfficeClass',
    'crime.status': 'investigation.status',
    'crime.outcome': 'investigation.outcome',
    'crime.recordedAt': 'investigation.recordedAt',
    'crime.closedAt': 'investigation.closedAt',
    'crime.vcopCategory': 'investigation.vcop.category',
    'crime.vcopReason': 'investigation.vcop.reason',
    'crime.officer.collar': 'investigation.officer.collarNumber',
    'crime.officer.name': 'investigation.officer.name',
    'crime.officer.email': 'investigation.officer.email',
    'crime.officer.team': 'investigation.officer.team',
    'crime.supervisor.collar': 'investigation.supervisor.collarNumber',
    'crime.supervisor.name': 'investigation.supervisor.name',
    'crime.supervisor.email': 'investigation.supervisor.email',
    'crime.supervisor.team': 'investigation.supervisor.team',
  },
  people: { path: 'persons', fields: { athenaUrn: 'urn', ...personFields } },
  codes: {
    'crime.status': { OPEN: 'open', CLOSED: 'closed', CHARGED: 'charged', NFA: 'no-further-action' },
    'crime.vcopCategory': { STANDARD: 'standard', ENHANCED: 'enhanced' },
    ...personCodes,
  },
}

/** The warehouse poller hands over one row per event; the victim's columns sit on the row itself. */
export const defaultWarehouseProfile: MappingProfile = {
  eventId: 'event_id',
  eventType: 'event_type',
  occurredAt: 'changed_at',
  dateFormat: 'iso',
  eventTypes: { CREATED: 'crime.recorded', UPDATED: 'crime.updated', CLOSED: 'crime.closed' },
  fields: {
    'crime.crimeRef': 'crime_ref',
    'crime.crimeType': 'crime_type',
    'crime.homeOfficeClass': 'ho_class',
    'crime.status': 'status',
    'crime.outcome': 'outcome',
    'crime.officer.collar': 'oic_collar',
    'crime.officer.name': 'oic_name',
  },
  people: {
    path: '.',
    fields: {
      athenaUrn: 'victim_urn',
      name: 'victim_name',
      phone: 'victim_phone',
      email: 'victim_email',
      role: 'victim_role',
    },
  },
  codes: {
    'crime.status': defaultAthenaProfile.codes!['crime.status']!,
    'person.role': { V: 'victim', W: 'witness' },
  },
}

export function defaultProfileFor(forceId: string, system: SourceSystem): MappingProfile {
  if (system === 'warehouse') return structuredClone(defaultWarehouseProfile)
  if (system === 'athena') {
    const profile = structuredClone(defaultAthenaProfile)
    if (forceId === 'essex') profile.eventTypes = { ...profile.eventTypes, RESULT_RECORDED: 'crime.updated' }
    return profile
  }
  const profile = structuredClone(defaultStormProfile)
  if (forceId === 'kent') {
    profile.dateFormat = 'dd/MM/yyyy HH:mm:ss'
    profile.eventTypes = { CREATE: 'incident.opened', UPDATE: 'incident.updated', CLOSE: 'incident.closed' }
    profile.codes!['incident.grading'] = {
      G1: 'Immediate',
      G2: 'Prompt',
      G3: 'Scheduled',
      G4: 'Appointment',
      G5: 'No Response',
    }
  }
  return profile
}
