import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import {
  generateEvents,
  httpSink,
  parseSimulateArgs,
  readEventsFile,
  runLoad,
  writeEventsFile,
} from './load.ts'

let t: TestApp
let url: string
before(async () => {
  t = await createTestApp()
  url = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
})
after(() => t.close())

test('CP-162: the load generator sends Kent events over the real inbound API with client credentials', async () => {
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId: 'kent', name: 'Kent SMARTStorm', scopes: ['sources:write'] },
    null,
  )
  const sink = await httpSink(url, client.clientId, clientSecret)
  const options = parseSimulateArgs(['--force', 'kent', '--rate', '40', '--duration', '1', '--seed', '3'])
  const report = await runLoad(generateEvents(options), sink, options)
  assert.equal(report.sent, 40)
  assert.equal(report.errors, 0)
  assert.equal(report.statuses.quarantined ?? 0, 0, JSON.stringify(report.statuses))
  const health = await t.app.services.sources.health('kent')
  assert.ok(health.some((h) => h.sourceSystem === 'storm'))
})

test('CP-163: events written to a file replay into the inbox, and a second replay changes nothing', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'waypoint-sim-')), 'events.jsonl')
  const written = await writeEventsFile(file, generateEvents({ force: 'essex', seed: 9 }), 25)
  assert.equal(written, 25)
  const sink = { receive: t.app.services.sources.receive.bind(t.app.services.sources) }
  const first = await runLoad(readEventsFile(file), sink, { rate: 1000, duration: 1 })
  assert.equal(first.sent, 25)
  assert.equal(first.statuses.duplicate ?? 0, 0)
  const second = await runLoad(readEventsFile(file), sink, { rate: 1000, duration: 1 })
  assert.equal(second.statuses.duplicate, 25)
})

test('the load generator refuses unknown forces and an HTTP target without credentials', () => {
  assert.throws(() => parseSimulateArgs(['--force', 'atlantis']), /Unknown force/)
  assert.throws(() => parseSimulateArgs(['--url', 'http://127.0.0.1:1']), /client-id/)
})
