// Journeys end to end on a real database: case events from the case model enrol victims in the
// same transaction, jobs run their steps into Messaging, and the console shows why.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { CaseChange, PersonFacts } from '../cases/model.ts'
import { FixedClock } from '../platform/clock.ts'

let t: TestApp
let sequence = 0
const clock = new FixedClock('2026-06-03T09:00:00Z') // Wednesday 10:00 in London

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  await t.app.services.journeys.installDefaults('essex')
})
after(() => t.close())

const journeys = () => t.app.services.journeys

function aPersonFacts(overrides: Partial<PersonFacts> = {}): PersonFacts {
  sequence += 1
  return {
    athenaUrn: `P${process.pid}${sequence}`,
    name: `Person ${sequence}`,
    dateOfBirth: '1980-05-01',
    role: 'victim',
    phones: [{ value: `+4477009${String(sequence).padStart(5, '0')}`, mobile: true }],
    emails: [],
    markers: [],
    ...overrides,
  }
}

async function ingest(change: CaseChange, forceId = 'kent') {
  return t.app.db.withForce(forceId, (tx) =>
    t.app.services.cases.applySourceChange(tx, forceId, change, {
      sourceSystem: 'storm',
      occurredAt: clock.now(),
    }),
  )
}

async function anIncident(grading: string, people: PersonFacts[], forceId = 'kent') {
  sequence += 1
  const cadRef = `CAD-${sequence}-${process.pid}`
  const result = await ingest(
    {
      kind: 'incident.opened',
      incident: { cadRef, grading: grading as never, incidentType: 'Burglary', openedAt: clock.now() },
      people,
    },
    forceId,
  )
  return { incidentId: result.incidentId!, cadRef }
}

/** The once-a-minute sweep, run now through the job queue as the worker would. */
async function runDueSteps() {
  await t.app.jobs.boss.send('journeys.run-due-steps', {})
  await t.app.jobs.drain()
}

async function messagesOf(forceId: string, caseId: string) {
  const explained = await journeys().explain(forceId, caseId, { id: null })
  const ids = explained.enrolments.flatMap((e) =>
    e.steps.map((s) => s.messageId).filter((x): x is string => !!x),
  )
  // One query at a time: a transaction is one connection.
  return t.app.db.withForce(forceId, async (tx) => {
    const found = []
    for (const id of ids) found.push((await t.app.services.messaging.scheduling.message(tx, id)).message)
    return found
  })
}

test('UJ-7: a victim under 18 is not enrolled when Kent excludes children, and the reason is recorded', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const saved = await admin.post('/console/journeys/rules', {
    includedRoles: 'victim',
    excludedCrimeTypes: 'Fraud',
    minimumAge: '18',
  })
  assert.equal(saved.statusCode, 303)
  clock.set('2026-06-03T09:00:00Z')
  const adult = aPersonFacts({ name: 'Adult Victim' })
  const child = aPersonFacts({ name: 'Child Victim', dateOfBirth: '2012-01-10' })
  const witness = aPersonFacts({ role: 'witness' })
  const { incidentId } = await anIncident('Prompt', [adult, child, witness])
  await t.app.jobs.drain()

  const explained = await journeys().explain('kent', incidentId, { id: admin.userId })
  const reasons = explained.decisions.map((d) => `${d.outcome}: ${d.reasons.join(' and ')}`)
  assert.ok(
    reasons.includes('not-enrolled: the victim is under 18 (aged 14) and the force excludes children'),
    reasons.join('\n'),
  )
  assert.ok(
    reasons.includes('not-enrolled: the person is a witness and the force includes only victim'),
    reasons.join('\n'),
  )
  assert.ok(
    reasons.some((r) => r.startsWith('enrolled: the grading is Prompt and the person is a victim')),
    reasons.join('\n'),
  )
  assert.equal(explained.enrolments.length, 1)
  assert.equal(explained.enrolments[0]!.journeyName, 'Prompt response')

  const page = await admin.get(`/console/journeys/cases/${incidentId}`)
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /Not enrolled because the victim is under 18 \(aged 14\) and the force excludes children/,
  )
})

