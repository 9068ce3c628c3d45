// Web chat end to end over real HTTP and real WebSockets: a force administrator allows the
// force's websites; only those get the widget's settings (CORS), may frame the chat window
// (frame-ancestors) and open its socket; a person's chat becomes a contact in the queue, a
// handler's reply from the conversation page reaches the person's socket at once and the
// person's message reaches the handler's live page; limits, out-of-hours reply, transcript,
// survey and its report, the form without JavaScript, and the seam for a first responder.
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, test } from 'node:test'
import type { WebSocket } from '@fastify/websocket'
import { sql } from 'drizzle-orm'
import { openEventStream } from '../../test/support/event-stream.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { type ChatFirstResponder, ChatService } from './chat.ts'
import { ChatRepository } from './chat-repository.ts'

const WsClient = (
  createRequire(import.meta.url)('ws') as { WebSocket: new (url: string, options?: object) => WebSocket }
).WebSocket

// A Wednesday, 10:00 in London: the chat is open.
const clock = new FixedClock('2026-06-03T09:00:00Z')
const soh = 'https://www.essex.police.uk'
let t: TestApp
let base: string
let admin: SignedIn
let handler: SignedIn
let supervisor: SignedIn

/** A chat window's socket: every frame it is sent, and a way to wait for the next of a kind. */
interface ChatClient {
  socket: WebSocket
  frames: Record<string, unknown>[]
  send(frame: object): void
  next(type: string, ms?: number): Promise<Record<string, unknown>>
}

