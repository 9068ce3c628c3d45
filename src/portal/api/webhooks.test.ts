// Webhooks to iHub (CP-163): Portal events posted signed to an allowed address, retried with
// backoff, parked as dead letters when retries run out, and replayed from the API and the console.
import assert from 'node:assert/strict'
import { createHmac, randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { aCrimeWithVictim, invitationTokenSentTo } from '../../../test/support/portal-cases.ts'
import { issueClientToken } from '../../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { FixedClock } from '../../platform/clock.ts'
import { rows } from '../../platform/db/database.ts'
import { anAthenaEvent } from '../../sources/test-support/events.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
let receiver: Server
let receiverUrl: string
/** What iHub's receiver answers next. */
let answer = 200
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = []

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.portal.installDefaults('kent')
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') })
      response.writeHead(answer, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  const address = receiver.address() as { port: number }
  receiverUrl = `http://127.0.0.1:${address.port}/ihub/events`
})
after(async () => {
  await new Promise((resolve) => receiver?.close(resolve))
  await t?.close()
})

let token: string
/** A new token of the force's iHub client (a token lasts an hour; the tests move the clock by days). */
async function freshToken() {
  token = await issueClientToken(t, {
    forceId: 'kent',
    scopes: ['portal:webhooks', 'portal:invitations', 'portal:accounts', 'portal:messages', 'portal:officer'],
  })
}
const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, bearer = token) =>
  t.app.http.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
      ...(payload ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload ? { payload } : {}),
  })

/** Checks a delivery's signature as a receiver would, and answers the event. */
function verified(delivery: (typeof received)[number], secret: string) {
  const header = String(delivery.headers['waypoint-signature'])
  const [, t1, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? []
  assert.ok(t1 && v1, `a signature header: ${header}`)
  const expected = createHmac('sha256', secret).update(`${t1}.${delivery.body}`).digest('hex')
  assert.equal(v1, expected, 'the HMAC of the timestamp and body under the secret')
  assert.ok(Math.abs(Number(t1) - clock.now().getTime() / 1000) < 300, 'a fresh timestamp')
  return JSON.parse(delivery.body) as {
    id: string
    type: string
    forceId: string
    data: Record<string, string>
  }
}

test('CP-163: Portal events reach iHub signed with the subscription’s secret (HMAC-SHA256 of timestamp and body), with no personal details', async () => {
  await freshToken()
  const subscribed = await call('POST', '/api/v1/portal/webhooks', {
    url: receiverUrl,
    events: ['invitation.sent', 'account.registered', 'case.updated', 'message.received', 'message.replied'],
  })
  assert.equal(subscribed.statusCode, 201, subscribed.body)
  const { secret, webhook } = subscribed.json()
  assert.match(secret, /^whsec_/)
  const [stored] = await t.app.db.withForce('kent', (tx) =>
    rows<{ secret_sealed: string }>(
      tx,
      sql`select secret_sealed from portal_webhooks where id = ${webhook.id}`,
    ),
  )
  assert.ok(!stored!.secret_sealed.includes(secret.slice(6)), 'the secret is kept encrypted')
  assert.deepEqual(
    (await call('GET', '/api/v1/portal/webhooks')).json().webhooks.map((w: { id: string }) => w.id),
    [webhook.id],
  )

  const victim = await aCrimeWithVictim(t, 'kent')
  const invited = await call('POST', '/api/v1/portal/invitations', {
    personId: victim.personId,
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  assert.equal(invited.statusCode, 201)
  await t.app.services.portal.webhooks.deliverDue()
  const first = verified(received.at(-1)!, secret)
  assert.equal(first.type, 'invitation.sent')
  assert.equal(first.forceId, 'kent')
  assert.equal(first.data.invitationId, invited.json().invitation.id)
  assert.equal(received.at(-1)!.headers['waypoint-event'], 'invitation.sent')
  assert.equal(received.at(-1)!.headers['idempotency-key'], first.id)
  assert.ok(!received.at(-1)!.body.includes(victim.mobile.slice(1)), 'no phone number in the event')

  const oneLoginSub = `urn:fdc:gov.uk:2022:${randomUUID()}`
  const registered = await call('POST', '/api/v1/portal/accounts', {
    subject: oneLoginSub,
    email: victim.email,
    invitationToken: await invitationTokenSentTo(t, 'kent', victim.personId),
  })
  assert.equal(registered.statusCode, 201)
  await t.app.services.portal.webhooks.deliverDue()
  const second = verified(received.at(-1)!, secret)
  assert.equal(second.type, 'account.registered')
  assert.equal(second.data.accountId, registered.json().accountId)
  assert.ok(!received.at(-1)!.body.includes(victim.email), 'no email address in the event')

  // The person writes to their officer and the officer replies: iHub hears of both, without the words.
  const person = { 'portal-subject': oneLoginSub }
  const text = 'Has anyone looked at the doorbell footage I sent you last week?'
  const sent = await t.app.http.inject({
    method: 'POST',
    url: `/api/v1/portal/cases/${victim.crimeId}/messages`,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
      ...person,
    },
    payload: { text },
  })
  assert.equal(sent.statusCode, 201, sent.body)
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const replied = await t.app.http.inject({
    method: 'POST',
    url: `/api/v1/portal/cases/${victim.crimeId}/replies`,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
      ...person,
    },
    payload: { text: 'We have it and are reviewing it.', staffId: officer.userId },
  })
  assert.equal(replied.statusCode, 201, replied.body)
  await t.app.services.portal.webhooks.deliverDue()
  const messageEvents = received.slice(-2).map((r) => verified(r, secret))
  assert.deepEqual(
    messageEvents.map((e) => e.type),
    ['message.received', 'message.replied'],
  )
  assert.equal(messageEvents[0]!.data.messageId, sent.json().messageId)
  assert.equal(messageEvents[1]!.data.caseId, victim.crimeId)
  assert.ok(!received.slice(-2).some((r) => r.body.includes('doorbell')), 'no message text in the events')

  // The RMS closes the crime: the person is shown it, so iHub hears the case was updated.
  const closed = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: `ATH-HOOK-${randomUUID()}`,
      type: 'CLOSED',
      at: clock.now().toISOString(),
      crimeRef: victim.crimeRef,
      investigation: { closedAt: clock.now().toISOString() },
    }),
    'application/json',
  )
  assert.equal(closed.status, 'applied', String(closed.reason))
  await t.app.services.portal.webhooks.deliverDue()
  const updates = received
    .slice(-3)
    .map((r) => verified(r, secret))
    .filter((e) => e.type === 'case.updated')
  assert.ok(updates.length >= 1, 'a case.updated event')
  assert.equal(updates[0]!.data.caseId, victim.crimeId)
  assert.equal(updates[0]!.data.accountId, registered.json().accountId)
})

