import assert from 'node:assert/strict'
import { type IncomingMessage, request, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Type } from '@sinclair/typebox'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { loadConfig } from '../config.ts'
import { rows } from '../db/database.ts'
import { defineJob } from '../jobs.ts'

let t: TestApp

/**
 * Resolves once the server has taken in a request for `path`. A request counts as in hand from
 * then: one whose headers the server reads only after the stop has begun is a new request, and
 * is answered 503 (a loaded machine can take longer than any fixed wait to read them).
 */
function serverSees(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => {
    const seen = (request: IncomingMessage) => {
      if (request.url !== path) return
      server.off('request', seen)
      resolve()
    }
    server.on('request', seen)
  })
}

/** A POST to the token endpoint whose body the caller writes slowly: in hand while the app stops. */
function slowTokenRequest(port: number, length: number) {
  const slow = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/v1/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': length },
  })
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    slow.on('response', (response) => {
      let body = ''
      response.on('data', (c) => (body += c))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    slow.on('error', reject)
  })
  return { request: slow, answered }
}

before(async () => {
  t = await createTestApp()
})
after(() => t.close())

test('UJ-1: on shutdown a request in progress completes and a job in hand finishes', async () => {
  const progress = { started: false, finished: false }
  const slowJob = defineJob({
    name: 'test-slow-summary',
    payload: Type.Object({ n: Type.Integer() }),
    handle: async () => {
      progress.started = true
      await sleep(400)
      progress.finished = true
    },
  })
  t.app.jobs.register(slowJob)
  await t.app.jobs.boss.createQueue(slowJob.name)
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId: 'kent', name: 'Shutdown test', scopes: ['support:read'] },
    null,
  )

  await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  const { port } = t.app.http.server.address() as AddressInfo

  // A client that sends its body slowly: the request is in progress when shutdown begins.
  const form = `grant_type=client_credentials&client_id=${encodeURIComponent(client.clientId)}&client_secret=${encodeURIComponent(clientSecret)}`
  const slowRequest = slowTokenRequest(port, Buffer.byteLength(form))
  const inHand = serverSees(t.app.http.server, '/api/v1/oauth/token')
  slowRequest.request.write(form.slice(0, 20))
  await inHand

  t.app.startWorkers()
  const jobId = await t.app.jobs.send(slowJob, { n: 1 })
  const startBy = Date.now() + 15_000
  while (!progress.started && Date.now() < startBy) await sleep(20)
  assert.ok(progress.started, 'the job is in hand')

  const stopped = t.app.stop()
  // The port closes once the stop reaches the HTTP server (after the inbound mail listener).
  const closeBy = Date.now() + 15_000
  while (t.app.http.server.listening && Date.now() < closeBy) await sleep(10)
  const refused = await fetch(`http://127.0.0.1:${port}/health/live`).then(
    () => false,
    () => true,
  )
  assert.ok(refused, 'no new connections are accepted while stopping')

  slowRequest.request.end(form.slice(20))
  const response = await slowRequest.answered
  assert.equal(response.status, 200, response.body)
  assert.ok(JSON.parse(response.body).access_token)

  await stopped
  assert.ok(progress.finished, 'the job finished before the app stopped')
  const [job] = await t.app.db.asSystem((tx) =>
    rows<{ state: string }>(tx, sql`select state from pgboss.job where id = ${jobId}`),
  )
  assert.equal(job.state, 'completed')
})

test('while draining, readiness fails first and requests are still answered, each closing its connection', async () => {
  const base = loadConfig({ NODE_ENV: 'test' })
  // 3 s: the checks below must fit inside the drain, on a loaded machine too.
  const draining = await createTestApp({ http: { ...base.http, drainSeconds: 3 } })
  try {
    await draining.app.http.listen({ host: '127.0.0.1', port: 0 })
    const { port } = draining.app.http.server.address() as AddressInfo
    const url = `http://127.0.0.1:${port}`
    const before = await fetch(`${url}/health/ready`)
    assert.equal(before.status, 200)
    assert.equal((await before.json()).checks.shutdown.status, 'ok')

    const started = Date.now()
    // Draining starts as stop() is called, before its first wait.
    const stopped = draining.app.stop()
    const ready = await fetch(`${url}/health/ready`)
    assert.equal(ready.status, 503, 'the load balancer takes the process out')
    assert.equal((await ready.json()).checks.shutdown.status, 'failing')
    const live = await fetch(`${url}/health/live`)
    assert.equal(live.status, 200, 'a request that still arrives is answered')
    assert.equal(live.headers.get('connection'), 'close')

    await stopped
    assert.ok(Date.now() - started >= 3000, 'it drained for the time set before it stopped')
    const refused = await fetch(`${url}/health/live`).then(
      () => false,
      () => true,
    )
    assert.ok(refused, 'then the port is closed')
  } finally {
    await draining.close()
  }
})

test('UJ-1: a connection opened and never used does not hold shutdown until the headers timeout; a request on another still completes', async () => {
  const own = await createTestApp()
  try {
    await own.app.http.listen({ host: '127.0.0.1', port: 0 })
    const { port } = own.app.http.server.address() as AddressInfo
    // A client's spare connection (a pool's, a load balancer's pre-opened one): no request yet.
    const spare = connect({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => spare.once('connect', resolve).once('error', reject))
    const spareClosed = new Promise<void>((resolve) => spare.once('close', () => resolve()))
    // And a request in hand when the stop begins: its answer still arrives.
    const slow = slowTokenRequest(port, 10)
    const inHand = serverSees(own.app.http.server, '/api/v1/oauth/token')
    slow.request.write('grant_type')
    await inHand
    const started = Date.now()
    const stopped = own.app.stop()
    slow.request.end()
    assert.equal(
      (await slow.answered).status,
      400,
      'the request in hand is answered (its form is incomplete)',
    )
    await stopped
    await spareClosed
    // Node's headers timeout is 60 s; without the sweep the stop waited about 70 s for the spare.
    const took = Date.now() - started
    assert.ok(took < 10_000, `the stop took ${took} ms`)
  } finally {
    await own.close()
  }
})
