// The demo's Contact: run twice on one database, Essex's contact handler finds a queue of two
// contacts (one urgent), a person whose CAD and RMS records disagree, and a second record of them.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { seedContactDemo } from './demo.ts'

let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock: new FixedClock('2026-06-10T10:00:00Z') })
})
after(() => t?.close())

test('the demo gives the Essex contact handler a queue, a discrepancy and a second record to merge', async () => {
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
})
