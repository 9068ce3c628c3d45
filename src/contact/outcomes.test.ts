// Outcomes and failure demand (CRM-13): contacts closed through the queue with their outcomes,
// journey messages sent by dispatch, and the weekly report of update-chasing contacts beside the
// messages sent in the same weeks, as a page, a CSV and the OData set Power BI reads. Refused to
// the wrong role and to a force without Contact; each force sees only its own weeks.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { aCrime, aMessage, aTemplate, dispatchDue } from '../reporting/test-builders.ts'

const clock = new FixedClock('2026-05-19T09:00:00Z')
let t: TestApp
let supervisor: SignedIn
let handler: SignedIn
let crime: string

/** A text from `from`, taken by the handler and closed with `outcome` now. */
async function contactClosedWith(outcome: string, from = '07700900501') {
  const ref = `fd-${Math.random()}`
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: ref,
      from,
      fromName: null,
      to: null,
      subject: null,
      body: 'Any news?',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from contact_items where status = 'waiting' order by enqueued_at limit 1`,
    ),
  )
  const acting = {
    actor: { kind: 'staff' as const, id: handler.userId },
    staffId: handler.userId,
    name: 'Hal',
  }
  await t.app.services.contact.queue.claim('essex', item!.id, acting)
  await t.app.services.contact.queue.recordOutcome('essex', item!.id, { outcome }, acting)
}

async function journeyMessages(n: number) {
  for (let i = 0; i < n; i++)
    await aMessage(t, 'essex', {
      caseId: crime,
      templateKey: 'fd-update',
      channel: 'email',
      to: 'v@example.org',
    })
  await dispatchDue(t)
}

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  await t.app.services.forces.setProducts('norfolk', ['journeys'])
  handler = await t.signInAs(['contact_handler'], 'essex', 'Hal Handler')
  await aTemplate(t, 'essex', { key: 'fd-update', title: 'Investigation update', channel: 'email' })
  crime = await aCrime(t, 'essex', 'Burglary')
  // Week of Monday 18 May: two contacts, one chasing an update; no journey messages yet.
  await contactClosedWith('update-request')
  await contactClosedWith('information-given')
  // Week of 25 May: three journey messages, one update request and one repeat contact.
  clock.set('2026-05-26T10:00:00Z')
  await journeyMessages(3)
  await contactClosedWith('update-request')
  await contactClosedWith('repeat-contact')
  // This week (1 June): one message, one contact needing nothing.
  clock.set('2026-06-02T10:00:00Z')
  await journeyMessages(1)
  await contactClosedWith('no-action')
  clock.set('2026-06-03T09:00:00Z')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  handler = await t.signInAs(['contact_handler'], 'essex', 'Hal Handler')
})

after(() => t.close())

test('CRM-13: the weekly report sets update-chasing contacts and all failure demand beside the journey messages sent the same weeks', async () => {
  const weeks = await t.app.services.contact.outcomes.weeks('essex', 4)
  assert.deepEqual(weeks, [
    { weekStarting: '2026-05-11', contacts: 0, updateRequests: 0, failureDemand: 0, journeyMessagesSent: 0 },
    { weekStarting: '2026-05-18', contacts: 2, updateRequests: 1, failureDemand: 1, journeyMessagesSent: 0 },
    { weekStarting: '2026-05-25', contacts: 2, updateRequests: 1, failureDemand: 2, journeyMessagesSent: 3 },
    { weekStarting: '2026-06-01', contacts: 1, updateRequests: 0, failureDemand: 0, journeyMessagesSent: 1 },
  ])
  const page = await supervisor.get('/console/contact/reports/failure-demand?weeks=4')
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /In these 4 weeks: 5 contacts closed, 2 update requests \(40%\), 3 failure demand, 4 journey messages sent/,
  )
  assert.match(
    page.body,
    /25 May 2026<\/th>\s*<td[^>]*>2<\/td>\s*<td[^>]*>1 \(50%\)<\/td>\s*<td[^>]*>2<\/td>\s*<td[^>]*>3<\/td>\s*<td[^>]*>333.3</,
  )

  const csv = await supervisor.get('/console/contact/reports/failure-demand.csv?weeks=4')
  assert.equal(csv.statusCode, 200)
  assert.match(csv.headers['content-type'] as string, /^text\/csv/)
  const lines = csv.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\n')
  assert.equal(
    lines[0],
    'Week starting,Contacts closed,Update requests,Failure demand,Journey messages sent,"Update requests per 1,000 messages"',
  )
  assert.deepEqual(lines.slice(1), [
    '2026-05-11,0,0,0,0,',
    '2026-05-18,2,1,1,0,',
    '2026-05-25,2,1,2,3,333.3',
    '2026-06-01,1,0,0,1,0',
  ])
})

test('CRM-13, CRM-27: Power BI reads the weeks from the OData feed’s FailureDemandWeeks set, filtered by week', async () => {
  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  const response = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/odata/FailureDemandWeeks?$filter=WeekStarting ge 2026-05-18&$orderby=WeekStarting',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  })
  assert.equal(response.statusCode, 200, response.body)
  assert.deepEqual(
    response
      .json()
      .value.map((r: Record<string, unknown>) => [
        r.WeekStarting,
        r.Contacts,
        r.UpdateRequests,
        r.FailureDemand,
        r.JourneyMessagesSent,
      ]),
    [
      ['2026-05-18', 2, 1, 1, 0],
      ['2026-05-25', 2, 1, 2, 3],
      ['2026-06-01', 1, 0, 0, 1],
    ],
  )
  // Another force's client reads its own weeks only: Kent has none.
  await t.app.services.forces.setProducts('kent', ['journeys', 'contact'])
  const kent = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
  const other = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/odata/FailureDemandWeeks',
    headers: { authorization: `Bearer ${kent}`, accept: 'application/json' },
  })
  assert.equal(other.statusCode, 200)
  assert.deepEqual(other.json().value, [])
})

test('CRM-13: the report is refused to a contact handler, to other roles and to a force without Contact', async () => {
  for (const path of [
    '/console/contact/reports/failure-demand',
    '/console/contact/reports/failure-demand.csv',
  ]) {
    assert.equal((await handler.get(path)).statusCode, 403, path)
    const officer = await t.signInAs(['investigating_officer'], 'essex')
    assert.equal((await officer.get(path)).statusCode, 403, path)
    const norfolk = await t.signInAs(['contact_supervisor'], 'norfolk')
    assert.equal((await norfolk.get(path)).statusCode, 403, path)
  }
  // An analyst of another force with Contact sees that force's weeks, not Essex's.
  await t.app.services.forces.setProducts('suffolk', ['journeys', 'contact'])
  const suffolk = await t.signInAs(['analyst'], 'suffolk')
  const page = await suffolk.get('/console/contact/reports/failure-demand?weeks=4')
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /In these 4 weeks: 0 contacts closed, 0 update requests, 0 failure demand, 0 journey messages sent/,
  )
})
