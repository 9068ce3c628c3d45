// Another investigating officer takes over a crime (issue 5 item 5): on a real database, through
// the case model's `crime.officer-assigned` event, a message naming the previous officer that is
// still waiting is cancelled with a reason staff can read and replaced by one naming the new
// officer; a victim already told the previous officer is told the new one; the first officer
// assigned changes nothing already scheduled. Dispatch then sends only what is current.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { CaseChange, OfficerFacts } from '../cases/model.ts'
import { FixedClock } from '../platform/clock.ts'
import type { JourneyDefinition } from './definition.ts'
import { staleOfficerReason } from './officer-change.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z') // Wednesday 10:00 in London
let t: TestApp
let sequence = 0
const system = { id: null }

// A force's own journey for criminal damage: the crime reference, the officer's details, and an
// update three days later (so the journey is still running after the officer's details go).
const definition: JourneyDefinition = {
  trigger: {
    events: ['crime.recorded'],
    when: { op: 'in', fact: 'crime.type', values: ['Criminal damage'] },
  },
  precedence: 'add',
  steps: [
    { kind: 'send', template: 'crime-reference', channel: 'sms' },
    { kind: 'send', template: 'officer-details', channel: 'sms' },
    { kind: 'wait', for: { days: 3 } },
    { kind: 'send', template: 'case-update', channel: 'sms' },
  ],
}

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  const journeys = t.app.services.journeys
  const journey = await journeys.createJourney(
    'kent',
    { key: 'criminal-damage', name: 'Criminal damage', kind: 'enhanced', definition },
    system,
  )
  await journeys.publish('kent', journey.id, system)
})
after(() => t.close())

const officerA: OfficerFacts = { collar: '1111', name: 'PC 1111 Amy Archer' }
const officerB: OfficerFacts = { collar: '2222', name: 'DC 2222 Ben Booth' }

async function ingest(change: CaseChange) {
  return t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(tx, 'kent', change, {
      sourceSystem: 'athena',
      occurredAt: clock.now(),
    }),
  )
}

/** A crime recorded with its victim enrolled; `dispatch: false` leaves its messages waiting. */
async function aCrime(officer?: OfficerFacts, options: { dispatch?: boolean } = {}) {
  sequence += 1
  const crimeRef = `46/${sequence}${process.pid}/26`
  const result = await ingest({
    kind: 'crime.recorded',
    crime: {
      crimeRef,
      crimeType: 'Criminal damage',
      status: 'open',
      recordedAt: clock.now(),
      ...(officer ? { officer } : {}),
    },
    people: [
      {
        athenaUrn: `OC-${sequence}-${process.pid}`,
        name: `Victim ${sequence}`,
        dateOfBirth: '1980-05-01',
        role: 'victim',
        phones: [{ value: `+4477009${String(700 + sequence).padStart(5, '0')}`, mobile: true }],
        emails: [],
        markers: [],
      },
    ],
  })
  await t.app.jobs.drain(
    options.dispatch === false ? t.app.jobs.names.filter((n) => !n.startsWith('messaging.')) : undefined,
  )
  return { crimeId: result.crimeId!, crimeRef }
}

async function reassign(crimeRef: string, officer: OfficerFacts) {
  await ingest({ kind: 'crime.officer-assigned', crime: { crimeRef, officer }, people: [] })
  await t.app.jobs.drain()
}

async function messagesOn(caseId: string) {
  const list = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.messages(tx, { forceId: 'kent', caseId }),
  )
  // Messages one transaction schedules share its created time, and the database returns ties in
  // no set order: the journey's steps come in the order of their templates here.
  return list.toSorted(
    (a, b) =>
      a.createdAt.getTime() - b.createdAt.getTime() ||
      (a.templateKey ?? '').localeCompare(b.templateKey ?? ''),
  )
}

/** The message left Waypoint (the dev outbox reports delivery at once). */
const left = (status: string) => status === 'sent' || status === 'delivered'

async function dispatchDue() {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
}