async function openChat(origin: string | undefined, force = 'essex'): Promise<ChatClient> {
  const socket = new WsClient(`${base.replace('http', 'ws')}/chat/${force}/socket`, {
    headers: origin ? { origin } : {},
  })
  const frames: Record<string, unknown>[] = []
  const waiters: (() => void)[] = []
  socket.on('message', (data: Buffer) => {
    frames.push(JSON.parse(String(data)))
    for (const wake of waiters.splice(0)) wake()
  })
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => resolve())
    socket.on('error', reject)
    socket.on('unexpected-response', (_req: unknown, res: { statusCode: number }) =>
      reject(new Error(`refused ${res.statusCode}`)),
    )
  })
  let read = 0
  const client: ChatClient = {
    socket,
    frames,
    send: (frame) => socket.send(JSON.stringify(frame)),
    next: async (type, ms = 15_000) => {
      const deadline = Date.now() + ms
      for (;;) {
        while (read < frames.length) {
          const frame = frames[read++]!
          if (frame.type === type) return frame
        }
        const left = deadline - Date.now()
        if (left <= 0) throw new Error(`no ${type} frame; had ${JSON.stringify(frames)}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
  }
  await client.next('ready')
  return client
}

const contacts = (conversationId: string) =>
  t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; status: string; channel: string; skill: string }>(
      tx,
      sql`select id, status, channel, skill from contact_items where conversation_id = ${conversationId}`,
    ),
  )

const audited = (action: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ forceId: string; detail: Record<string, unknown> }>(
      tx,
      sql`select force_id as "forceId", detail from audit_events where action = ${action} order by id`,
    ),
  )

before(async () => {
  t = await createTestApp({}, { clock })
  base = (await t.app.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')
  admin = await t.signInAs(['force_admin'], 'essex', 'Ada Admin')
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
})

after(async () => {
  await t?.close()
})

const settingsForm = (origins: string, extra: Record<string, string> = {}) => ({
  enabled: 'yes',
  origins,
  outOfHoursReply: 'We are closed. We will answer in the morning. In an emergency call 999.',
  ...Object.fromEntries(
    ['1', '2', '3', '4', '5', '6', '7'].flatMap((d) => [
      [`opens-${d}`, '08:00'],
      [`closes-${d}`, '20:00'],
    ]),
  ),
  ...extra,
})

test('CRM-34: a force administrator sets the websites that may embed the chat, audited; a handler, and an administrator of a force without Contact, are refused', async () => {
  const refused = await admin.post('/console/contact/chat/settings', settingsForm('www.essex.police.uk/path'))
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary/)
  assert.match(refused.body, /without a path/)
  const badHours = await admin.post(
    '/console/contact/chat/settings',
    settingsForm(soh, { 'opens-2': '20:00', 'closes-2': '08:00' }),
  )
  assert.equal(badHours.statusCode, 400)
  assert.match(badHours.body, /Tuesday’s opening and closing times/)
  const saved = await admin.post('/console/contact/chat/settings', settingsForm(`${soh}\n${soh}/\n`))
  assert.equal(saved.statusCode, 303)
  const page = await admin.get('/console/contact/chat/settings')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /chat\/essex\/widget\.js/)
  assert.deepEqual((await t.app.services.contact.chat.settings('essex')).allowedOrigins, [soh])
  const [change] = await audited('contact.chat-settings-changed')
  assert.equal(change?.forceId, 'essex')
  assert.deepEqual(change?.detail.originsAdded, [soh])

  assert.equal((await handler.post('/console/contact/chat/settings', settingsForm(soh))).statusCode, 403)
  assert.equal((await handler.get('/console/contact/chat/settings')).statusCode, 403)
  await t.app.services.forces.setProducts('norfolk', ['journeys'])
  const norfolkAdmin = await t.signInAs(['force_admin'], 'norfolk', 'Nia Admin')
  assert.equal((await norfolkAdmin.get('/console/contact/chat/settings')).statusCode, 403)
  // Norfolk without Contact has no chat at all.
  assert.equal((await fetch(`${base}/chat/norfolk/widget.js`)).status, 404)
})

test('CRM-34: only the allowed origins get the widget’s settings (CORS) and may frame the chat window; others are refused', async () => {
  const widget = await fetch(`${base}/chat/essex/widget.js`)
  assert.equal(widget.status, 200)
  assert.match(widget.headers.get('content-type') ?? '', /javascript/)
  assert.equal(widget.headers.get('cross-origin-resource-policy'), 'cross-origin')

  const allowed = await fetch(`${base}/chat/essex/config`, { headers: { origin: soh } })
  assert.equal(allowed.status, 200)
  assert.equal(allowed.headers.get('access-control-allow-origin'), soh)
  assert.equal(((await allowed.json()) as { title: string }).title, 'Chat with Essex Police')

  const other = await fetch(`${base}/chat/essex/config`, { headers: { origin: 'https://evil.example' } })
  assert.equal(other.status, 403)
  assert.equal(other.headers.get('access-control-allow-origin'), null)
  assert.match(other.headers.get('content-type') ?? '', /application\/problem\+json/)

  const window = await fetch(`${base}/chat/essex/window?origin=${encodeURIComponent(soh)}`)
  assert.equal(window.status, 200)
  const csp = window.headers.get('content-security-policy') ?? ''
  assert.match(csp, new RegExp(`frame-ancestors ${soh.replaceAll('.', '\\.')}(;|$)`))
  assert.equal(window.headers.get('x-frame-options'), null)
  const framedElsewhere = await fetch(
    `${base}/chat/essex/window?origin=${encodeURIComponent('https://evil.example')}`,
  )
  assert.equal(framedElsewhere.status, 403)

  await assert.rejects(openChat('https://evil.example'), /refused 403/)
  await assert.rejects(openChat(undefined), /refused 403/)
})

test('CRM-7, CRM-8, CRM-16: a chat joins the queue; the handler’s reply reaches the person at once, the person’s message reaches the handler’s live page; limits hold; the handler ending the contact ends the chat', async () => {
  const chat = await openChat(soh)
  chat.send({ type: 'start', name: 'Jo Bloggs', text: 'Someone has damaged my car', origin: soh })
  const started = await chat.next('started')
  const state = started.chat as { conversationId: string; chatId: string; outOfHours: boolean }
  assert.equal(typeof started.token, 'string')
  assert.equal(state.outOfHours, false)
  const [contact] = await contacts(state.conversationId)
  assert.equal(contact?.channel, 'chat')
  assert.equal(contact?.skill, 'chat')
  assert.equal(contact?.status, 'waiting')

  // The handler claims it and opens the conversation, which follows the chat live.
  assert.equal((await handler.post(`/console/contact/queue/contacts/${contact.id}/claim`)).statusCode, 303)
  const page = await handler.get(`/console/conversations/${state.conversationId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Someone has damaged my car/)
  const live = await openEventStream(
    `${base}/push/events?topic=conversation:${state.conversationId}`,
    handler.cookie,
  )
  assert.equal(live.status, 200)
  await live.next('ready')

  const reply = await handler.post(`/console/conversations/${state.conversationId}/reply`, {
    reply: 'I am sorry to hear that. Where is the car now?',
  })
  assert.equal(reply.statusCode, 303)
  const heard = (await chat.next('message')).message as { from: string; name: string; text: string }
  assert.deepEqual(
    [heard.from, heard.name, heard.text],
    ['staff', 'Sam', 'I am sorry to hear that. Where is the car now?'],
  )

  chat.send({ type: 'message', text: 'Outside my house on Mill Road', ref: 'a' })
  const sent = await chat.next('sent')
  assert.equal(sent.ref, 'a')
  const event = await live.next('conversation')
  assert.deepEqual(Object.keys(event.ids as object), ['message'])
  assert.match((await handler.get(`/console/conversations/${state.conversationId}`)).body, /Mill Road/)
  live.close()

  chat.send({ type: 'message', text: 'x'.repeat(2001), ref: 'long' })
  const tooLong = (await chat.next('problem')).problem as { status: number; errors: { message: string }[] }
  assert.equal(tooLong.status, 400)
  assert.match(tooLong.errors[0]!.message, /2000 characters or fewer/)
  for (let i = 0; i < 6; i++) chat.send({ type: 'message', text: `more ${i}` })
  chat.send({ type: 'message', text: 'one too many', ref: 'fast' })
  const fast = await chat.next('problem')
  assert.equal((fast.problem as { status: number }).status, 429)
  assert.equal(fast.ref, 'fast')

  // The handler ends the contact: the person's window hears the chat has ended.
  assert.equal((await handler.post(`/console/contact/queue/contacts/${contact.id}/end`)).statusCode, 303)
  assert.equal((await chat.next('ended')).by, 'staff')
  chat.send({ type: 'message', text: 'Hello?', ref: 'late' })
  assert.equal(((await chat.next('problem')).problem as { status: number }).status, 409)
  chat.socket.close()

  // A window reconnecting with the token gets the chat as it stands.
  const again = await openChat(soh)
  again.send({ type: 'resume', token: started.token })
  const resumed = (await again.next('chat')).chat as { ended: boolean; endedBy: string; messages: unknown[] }
  assert.equal(resumed.ended, true)
  assert.equal(resumed.endedBy, 'staff')
  assert.equal(resumed.messages.length, 9)
  again.socket.close()
  const stranger = await openChat(soh)
  stranger.send({ type: 'resume', token: 'not-a-token' })
  assert.equal(((await stranger.next('problem')).problem as { status: number }).status, 404)
  stranger.socket.close()

  // Another force sees none of it (RLS), and the token opens nothing there.
  const kentChats = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_chats`),
  )
  assert.equal(kentChats[0]?.n, 0)
  const kent = await fetch(`${base}/chat/kent/transcript`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: started.token }),
  })
  assert.equal(kent.status, 404)
  assert.match(kent.headers.get('content-type') ?? '', /problem\+json/)
})

test('CRM-7, CRM-16: out of hours the force’s reply comes at once; after the chat the person takes a transcript (downloaded or emailed) and answers the survey, which supervisors see reported', async () => {
  clock.set('2026-06-03T21:30:00Z') // 22:30 in London: closed.
  const chat = await openChat(soh)
  chat.send({ type: 'start', text: 'Is anyone there?', origin: soh })
  const started = await chat.next('started').finally(() => clock.set('2026-06-03T09:00:00Z'))
  const token = started.token as string
  const state = started.chat as {
    outOfHours: boolean
    messages: { from: string; name: string; text: string }[]
  }
  assert.equal(state.outOfHours, true)
  assert.equal(state.messages[1]?.from, 'bot')
  assert.equal(state.messages[1]?.name, 'Automatic reply')
  assert.match(state.messages[1]!.text, /We are closed/)

  const post = (path: string, body: object) =>
    fetch(`${base}/chat/essex/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token, ...body }),
    })
  const early = await post('survey', { rating: 5 })
  assert.equal(early.status, 409)
  chat.send({ type: 'end' })
  assert.equal((await chat.next('ended')).by, 'citizen')
  chat.socket.close()

  const transcript = await fetch(`${base}/chat/essex/transcript`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  })
  assert.equal(transcript.status, 200)
  assert.match(
    transcript.headers.get('content-disposition') ?? '',
    /attachment; filename="web-chat-essex-2026-06-03\.txt"/,
  )
  const text = await transcript.text()
  assert.match(text, /^Web chat with Essex Police/)
  assert.match(text, /You: Is anyone there\?/)
  assert.match(text, /Automatic reply \(automated\): We are closed/)

  const emailed = await post('transcript/email', { email: 'jo@example.org' })
  assert.equal(emailed.status, 204)
  const [mail] = await t.app.db.withForce('essex', (tx) =>
    rows<{ recipient: string; subject: string }>(
      tx,
      sql`select recipient, subject from messages where recipient = 'jo@example.org'`,
    ),
  )
  assert.equal(mail?.subject, 'Your web chat with Essex Police')
  const badEmail = await post('transcript/email', { email: 'not an address' })
  assert.equal(badEmail.status, 400)

  const noRating = await post('survey', { rating: 9 })
  assert.equal(noRating.status, 400)
  assert.equal(((await noRating.json()) as { errors: { field: string }[] }).errors[0]?.field, 'rating')
  assert.equal((await post('survey', { rating: 4, comment: 'Quick and kind' })).status, 204)
  assert.equal((await post('survey', { rating: 1 })).status, 409)
  const audits = await audited('contact.chat-survey-answered')
  assert.equal(audits.at(-1)?.detail.rating, 4)

  const report = await supervisor.get('/console/contact/chat/report')
  assert.equal(report.statusCode, 200)
  assert.match(report.body, /Quick and kind/)
  assert.match(report.body, /Surveys answered<\/dt><dd class="govuk-summary-list__value">1</)
  assert.equal((await handler.get('/console/contact/chat/report')).statusCode, 403)
})

