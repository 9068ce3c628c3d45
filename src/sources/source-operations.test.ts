// Running the sources day to day: integration health in figures staff can check, a discarded
// repeat replayed by a person when it truly differs, and quarantined events that say whom they
// are about (on the console only, never in the log).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { and, eq } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { auditEvents } from '../platform/audit/schema.ts'
import { createLogger } from '../platform/logger.ts'
import { percent, plainDuration } from './console-routes.ts'
import { aStormEvent } from './test-support/events.ts'

const logged: string[] = []
let t: TestApp

before(async () => {
  t = await createTestApp(
    {},
    // The deployment's own logger (its serializers withhold what errors carry), at debug level.
    { log: createLogger('debug', { write: (line: string) => logged.push(line) }) },
  )
})

after(async () => {
  await t?.close()
})

const receive = (forceId: string, payload: string) =>
  t.app.services.sources.receive(forceId, 'storm', payload, 'application/json')

function healthRow(body: string, source: string): string {
  const start = body.indexOf(`<th scope="row" class="govuk-table__header">${source}</th>`)
  return body.slice(start, body.indexOf('</tr>', start))
}

async function audited(forceId: string, action: string) {
  return t.app.db.withForce(forceId, (tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.forceId, forceId))),
  )
}

test('CP-166: integration health shows lag in hours and minutes, not seconds', async () => {
  assert.equal(plainDuration(11744.2), '3 hours 15 minutes')
  assert.equal(plainDuration(42), '42 seconds')
  assert.equal(plainDuration(60), '1 minute')
  assert.equal(plainDuration(7200), '2 hours')
  assert.equal(plainDuration(2 * 86400 + 3 * 3600 + 59), '2 days 3 hours')
  const occurred = new Date(t.clock.now().getTime() - 11_744_200)
  await receive(
    'essex',
    aStormEvent({ id: 'ESX-LAG-1', at: occurred.toISOString(), ref: 'ESX-LAG', grading: 'IMM' }),
  )
  const admin = await t.signInAs(['force_admin'], 'essex')
  const row = healthRow((await admin.get('/console/sources')).body, 'STORM')
  assert.match(row, /3 hours 15 minutes/)
  assert.ok(!/\d+\.\d+ s\b/.test(row))
})

test('CP-166: the error rate counts events quarantined on arrival even once replayed, and repeats are shown apart', async () => {
  const at = t.clock.now().toISOString()
  await receive('suffolk', aStormEvent({ id: 'SUF-OK-1', at, ref: 'SUF-1', grading: 'IMM' }))
  await receive('suffolk', aStormEvent({ id: 'SUF-OK-1', at, ref: 'SUF-1', grading: 'IMM' }))
  const bad = await receive(
    'suffolk',
    aStormEvent({ id: 'SUF-BAD-1', at, ref: 'SUF-2', grading: 'NOT-A-GRADE' }),
  )
  assert.equal(bad.status, 'quarantined')
  const admin = await t.signInAs(['force_admin'], 'suffolk')
  let row = healthRow((await admin.get('/console/sources')).body, 'STORM')
  assert.match(row, /50% \(1 of 2\)/)
  assert.match(row, /1 \(33% of all received\)/)

  // Corrected and replayed, the event is applied; it still counts as an error on arrival.
  await admin.post(`/console/sources/events/${bad.id}/payload`, {
    payload: aStormEvent({ id: 'SUF-BAD-1', at, ref: 'SUF-2', grading: 'IMM' }),
  })
  assert.equal((await t.app.services.sources.event('suffolk', bad.id))?.status, 'applied')
  row = healthRow((await admin.get('/console/sources')).body, 'STORM')
  assert.match(row, /50% \(1 of 2\)/)
  assert.match(
    row,
    /<td class="govuk-table__cell govuk-table__cell--numeric">2<\/td>\s*<td class="govuk-table__cell govuk-table__cell--numeric">2<\/td>/,
  )
  assert.equal(percent(1, 2000), 'under 0.1%')
  assert.equal(percent(0, 10), '0%')
})