test('CP-61: the inclusion rules page shows Kent’s rules, rejects a bad age with an error summary and keeps what was typed', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const bad = await admin.post('/console/journeys/rules', {
    includedRoles: 'victim',
    excludedCrimeTypes: 'Fraud\nSudden death',
    minimumAge: 'ten',
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /govuk-error-summary/)
  assert.match(bad.body, /Minimum age must be a whole number of years between 0 and 120/)
  assert.match(bad.body, /Fraud\nSudden death/)
  const rules = await journeys().rules('kent')
  assert.equal(rules.eligibility.minimumAge, 18, 'the saved rules are unchanged')

  const analyst = await t.signInAs(['analyst'], 'kent')
  const view = await analyst.get('/console/journeys/rules')
  assert.equal(view.statusCode, 200)
  assert.match(view.body, /Only people for whom the person is 18 or over/)
  assert.doesNotMatch(view.body, /Save rules/)
  assert.equal((await analyst.post('/console/journeys/rules', { includedRoles: 'victim' })).statusCode, 403)
})

test('UJ-8: a victim enrolled at 22:30 gets the reference number at 08:00 the next morning, and the Immediate journey’s urgent message at once', async () => {
  clock.set('2026-06-03T21:30:00Z') // 22:30 BST
  const { incidentId } = await anIncident('Immediate', [aPersonFacts()])
  await t.app.jobs.drain()
  const messages = await messagesOf('kent', incidentId)
  const byTemplate = new Map(messages.map((m) => [m.templateKey, m]))
  assert.equal(byTemplate.get('incident-reference')?.status, 'scheduled')
  assert.equal(byTemplate.get('incident-reference')?.sendAfter.toISOString(), '2026-06-04T07:00:00.000Z')
  assert.equal(byTemplate.get('officer-on-the-way')?.sendAfter.toISOString(), '2026-06-03T21:30:00.000Z')
  assert.match(
    byTemplate.get('incident-reference')!.body,
    /Kent Police: thank you for contacting us\. Your reference is CAD-/,
  )

  // The 24-hour wait ends; the sweep sends Victim Support information (held to the morning too).
  clock.set('2026-06-04T21:45:00Z')
  await runDueSteps()
  const later = await messagesOf('kent', incidentId)
  const support = later.find((m) => m.templateKey === 'victim-support')
  assert.equal(support?.sendAfter.toISOString(), '2026-06-05T07:00:00.000Z')
})

test('UJ-18: publishing creates a new immutable version; victims already enrolled keep theirs, new ones get it', async () => {
  clock.set('2026-06-08T09:00:00Z')
  const designer = await t.signInAs(['journey_designer'], 'kent')
  const list = await journeys().list('kent')
  const scheduled = list.find((j) => j.name === 'Scheduled response')!
  assert.equal(scheduled.publishedVersion, 1)
  const first = await anIncident('Scheduled', [aPersonFacts()])

  const detail = await journeys().detail('kent', scheduled.id)
  const shorter = { ...detail.versions[0]!.definition }
  shorter.steps = shorter.steps.filter((s) => !(s.kind === 'send' && s.template === 'appointment-reminder'))
  await journeys().saveDraft('kent', scheduled.id, shorter, { id: designer.userId })
  const page = await designer.get(`/console/journeys/definitions/${scheduled.id}`)
  assert.match(page.body, /The draft has changes that are not published/)
  const published = await designer.post(`/console/journeys/definitions/${scheduled.id}/publish`)
  assert.equal(published.statusCode, 303)
  assert.equal((await journeys().detail('kent', scheduled.id)).journey.publishedVersion, 2)

  const second = await anIncident('Scheduled', [aPersonFacts()])
  await t.app.jobs.drain()
  const versionOf = async (incidentId: string) => {
    const [e] = (await journeys().explain('kent', incidentId, { id: null })).enrolments
    const versions = (await journeys().detail('kent', scheduled.id)).versions
    return versions.find((v) => v.id === e!.versionId)!.version
  }
  assert.equal(await versionOf(first.incidentId), 1)
  assert.equal(await versionOf(second.incidentId), 2)

  // A draft that is not a valid journey is refused with a reason, and nothing changes.
  await assert.rejects(
    journeys().saveDraft(
      'kent',
      scheduled.id,
      { ...shorter, steps: [{ kind: 'branch', when: { op: 'all', of: [] }, goto: 'nowhere' }] },
      { id: designer.userId },
    ),
    /Check the details/,
  )
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.post(`/console/journeys/definitions/${scheduled.id}/publish`)).statusCode, 403)
})

