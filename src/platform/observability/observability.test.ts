import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { PassThrough } from 'node:stream'
import { pino } from 'pino'
import { productionSettings } from '../../../test/support/production-settings.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { loadConfig } from '../config.ts'
import { httpPeerCheck } from './readiness.ts'

const metricsToken = 'metrics-token-for-tests-0123456789'
const logLines: Record<string, unknown>[] = []
let t: TestApp
before(async () => {
  const stream = new PassThrough()
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line))
  })
  t = await createTestApp(
    { metricsToken },
    { log: pino({ level: 'info', base: { service: 'waypoint' } }, stream) },
  )
})
after(() => t.close())

test('UJ-1: readiness reports the database and job backlog, and 503 when a registered peer goes down', async () => {
  const peer: Server = createServer((_request, response) => response.end('ok'))
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve))
  const { port } = peer.address() as AddressInfo
  t.app.readiness.push(httpPeerCheck('storm-kent', `http://127.0.0.1:${port}/`))

  const healthy = await t.app.http.inject({ method: 'GET', url: '/health/ready' })
  assert.equal(healthy.statusCode, 200)
  const body = healthy.json()
  assert.equal(body.status, 'ok')
  assert.equal(body.checks.database.status, 'ok')
  assert.equal(typeof body.checks.jobs.backlog, 'object')
  assert.equal(body.checks['storm-kent'].httpStatus, 200)

  const closed = new Promise<void>((resolve) => peer.close(() => resolve()))
  peer.closeAllConnections()
  await closed
  const down = await t.app.http.inject({ method: 'GET', url: '/health/ready' })
  assert.equal(down.statusCode, 503)
  assert.equal(down.json().status, 'failing')
  assert.equal(down.json().checks['storm-kent'].status, 'failing')
  assert.match(down.json().checks['storm-kent'].reason, /^storm-kent is unreachable/)
  assert.equal(down.json().checks.database.status, 'ok', 'the other checks still report')
  t.app.readiness.pop()
  assert.equal((await t.app.http.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200)
})

test('CP-166: /metrics needs the metrics token and counts requests by route and status', async () => {
  await t.app.http.inject({ method: 'GET', url: '/health/live' })
  await t.app.http.inject({ method: 'GET', url: '/api/v1/oauth/client' })
  const anonymous = await t.app.http.inject({ method: 'GET', url: '/metrics' })
  assert.equal(anonymous.statusCode, 401)
  const wrong = await t.app.http.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: 'Bearer not-the-token' },
  })
  assert.equal(wrong.statusCode, 401)
  const scraped = await t.app.http.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${metricsToken}` },
  })
  assert.equal(scraped.statusCode, 200)
  assert.match(String(scraped.headers['content-type']), /^text\/plain/)
  const text = scraped.body
  assert.match(text, /waypoint_http_requests_total\{method="GET",route="\/health\/live",status="200"\} [1-9]/)
  assert.match(
    text,
    /waypoint_http_requests_total\{method="GET",route="\/api\/v1\/oauth\/client",status="401"\} [1-9]/,
  )
  assert.match(
    text,
    /waypoint_http_request_duration_seconds_bucket\{le="0.05",method="GET",route="\/health\/live"/,
  )
  assert.match(text, /waypoint_process_cpu_seconds_total/)
})

test('CP-167: every JSON log line of a request carries its correlation id', async () => {
  const correlationId = 'corr-log-0001-abcdef'
  const response = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/oauth/client',
    headers: { 'x-correlation-id': correlationId, authorization: 'Bearer wpt_not-a-real-token' },
  })
  assert.equal(response.headers['x-correlation-id'], correlationId)
  assert.equal(response.json().correlationId, correlationId)
  const lines = logLines.filter((l) => l.correlationId === correlationId)
  assert.ok(lines.length >= 2, 'request received, refused and completed are logged')
  assert.ok(lines.some((l) => l.msg === 'request refused' && l.status === 401))
  assert.ok(lines.some((l) => l.msg === 'request completed'))
  assert.ok(lines.every((l) => l.service === 'waypoint' && typeof l.time === 'number'))
  assert.ok(!JSON.stringify(logLines).includes('Bearer '), 'authorization headers are never logged')
})

test('CP-166: production refuses to start without a METRICS_TOKEN of at least 32 characters, so /metrics is never open', () => {
  const { METRICS_TOKEN: _, ...withoutToken } = productionSettings
  assert.throws(() => loadConfig(withoutToken), /without: METRICS_TOKEN/)
  assert.throws(
    () => loadConfig({ ...productionSettings, METRICS_TOKEN: 'm'.repeat(31) }),
    /METRICS_TOKEN must be at least 32 characters/,
  )
  assert.equal(loadConfig(productionSettings).metricsToken, productionSettings.METRICS_TOKEN)
  assert.equal(
    loadConfig({ NODE_ENV: 'development' }).metricsToken,
    undefined,
    'development may leave it open',
  )
})

test('CP-166: /metrics gives what the SLO alerts watch: queue age, dispatch lag, dead letters, quarantine, audit-forward lag', async () => {
  // An event the source sends that cannot be read is quarantined, never lost.
  const held = await t.app.services.sources.receive('kent', 'storm', '{"eventId": "M-1",', 'application/json')
  assert.equal(held.status, 'quarantined')
  // A job due and waiting: no worker runs in this test.
  await t.app.jobs.boss.send('retention.sweep', {})
  const scraped = await t.app.http.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${metricsToken}` },
  })
  assert.equal(scraped.statusCode, 200)
  const text = scraped.body
  assert.match(text, /^waypoint_operations_metrics_up 1$/m)
  assert.match(text, /^waypoint_source_events_quarantined\{force="kent",source="storm"\} 1$/m)
  assert.match(text, /^waypoint_job_queue_waiting\{queue="retention.sweep"\} [1-9]/m)
  assert.match(text, /^waypoint_job_queue_oldest_seconds\{queue="retention.sweep"\} \d/m)
  // Nothing waits to be forwarded or sent, nothing is dead: the series read 0 or are declared.
  assert.match(text, /^waypoint_audit_forward_lag_seconds\{destination="syslog"\} 0$/m)
  assert.match(text, /^# TYPE waypoint_dispatch_lag_seconds gauge$/m)
  assert.match(text, /^# TYPE waypoint_writeback_dead_letters gauge$/m)
})
