// The demo's Contact: run twice on one database, Essex's contact handler finds a queue of two
// contacts (one urgent), a person whose CAD and RMS records disagree, and a second record of them.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { issueClientToken } from '../../test/support/api-client.ts'
import { demoUsers, seedDemo } from '../platform/seed.ts'
import { Random } from '../simulator/scenarios.ts'
import { planCall, simulatorAgents } from '../simulator/telephony.ts'
import { contactDemoExtensions, contactDemoForce, seedContactDemo, seedContactDemoDuties } from './demo.ts'

let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock: new FixedClock('2026-06-10T10:00:00Z') })
})
after(() => t?.close())

test('CRM-11: the demo gives the Essex contact handler a queue, a discrepancy, a second record to merge and an automated summary with its sources', async () => {
  await seedContactDemo(t.app)
  await seedContactDemo(t.app)
  const [queued] = await t.app.db.withForce('essex', (tx) =>
    rows<{ n: number; urgent: number }>(
      tx,
      sql`select count(*)::int as n, count(*) filter (where priority = 1)::int as urgent from contact_items`,
    ),
  )
  assert.deepEqual(queued, { n: 2, urgent: 1 })
  const handler = await t.signInAs(['contact_handler'], 'essex')
  const queue = await handler.get('/console/contact/queue')
  assert.match(queue.body, /Chris Dale[\s\S]*Urgent[\s\S]*Morgan Ellis/)
  const discrepancies = await handler.get('/console/contact/discrepancies')
  assert.match(discrepancies.body, /Morgan Ellis/)
  const personId = /href="\/console\/contact\/people\/([0-9a-f-]{36})#discrepancies"/.exec(
    discrepancies.body,
  )![1]
  const matches = await handler.get(`/console/contact/people/${personId}/matches`)
  assert.match(matches.body, /Morgen Elis/)
  const view = await handler.get(`/console/contact/people/${personId}`)
  assert.match(view.body, /Has anyone looked at my burglary yet\?/)
  assert.match(view.body, /1979-03-11/)
  // The simulated contact's automated summary quotes the records, each with its source (CRM-11).
  const start = view.body.indexOf('id="automated-summary"')
  assert.ok(start > 0, 'the view has an automated summary')
  const summary = view.body.slice(start, view.body.indexOf('</details>', start))
  assert.match(
    summary,
    /Has anyone looked at my burglary yet\?<\/p>\s*<span class="govuk-body-s">From <a class="govuk-link" href="\/console\/conversations\/[0-9a-f-]{36}">/,
  )
})

test('CRM-35, CRM-6: in the demo, Essex’s handler has the extension the telephony simulator answers on and a duty roster, so an answered call is theirs', async () => {
  await seedDemo(t.app)
  await seedContactDemoDuties(t.app)
  await seedContactDemoDuties(t.app)
  const handler = demoUsers.find(
    (u) => u.forceId === contactDemoForce && u.roles.includes('contact_handler'),
  )!
  const jo = (await t.app.services.staff.repository.findByEmail(handler.email))!
  const [agent] = await t.app.db.withForce(contactDemoForce, (tx) =>
    rows<{ ctiAgent: string }>(
      tx,
      sql`select cti_agent as "ctiAgent" from contact_agents where staff_id = ${jo.id}`,
    ),
  )
  assert.equal(agent!.ctiAgent, contactDemoExtensions[0])
  assert.ok(simulatorAgents.includes(contactDemoExtensions[0]))
  const onDuty = await t.app.services.contact.duties.now(contactDemoForce)
  assert.deepEqual(
    onDuty.onDuty.map((s) => s.staffId),
    [jo.id],
  )
  const [rosters] = await t.app.db.withForce(contactDemoForce, (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_rosters`),
  )
  assert.equal(rosters!.n, 1, 'seeded again the same day, the roster is taken once')
  // A call the demo's simulator plans is answered on Jo's extension and becomes her contact.
  const token = await issueClientToken(t, { forceId: contactDemoForce, scopes: ['contact:telephony'] })
  const events = planCall(new Random(7), [], 'demo-call-1', contactDemoExtensions)
  const answered = events.findIndex((e) => e.body.type === 'call.answered')
  assert.ok(answered > 0, 'the planned call is answered')
  let contact = ''
  for (const event of events.slice(0, answered + 1)) {
    const response = await t.app.http.inject({
      method: 'POST',
      url: `/api/v1/contact/${contactDemoForce}/telephony/events`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...event.body, occurredAt: t.clock.now().toISOString() }),
    })
    assert.equal(response.statusCode, 202, response.body)
    contact = (response.json() as { contact: string }).contact
  }
  const [item] = await t.app.db.withForce(contactDemoForce, (tx) =>
    rows<{ assignedTo: string; status: string }>(
      tx,
      sql`select assigned_to as "assignedTo", status from contact_items where id = ${contact}`,
    ),
  )
  assert.deepEqual(item, { assignedTo: jo.id, status: 'assigned' })
})