test('the burglary journey replaces the standard one when the crime is recorded, and closing the crime stops it and cancels what has not gone', async () => {
  clock.set('2026-06-09T09:00:00Z')
  const victim = aPersonFacts()
  const { incidentId, cadRef } = await anIncident('Prompt', [victim])
  await t.app.jobs.drain()
  sequence += 1
  const crimeRef = `46/${sequence}/26`
  const crime = await ingest({
    kind: 'crime.recorded',
    crime: {
      crimeRef,
      linkedCadRefs: [cadRef],
      crimeType: 'Residential burglary',
      status: 'open',
      vcopCategory: 'standard',
      recordedAt: clock.now(),
    },
    people: [victim],
  })
  await t.app.jobs.drain()
  const explained = await journeys().explain('kent', crime.crimeId!, { id: null })
  const byName = new Map(explained.enrolments.map((e) => [e.journeyName, e]))
  assert.equal(byName.get('Prompt response')?.status, 'cancelled')
  assert.equal(byName.get('Prompt response')?.endReason, 'replaced by the enhanced journey Burglary')
  assert.equal(byName.get('Burglary')?.status, 'active')
  assert.ok((await journeys().explain('kent', incidentId, { id: null })).enrolments.length >= 1)

  // The burglary journey waits two hours before its prevention advice; the crime closes first.
  await ingest({
    kind: 'crime.closed',
    crime: { crimeRef, status: 'closed', closedAt: clock.now() },
    people: [],
  })
  const after = (await journeys().explain('kent', crime.crimeId!, { id: null })).enrolments.find(
    (e) => e.journeyName === 'Burglary',
  )!
  assert.equal(after.status, 'stopped')
  assert.equal(after.endReason, 'The crime is closed: the crime status is one of closed or no-further-action')
  clock.set('2026-06-09T12:00:00Z')
  await runDueSteps()
  const messages = await messagesOf('kent', crime.crimeId!)
  assert.ok(!messages.some((m) => m.templateKey === 'burglary-prevention-advice'))
})

test('a domestic abuse victim without a confirmed safe channel is not messaged, and the reason is visible to staff', async () => {
  clock.set('2026-06-10T09:00:00Z')
  sequence += 1
  const crime = await ingest({
    kind: 'crime.recorded',
    crime: {
      crimeRef: `46/${sequence}/26`,
      crimeType: 'Assault',
      status: 'open',
      vcopCategory: 'enhanced',
      recordedAt: clock.now(),
    },
    people: [aPersonFacts({ markers: ['domestic_abuse'] })],
  })
  await t.app.jobs.drain()
  const [enrolment] = (await journeys().explain('kent', crime.crimeId!, { id: null })).enrolments
  assert.equal(enrolment?.journeyName, 'Domestic abuse')
  const suppressed = enrolment!.steps.find((s) => s.outcome === 'suppressed')
  assert.equal(suppressed?.detail, 'domestic abuse: sms has not been confirmed as a safe channel')
  // Recorded as a suppressed message too, so the outbox and reports show it with its reason.
  const [held] = await messagesOf('kent', crime.crimeId!)
  assert.equal(suppressed?.messageId, held?.id)
  assert.equal(held?.status, 'suppressed')
  assert.equal(held?.statusReason, 'domestic abuse: sms has not been confirmed as a safe channel')
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const page = await officer.get(`/console/journeys/cases/${crime.crimeId}`)
  assert.match(
    page.body,
    /suppressed “crime-reference-discreet” \(domestic abuse: sms has not been confirmed as a safe channel\)/,
  )
})

test('a deceased marker stops the journey at once and cancels messages waiting for the morning', async () => {
  clock.set('2026-06-11T21:00:00Z') // 22:00: messages wait for 08:00
  const victim = aPersonFacts()
  const { incidentId, cadRef } = await anIncident('Prompt', [victim])
  await t.app.jobs.drain()
  const waiting = await messagesOf('kent', incidentId)
  assert.ok(waiting.length >= 1 && waiting.every((m) => m.status === 'scheduled'))
  await ingest({
    kind: 'incident.updated',
    incident: { cadRef },
    people: [{ ...victim, markers: ['deceased'] }],
  })
  const [enrolment] = (await journeys().explain('kent', incidentId, { id: null })).enrolments
  assert.equal(enrolment?.status, 'stopped')
  assert.equal(enrolment?.endReason, 'the person has a deceased marker')
  const after = await messagesOf('kent', incidentId)
  assert.ok(
    after.every((m) => m.status === 'cancelled'),
    after.map((m) => m.status).join(),
  )
})