test('CRM-16: without JavaScript the plain form becomes an email from the person in the queue', async () => {
  const form = await fetch(`${base}/chat/essex/message`)
  assert.equal(form.status, 200)
  const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0]!
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? ''
  const send = (fields: Record<string, string>) =>
    fetch(`${base}/chat/essex/message`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    })
  const refused = await send({ name: 'Pat', email: '', message: '' })
  assert.equal(refused.status, 400)
  const refusedPage = await refused.text()
  assert.match(refusedPage, /govuk-error-summary/)
  assert.match(refusedPage, /Enter your email address/)
  const sent = await send({
    name: 'Pat Webb',
    email: 'pat@example.org',
    message: 'My bike was stolen last night',
  })
  assert.equal(sent.status, 200)
  assert.match(await sent.text(), /Your message has been sent/)
  const [row] = await t.app.db.withForce('essex', (tx) =>
    rows<{ channel: string; status: string; address: string }>(
      tx,
      sql`select i.channel, i.status, c.citizen_address_key as address from contact_items i
          join conversations c on c.id = i.conversation_id where c.citizen_address_key = 'pat@example.org'`,
    ),
  )
  assert.deepEqual(row, { channel: 'email', status: 'waiting', address: 'pat@example.org' })
  const noCsrf = await fetch(`${base}/chat/essex/message`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: 'x@example.org', message: 'hi' }).toString(),
  })
  assert.equal(noCsrf.status, 403)
})

