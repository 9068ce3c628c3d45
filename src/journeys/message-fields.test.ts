import assert from 'node:assert/strict'
import { test } from 'node:test'
import { journeyPlaceholders, messageFields, personalisationFor } from './message-fields.ts'
import type { CaseSnapshot } from './snapshot.ts'

const incidentOnly: CaseSnapshot = {
  forceId: 'kent',
  forceName: 'Kent Police',
  forceProducts: ['journeys'],
  occurrence: { id: 'o1', incidentIds: ['i1'], crimeIds: [] },
  incident: {
    id: 'i1',
    cadRef: 'KNT-1',
    grading: 'Prompt',
    incidentType: 'Burglary - residential',
    open: true,
  },
  people: [],
}

test('UJ-11: every message field has a value from the case, and a plain phrase where the case has none yet', () => {
  assert.deepEqual(personalisationFor(incidentOnly, 'https://w.example.org'), {
    force_name: 'Kent Police',
    portal_link: 'https://w.example.org/portal',
    reference: 'KNT-1',
    officer_name: 'an officer',
    case_status: 'open',
    crime_reference: 'not recorded yet',
    crime_type: 'not recorded yet',
    recorded_date: 'not recorded yet',
    officer_collar: 'not assigned yet',
    vcop_category: 'standard',
    incident_reference: 'KNT-1',
    incident_type: 'Burglary - residential',
    incident_grading: 'Prompt',
  })
  const crimed: CaseSnapshot = {
    ...incidentOnly,
    crime: {
      id: 'c1',
      crimeRef: '46/1/26',
      crimeType: 'Burglary',
      status: 'open',
      vcopCategory: 'enhanced',
      officerName: 'PC 1 Ana Lee',
      officerCollar: '1',
      recordedAt: new Date('2026-06-02T23:30:00Z'),
    },
  }
  const values = personalisationFor(crimed, 'https://w.example.org')
  assert.equal(values.reference, '46/1/26')
  assert.equal(values.recorded_date, '3 June 2026', 'the day in London')
  assert.equal(values.vcop_category, 'enhanced')
  assert.deepEqual(Object.keys(values), journeyPlaceholders)
  assert.ok(messageFields.every((f) => f.description && f.example))
})
