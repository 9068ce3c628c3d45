// THRIVE on a contact: the suggested grading and its reasons, the handler's own grading kept
// beside it, a vulnerable caller flagged and their contact made urgent for the vulnerability
// skill, each assessment audited; only the handler who has the contact may assess it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { aStormEvent } from '../sources/test-support/events.ts'
import { suggestGrading } from './thrive.ts'

const none = { threat: 0, harm: 0, risk: 0, investigation: 0, vulnerability: 0, engagement: 0 }

test('CRM-17: the grading suggested from the THRIVE ratings and markers, with its reasons', () => {
  assert.deepEqual(suggestGrading({ ...none, threat: 3, harm: 3 }, []), {
    grading: 'Immediate',
    reasons: ['Threat and Harm rated high'],
    vulnerable: false,
  })
  assert.deepEqual(suggestGrading({ ...none, investigation: 1 }, ['domestic_abuse']), {
    grading: 'Prompt',
    reasons: ['The person has a domestic abuse marker'],
    vulnerable: true,
  })
  assert.equal(suggestGrading({ ...none, investigation: 2, engagement: 1 }, []).grading, 'Scheduled')
  assert.equal(suggestGrading({ ...none, engagement: 1 }, []).grading, 'Appointment')
  assert.deepEqual(suggestGrading(none, []), {
    grading: 'No Response',
    reasons: ['Nothing rated above none'],
    vulnerable: false,
  })
})

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let handler: SignedIn
let itemId: string

before(async () => {
  t = await createTestApp({}, { clock })
  const result = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'T-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-T1',
      persons: [{ nominalId: 'N-T1', name: 'Robin Vale', role: 'VIC', phone: '07700 900301' }],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied')
  handler = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  assert.equal((await handler.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 't-1',
      from: '07700900301',
      fromName: null,
      to: null,
      subject: null,
      body: 'He is outside again',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; assignedTo: string }>(
      tx,
      sql`select id, assigned_to as "assignedTo" from contact_items`,
    ),
  )
  assert.equal(item!.assignedTo, handler.userId)
  itemId = item!.id
})

after(() => t.close())

const ratings = (r: Partial<typeof none>) =>
  Object.fromEntries(Object.entries({ ...none, ...r }).map(([k, v]) => [k, String(v)]))

test('CRM-17: a handler rates a contact, sees the suggested grading and why, may choose another, and a vulnerable caller is flagged and routed as urgent', async () => {
  const missing = await handler.post(`/console/contact/queue/contacts/${itemId}/thrive`, { threat: '3' })
  assert.equal(missing.statusCode, 400)
  assert.match(missing.body, /Rate harm/)
  assert.match(missing.body, /Rate engagement/)
  const first = await handler.post(`/console/contact/queue/contacts/${itemId}/thrive`, ratings({ threat: 3 }))
  assert.equal(first.statusCode, 303)
  let page = await handler.get(`/console/contact/queue/contacts/${itemId}`)
  assert.match(page.body, /Grading: Immediate/)
  assert.match(page.body, /Threat rated high/)
  const second = await handler.post(`/console/contact/queue/contacts/${itemId}/thrive`, {
    ...ratings({ vulnerability: 2, investigation: 1 }),
    grading: 'Scheduled',
    note: 'Caller calmer now',
  })
  assert.equal(second.statusCode, 303)
  page = await handler.get(`/console/contact/queue/contacts/${itemId}`)
  assert.match(page.body, /Grading: Scheduled<\/strong> \(Waypoint suggested Prompt\)/)
  assert.match(page.body, /Vulnerability rated medium/)
  assert.match(page.body, />Vulnerable</)
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ priority: number; skill: string; n: number }>(
      tx,
      sql`select i.priority, i.skill, (select count(*)::int from contact_thrive_assessments a where a.item_id = i.id) as n
          from contact_items i where i.id = ${itemId}`,
    ),
  )
  assert.deepEqual(item, { priority: 1, skill: 'vulnerability', n: 2 })
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ detail: { grading: string; overridden: boolean } }>(
      tx,
      sql`select detail from audit_events where action = 'contact.thrive-assessed' and record_id = ${itemId} order by id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => [a.detail.grading, a.detail.overridden]),
    [
      ['Immediate', false],
      ['Scheduled', true],
    ],
  )
})

test('a THRIVE assessment is refused to a handler who does not have the contact, to other roles and to other forces', async () => {
  const other = await t.signInAs(['contact_handler'], 'essex')
  const refused = await other.post(`/console/contact/queue/contacts/${itemId}/thrive`, ratings({}))
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /Only the handler who has this contact may assess it/)
  const supervisor = await t.signInAs(['contact_supervisor'], 'essex')
  assert.equal(
    (await supervisor.post(`/console/contact/queue/contacts/${itemId}/thrive`, ratings({}))).statusCode,
    403,
  )
  const kent = await t.signInAs(['contact_handler'], 'kent')
  assert.equal(
    (await kent.post(`/console/contact/queue/contacts/${itemId}/thrive`, ratings({}))).statusCode,
    404,
  )
})

test('CRM-13, CRM-17: each contact is reportable through the OData feed with its outcome, failure demand and THRIVE grading', async () => {
  assert.equal((await handler.post(`/console/contact/queue/contacts/${itemId}/end`)).statusCode, 303)
  const closed = await handler.post(`/console/contact/queue/contacts/${itemId}/outcome`, {
    outcome: 'update-request',
  })
  assert.equal(closed.statusCode, 303)
  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  const response = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/odata/Contacts?$filter=FailureDemand eq true',
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
  })
  assert.equal(response.statusCode, 200)
  const [row, ...more] = response.json().value
  assert.equal(more.length, 0)
  assert.equal(row.Id, itemId)
  assert.equal(row.Outcome, 'update-request')
  assert.equal(row.FailureDemand, true)
  assert.equal(row.ThriveGrading, 'Scheduled')
  assert.equal(row.ThriveSuggestedGrading, 'Prompt')
  assert.equal(row.Vulnerable, true)
  assert.equal(row.Channel, 'sms')
  // Another force's feed holds none of Essex's contacts.
  const kent = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
  const elsewhere = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/odata/Contacts',
    headers: { accept: 'application/json', authorization: `Bearer ${kent}` },
  })
  assert.deepEqual(elsewhere.json().value, [])
})
