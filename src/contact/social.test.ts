// Social media as a contact channel end to end (CRM-8): the force administrator sets the
// connector's address and shared secret (sealed, audited); the connector's messages, signed with
// HMAC-SHA256 over the raw body, land in a conversation and the contact queue, once each; a wrong
// signature, a stale or future timestamp, a bad body and a force without the channel are refused
// with problem documents. A handler's reply reaches a real HTTP server standing in for the
// connector, signed the same way; a connector that keeps failing has the reply retried and then
// marked not delivered. Other roles and forces are refused.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { checkDefinition } from './report-builder.ts'
import { signSocial } from './social.ts'

const clock = new FixedClock('2026-06-03T10:00:00Z')
const secret = 'essex-social-connector-secret-0123456789'
let t: TestApp
let admin: SignedIn
let handler: SignedIn
let receiver: Server
let receiverUrl: string
let answer = 200
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = []

before(async () => {
  t = await createTestApp({}, { clock })
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') })
      response.writeHead(answer, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/replies`
  admin = await t.signInAs(['force_admin'], 'essex', 'Essex Admin')
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
})
after(async () => {
  await new Promise((resolve) => receiver?.close(resolve))
  await t?.close()
})

const now = () => Math.floor(clock.now().getTime() / 1000)

/** Posts the body as the connector would, signed at `at` under `key`. */
const post = (
  body: string,
  options: { force?: string; at?: number; key?: string; signature?: string | null } = {},
) =>
  t.app.http.inject({
    method: 'POST',
    url: `/api/v1/contact/${options.force ?? 'essex'}/social/messages`,
    headers: {
      'content-type': 'application/json',
      ...(options.signature === null
        ? {}
        : {
            'waypoint-signature':
              options.signature ?? signSocial(options.key ?? secret, options.at ?? now(), body),
          }),
    },
    payload: body,
  })

const message = (messageId: string, text: string, sender = 'fb-7781') =>
  JSON.stringify({ platform: 'facebook', messageId, sender: { id: sender, name: 'Jess Moor' }, text })

const audited = (action: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ detail: Record<string, unknown>; actorId: string | null }>(
      tx,
      sql`select detail, actor_id as "actorId" from audit_events where action = ${action} order by occurred_at, id`,
    ),
  )

test('CRM-8: the force administrator sets the connector’s address and shared secret, sealed and audited; wrong settings and other roles are refused', async () => {
  const page = await admin.get('/console/contact/social')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /\/api\/v1\/contact\/essex\/social\/messages/)
  const empty = await admin.post('/console/contact/social', {})
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /There is a problem/)
  assert.match(empty.body, /Select whether the social media channel is on/)
  const wrong = await admin.post('/console/contact/social', {
    enabled: 'yes',
    url: 'https://connector.not-listed.example.org/replies',
    secret: 'too short',
  })
  assert.equal(wrong.statusCode, 400)
  assert.match(wrong.body, /OUTBOUND_WEBHOOK_HOSTS/)
  assert.match(wrong.body, /The shared secret must be 32 to 200 characters/)
  const saved = await admin.post('/console/contact/social', { enabled: 'yes', url: receiverUrl, secret })
  assert.equal(saved.statusCode, 303, saved.body.slice(0, 400))
  const [stored] = await t.app.db.withForce('essex', (tx) =>
    rows<{ sealed: string; last4: string }>(
      tx,
      sql`select secret_sealed as sealed, secret_last4 as last4 from contact_social_settings`,
    ),
  )
  assert.ok(!stored!.sealed.includes(secret) && /^v[12]:/.test(stored!.sealed), 'the secret is sealed')
  assert.equal(stored!.last4, '6789')
  const shown = await admin.get('/console/contact/social?saved=1')
  assert.match(shown.body, /A secret ending 6789 is kept/)
  assert.doesNotMatch(shown.body, new RegExp(secret))
  assert.deepEqual(
    (await audited('contact-social.settings-changed')).map((a) => [a.detail, a.actorId]),
    [[{ enabled: true, host: new URL(receiverUrl).host, secretChanged: true }, admin.userId]],
  )
  assert.equal((await handler.get('/console/contact/social')).statusCode, 403)
  assert.equal((await handler.post('/console/contact/social', { enabled: 'no' })).statusCode, 403)
  const kentAdmin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  assert.equal((await t.app.services.social.settings('kent')).enabled, false)
  assert.doesNotMatch((await kentAdmin.get('/console/contact/social')).body, /6789/)
})

let conversationId: string

test('CRM-8: a signed message lands in a conversation and the contact queue once; a wrong or missing signature, a stale timestamp, a bad body and a force without the channel are refused', async () => {
  const first = await post(message('m-1', 'Someone is selling stolen bikes on my street, can you help?'))
  assert.equal(first.statusCode, 202, first.body)
  const receipt = first.json()
  assert.equal(receipt.status, 'applied')
  conversationId = receipt.conversation
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ channel: string; skill: string; status: string }>(
      tx,
      sql`select channel, skill, status from contact_items where conversation_id = ${conversationId}`,
    ),
  )
  assert.deepEqual(item, { channel: 'social', skill: 'chat', status: 'waiting' })

  const again = await post(message('m-1', 'Someone is selling stolen bikes on my street, can you help?'), {
    at: now() + 30,
  })
  assert.equal(again.statusCode, 200)
  assert.equal(again.json().status, 'duplicate')
  const second = await post(message('m-2', 'They are outside now.'))
  assert.equal(second.statusCode, 202)
  assert.equal(second.json().conversation, conversationId, 'the same sender’s conversation')

  const refusals: [string, Awaited<ReturnType<typeof post>>, number][] = [
    ['wrong secret', await post(message('m-3', 'x'), { key: 'another-secret-of-enough-length-000000' }), 401],
    ['timestamp 301 s old', await post(message('m-4', 'x'), { at: now() - 301 }), 401],
    ['timestamp 301 s ahead', await post(message('m-5', 'x'), { at: now() + 301 }), 401],
    ['no signature', await post(message('m-6', 'x'), { signature: null }), 401],
    [
      'signature of another body',
      await post(message('m-7', 'changed'), { signature: signSocial(secret, now(), message('m-7', 'x')) }),
      401,
    ],
    ['not JSON', await post('{"platform":', {}), 400],
    ['text over the limit', await post(message('m-8', 'x'.repeat(4001))), 400],
    ['no sender', await post(JSON.stringify({ platform: 'facebook', messageId: 'm-9', text: 'x' })), 400],
    ['body over the limit', await post(message('m-10', 'x'.repeat(40_000))), 413],
    ['a force without the channel', await post(message('m-11', 'x'), { force: 'kent' }), 404],
    ['no such force', await post(message('m-12', 'x'), { force: 'nowhere' }), 404],
  ]
  for (const [what, response, status] of refusals) {
    assert.equal(response.statusCode, status, `${what}: ${response.body}`)
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/, what)
  }
  assert.match(refusals[1]![1].json().title, /more than 5 minutes/)
  const [counted] = await t.app.db.withForce('essex', (tx) =>
    rows<{ n: number; items: number }>(
      tx,
      sql`select (select count(*)::int from conversation_messages where channel = 'social') as n,
            (select count(*)::int from contact_items where channel = 'social') as items`,
    ),
  )
  assert.deepEqual(counted, { n: 2, items: 1 }, 'two messages kept, one contact, nothing refused kept')
  const view = await handler.get(`/console/contact/queue`)
  assert.match(view.body, /Social media/)

  // Counted by channel wherever contacts are: the wallboard's waiting, the MI and the builder.
  const board = await t.app.services.contact.wallboard.snapshot('essex')
  assert.deepEqual(
    board.channels.find((c) => c.channel === 'social'),
    { channel: 'social', waiting: 1, longestWaitSeconds: 0 },
  )
  assert.equal(
    board.waiting.total,
    board.channels.reduce((n, c) => n + c.waiting, 0),
  )
  assert.ok(board.waiting.total >= 1)
  const mi = await t.app.services.contact.mi.standard('essex', 1)
  assert.equal(mi.channels.find((c) => c.channel === 'social')?.arrived, 1)
  assert.equal(
    mi.volumes.reduce((n, v) => n + (v.counts.social ?? 0), 0),
    1,
  )
  const social = await t.app.services.contact.reportBuilder.run(
    'essex',
    checkDefinition({ dimension: 'channel', measure: ['contacts'], period: 'today', channel: 'social' }, []),
    { limit: 10, offset: 0 },
  )
  assert.deepEqual(
    social.rows.map((r) => [...r.cells, ...r.values]),
    [['Social media', 1]],
  )
  const supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sam Supervisor')
  const wallboardPage = await supervisor.get('/console/contact/wallboard')
  assert.match(wallboardPage.body, /Social media/)
  const volumes = await supervisor.get('/console/contact/reports/standard.csv?report=volumes&days=1')
  assert.equal(volumes.statusCode, 200)
  const [heading, ...hours] = volumes.body
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
  const socialColumn = heading!.split(',').indexOf('Social media')
  assert.ok(socialColumn > 0, heading)
  assert.equal(
    hours.reduce((n, line) => n + Number(line.split(',')[socialColumn]), 0),
    1,
  )
})

test('CRM-8: a handler replies in the conversation and the connector receives it signed; a failing connector has the reply retried, then marked not delivered; another force cannot reply', async () => {
  const kent = await t.signInAs(['contact_handler'], 'kent', 'Kent Handler')
  assert.equal(
    (await kent.post(`/console/conversations/${conversationId}/reply`, { reply: 'Hello' })).statusCode,
    404,
  )
  const replied = await handler.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'Thank you. Officers are on their way; please stay safe indoors.',
  })
  assert.equal(replied.statusCode, 303, replied.body.slice(0, 400))
  await t.app.jobs.drain()
  assert.equal(received.length, 1)
  const delivery = received[0]!
  const [, at, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery.headers['waypoint-signature'])) ?? []
  assert.equal(mac, createHmac('sha256', secret).update(`${at}.${delivery.body}`).digest('hex'))
  assert.ok(Math.abs(Number(at) - now()) <= 1)
  const payload = JSON.parse(delivery.body)
  assert.deepEqual(
    { ...payload, id: undefined, sentAt: undefined },
    {
      type: 'message.reply',
      id: undefined,
      conversation: conversationId,
      platform: 'facebook',
      recipient: 'fb-7781',
      text: 'Thank you. Officers are on their way; please stay safe indoors.',
      sentAt: undefined,
    },
  )
  const statusOf = async (id: string) =>
    (
      await t.app.db.withForce('essex', (tx) =>
        rows<{ status: string; reason: string | null }>(
          tx,
          sql`select delivery_status as status, status_reason as reason from conversation_messages where id = ${id}`,
        ),
      )
    )[0]!
  assert.equal((await statusOf(payload.id)).status, 'sent')
  const page = await handler.get(`/console/conversations/${conversationId}`)
  assert.match(page.body, /Your reply by social media/)

  answer = 503
  await handler.post(`/console/conversations/${conversationId}/reply`, { reply: 'Are you still there?' })
  await t.app.jobs.drain()
  assert.equal(received.length, 2)
  const failing = JSON.parse(received[1]!.body).id as string
  assert.equal((await statusOf(failing)).status, 'queued', 'retried later')
  const [pending] = await t.app.db.withForce('essex', (tx) =>
    rows<{ attempts: number; status: string; lastHttpStatus: number }>(
      tx,
      sql`select attempts, status, last_http_status as "lastHttpStatus" from contact_social_deliveries
          where message_id = ${failing}`,
    ),
  )
  assert.deepEqual(pending, { attempts: 1, status: 'pending', lastHttpStatus: 503 })
  clock.set(new Date(clock.now().getTime() + 7 * 3_600_000))
  await t.app.services.social.deliverDue()
  assert.equal(received.length, 3)
  const failed = await statusOf(failing)
  assert.equal(failed.status, 'failed')
  assert.match(failed.reason ?? '', /did not take the reply after 2 attempts: HTTP 503/)
  assert.equal((await audited('contact-social.reply-failed')).length, 1)
  answer = 200
})