test('issue 5 item 5: a waiting message naming the previous officer is cancelled with a reason and replaced by one naming the new officer', async () => {
  clock.set('2026-06-03T21:30:00Z') // 22:30 in London: messages wait for the morning (UJ-8)
  const { crimeId, crimeRef } = await aCrime(officerA)
  const before = await messagesOn(crimeId)
  assert.deepEqual(
    before.map((m) => [m.templateKey, m.status]),
    [
      ['crime-reference', 'scheduled'],
      ['officer-details', 'scheduled'],
    ],
  )
  assert.match(before[1]!.body, /Amy Archer/)

  await reassign(crimeRef, officerB)
  const after = await messagesOn(crimeId)
  const stale = after.find((m) => m.id === before[1]!.id)!
  assert.equal(stale.status, 'cancelled')
  assert.equal(stale.statusReason, staleOfficerReason)
  assert.equal(
    after.find((m) => m.id === before[0]!.id)!.status,
    'scheduled',
    'a message without the officer stays',
  )
  const replacement = after.filter((m) => m.templateKey === 'officer-details' && m.status === 'scheduled')
  assert.equal(replacement.length, 1)
  assert.match(replacement[0]!.body, /Ben Booth/)
  assert.doesNotMatch(replacement[0]!.body, /Amy Archer/)
  assert.equal(replacement[0]!.sendAfter.toISOString(), '2026-06-04T07:00:00.000Z', 'still not before 08:00')

  // Staff see why: on the message, and on the case's journey page.
  const admin = await t.signInAs(['force_admin'], 'kent')
  const page = await admin.get(`/console/journeys/cases/${crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body.replaceAll('&#39;', '’'),
    /The investigating officer changed to DC 2222 Ben Booth: this replaces the message naming the previous officer, which was not sent/,
  )
  const detail = await admin.get(`/console/outbox/${stale.id}`)
  assert.equal(detail.statusCode, 200)
  assert.match(detail.body, /the investigating officer changed, and this message named the previous officer/)

  // In the morning only the current officer's details leave.
  clock.set('2026-06-04T07:00:00Z')
  await dispatchDue()
  const sent = (await messagesOn(crimeId)).filter((m) => left(m.status))
  assert.deepEqual(sent.map((m) => m.templateKey).toSorted(), ['crime-reference', 'officer-details'])
  assert.ok(
    sent.every((m) => !/Amy Archer/.test(m.body)),
    'the previous officer’s name is never sent',
  )
})

test('issue 5 item 5: a victim already told the previous officer is sent the new officer’s details while the journey runs', async () => {
  clock.set('2026-06-08T09:00:00Z') // Monday 10:00 in London
  const { crimeId, crimeRef } = await aCrime(officerA)
  await dispatchDue()
  const sentFirst = (await messagesOn(crimeId)).find((m) => m.templateKey === 'officer-details')!
  assert.ok(left(sentFirst.status), sentFirst.status)
  assert.match(sentFirst.body, /Amy Archer/)

  clock.set('2026-06-09T09:00:00Z')
  await reassign(crimeRef, officerB)
  const officerMessages = (await messagesOn(crimeId)).filter((m) => m.templateKey === 'officer-details')
  assert.equal(officerMessages.length, 2)
  assert.ok(left(officerMessages[0]!.status), 'what was sent stays on the record')
  assert.match(officerMessages[1]!.body, /Ben Booth/)
  await dispatchDue()
  const [latest] = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.messages(tx, { forceId: 'kent', caseId: crimeId, limit: 1 }),
  )
  assert.equal(latest!.id, officerMessages[1]!.id)
  assert.ok(left(latest!.status), latest!.status)

  // Assigning the same officer again is not a change: nothing more is sent.
  await reassign(crimeRef, officerB)
  assert.equal((await messagesOn(crimeId)).filter((m) => m.templateKey === 'officer-details').length, 2)
})

test('issue 5 item 5: the first officer assigned cancels nothing; once the journey has ended, nothing is sent again', async () => {
  clock.set('2026-06-03T21:30:00Z')
  const { crimeId, crimeRef } = await aCrime()
  const [, waiting] = await messagesOn(crimeId)
  assert.equal(waiting!.templateKey, 'officer-details')
  assert.equal(waiting!.status, 'scheduled')
  await reassign(crimeRef, officerA)
  assert.equal((await messagesOn(crimeId)).find((m) => m.id === waiting!.id)!.status, 'scheduled')

  // The journey runs to its end; a later change of officer sends nothing.
  clock.set('2026-06-10T09:00:00Z')
  await dispatchDue()
  await t.app.jobs.boss.send('journeys.run-due-steps', {})
  await t.app.jobs.drain()
  await dispatchDue()
  const explained = await t.app.services.journeys.explain('kent', crimeId, { id: null })
  assert.equal(explained.enrolments[0]!.status, 'completed')
  const count = (await messagesOn(crimeId)).length
  await reassign(crimeRef, officerB)
  assert.equal((await messagesOn(crimeId)).length, count)
})

test('UJ-8: the replacement officer-details message after an officer change at 21:30 is not urgent and waits for 08:00', async () => {
  clock.set('2026-06-15T19:59:00Z') // Monday 20:59 in London: inside the window
  const { crimeId, crimeRef } = await aCrime(officerA, { dispatch: false })
  clock.set('2026-06-15T20:30:00Z') // 21:30 in London, before dispatch reached the first messages
  await reassign(crimeRef, officerB)
  const replacement = (await messagesOn(crimeId)).find(
    (m) => m.templateKey === 'officer-details' && m.status === 'scheduled',
  )!
  assert.match(replacement.body, /Ben Booth/)
  assert.equal(replacement.urgent, false, 'urgency comes only from a step defined as urgent')
  assert.equal(replacement.sendAfter.toISOString(), '2026-06-16T07:00:00.000Z')
  await dispatchDue()
  assert.equal(
    (await messagesOn(crimeId)).find((m) => m.id === replacement.id)!.status,
    'scheduled',
    'nothing about the new officer goes at 21:30',
  )
})

test('UJ-8: a journey message due at 22:30 records "Held for quiet hours until 8:00am on Tuesday 23 June 2026"; one due at 10:00 records no hold', async () => {
  const timeline = async (id: string) =>
    (
      await t.app.db.withForce('kent', (tx) => t.app.services.messaging.scheduling.message(tx, id))
    ).events.map((e) => e.detail ?? '')
  clock.set('2026-06-22T21:30:00Z') // Monday 22:30 in London
  const night = await aCrime(officerA, { dispatch: false })
  const held = await messagesOn(night.crimeId)
  assert.ok(held.length > 0)
  for (const m of held) {
    assert.equal(m.sendAfter.toISOString(), '2026-06-23T07:00:00.000Z')
    assert.deepEqual(await timeline(m.id), ['Held for quiet hours until 8:00am on Tuesday 23 June 2026'])
  }
  clock.set('2026-06-23T09:00:00Z') // Tuesday 10:00
  const day = await aCrime(officerA, { dispatch: false })
  for (const m of await messagesOn(day.crimeId))
    assert.ok(
      (await timeline(m.id)).every((d) => !/quiet hours/i.test(d)),
      'no quiet-hours line',
    )
  await dispatchDue()
})