test('CP-163: a discarded repeat that differs is replayed by a person, audited and applied in place of the earlier event; an exact repeat is refused with the reason', async () => {
  const at = t.clock.now().toISOString()
  const first = await receive(
    'hertfordshire',
    aStormEvent({ id: 'HRT-1', at, ref: 'HRT-LOG-1', grading: 'IMM' }),
  )
  const exact = await receive(
    'hertfordshire',
    aStormEvent({ id: 'HRT-1', at, ref: 'HRT-LOG-1', grading: 'IMM' }),
  )
  const changed = await receive(
    'hertfordshire',
    aStormEvent({
      id: 'HRT-1',
      at,
      ref: 'HRT-LOG-1',
      grading: 'IMM',
      persons: [{ nominalId: 'HN-1', name: 'Alex Vale', role: 'VIC', phone: '07700 900444' }],
    }),
  )
  assert.equal(exact.status, 'duplicate')
  assert.equal(changed.status, 'duplicate')
  const admin = await t.signInAs(['force_admin'], 'hertfordshire', 'Hertfordshire Admin')

  const page = await admin.get(`/console/sources/events/${exact.id}`)
  assert.match(page.body, /Replay this repeat/)
  const refused = await admin.post(`/console/sources/events/${exact.id}/replay`)
  assert.equal(refused.statusCode, 409)
  assert.match(refused.body, /This event was not replayed/)
  assert.match(
    refused.body,
    /exact repeat of event HRT-1 received .* which Waypoint already holds; replaying it would change nothing/,
  )
  assert.equal((await t.app.services.sources.event('hertfordshire', exact.id))?.status, 'duplicate')
  assert.equal((await audited('hertfordshire', 'source-event.replay-refused')).length, 1)

  const replayed = await admin.post(`/console/sources/events/${changed.id}/replay`)
  assert.equal(replayed.statusCode, 302)
  assert.equal((await t.app.services.sources.event('hertfordshire', changed.id))?.status, 'applied')
  const earlier = await t.app.services.sources.event('hertfordshire', first.id)
  assert.equal(earlier?.status, 'duplicate')
  assert.match(earlier?.reason ?? '', new RegExp(`replaced by inbox event ${changed.id}`))
  const [audit] = await audited('hertfordshire', 'source-event.replayed')
  assert.deepEqual(audit?.detail, { status: 'applied', was: 'duplicate' })
  const found = await t.app.services.cases.search('hertfordshire', 'Alex Vale')
  assert.equal(found.people.length, 1, 'the differing content was applied')
})

test('CP-163: a quarantined event says on the console which person it is about, and the log does not', async () => {
  const at = t.clock.now().toISOString()
  const bad = await receive(
    'bedfordshire',
    aStormEvent({
      id: 'BED-Q-1',
      at,
      ref: 'BED-Q',
      grading: 'NOT-A-GRADE',
      persons: [{ nominalId: 'BN-9', name: 'Jordan Plant', role: 'VIC', phone: '07700 900999' }],
    }),
  )
  assert.equal(bad.status, 'quarantined')
  const admin = await t.signInAs(['force_admin'], 'bedfordshire')
  const health = await admin.get('/console/sources')
  assert.match(health.body, /Jordan Plant \(victim\)/)
  assert.equal((await audited('bedfordshire', 'source-events.quarantine-listed')).length, 1)
  const event = await admin.get(`/console/sources/events/${bad.id}`)
  assert.match(
    event.body,
    /About\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*Jordan Plant \(victim\)/,
  )
  // Named in full when it fails: which line, from where. The number in any of its forms (07700
  // 900999, 07700900999, +447700900999), not its last six digits alone: those once turned up
  // inside a response time (415.375900999…).
  assert.deepEqual(
    logged.filter((line) => line.includes('Jordan Plant') || /7700\s?900999/.test(line)),
    [],
  )
})