test('CP-65: Victims’ Code deadlines are tracked per victim: met by a first message in time, overdue without one', async () => {
  clock.set('2026-06-12T09:00:00Z') // Friday
  sequence += 1
  const reached = await ingest({
    kind: 'crime.recorded',
    crime: {
      crimeRef: `46/${sequence}/26`,
      crimeType: 'Hate crime',
      status: 'open',
      vcopCategory: 'enhanced',
      recordedAt: clock.now(),
    },
    people: [aPersonFacts()],
  })
  sequence += 1
  const unreachable = await ingest({
    kind: 'crime.recorded',
    crime: {
      crimeRef: `46/${sequence}/26`,
      crimeType: 'Hate crime',
      status: 'open',
      vcopCategory: 'enhanced',
      recordedAt: clock.now(),
    },
    people: [aPersonFacts({ phones: [] })],
  })
  await t.app.jobs.drain()
  clock.set('2026-06-16T09:00:00Z') // Tuesday: the 1-working-day deadline (Monday) has passed
  const rows = await t.app.services.reporting.vcopReport('kent', {
    from: new Date('2026-06-01T00:00:00Z'),
    to: new Date('2026-06-30T00:00:00Z'),
  })
  const stateOf = (caseId: string) => rows.find((r) => r.caseId === caseId)
  assert.equal(stateOf(reached.crimeId!)?.outcome, 'met')
  assert.equal(stateOf(unreachable.crimeId!)?.outcome, 'missed')
  assert.equal(stateOf(reached.crimeId!)?.dueAt.toISOString(), '2026-06-15T22:59:00.000Z')
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const page = await officer.get('/console/journeys/victims-code')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Missed/)
})

test('journey pages are for journey designers, force admins and analysts of the force only', async () => {
  const kentAnalyst = await t.signInAs(['analyst'], 'kent')
  const list = await kentAnalyst.get('/console/journeys/definitions')
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /Burglary/)
  assert.match(
    list.body,
    /When incident opened or incident updated or case party added and the grading is Immediate/,
  )
  const kentJourney = (await journeys().list('kent'))[0]!
  const detail = await kentAnalyst.get(`/console/journeys/definitions/${kentJourney.id}`)
  assert.equal(detail.statusCode, 200)

  const handler = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await handler.get('/console/journeys/definitions')).statusCode, 403)
  assert.equal((await handler.get('/console/journeys/rules')).statusCode, 403)
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await officer.get(`/console/journeys/definitions/${kentJourney.id}`)).statusCode, 403)

  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essexAdmin.get(`/console/journeys/definitions/${kentJourney.id}`)).statusCode, 404)
  assert.equal(
    (await essexAdmin.post(`/console/journeys/definitions/${kentJourney.id}/publish`)).statusCode,
    404,
  )
  const essexRules = await essexAdmin.get('/console/journeys/rules')
  assert.doesNotMatch(essexRules.body, /Only people for whom the person is 18 or over/)
  const kentCase = await journeys().explain(
    'kent',
    (await anIncident('Prompt', [aPersonFacts()])).incidentId,
    { id: null },
  )
  assert.ok(kentCase.decisions.length > 0)
  const foreign = await essexAdmin.get(`/console/journeys/cases/${kentCase.decisions[0]!.incidentId}`)
  assert.doesNotMatch(foreign.body, /Prompt response/)
})

test('an officer records a safe channel for a domestic abuse victim; the journey uses it from its next step, and other roles and forces are refused', async () => {
  clock.set('2026-06-17T09:00:00Z') // Wednesday
  sequence += 1
  const crime = await ingest({
    kind: 'crime.recorded',
    crime: {
      crimeRef: `46/${sequence}/26`,
      crimeType: 'Stalking',
      status: 'open',
      vcopCategory: 'enhanced',
      recordedAt: clock.now(),
    },
    people: [aPersonFacts({ markers: ['domestic_abuse'] })],
  })
  await t.app.jobs.drain()
  const [enrolment] = (await journeys().explain('kent', crime.crimeId!, { id: null })).enrolments
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const page = await officer.get(`/console/journeys/cases/${crime.crimeId}`)
  assert.match(page.body, /Which channel has the victim confirmed is safe\?/)

  const handler = await t.signInAs(['contact_handler'], 'kent')
  const url = `/console/journeys/people/${enrolment!.personId}/safe-channels`
  assert.equal((await handler.post(url, { channel: 'sms' })).statusCode, 403)
  const essexOfficer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await essexOfficer.post(url, { channel: 'sms' })).statusCode, 404)
  assert.equal((await officer.post(url, { channel: 'pigeon' })).statusCode, 400)
  const confirmed = await officer.post(url, { channel: 'sms', caseId: crime.crimeId! })
  assert.equal(confirmed.statusCode, 303)

  clock.set('2026-06-18T09:30:00Z') // the next working day, after 10:00 BST
  await runDueSteps()
  const all = await messagesOf('kent', crime.crimeId!)
  // Before the confirmation the first message was held back; it stays on record as suppressed.
  const heldBack = all.filter((m) => m.status === 'suppressed')
  assert.ok(heldBack.length >= 1 && heldBack.every((m) => /safe channel/.test(m.statusReason ?? '')))
  const messages = all.filter((m) => m.status !== 'suppressed')
  // The dev outbox delivers it in the same drain: what matters is that it went, not suppressed.
  assert.deepEqual(
    messages.map((m) => m.templateKey),
    ['domestic-abuse-support'],
  )
  assert.ok(['scheduled', 'sent', 'delivered'].includes(messages[0]!.status), messages[0]!.status)
})

