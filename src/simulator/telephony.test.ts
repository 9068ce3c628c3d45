// The demo's telephony platform: calls planned as a real platform sends them, posted over real HTTP
// with an API client's token, become phone contacts in Essex's queue with their events; a restart
// disables the earlier start's client.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { rows } from '../platform/db/database.ts'
import { Random } from './scenarios.ts'
import {
  demoTelephonyClientName,
  planCall,
  startDemoTelephony,
  type TelephonySimulator,
} from './telephony.ts'

let t: TestApp
let baseUrl: string

before(async () => {
  t = await createTestApp()
  baseUrl = (await t.app.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')
})
after(() => t.close())

test('CRM-6: a planned call is offered first with a number or withheld and an IVR choice, and ends last; some callers hang up unanswered', () => {
  const random = new Random(7)
  const calls = Array.from({ length: 200 }, (_, i) => planCall(random, ['07700900401'], `c-${i}`))
  for (const events of calls) {
    assert.equal(events[0]!.body.type, 'call.offered')
    assert.equal(events[0]!.body.ivr?.length, 1)
    assert.equal(events.at(-1)!.body.type, 'call.ended')
    const times = events.map((e) => e.afterSeconds)
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    )
    assert.equal(new Set(events.map((e) => e.body.eventId)).size, events.length)
  }
  const abandoned = calls.filter((c) => !c.some((e) => e.body.type === 'call.answered')).length
  assert.ok(abandoned > 10 && abandoned < 80, `${abandoned} of 200 hung up`)
  assert.ok(
    calls.some((c) => c[0]!.body.caller === '07700900401'),
    'known people call',
  )
  assert.ok(
    calls.some((c) => c[0]!.body.caller === null),
    'some numbers are withheld',
  )
})

test('CRM-6, CRM-8: the demo telephony platform posts a call over HTTP with its own client; it becomes a phone contact with its events; a restart disables the old client', async () => {
  const first = await startDemoTelephony(t.app, {
    baseUrl,
    forceId: 'essex',
    knownNumbers: [],
    callsPerMinute: 0,
  })
  assert.ok(first)
  const second = await startDemoTelephony(t.app, {
    baseUrl,
    forceId: 'essex',
    knownNumbers: [],
    callsPerMinute: 0,
  })
  assert.ok(second)
  const clients = (await t.app.services.apiClients.list('essex')).filter(
    (c) => c.name === demoTelephonyClientName,
  )
  assert.deepEqual(clients.map((c) => c.disabledAt !== null).sort(), [false, true])
  const events = planCall(new Random(3), [], 'sim-call-1')
  for (const event of events) assert.equal(await (second as TelephonySimulator).send(event.body), 202)
  assert.deepEqual(second!.stats, { sent: events.length, failed: 0 })
  const [call] = await t.app.db.withForce('essex', (tx) =>
    rows<{ channel: string; kinds: string[] }>(
      tx,
      sql`select i.channel, array_agg(e.kind order by e.id) as kinds from contact_calls c
          join contact_items i on i.id = c.item_id join contact_call_events e on e.call_id = c.id
          where c.call_ref = 'sim-call-1' group by i.channel`,
    ),
  )
  assert.equal(call?.channel, 'phone')
  assert.deepEqual(
    call?.kinds,
    events.map((e) => e.body.type.slice(5)),
  )
  // The first start's client no longer gets a token.
  assert.equal(
    await (first as TelephonySimulator).send({ ...events[0]!.body, eventId: 'x-1', callId: 'x' }),
    0,
  )
  first!.stop()
  second!.stop()
})
