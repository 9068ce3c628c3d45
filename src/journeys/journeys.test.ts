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
  return t.app.db.withForce(forceId, async (tx) =>
    Promise.all(ids.map(async (id) => (await t.app.services.messaging.message(tx, id)).message)),
  )
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
