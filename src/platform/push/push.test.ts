// Live push in one process (PGlite, or PostgreSQL with DATABASE_URL): events published in a
// transaction arrive after it commits and never after a rollback, only to subscribers of the
// event's force and topic, over server-sent events and WebSocket; subscriptions are authorised
// when made (deny by default).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type EventStream, openEventStream } from '../../../test/support/event-stream.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { CITIZEN_SESSION_COOKIE } from '../http/server.ts'
import type { PushService } from './push-service.ts'

let t: TestApp
let baseUrl: string
let push: PushService

before(async () => {
  t = await createTestApp({}, { testRoutes: citizenTestSignIn })
  push = t.app.services.push
  const address = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  baseUrl = address.replace('localhost', '127.0.0.1')
})
after(() => t.close())

function openStream(query: string, cookie?: string): Promise<EventStream> {
  return openEventStream(`${baseUrl}/push/events?${query}`, cookie)
}

async function citizen(subject: string, forceId = 'kent') {
  const response = await t.app.http.inject({
    method: 'POST',
    url: '/test/citizen-sign-in',
    payload: { subject, forceId },
  })
  const cookie = response.cookies.find((c) => c.name === CITIZEN_SESSION_COOKIE)!
  return {
    cookie: `${CITIZEN_SESSION_COOKIE}=${cookie.value}`,
    id: (response.json() as { citizenId: string }).citizenId,
  }
}

test('CP-51: an event published in a transaction reaches the force’s outbox subscribers after it commits, and never after a rollback', async () => {
  const kent = await t.signInAs(['force_admin'], 'kent')
  const stream = await openStream('topic=outbox', kent.cookie)
  assert.equal(stream.status, 200)
  await stream.next('ready')
  let releaseCommit!: () => void
  const held = new Promise<void>((resolve) => {
    releaseCommit = resolve
  })
  const committing = t.app.db.withForce('kent', async (tx) => {
    await push.publish({ forceId: 'kent', topic: 'outbox', ids: { message: 'm-1' } }, tx)
    await held
  })
  assert.equal(await stream.arrives('outbox', 300), false, 'nothing before commit')
  releaseCommit()
  await committing
  assert.deepEqual(await stream.next('outbox'), { topic: 'outbox', ids: { message: 'm-1' } })

  await assert.rejects(
    t.app.db.withForce('kent', async (tx) => {
      await push.publish({ forceId: 'kent', topic: 'outbox', ids: { message: 'm-2' } }, tx)
      throw new Error('rolled back')
    }),
  )
  assert.equal(await stream.arrives('outbox', 300), false, 'nothing after a rollback')
  stream.close()
})

test('UJ-5: a subscriber hears only their own force’s events', async () => {
  const essex = await t.signInAs(['force_admin'], 'essex')
  const stream = await openStream('topic=outbox', essex.cookie)
  await stream.next('ready')
  await push.publish({ forceId: 'kent', topic: 'outbox', ids: { message: 'kent-only' } })
  await push.publish({ forceId: 'essex', topic: 'outbox', ids: { message: 'essex-1' } })
  assert.deepEqual(await stream.next('outbox'), { topic: 'outbox', ids: { message: 'essex-1' } })
  assert.equal(await stream.arrives('outbox', 300), false)
  stream.close()
})

test('UJ-5: subscriptions are refused without a session, for roles the topic does not allow, for unknown topics and for staff without a force', async () => {
  assert.equal((await openStream('topic=outbox')).status, 401)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await openStream('topic=outbox', analyst.cookie)).status, 403)
  const admin = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await openStream('topic=no-such-topic', admin.cookie)).status, 403)
  assert.equal((await openStream('', admin.cookie)).status, 400)
  assert.equal((await openStream('topic=account', admin.cookie)).status, 403, 'staff do not follow accounts')
  const system = await t.signInAs(['system_admin', 'force_admin'], null)
  assert.equal((await openStream('topic=outbox', system.cookie)).status, 403)
})

test('CP-51: a citizen follows their own account only, and no staff topic', async () => {
  const alice = await citizen('push-alice')
  const bob = await citizen('push-bob')
  assert.equal((await openStream('topic=outbox', alice.cookie)).status, 403)
  assert.equal((await openStream(`topic=account:${bob.id}`, alice.cookie)).status, 403)
  assert.equal((await openStream('topic=account', alice.cookie)).status, 403, 'a key is required')
  const stream = await openStream(`topic=account:${alice.id}`, alice.cookie)
  assert.equal(stream.status, 200)
  await stream.next('ready')
  await push.publish({ forceId: 'kent', topic: 'account', key: bob.id, ids: { update: 'for-bob' } })
  await push.publish({ forceId: 'kent', topic: 'account', key: alice.id, ids: { update: 'for-alice' } })
  assert.deepEqual(await stream.next('account'), {
    topic: 'account',
    key: alice.id,
    ids: { update: 'for-alice' },
  })
  assert.equal(await stream.arrives('account', 300), false)
  stream.close()
})

test('a WebSocket subscription is authorised the same way, refused from another site, and receives events', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const host = '127.0.0.1:3999'
  const refused = await t.app.http.inject({
    method: 'GET',
    url: '/push/socket?topic=outbox',
    headers: {
      cookie: admin.cookie,
      host,
      origin: 'https://elsewhere.example',
      connection: 'upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    },
  })
  assert.equal(refused.statusCode, 403)
  const analyst = await t.signInAs(['analyst'], 'kent')
  const wrongRole = await t.app.http.inject({
    method: 'GET',
    url: '/push/socket?topic=outbox',
    headers: {
      cookie: analyst.cookie,
      host,
      origin: `http://${host}`,
      connection: 'upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    },
  })
  assert.equal(wrongRole.statusCode, 403)

  const url = new URL(baseUrl)
  const socket = new WebSocket(`ws://${url.host}/push/socket?topic=outbox`, {
    headers: { cookie: admin.cookie, origin: `http://${url.host}` },
  } as unknown as string[])
  const received: Record<string, unknown>[] = []
  const ready = new Promise<void>((resolve) => {
    socket.addEventListener('message', (message) => {
      const data = JSON.parse(String(message.data)) as Record<string, unknown>
      received.push(data)
      if (data.type === 'ready') resolve()
    })
  })
  await ready
  await push.publish({ forceId: 'essex', topic: 'outbox', ids: { message: 'other-force' } })
  await push.publish({ forceId: 'kent', topic: 'outbox', ids: { message: 'ws-1' } })
  const deadline = Date.now() + 15_000
  while (!received.some((m) => m.type === 'event') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20))
  assert.deepEqual(
    received.filter((m) => m.type === 'event'),
    [{ type: 'event', topic: 'outbox', ids: { message: 'ws-1' } }],
  )
  socket.close()
})
