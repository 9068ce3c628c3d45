// The mapping-profile language on its own (UJ-4, CP-162): XML attributes, composed fields,
// constants and defaults, codes kept as text, and paths of the wrong type refused by name.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkProfile, type MappingProfile, mapPayload, parsePayload } from './mapping.ts'

const xml = (
  grading: string,
  party = '<Party role="V"><Forename>Sam</Forename><Surname>Okafor</Surname></Party>',
) =>
  `<?xml version="1.0"?><IncidentMessage msgId="M-1" type="NEW" sent="27/10/2026 01:30">
     <Incident ref="CAD-9"><Grading source="ops">${grading}</Grading></Incident>
     <Parties>${party}</Parties></IncidentMessage>`

const profile: MappingProfile = {
  eventId: '@msgId',
  eventType: '@type',
  occurredAt: '@sent',
  dateFormat: 'dd/MM/yyyy HH:mm',
  eventTypes: { NEW: 'incident.opened' },
  fields: {
    'incident.cadRef': 'Incident.@ref',
    'incident.grading': 'Incident.Grading',
    'incident.incidentType': { value: 'Reported by phone' },
  },
  people: {
    path: 'Parties',
    fields: {
      name: { join: ['Forename', 'Surname'], separator: ' ' },
      role: { path: '@role', default: 'V' },
    },
  },
  codes: {
    'incident.grading': { '1A': 'Immediate', '1B': 'Prompt', '2': 'Scheduled', '02': 'Appointment' },
    'person.role': { V: 'victim', W: 'witness' },
  },
}

function mapped(payload: string) {
  const parsed = parsePayload(payload, 'application/xml')
  assert.ok(parsed.ok)
  const outcome = mapPayload(profile, parsed.value)
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.errors.join('; '))
  return outcome.event
}

test('UJ-4: a profile reads XML attributes: the event id, type and time on the root, the reference and role on children', () => {
  const event = mapped(xml('1A'))
  assert.equal(event.sourceEventId, 'M-1')
  assert.equal(event.sourceEventType, 'NEW')
  assert.equal(event.change.incident?.cadRef, 'CAD-9')
  assert.equal(event.change.people[0]?.role, 'victim')
  // 01:30 on the night the clocks go back would be ambiguous; 27 October is after it: GMT.
  assert.equal(event.occurredAt.toISOString(), '2026-10-27T01:30:00.000Z')
})

test('UJ-4: gradings 1A and 1B stay apart, and "2" and "02" are different codes: codes are read as text', () => {
  assert.equal(
    mapped(xml('1A')).change.incident?.grading,
    'Immediate',
    'an element with attributes still gives its text',
  )
  assert.equal(mapped(xml('1B')).change.incident?.grading, 'Prompt')
  assert.equal(mapped(xml('2')).change.incident?.grading, 'Scheduled')
  assert.equal(mapped(xml('02')).change.incident?.grading, 'Appointment')
})

test('UJ-4: a profile joins forename and surname into a name, sets constants, and defaults a missing role', () => {
  const event = mapped(
    xml(
      '1A',
      '<Party role="W"><Forename>Ann</Forename><Surname>Lee</Surname></Party><Party><Surname>Okafor</Surname></Party>',
    ),
  )
  assert.deepEqual(
    event.change.people.map((p) => [p.name, p.role]),
    [
      ['Ann Lee', 'witness'],
      ['Okafor', 'victim'],
    ],
  )
  assert.equal(event.change.incident?.incidentType, 'Reported by phone')
  assert.deepEqual(event.warnings, [])
})

test('UJ-4: a person with no role is named in a warning, since nobody without a role is attached to the case', () => {
  const noDefault: MappingProfile = structuredClone(profile)
  noDefault.people!.fields.role = 'Role'
  const parsed = parsePayload(xml('1A'), 'application/xml')
  assert.ok(parsed.ok)
  const outcome = mapPayload(noDefault, parsed.value)
  assert.ok(outcome.ok)
  assert.deepEqual(outcome.event.warnings, [
    'person 1 has no role at "Role", so is not attached to the case; give the role a default in the profile',
  ])
})

test('CP-162: each path of a profile is checked for its type at save, and a wrong one is refused by name', () => {
  assert.deepEqual(checkProfile(profile), [])
  const errors = checkProfile({
    ...profile,
    eventId: ['@msgId'],
    fields: { 'incident.cadRef': 42, 'incident.grading': { path: 'Incident.Grading', default: 1 } },
    people: { path: ['Parties'], fields: { name: { join: [] }, role: { path: '@role', value: 'V' } } },
    codes: { 'incident.grading': ['1A'] },
    dateFormat: 7,
  })
  assert.deepEqual(errors, [
    '"eventId" must be a path (text, such as "log.reference") or an object with "path", "join" or "value"; it is a list (["@msgId"])',
    '"fields" → "incident.cadRef" must be a path (text, such as "log.reference") or an object with "path", "join" or "value"; it is a number (42)',
    '"fields" → "incident.grading" → "default" must be text; it is a number (1)',
    '"people" → "path" must be the path of the list of people; it is a list (["Parties"])',
    '"people" → "fields" → "name" → "join" must be a list of paths (texts); it is a list ([])',
    '"people" → "fields" → "role" must have exactly one of "path", "join" or "value"',
    'codes for "incident.grading" must map source codes to values; it is a list (["1A"])',
    '"dateFormat" must be "iso" or a Luxon format (text); it is a number (7)',
  ])
  assert.deepEqual(checkProfile({ ...profile, eventType: 'Incident..Type', colour: 'red' }), [
    '"colour" is not a profile setting; use "eventId", "eventType", "occurredAt", "dateFormat", "eventTypes", "fields", "people", "codes", "required"',
    '"eventType" "Incident..Type" has an empty step (two dots together, or a dot at either end)',
  ])
})