test('CRM-7: a first responder plugged into the chat answers first, marked as automated, and hands over to the queue when it cannot help', async () => {
  const asked: string[] = []
  const responder: ChatFirstResponder = {
    name: 'Essex Police assistant',
    respond: async ({ text }) => {
      asked.push(text)
      return /person/i.test(text)
        ? { reply: 'I am passing you to a member of staff.', handOver: true }
        : { reply: 'You can report a lost item at essex.police.uk/lost.', handOver: false }
    },
  }
  const chat = new ChatService({
    db: t.app.db,
    repo: new ChatRepository(),
    clock,
    audit: t.app.services.audit,
    conversations: t.app.services.conversations,
    queue: t.app.services.contact.queue,
    firstResponder: () => responder,
    allowHttpOrigins: true,
  })
  const { token, state } = await chat.start('essex', { text: 'I lost my wallet', origin: soh })
  assert.deepEqual(
    state.messages.map((m) => [m.from, m.name]),
    [
      ['citizen', null],
      ['bot', 'Essex Police assistant'],
    ],
  )
  assert.deepEqual(await contacts(state.conversationId), [])
  await chat.send('essex', token, { text: 'I want to talk to a person' })
  const [contact] = await contacts(state.conversationId)
  assert.equal(contact?.status, 'waiting')
  assert.deepEqual(asked, ['I lost my wallet', 'I want to talk to a person'])
  const handedOver = await audited('contact.chat-handed-over')
  assert.equal(handedOver.at(-1)?.detail.responder, 'Essex Police assistant')
})