test('CP-65: an enhanced crime recorded at 00:30 BST on Tuesday 15 June 2027 is due a first contact by the end of Wednesday 16 June', async () => {
  clock.set('2027-06-14T23:30:00Z') // 00:30 BST on Tuesday 15 June
  const victim = aPersonFacts()
  const { incidentId, cadRef } = await anIncident('Prompt', [victim])
  sequence += 1
  await ingest({
    kind: 'crime.recorded',
    crime: {
      crimeRef: `46/${sequence}/${process.pid}`,
      linkedCadRefs: [cadRef],
      crimeType: 'Theft from the person',
      status: 'open',
      vcopCategory: 'enhanced',
      recordedAt: clock.now(),
    },
    people: [victim],
  })
  await t.app.jobs.drain()
  const [enrolment] = (await journeys().explain('kent', incidentId, { id: null })).enrolments
  // One working day after Tuesday the 15th (London's date, not the UTC date, Monday the 14th).
  assert.equal(enrolment?.vcopDueAt?.toISOString(), '2027-06-16T22:59:00.000Z', '23:59 BST on Wednesday')
  const messageIds = enrolment?.steps.map((s) => s.messageId).filter(Boolean)
  assert.ok(messageIds && messageIds.length > 0, 'the enrolment records the messages it sent, for the report')
})

test('UJ-8: journey emails keep the email sending window (09:00–17:00): an email-only victim enrolled at 08:30 or 17:30 is emailed at 09:00, and an ordinary SMS is not urgent', async () => {
  await t.app.db.withForce('essex', (tx) =>
    t.app.services.messaging.settings.saveSettings(
      tx,
      'essex',
      {
        sendingWindows: {
          email: { days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00', sendOnBankHolidays: true },
        },
      },
      null,
    ),
  )
  const emailOnly = () =>
    aPersonFacts({
      phones: [],
      emails: [`victim${sequence}.${process.pid}@example.org`],
      preferredChannel: 'email',
    })
  for (const [enrolledAt, expected] of [
    ['2026-06-03T07:30:00Z', '2026-06-03T08:00:00.000Z'], // 08:30 BST: at 09:00
    ['2026-06-03T16:30:00Z', '2026-06-04T08:00:00.000Z'], // 17:30 BST: at 09:00 the next morning
  ] as const) {
    clock.set(enrolledAt)
    const incident = await anIncident('Prompt', [emailOnly()], 'essex')
    await t.app.jobs.drain()
    const messages = await messagesOf('essex', incident.incidentId)
    assert.deepEqual(
      messages.map((m) => [m.templateKey, m.channel, m.status, m.urgent, m.sendAfter.toISOString()]),
      [
        ['incident-reference', 'email', 'scheduled', false, expected],
        ['officer-attending-soon', 'email', 'scheduled', false, expected],
      ],
    )
  }
  // An SMS inside the SMS window goes at once but is not urgent; the Immediate journey's is.
  clock.set('2026-06-03T10:00:00Z')
  const { incidentId } = await anIncident('Immediate', [aPersonFacts()], 'essex')
  await t.app.jobs.drain()
  const sms = await messagesOf('essex', incidentId)
  assert.deepEqual(
    sms.map((m) => [m.templateKey, m.urgent]),
    [
      ['incident-reference', false],
      ['officer-on-the-way', true],
    ],
  )
})
