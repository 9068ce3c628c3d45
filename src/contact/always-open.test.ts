// CRM-2, available 24/7, 365 days a year: at 03:00 on a bank holiday, at noon on it, and at 03:00
// on Christmas Day (by the app's clock), a call offered by the telephony platform, a web chat
// started over its socket, a text through GOV.UK Notify's callback and an email over SMTP each
// become a contact waiting in the queue, and a handler who becomes ready then is given all four.
// The force's chat hours change only the automatic out-of-hours reply, never whether a contact is
// taken and queued.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { after, before, test } from 'node:test'
import type { WebSocket } from '@fastify/websocket'
import { sql } from 'drizzle-orm'
import nodemailer from 'nodemailer'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { isBankHoliday, isChristmasDay, ukDate } from '../platform/calendar.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { defaultChatSettings } from './chat.ts'
import { skills } from './queue-repository.ts'

const WsClient = (
  createRequire(import.meta.url)('ws') as { WebSocket: new (url: string, options?: object) => WebSocket }
).WebSocket

const callbackToken = 'notify-callback-token-for-always-open-tests-01'
const clock = new FixedClock('2026-08-31T02:00:00Z')
let t: TestApp
let appUrl: string
let smtpPort: number

before(async () => {
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      messaging: { ...defaults.messaging, notify: { ...defaults.messaging.notify, callbackToken } },
      inboundEmail: { ...defaults.inboundEmail, port: 0, domain: 'replies.waypoint.test', maxBytes: 200_000 },
    },
    { clock },
  )
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  appUrl = (await t.app.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')
  smtpPort = await t.app.inboundEmail.listen()
})
after(() => t.close())

/** Starts a web chat from the force's own pages over the chat's socket; answers its state. */
async function startChat(
  text: string,
): Promise<{ conversationId: string; outOfHours: boolean; messages: { from: string; text: string }[] }> {
  const socket = new WsClient(`${appUrl.replace('http', 'ws')}/chat/essex/socket`, {
    headers: { origin: appUrl },
  })
  const frames: Record<string, unknown>[] = []
  socket.on('message', (data: Buffer) => frames.push(JSON.parse(String(data))))
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => resolve())
    socket.on('error', reject)
  })
  const frame = async (type: string) => {
    const deadline = Date.now() + 15_000
    for (;;) {
      const found = frames.find((f) => f.type === type || f.type === 'problem')
      if (found) return found
      assert.ok(Date.now() < deadline, `no ${type} frame; had ${JSON.stringify(frames)}`)
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  await frame('ready')
  socket.send(JSON.stringify({ type: 'start', text, origin: appUrl }))
  const started = await frame('started')
  socket.close()
  assert.equal(started.type, 'started', JSON.stringify(started))
  return started.chat as {
    conversationId: string
    outOfHours: boolean
    messages: { from: string; text: string }[]
  }
}

/** The contacts that arrived at this instant, by channel. */
const arrivedNow = () =>
  t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; channel: string; status: string; assignedTo: string | null; conversationId: string }>(
      tx,
      sql`select id, channel, status, assigned_to as "assignedTo", conversation_id as "conversationId"
          from contact_items where enqueued_at = ${clock.now()} order by channel`,
    ),
  )

const moments = [
  { at: '2026-08-31T02:00:00Z', what: '03:00 on the summer bank holiday', outOfHours: true },
  { at: '2026-08-31T11:00:00Z', what: 'noon on the summer bank holiday', outOfHours: false },
  { at: '2026-12-25T03:00:00Z', what: '03:00 on Christmas Day', outOfHours: true },
]

for (const [n, moment] of moments.entries())
  test(`CRM-2: at ${moment.what}, a call, a web chat, a text and an email are each taken, queued and given to a handler`, async () => {
    clock.set(moment.at)
    const date = ukDate(clock.now())
    assert.ok(isBankHoliday(date) || isChristmasDay(date), `${date} is a bank holiday or Christmas Day`)

    // The telephony platform offers a call (CTI event API).
    const telephony = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
    const offered = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/contact/essex/telephony/events',
      headers: { authorization: `Bearer ${telephony}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        eventId: `always-${n}`,
        type: 'call.offered',
        callId: `always-call-${n}`,
        occurredAt: clock.now().toISOString(),
        caller: `+4477009005${n}0`,
        dialled: '101',
      }),
    })
    assert.equal(offered.statusCode, 202, offered.body)

    // A person starts a web chat from the force's pages.
    const chat = await startChat('Is anyone there? My neighbour’s alarm has gone off.')
    assert.equal(chat.outOfHours, moment.outOfHours)
    const automatic = chat.messages.filter((m) => m.from === 'bot').map((m) => m.text)
    assert.deepEqual(automatic, moment.outOfHours ? [defaultChatSettings.outOfHoursReply] : [])

    // A text arrives through GOV.UK Notify's callback, and an email over SMTP.
    const text = await fetch(`${appUrl}/callbacks/notify/essex/inbound-sms`, {
      method: 'POST',
      headers: { authorization: `Bearer ${callbackToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: randomUUID(),
        source_number: `4477009005${n}1`,
        destination_number: '07700900000',
        message: 'Please call me back about my report',
        date_received: clock.now().toISOString(),
      }),
    })
    assert.equal(text.status, 204)
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: smtpPort,
      secure: false,
      ignoreTLS: true,
    })
    await transport.sendMail({
      from: `night${n}@example.org`,
      to: 'essex@replies.waypoint.test',
      subject: 'Stolen bicycle',
      text: 'My bicycle was stolen from outside my house tonight.',
    })
    transport.close()

    // Each is a contact waiting in the queue, whatever the hour.
    const waiting = await arrivedNow()
    assert.deepEqual(
      waiting.map((i) => [i.channel, i.status]),
      [
        ['chat', 'waiting'],
        ['email', 'waiting'],
        ['phone', 'waiting'],
        ['sms', 'waiting'],
      ],
    )
    assert.equal(waiting.find((i) => i.channel === 'chat')!.conversationId, chat.conversationId)

    // The night's handler, with every channel's skill, becomes ready and is given all four.
    const handler = await t.signInAs(['contact_handler'], 'essex', `Night Handler ${n}`)
    assert.equal((await handler.get('/console/contact/queue')).statusCode, 200)
    await t.app.services.contact.queue.setSkills(
      'essex',
      handler.userId,
      { skills: skills.filter((s) => s !== 'vulnerability'), capacity: '10' },
      { actor: { kind: 'staff', id: handler.userId }, staffId: handler.userId, name: 'Night Handler' },
    )
    assert.equal((await handler.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
    assert.deepEqual(
      (await arrivedNow()).map((i) => [i.channel, i.status, i.assignedTo]),
      ['chat', 'email', 'phone', 'sms'].map((channel) => [channel, 'assigned', handler.userId]),
    )
    assert.equal((await handler.post('/console/contact/queue/state', { state: 'offline' })).statusCode, 303)
  })
