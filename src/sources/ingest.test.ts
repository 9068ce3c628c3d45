import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { CaseEvent } from '../cases/events.ts'
import { aStormEvent, anAthenaEvent } from './test-support/events.ts'

let t: TestApp
const seen: CaseEvent[] = []
let listenerRefuses = true
const examples = join(import.meta.dirname, 'examples')

before(async () => {
  t = await createTestApp()
  t.app.services.cases.onChange(async (tx, events) => {
    for (const event of events) {
      if (event.changes.incidentType?.to === 'Listener failure' && listenerRefuses)
        throw new Error('journey rule failed')
      // Listeners run after the change has committed: they can read what it wrote.
      const found = event.personId
        ? await t.app.services.cases.getPerson(event.forceId, event.personId, { tx })
        : undefined
      seen.push({
        ...event,
        changes: { ...event.changes, ...(found ? { _personVisible: { from: null, to: true } } : {}) },
      })
    }
  })
})
after(() => t.close())

test('UJ-4: a STORM log event becomes an incident with its victim, contact points and markers', async () => {
  const result = await t.app.services.sources.receive(
    'bedfordshire',
    'storm',
    readFileSync(join(examples, 'storm-log-created.json'), 'utf8'),
    'application/json',
  )
  assert.equal(result.status, 'applied')
  const found = await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-20260601-0001')
  assert.ok(found)
  assert.equal(found.incident.grading, 'Prompt')
  assert.equal(found.incident.location, '12 High Street, Luton LU1 2AB')
  const [victim] = found.parties
  assert.equal(victim?.role, 'victim')
  assert.equal(victim?.displayName, 'Jane Smith')
  assert.deepEqual(victim?.contactPoints.map((c) => [c.kind, c.value]).sort(), [
    ['address', '12 High Street, Luton LU1 2AB'],
    ['email', 'jane.smith@example.org'],
    ['phone', '+447700900123'],
  ])
  assert.deepEqual(
    victim?.markers.map((m) => m.kind),
    ['vulnerability'],
  )
  const types = seen.filter((e) => e.incidentId === found.incident.id).map((e) => e.type)
  assert.deepEqual(types, ['incident.opened', 'case.party-added', 'person.marker-added'])
  assert.ok(
    seen.find((e) => e.type === 'case.party-added')?.changes._personVisible,
    'listener saw the person in the tx',
  )
  assert.ok(found.timeline.some((row) => row.summary === 'Incident opened (Prompt)'))
})