test('CP-163: a delivery iHub fails is retried with backoff, becomes a dead letter when retries run out, and is replayed from the API and from the console', async () => {
  const victim = await aCrimeWithVictim(t, 'kent')
  answer = 503
  const before = received.length
  await call('POST', '/api/v1/portal/invitations', {
    personId: victim.personId,
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  await t.app.services.portal.webhooks.deliverDue()
  assert.equal(received.length, before + 1)
  const [pending] = (await call('GET', '/api/v1/portal/webhooks/deliveries?status=pending')).json().deliveries
  assert.equal(pending.attempts, 1)
  assert.equal(pending.lastHttpStatus, 503)
  assert.ok(new Date(pending.nextAttemptAt) > clock.now(), 'the next attempt waits')
  // Not due yet: nothing is sent.
  await t.app.services.portal.webhooks.deliverDue()
  assert.equal(received.length, before + 1)
  clock.advance(60_000)
  await t.app.services.portal.webhooks.deliverDue()
  assert.equal(received.length, before + 2)

  // A day later the retries have run out.
  clock.advance(25 * 3_600_000)
  await t.app.services.portal.webhooks.deliverDue()
  await freshToken()
  const dead = (await call('GET', '/api/v1/portal/webhooks/deliveries?status=dead')).json().deliveries
  assert.equal(dead.length, 1)
  assert.equal(dead[0].id, pending.id)
  assert.equal(dead[0].attempts, 3)
  const [audited] = await t.app.db.withForce('kent', (tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where record_id = ${pending.id} order by id`,
    ),
  )
  assert.equal(audited!.action, 'portal-webhook.dead-lettered')

  answer = 200
  const replayed = await call('POST', `/api/v1/portal/webhooks/deliveries/${pending.id}/replay`)
  assert.equal(replayed.statusCode, 202)
  await t.app.services.portal.webhooks.deliverDue()
  const delivered = (await call('GET', '/api/v1/portal/webhooks/deliveries?status=delivered')).json()
    .deliveries
  assert.ok(delivered.some((d: { id: string }) => d.id === pending.id))
  const again = JSON.parse(received.at(-1)!.body)
  assert.equal(again.id, dead[0].payload.id, 'the same event, so iHub can tell it is a repeat')

  // The force administrator sees the deliveries in the console and replays one there too.
  const admin = await t.signInAs(['force_admin'], 'kent')
  const page = await admin.get('/console/portal/webhooks')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /invitation\.sent/)
  const fromConsole = await admin.post(`/console/portal/webhooks/deliveries/${pending.id}/replay`)
  assert.equal(fromConsole.statusCode, 303)
  await t.app.services.portal.webhooks.deliverDue()
  assert.equal(JSON.parse(received.at(-1)!.body).id, again.id)
  // Staff of another force, and other roles, are refused.
  const essex = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essex.post(`/console/portal/webhooks/deliveries/${pending.id}/replay`)).statusCode, 404)
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await officer.get('/console/portal/webhooks')).statusCode, 403)
})

test('CP-163: webhooks go only to hosts the deployment allows, and a client of another force cannot see or replay them', async () => {
  const refused = await call('POST', '/api/v1/portal/webhooks', {
    url: 'https://ihub.example.net/events',
    events: ['case.updated'],
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /may not send to that host/)
  const essex = await issueClientToken(t, { forceId: 'essex', scopes: ['portal:webhooks'] })
  assert.deepEqual((await call('GET', '/api/v1/portal/webhooks', undefined, essex)).json().webhooks, [])
  const [any] = (await call('GET', '/api/v1/portal/webhooks/deliveries')).json().deliveries
  assert.equal(
    (await call('POST', `/api/v1/portal/webhooks/deliveries/${any.id}/replay`, undefined, essex)).statusCode,
    404,
  )
})
