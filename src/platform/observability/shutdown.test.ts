import assert from 'node:assert/strict'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { Type } from '@sinclair/typebox'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { rows } from '../db/database.ts'
import { defineJob } from '../jobs.ts'

let t: TestApp
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
  const slowRequest = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/v1/oauth/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': Buffer.byteLength(form),
    },
  })
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    slowRequest.on('response', (response) => {
      let body = ''
      response.on('data', (c) => (body += c))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    slowRequest.on('error', reject)
  })
  slowRequest.write(form.slice(0, 20))
  await sleep(100)

  t.app.startWorkers()
  const jobId = await t.app.jobs.send(slowJob, { n: 1 })
  for (let i = 0; i < 100 && !progress.started; i += 1) await sleep(20)
  assert.ok(progress.started, 'the job is in hand')

  const stopped = t.app.stop()
  await sleep(100)
  const refused = await fetch(`http://127.0.0.1:${port}/health/live`).then(
    () => false,
    () => true,
  )
  assert.ok(refused, 'no new connections are accepted while stopping')

  slowRequest.end(form.slice(20))
  const response = await answered
  assert.equal(response.status, 200, response.body)
  assert.ok(JSON.parse(response.body).access_token)

  await stopped
  assert.ok(progress.finished, 'the job finished before the app stopped')
  const [job] = await t.app.db.asSystem((tx) =>
    rows<{ state: string }>(tx, sql`select state from pgboss.job where id = ${jobId}`),
  )
  assert.equal(job.state, 'completed')
})