test('UJ-4: Kent’s SMARTStorm build (XML, G-codes, UK dates) maps through its own profile', async () => {
  const result = await t.app.services.sources.receive(
    'kent',
    'storm',
    readFileSync(join(examples, 'storm-log-created-kent.xml'), 'utf8'),
    'application/xml',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const found = await t.app.services.cases.findIncidentByRef('kent', 'KNT-20260601-0001')
  assert.equal(found?.incident.grading, 'Prompt')
  assert.equal(found?.incident.openedAt?.toISOString(), '2026-06-01T09:15:00.000Z')
  assert.equal(found?.parties[0]?.contactPoints[0]?.value, '+447700900456')
  // The same code means nothing in Bedfordshire's profile: quarantined, not guessed.
  const elsewhere = await t.app.services.sources.receive(
    'bedfordshire',
    'storm',
    aStormEvent({ id: 'BED-G2', at: '2026-06-01T10:00:00Z', ref: 'BED-X-1', grading: 'G2' }),
    'application/json',
  )
  assert.equal(elsewhere.status, 'quarantined')
  assert.match(String(elsewhere.reason), /incident grading code "G2" is not in this force's profile/)
})

test('CP-174: a duplicated event is stored but has no effect', async () => {
  const payload = aStormEvent({ id: 'DUP-1', at: '2026-06-01T10:00:00Z', ref: 'BED-DUP-1', grading: 'IMM' })
  const first = await t.app.services.sources.receive('bedfordshire', 'storm', payload, 'application/json')
  const before = seen.length
  const second = await t.app.services.sources.receive('bedfordshire', 'storm', payload, 'application/json')
  assert.equal(first.status, 'applied')
  assert.equal(second.status, 'duplicate')
  assert.equal(second.duplicateOf, first.id)
  assert.equal(seen.length, before, 'no domain event for a duplicate')
  const found = await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-DUP-1')
  assert.equal(found?.timeline.length, 1)
  const stored = await t.app.services.sources.events('bedfordshire', { status: 'duplicate' })
  assert.ok(stored.some((e) => e.id === second.id && e.payload === payload))
})

test('CP-174: out-of-order events: an older update never overwrites a newer one but is kept', async () => {
  const receive = (p: string) =>
    t.app.services.sources.receive('bedfordshire', 'storm', p, 'application/json')
  // The close arrives before the open.
  const closed = await receive(
    aStormEvent({
      id: 'ORD-3',
      type: 'LOG_CLOSED',
      at: '2026-06-01T12:00:00Z',
      ref: 'BED-ORD-1',
      log: { closingCode: 'NFA' },
    }),
  )
  const regraded = await receive(
    aStormEvent({
      id: 'ORD-2',
      type: 'LOG_REGRADED',
      at: '2026-06-01T11:00:00Z',
      ref: 'BED-ORD-1',
      grading: 'SCH',
    }),
  )
  const opened = await receive(
    aStormEvent({ id: 'ORD-1', at: '2026-06-01T10:00:00Z', ref: 'BED-ORD-1', grading: 'IMM' }),
  )
  const stale = await receive(
    aStormEvent({
      id: 'ORD-2b',
      type: 'LOG_REGRADED',
      at: '2026-06-01T10:30:00Z',
      ref: 'BED-ORD-1',
      grading: 'APT',
    }),
  )
  assert.deepEqual(
    [closed.status, regraded.status, opened.status, stale.status],
    ['applied', 'applied', 'applied', 'superseded'],
  )
  assert.match(String(stale.reason), /Older than data already held for incident.grading/)
  const found = await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-ORD-1')
  assert.equal(found?.incident.grading, 'Scheduled', 'the 11:00 grading stands over 10:00 and 10:30')
  assert.equal(found?.incident.closedAt?.toISOString(), '2026-06-01T12:00:00.000Z')
  assert.equal(found?.incident.openedAt?.toISOString(), '2026-06-01T10:00:00.000Z')
  assert.equal(found?.incident.closingCode, 'NFA')
})

test('CP-163: a malformed event is quarantined with a readable reason, corrected and replayed', async () => {
  const broken =
    '{"eventId": "BAD-1", "eventType": "LOG_CREATED", "timestamp": "2026-06-01T10:00:00Z", "log": {'
  const result = await t.app.services.sources.receive('bedfordshire', 'storm', broken, 'application/json')
  assert.equal(result.status, 'quarantined')
  assert.match(String(result.reason), /the JSON could not be read/)
  const again = await t.app.services.sources.receive('bedfordshire', 'storm', broken, 'application/json')
  assert.equal(again.status, 'duplicate', 'the same unreadable payload is recognised')
  await t.app.services.sources.correctPayload(
    'bedfordshire',
    result.id,
    aStormEvent({ id: 'BAD-1', at: '2026-06-01T10:00:00Z', ref: 'BED-BAD-1', grading: 'NR' }),
  )
  const replayed = await t.app.services.sources.replay('bedfordshire', result.id)
  assert.equal(replayed.status, 'applied')
  const stored = await t.app.services.sources.event('bedfordshire', result.id)
  assert.equal(stored?.originalPayload, broken, 'the original is kept')
  const found = await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-BAD-1')
  assert.equal(found?.incident.grading, 'No Response')
})

test('CP-163: replay all re-runs every quarantined event after the profile is fixed', async () => {
  const odd = (n: number) =>
    aStormEvent({
      id: `ODD-${n}`,
      type: 'LOG_RESULTED',
      at: '2026-06-01T10:00:00Z',
      ref: `BED-ODD-${n}`,
      grading: 'PRI',
    })
  const ids: string[] = []
  for (const n of [1, 2]) {
    const r = await t.app.services.sources.receive('bedfordshire', 'storm', odd(n), 'application/json')
    assert.match(String(r.reason), /event type "LOG_RESULTED" at "eventType" is not in this force's profile/)
    ids.push(r.id)
  }
  const current = await t.app.services.sources.currentProfile('bedfordshire', 'storm')
  const document = {
    ...current!.document,
    eventTypes: { ...current!.document.eventTypes, LOG_RESULTED: 'incident.updated' },
  }
  const version = await t.app.services.sources.saveProfile(
    'bedfordshire',
    'storm',
    JSON.stringify(document),
    'resulted',
    null,
    odd(3),
  )
  assert.equal(version, current!.version + 1)
  await t.app.services.sources.publishProfile('bedfordshire', 'storm', version, null)
  const results = await t.app.services.sources.replayAll('bedfordshire', 'storm')
  assert.deepEqual(
    results.filter((r) => ids.includes(r.id)).map((r) => r.status),
    ['applied', 'applied'],
  )
  assert.ok(await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-ODD-2'))
})

test('CP-162: a profile with unknown fields or codes is refused with readable errors', async () => {
  await assert.rejects(
    t.app.services.sources.saveProfile(
      'kent',
      'storm',
      JSON.stringify({
        eventId: 'id',
        eventType: 't',
        occurredAt: 'at',
        eventTypes: { X: 'incident.exploded' },
        fields: { 'incident.colour': 'c' },
      }),
      null,
      null,
    ),
    (error: Error & { fieldErrors: { message: string }[] }) =>
      error.fieldErrors.some((e) => /maps to unknown change "incident.exploded"/.test(e.message)) &&
      error.fieldErrors.some((e) => /"incident.colour" is not a model field/.test(e.message)),
  )
})

test('UJ-4: bad phone numbers and emails are not stored; the event applies with a warning', async () => {
  const result = await t.app.services.sources.receive(
    'bedfordshire',
    'storm',
    aStormEvent({
      id: 'PH-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'BED-PH-1',
      grading: 'PRI',
      persons: [
        {
          nominalId: 'N-PH',
          name: 'Ola Nowak',
          role: 'VIC',
          phone: ['0770090', '+44 (0)7700 900789'],
          email: 'ola@@example',
        },
      ],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied')
  assert.deepEqual(result.warnings, [
    'person 1: phone number "0770090" is not a valid UK mobile or landline number; not stored',
    'person 1: email address "ola@@example" is not valid; not stored',
  ])
  const found = await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-PH-1')
  assert.deepEqual(
    found?.parties[0]?.contactPoints.map((c) => [c.value, c.mobile]),
    [['+447700900789', true]],
  )
})

test('UJ-4: Athena events record the crime, link the log, assign officers and change status', async () => {
  const receive = (name: string) =>
    t.app.services.sources.receive(
      'bedfordshire',
      'athena',
      readFileSync(join(examples, name), 'utf8'),
      'application/json',
    )
  for (const name of [
    'athena-investigation-created.json',
    'athena-crimed.json',
    'athena-officer-assigned.json',
    'athena-status-changed.json',
    'athena-outcome.json',
    'athena-closed.json',
  ]) {
    const r = await receive(name)
    assert.equal(r.status, 'applied', `${name}: ${r.reason}`)
  }
  const found = await t.app.services.cases.findCrimeByRef('bedfordshire', '42/12345/26')
  assert.ok(found)
  assert.equal(found.crime.homeOfficeClass, '028/01')
  assert.equal(found.crime.officerName, 'DC Priya Shah')
  assert.equal(found.crime.supervisorName, 'DS Mark Owen')
  assert.equal(found.crime.vcopCategory, 'enhanced')
  assert.equal(found.crime.status, 'closed')
  assert.deepEqual(
    found.incidents.map((i) => i.cadRef),
    ['BED-20260601-0001'],
  )
  const types = seen.filter((e) => e.crimeId === found.crime.id).map((e) => e.type)
  for (const type of [
    'crime.recorded',
    'crime.updated',
    'crime.officer-assigned',
    'crime.status-changed',
    'crime.closed',
  ]) {
    assert.ok(types.includes(type as CaseEvent['type']), `${type} in ${types.join(', ')}`)
  }
  // The Athena victim is the STORM caller (same name and date of birth): one person, both identities.
  const victim = found.parties[0]!
  const person = await t.app.services.cases.getPerson('bedfordshire', victim.personId)
  assert.deepEqual(
    person.identities
      .filter((i) => i.kind.endsWith('nominal') || i.kind.endsWith('urn'))
      .map((i) => [i.kind, i.value, i.sourceSystem]),
    [
      ['athena_urn', 'P-778899', 'athena'],
      ['storm_nominal', 'N-100234', 'storm'],
    ],
  )
})

test('CP-163: a conflicting name from another source is kept and surfaced, not overwritten', async () => {
  await t.app.services.sources.receive(
    'bedfordshire',
    'athena',
    anAthenaEvent({
      id: 'CF-1',
      type: 'INVESTIGATION_CREATED',
      at: '2026-06-03T10:00:00Z',
      crimeRef: '42/999/26',
      persons: [{ urn: 'P-778899', name: 'Janet Smith', role: 'VIC' }],
    }),
    'application/json',
  )
  const found = await t.app.services.cases.findCrimeByRef('bedfordshire', '42/999/26')
  const person = await t.app.services.cases.getPerson('bedfordshire', found!.parties[0]!.personId)
  assert.equal(person.person.displayName, 'Jane Smith')
  assert.deepEqual(
    person.conflicts.map((c) => [c.field, [...new Set(c.values.map((v) => v.value))].sort()]),
    [['name', ['Jane Smith', 'Janet Smith']]],
  )
})

test('CP-174: a listener that refuses a case event loses nothing: the change is kept and the event is delivered once accepted', async () => {
  const result = await t.app.services.sources.receive(
    'bedfordshire',
    'storm',
    aStormEvent({
      id: 'LF-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'BED-LF-1',
      grading: 'PRI',
      log: { incidentType: 'Listener failure' },
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied')
  const incident = await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-LF-1')
  assert.ok(incident, 'the case change is kept although the listener refused its event')
  const delivered = (id: string) => seen.some((e) => e.incidentId === id && e.type === 'incident.opened')
  assert.equal(delivered(incident.incident.id), false)
  assert.equal(await t.app.services.cases.deliverPending('bedfordshire'), 0, 'refused again: still waiting')
  listenerRefuses = false
  assert.equal(await t.app.services.cases.deliverPending('bedfordshire'), 1)
  assert.equal(delivered(incident.incident.id), true)
  assert.equal(await t.app.services.cases.deliverPending('bedfordshire'), 0, 'delivered once only')
})

test('CP-174: a small batch reaches the listeners in its own transaction; behind an event still waiting, later ones wait, and all arrive in order', async () => {
  const sources = t.app.services.sources
  const post = (id: string, incidentType: string) =>
    sources.receiveBatch('bedfordshire', 'storm', [
      {
        payload: aStormEvent({
          id,
          at: '2026-06-01T11:00:00Z',
          ref: `BED-${id}`,
          grading: 'PRI',
          log: { incidentType },
        }),
        contentType: 'application/json',
      },
    ])
  const incidentOf = async (id: string) =>
    (await t.app.services.cases.findIncidentByRef('bedfordshire', `BED-${id}`))!.incident.id
  const seenAt = (incidentId: string) =>
    seen.findIndex((e) => e.incidentId === incidentId && e.type === 'incident.opened')

  listenerRefuses = true
  const [first] = await post('INLINE-1', 'Listener failure')
  assert.equal(first?.status, 'applied')
  const refused = await incidentOf('INLINE-1')
  assert.equal(seenAt(refused), -1, 'the listener refused it: it waits on the timeline')
  const [second] = await post('INLINE-2', 'Burglary - residential')
  assert.equal(second?.status, 'applied')
  const behind = await incidentOf('INLINE-2')
  assert.equal(seenAt(behind), -1, 'an earlier event of the force waits, so this one waits behind it')

  listenerRefuses = false
  assert.equal(await t.app.services.cases.deliverPending('bedfordshire'), 2)
  assert.ok(seenAt(refused) >= 0 && seenAt(refused) < seenAt(behind), 'delivered in the order they happened')

  await post('INLINE-3', 'Burglary - residential')
  assert.ok(seenAt(await incidentOf('INLINE-3')) >= 0, 'nothing waits now: delivered in its own transaction')
  assert.equal(await t.app.services.cases.deliverPending('bedfordshire'), 0, 'and not again')
})

test('UJ-4, CP-174: a batch of events is applied together; its repeat, unreadable and refused events are each dealt with alone', async () => {
  const good = aStormEvent({
    id: 'B-1',
    at: '2026-06-02T09:00:00Z',
    ref: 'BED-B-1',
    grading: 'PRI',
    persons: [{ nominalId: 'N-B-1', name: 'Batch Victim', role: 'VIC', phone: '07700 900301' }],
  })
  const results = await t.app.services.sources.receiveBatch('bedfordshire', 'storm', [
    { payload: good, contentType: 'application/json' },
    { payload: good, contentType: 'application/json' },
    { payload: '{"eventId": "B-3", "timestamp": ', contentType: 'application/json' },
    {
      // A null character is refused before the model (PostgreSQL text cannot hold it).
      payload: aStormEvent({
        id: 'B-4',
        at: '2026-06-02T09:01:00Z',
        ref: 'BED-B-4',
        persons: [{ nominalId: 'N-B-4', name: 'Bad\u0000Name', role: 'VIC' }],
      }),
      contentType: 'application/json',
    },
    {
      payload: aStormEvent({
        id: 'B-5',
        type: 'LOG_UPDATED',
        at: '2026-06-02T09:02:00Z',
        ref: 'BED-B-1',
        grading: 'IMM',
        persons: [{ nominalId: 'N-B-1', role: 'VIC', phone: '07700 900302' }],
      }),
      contentType: 'application/json',
    },
  ])
  assert.deepEqual(
    results.map((r) => r.status),
    ['applied', 'duplicate', 'quarantined', 'quarantined', 'applied'],
  )
  assert.equal(results[1]!.duplicateOf, results[0]!.id)
  assert.match(String(results[2]!.reason), /Could not map/)
  assert.match(String(results[3]!.reason), /Could not map: "log\.persons\.0\.name" contains a null character/)
  const found = await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-B-1')
  assert.equal(found!.incident.grading, 'Immediate', 'the later event in the batch updated the case')
  assert.equal(found!.parties.length, 1, 'the same person, found by identity within the batch')
  const person = await t.app.services.cases.getPerson('bedfordshire', found!.parties[0]!.personId)
  assert.deepEqual(person.contactPoints.map((c) => c.value).sort(), ['+447700900301', '+447700900302'])
  assert.equal(await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-B-4'), undefined)
  assert.equal((await t.app.services.sources.event('bedfordshire', results[3]!.id))!.status, 'quarantined')
})

test('UJ-4: a source ending a marker removes it from the person, on the timeline', async () => {
  const person = { nominalId: 'N-MR-1', name: 'Marker Victim', role: 'VIC', markers: ['DNC'] }
  await t.app.services.sources.receive(
    'bedfordshire',
    'storm',
    aStormEvent({ id: 'MR-1', at: '2026-06-03T09:00:00Z', ref: 'BED-MR-1', persons: [person] }),
    'application/json',
  )
  const found = await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-MR-1')
  const personId = found!.parties[0]!.personId
  assert.deepEqual(
    (await t.app.services.cases.getPerson('bedfordshire', personId)).markers.map((m) => m.kind),
    ['do_not_contact'],
  )
  const result = await t.app.services.sources.receive(
    'bedfordshire',
    'storm',
    aStormEvent({
      id: 'MR-2',
      type: 'LOG_UPDATED',
      at: '2026-06-03T10:00:00Z',
      ref: 'BED-MR-1',
      persons: [{ nominalId: 'N-MR-1', role: 'VIC', markersRemoved: ['DNC'] }],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied')
  const after = await t.app.services.cases.getPerson('bedfordshire', personId)
  assert.deepEqual(after.markers, [])
  assert.ok(after.timeline.some((e) => e.summary === 'Marker removed: do not contact'))
  assert.ok(seen.some((e) => e.type === 'person.marker-removed' && e.personId === personId))
})

test('CP-163, CP-174: once a corrected profile reads an unreadable event, its own id is its identity and a re-send is a duplicate', async () => {
  const force = 'cambridgeshire'
  // The build puts the event id where the profile does not look: no id, so the content's hash.
  const event = (id: string, ref: string) =>
    JSON.stringify({
      msgId: id,
      eventType: 'LOG_CREATED',
      timestamp: '2026-06-01T10:00:00Z',
      log: { reference: ref, persons: [{ nominalId: `N-${id}`, name: 'Robin Ash', role: 'VIC' }] },
    })
  const first = await t.app.services.sources.receive(
    force,
    'storm',
    event('CAM-1', 'CAM-LOG-1'),
    'application/json',
  )
  assert.equal(first.status, 'quarantined')
  assert.match((await t.app.services.sources.event(force, first.id))!.sourceEventId, /^unreadable:/)
  // The same event id sent again before the fix, in another form (a second copy in the inbox).
  const second = await t.app.services.sources.receive(
    force,
    'storm',
    event('CAM-1', 'CAM-LOG-1').replace('"Robin Ash"', '"Robin  Ash"'),
    'application/json',
  )
  assert.equal(second.status, 'quarantined')

  const current = await t.app.services.sources.currentProfile(force, 'storm')
  const version = await t.app.services.sources.saveProfile(
    force,
    'storm',
    JSON.stringify({ ...current!.document, eventId: 'msgId' }),
    'the event id is msgId',
    null,
    event('CAM-0', 'CAM-LOG-0'),
  )
  await t.app.services.sources.publishProfile(force, 'storm', version, null)
  const replayed = await t.app.services.sources.replay(force, first.id)
  assert.equal(replayed.status, 'applied')
  assert.equal((await t.app.services.sources.event(force, first.id))!.sourceEventId, 'CAM-1')

  // The other copy, replayed: its id is held, so it is a duplicate of the applied one.
  const again = await t.app.services.sources.replay(force, second.id)
  assert.equal(again.status, 'duplicate')
  assert.equal(again.duplicateOf, first.id)
  const secondRow = await t.app.services.sources.event(force, second.id)
  assert.equal(secondRow!.status, 'duplicate')
  assert.equal(secondRow!.sourceEventId, 'CAM-1')

  // The source re-sends the event: a duplicate, not applied twice.
  const resent = await t.app.services.sources.receive(
    force,
    'storm',
    event('CAM-1', 'CAM-LOG-1'),
    'application/json',
  )
  assert.equal(resent.status, 'duplicate')
  assert.equal(resent.duplicateOf, first.id)
  const incident = await t.app.services.cases.findIncidentByRef(force, 'CAM-LOG-1')
  assert.equal(incident!.parties.length, 1, 'the victim is on the case once')
})
