// The case fields a journey's messages can use as placeholders (UJ-11): one list that says what
// each is, gives the example the template editor previews with, and fills it from the case when
// a message is scheduled. Each has a value (a plain phrase when the case has none yet), because
// a message with a missing value is stopped rather than sent as "Dear ,".
import type { CaseSnapshot } from './snapshot.ts'

export interface MessageField {
  name: string
  description: string
  example: string
  value(snapshot: CaseSnapshot, publicUrl: string): string
}

const longDate = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
})

export const messageFields: readonly MessageField[] = [
  {
    name: 'force_name',
    description: 'Your force’s name, as messages are signed',
    example: 'Kent Police',
    value: (s) => s.forceName || s.forceId,
  },
  {
    name: 'portal_link',
    description: 'The link to My Police Portal',
    example: 'https://waypoint.example.org/portal',
    value: (_s, publicUrl) => `${publicUrl}/portal`,
  },
  {
    name: 'reference',
    description: 'The crime reference, or the incident’s log reference before a crime is recorded',
    example: '37/12345/26',
    value: (s) => s.crime?.crimeRef ?? s.incident?.cadRef ?? '',
  },
  {
    name: 'officer_name',
    description: 'The officer in charge of the investigation',
    example: 'PC 4521 Sam Taylor',
    value: (s) => s.crime?.officerName ?? 'an officer',
  },
  {
    name: 'case_status',
    description: 'Where the investigation is: its status, or whether the incident is open',
    example: 'under investigation',
    value: (s) => s.crime?.status ?? (s.incident?.open ? 'open' : 'closed'),
  },
  {
    name: 'crime_reference',
    description: 'The crime reference (“not recorded yet” before a crime is recorded)',
    example: '37/12345/26',
    value: (s) => s.crime?.crimeRef ?? 'not recorded yet',
  },
  {
    name: 'crime_type',
    description: 'The crime type, as your force’s mapping names it',
    example: 'Burglary',
    value: (s) => s.crime?.crimeType ?? 'not recorded yet',
  },
  {
    name: 'recorded_date',
    description: 'The day the crime was recorded, such as 3 June 2026',
    example: '3 June 2026',
    value: (s) => (s.crime?.recordedAt ? longDate.format(s.crime.recordedAt) : 'not recorded yet'),
  },
  {
    name: 'officer_collar',
    description: 'The collar number of the officer in charge',
    example: '4521',
    value: (s) => s.crime?.officerCollar ?? 'not assigned yet',
  },
  {
    name: 'vcop_category',
    description: 'The Victims’ Code service the victim is entitled to: standard or enhanced',
    example: 'enhanced',
    value: (s) => s.crime?.vcopCategory ?? 'standard',
  },
  {
    name: 'incident_reference',
    description: 'The incident’s log reference',
    example: 'KNT-20260603-0417',
    value: (s) => s.incident?.cadRef ?? 'none',
  },
  {
    name: 'incident_type',
    description: 'The kind of incident that was reported',
    example: 'Burglary - residential',
    value: (s) => s.incident?.incidentType ?? 'not known',
  },
  {
    name: 'incident_grading',
    description: 'How the incident was graded: Immediate, Prompt, Scheduled, Appointment or No Response',
    example: 'Prompt',
    value: (s) => s.incident?.grading ?? 'not graded',
  },
]

/** The values every journey message can use (enrolment fills the same names). */
export const journeyPlaceholders = messageFields.map((f) => f.name)

/** The sample victim's case every preview and test message is rendered with. */
export const sampleCase = (forceName: string, publicUrl: string): Record<string, string> => ({
  ...Object.fromEntries(messageFields.map((f) => [f.name, f.example])),
  force_name: forceName,
  portal_link: `${publicUrl}/portal`,
})

/** A message's placeholder values for a case. */
export function personalisationFor(snapshot: CaseSnapshot, publicUrl: string): Record<string, string> {
  return Object.fromEntries(messageFields.map((f) => [f.name, f.value(snapshot, publicUrl)]))
}
