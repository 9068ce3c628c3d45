// A worker's operations port and the jobs' own metrics: each job run is counted by queue and
// outcome with its duration, and a worker answers /health/live, /health/ready and /metrics (behind
// the metrics token when one is set) on OPERATIONS_PORT, and nothing else.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { loadConfig } from '../config.ts'
import { startOperationsServer } from './operations-server.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t?.close())

test('each job a process runs is counted by queue and outcome, with how long it took', async () => {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
  const text = await t.app.metrics.metrics()
  const completed = /waypoint_jobs_total\{queue="messaging\.dispatch-due",outcome="completed"\} (\d+)/.exec(
    text,
  )
  assert.ok(completed && Number(completed[1]) >= 1, 'the dispatch run is counted as completed')
  assert.match(text, /waypoint_job_duration_seconds_count\{queue="messaging\.dispatch-due"\} [1-9]/)
  // A payload the job's schema refuses (no force) fails the run, and that is counted too.
  await t.app.jobs.boss.send('cases.deliver-events', {})
  await t.app.jobs.drain(['cases.deliver-events'])
  const after = await t.app.metrics.metrics()
  const failed = /waypoint_jobs_total\{queue="cases\.deliver-events",outcome="failed"\} (\d+)/.exec(after)
  assert.ok(
    failed,
    `a failed run is counted:\n${after
      .split('\n')
      .filter((l) => l.includes('jobs_total'))
      .join('\n')}`,
  )
})

test('a worker’s operations port answers its health and metrics, behind the metrics token, and nothing else', async () => {
  const token = 'a-metrics-token-of-at-least-32-characters'
  const server = await startOperationsServer({
    host: '127.0.0.1',
    port: 0,
    readiness: t.app.readiness,
    metrics: t.app.metrics,
    metricsToken: token,
  })
  try {
    const address = server.server.address()
    assert.ok(address && typeof address === 'object')
    const base = `http://127.0.0.1:${address.port}`
    assert.equal((await fetch(`${base}/health/live`)).status, 200)
    const ready = await fetch(`${base}/health/ready`)
    assert.equal(ready.status, 200)
    assert.deepEqual(Object.keys(((await ready.json()) as { checks: object }).checks), [
      'database',
      'jobs',
      'shutdown',
      'writeback',
      'siem',
    ])
    const refused = await fetch(`${base}/metrics`)
    assert.equal(refused.status, 401)
    assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/)
    const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(metrics.status, 200)
    const text = await metrics.text()
    assert.match(text, /waypoint_process_resident_memory_bytes/)
    assert.match(text, /waypoint_job_queue_waiting/)
    assert.match(text, /# TYPE waypoint_jobs_total counter/)
    // No page, API or callback is routed on the operations port.
    for (const path of ['/console', '/api/v1/openapi.json', '/portal', '/callbacks/notify/kent/receipts']) {
      const other = await fetch(`${base}${path}`)
      assert.equal(other.status, 404, path)
      assert.match(other.headers.get('content-type') ?? '', /application\/problem\+json/)
    }
  } finally {
    await server.close()
  }
})

test('the operations port is off unless OPERATIONS_PORT is set, and listens on loopback by default', () => {
  assert.deepEqual(loadConfig({ NODE_ENV: 'test' }).operations, { port: undefined, host: '127.0.0.1' })
  assert.deepEqual(
    loadConfig({ NODE_ENV: 'test', OPERATIONS_PORT: '9464', OPERATIONS_HOST: '0.0.0.0' }).operations,
    {
      port: 9464,
      host: '0.0.0.0',
    },
  )
})
