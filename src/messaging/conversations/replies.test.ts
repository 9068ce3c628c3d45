// Replies from staff, end to end over real HTTP: a victim texts in through the fake GOV.UK Notify's
// inbound callback; an officer answers from the conversation page; the reply goes to Notify,
// Notify's delivery receipts come back over the callback route and move it to delivered or failed;
// an email conversation is answered over real SMTP. Opt-outs, quiet hours, length limits and the
// wrong users are refused.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import { openEventStream } from '../../../test/support/event-stream.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../../test/support/test-app.ts'
import { FixedClock } from '../../platform/clock.ts'
import { loadConfig } from '../../platform/config.ts'
import { FakeNotifyServer, notifyApiKey } from '../../simulator/fake-notify/server.ts'
import { aStormEvent } from '../../sources/test-support/events.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z') // a Wednesday, 10:00 in London
const callbackToken = 'notify-callback-token-for-reply-tests-000001'
const essex = {
  serviceId: 'c1111111-1111-4111-8111-111111111111',
  secret: 'c2222222-2222-4222-8222-222222222222',
  templates: [
    { id: 'c3333333-3333-4333-8333-333333333333', type: 'sms' as const },
    { id: 'c4444444-4444-4444-8444-444444444444', type: 'email' as const },
  ],
}
let t: TestApp
let notify: FakeNotifyServer
let appUrl: string
let inboundSmtpPort: number
let officer: SignedIn
let personId: string
/** What Waypoint sent over SMTP (its outbound email channel). */
const mailbox: { to: string[]; raw: string }[] = []
let outboundSmtp: SMTPServer

const victim = {
  nominalId: 'N-951',
  name: 'Amara Okafor',
  dateOfBirth: '1979-02-02',
  role: 'VIC',
  phone: '07700 900951',
  email: 'amara.okafor@example.org',
  preferredContact: 'SMS',
}

before(async () => {
  outboundSmtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        mailbox.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => outboundSmtp.listen(0, '127.0.0.1', resolve))
  const smtpPort = (outboundSmtp.server.address() as AddressInfo).port
  notify = new FakeNotifyServer({ keys: [essex] })
  await notify.listen()
  const config = loadConfig({
    NODE_ENV: 'test',
    NOTIFY_BASE_URL: notify.url,
    NOTIFY_API_KEYS: `essex=${notifyApiKey('essex_live', essex)}`,
    NOTIFY_SMS_TEMPLATE_IDS: `essex=${essex.templates[0]!.id}`,
    NOTIFY_EMAIL_TEMPLATE_IDS: `essex=${essex.templates[1]!.id}`,
    NOTIFY_CALLBACK_TOKEN: callbackToken,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  })
  t = await createTestApp(
    {
      ...config,
      inboundEmail: { ...config.inboundEmail, port: 0, domain: 'replies.waypoint.test', maxBytes: 200_000 },
    },
    { clock },
  )
  await t.app.db.withForce('essex', (tx) =>
    t.app.services.messaging.settings.saveSettings(
      tx,
      'essex',
      { smsChannel: 'notify', emailChannel: 'smtp' },
      null,
    ),
  )
  await t.app.services.journeys.installDefaults('essex')
  appUrl = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  inboundSmtpPort = await t.app.inboundEmail.listen()
  notify.inbound = { url: `${appUrl}/callbacks/notify/essex/inbound-sms`, bearerToken: callbackToken }
  notify.receipts = { url: `${appUrl}/callbacks/notify/essex/receipts`, bearerToken: callbackToken }
  const created = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'S-951',
      at: clock.now().toISOString(),
      ref: 'ESX-951',
      grading: 'PRI',
      log: { openedAt: clock.now().toISOString(), incidentType: 'Burglary - residential' },
      persons: [victim],
    }),
    'application/json',
  )
  assert.equal(created.status, 'applied', created.reason ?? '')
  for (let i = 0; i < 5; i++) await t.app.jobs.drain()
  await notify.settled()
  personId = (await t.app.services.cases.search('essex', 'Amara')).people[0]!.id
  officer = await t.signInAs(['investigating_officer'], 'essex', 'DC Rowe')
})

after(async () => {
  await notify.close()
  await t.close()
  await new Promise<void>((resolve) => outboundSmtp.close(() => resolve()))
})

const query = <T>(forceId: string, statement: ReturnType<typeof sql>) =>
  t.app.db.withForce(forceId, async (tx) => ((await tx.execute(statement)) as unknown as { rows: T[] }).rows)

/** The conversation a text from `from` saying `body` landed in. */
async function textIn(from: string, body: string): Promise<string> {
  assert.equal(await notify.receiveText(from, body), 204)
  const [row] = await query<{ conversation_id: string }>(
    'essex',
    sql`select conversation_id from conversation_messages where body = ${body}`,
  )
  assert.ok(row, 'the text is stored')
  return row.conversation_id
}

/** Runs dispatch and waits for Notify's receipts to come back over the callback route. */
async function sendAndSettle(): Promise<void> {
  for (let i = 0; i < 3; i++) await t.app.jobs.drain()
  await notify.settled()
}

const outbound = (conversationId: string) =>
  query<{
    id: string
    body: string
    delivery_status: string
    failure: string | null
    message_id: string | null
    kind: string
    staff_id: string | null
    display_name: string
  }>(
    'essex',
    sql`select m.id, m.body, m.delivery_status, m.failure, m.message_id, p.kind, p.staff_id, p.display_name
        from conversation_messages m join conversation_participants p on p.id = m.participant_id
        where m.conversation_id = ${conversationId} and m.direction = 'outbound' order by m.created_at`,
  )

test('CP-94: an officer’s reply goes to the person by text through GOV.UK Notify, as them, and is delivered, audited and on the person’s timeline', async () => {
  clock.advance(60_000)
  const conversationId = await textIn('+447700900951', 'Has anyone looked at the CCTV yet?')
  const page = await officer.get(`/console/conversations/${conversationId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<form method="post" action="\/console\/conversations\/[^"]+\/reply"/)
  assert.match(page.body, /name="_csrf"/)

  const events = await openEventStream(
    `${appUrl}/push/events?topic=conversation:${conversationId}`,
    officer.cookie,
  )
  assert.equal(events.status, 200)
  await events.next('ready')

  const sent = await officer.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'Yes, we have the footage.\n\nI will call you this afternoon.',
  })
  assert.equal(sent.statusCode, 303)
  assert.match(sent.headers.location as string, /\?sent=1/)
  const [stored] = await outbound(conversationId)
  assert.equal(stored?.kind, 'staff')
  assert.equal(stored?.staff_id, officer.userId)
  assert.equal(stored?.display_name, 'DC Rowe')
  assert.equal(stored?.delivery_status, 'queued')
  assert.ok(stored?.message_id, 'sent through messaging’s dispatch')
  assert.deepEqual((await events.next('conversation')).ids, { message: stored.id })

  await sendAndSettle()
  const [atNotify] = notify.byReference(
    (
      await query<{ reference: string }>(
        'essex',
        sql`select reference from messages where id = ${stored.message_id}`,
      )
    )[0]!.reference,
  )
  assert.equal(atNotify?.to, '+447700900951')
  assert.equal(atNotify?.personalisation.body, 'Yes, we have the footage.\n\nI will call you this afternoon.')
  const [delivered] = await outbound(conversationId)
  assert.equal(delivered?.delivery_status, 'delivered', 'Notify’s receipt reached the conversation message')
  // Its delivery was pushed to the open page (waited for, however loaded the machine).
  await events.next('conversation', 15_000)
  events.close()

  const [audited] = await query<{ actor_id: string; detail: { channel: string; author: string } }>(
    'essex',
    sql`select actor_id, detail from audit_events where action = 'conversation-message.sent' and record_id = ${conversationId}`,
  )
  assert.equal(audited?.actor_id, officer.userId)
  assert.equal(audited?.detail.channel, 'sms')

  const person = await officer.get(`/console/people/${personId}`)
  assert.match(person.body, /Sent by text message \(DC Rowe\)/)
  assert.match(person.body, /Yes, we have the footage\./)
  assert.ok(
    person.body.indexOf('Has anyone looked at the CCTV') < person.body.indexOf('Yes, we have the footage'),
    'the question and its answer in time order',
  )
  const journeyCopies = await query<{ n: number }>(
    'essex',
    sql`select count(*)::int as n from messages where person_id = ${personId} and template_key = 'direct-message'`,
  )
  assert.equal(journeyCopies[0]?.n, 1)
  assert.equal(
    person.body.split('Yes, we have the footage.').length - 1,
    1,
    'the reply is on the timeline once, not also as a journey message',
  )
  const conversationPage = await officer.get(`/console/conversations/${conversationId}`)
  assert.match(conversationPage.body, /From DC Rowe to \+447700900951/)
  assert.match(conversationPage.body, /Delivered/)
})

test('CP-94: a reply Notify cannot deliver shows as failed, permanently, with the reason', async () => {
  clock.advance(60_000)
  // Notify's test number for a permanent failure.
  const conversationId = await textIn('07700 900003', 'Please call me back')
  const sent = await officer.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'Calling you now.',
  })
  assert.equal(sent.statusCode, 303)
  await sendAndSettle()
  const [stored] = await outbound(conversationId)
  assert.equal(stored?.delivery_status, 'failed')
  assert.equal(stored?.failure, 'permanent')
  const page = await officer.get(`/console/conversations/${conversationId}`)
  assert.match(page.body, /Not delivered<\/strong> \(permanent\)/)
})

test('a reply to someone who replied STOP is refused with the reason, and nothing is stored or sent', async () => {
  clock.advance(60_000)
  const conversationId = await textIn('07700 900952', 'Who is this?')
  assert.equal(await notify.receiveText('07700 900952', 'STOP'), 200)
  const page = await officer.get(`/console/conversations/${conversationId}`)
  assert.doesNotMatch(page.body, /action="\/console\/conversations\/[^"]+\/reply"/)
  assert.match(
    page.body,
    /You cannot reply here: The person has asked not to get text messages from the force \(they replied STOP\)/,
  )

  const refused = await officer.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'Sorry to bother you',
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary/)
  assert.match(refused.body, /href="#reply"/)
  assert.match(refused.body, /asked not to get text messages/)
  assert.equal((await outbound(conversationId)).length, 0)
  const queued = await query<{ n: number }>(
    'essex',
    sql`select count(*)::int as n from messages where recipient_key = '+447700900952'`,
  )
  assert.equal(queued[0]?.n, 0)
})

test('CP-94: a text reply longer than six texts is refused, the text kept; an empty one asks for the message', async () => {
  clock.advance(60_000)
  const conversationId = await textIn('07700 900953', 'Any update?')
  const long = 'x'.repeat(919)
  const refused = await officer.post(`/console/conversations/${conversationId}/reply`, { reply: long })
  assert.equal(refused.statusCode, 400)
  assert.match(
    refused.body,
    /Your text message is too long: 919 characters make 7 texts and at most 6 can be sent/,
  )
  assert.ok(refused.body.includes(`>${long}</textarea>`), 'what was typed is kept')
  const empty = await officer.post(`/console/conversations/${conversationId}/reply`, { reply: '  ' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /Enter your message/)
  const backstop = await officer.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'y'.repeat(10_001),
  })
  assert.equal(backstop.statusCode, 400)
  assert.equal((await outbound(conversationId)).length, 0)
})

test('UJ-8: in quiet hours a reply waits for the sending window, unless the person wrote in the last half hour', async () => {
  clock.set(new Date('2026-06-03T20:30:00Z')) // 21:30 in London: quiet hours until 08:00
  const conversationId = await textIn('07700 900954', 'Are you still there?')
  clock.advance(45 * 60_000)
  // The evening shift signs in (sessions end after the hours the clock has just jumped).
  officer = await t.signInAs(['investigating_officer'], 'essex', 'DC Rowe')
  const held = await officer.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'We will text you in the morning.',
  })
  assert.equal(held.statusCode, 303)
  assert.match(held.headers.location as string, /held=2026-06-04T07%3A00%3A00.000Z/)
  const [first] = await outbound(conversationId)
  const [heldMessage] = await query<{ send_after: string; urgent: boolean }>(
    'essex',
    sql`select send_after, urgent from messages where id = ${first!.message_id}`,
  )
  assert.equal(new Date(heldMessage!.send_after).toISOString(), '2026-06-04T07:00:00.000Z')
  const page = await officer.get(held.headers.location as string)
  assert.match(page.body, /Your reply will be sent at/)

  // The person writes again: an answer now goes at once, though it is quiet hours.
  clock.advance(60_000)
  assert.equal(await notify.receiveText('07700 900954', 'I am awake, please tell me now'), 204)
  clock.advance(5 * 60_000)
  const now = await officer.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'The suspect was arrested.',
  })
  assert.match(now.headers.location as string, /\?sent=1/)
  await sendAndSettle()
  const statuses = (await outbound(conversationId)).map((m) => m.delivery_status)
  assert.deepEqual(statuses, ['queued', 'delivered'])
  clock.set(new Date('2026-06-04T09:00:00Z'))
  officer = await t.signInAs(['investigating_officer'], 'essex', 'DC Rowe')
})

test('CP-94: an email conversation is answered by email over SMTP, as a reply to its subject, with the link to stop emails', async () => {
  clock.advance(60_000)
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: inboundSmtpPort,
    secure: false,
    ignoreTLS: true,
  })
  await transport.sendMail({
    from: '"Amara Okafor" <amara.okafor@example.org>',
    to: 'essex@replies.waypoint.test',
    subject: 'My stolen bike',
    text: 'Has my bike been found?',
    messageId: '<bike-1@example.org>',
  })
  transport.close()
  const [row] = await query<{ conversation_id: string }>(
    'essex',
    sql`select conversation_id from conversation_messages where body = 'Has my bike been found?'`,
  )
  const conversationId = row!.conversation_id
  const sent = await officer.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'Not yet.\n\nWe are checking second-hand shops <and online listings>.',
  })
  assert.equal(sent.statusCode, 303)
  await sendAndSettle()
  const mail = mailbox.find((m) => m.to.includes('amara.okafor@example.org'))
  assert.ok(mail, 'the reply went over SMTP')
  assert.match(mail.raw, /Subject: Re: My stolen bike/)
  assert.match(mail.raw, /We are checking second-hand shops <and online listings>\./)
  assert.match(mail.raw, /&lt;and online listings&gt;/, 'the HTML part shows the words, never markup')
  assert.match(mail.raw, /To stop getting these emails, use this link:/)
  const [stored] = await outbound(conversationId)
  assert.equal(stored?.delivery_status, 'sent', 'SMTP takes it; no receipt follows')
})

test('CP-94: another force’s officer, a role that may not reply and a form without its token are refused', async () => {
  const conversationId = await textIn('07700 900955', 'Hello?')
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  const elsewhere = await kentOfficer.post(`/console/conversations/${conversationId}/reply`, {
    reply: 'Hello from Kent',
  })
  assert.equal(elsewhere.statusCode, 404)
  const admin = await t.signInAs(['force_admin'], 'essex')
  const adminPage = await admin.get(`/console/conversations/${conversationId}`)
  assert.equal(adminPage.statusCode, 200, 'an administrator reads conversations')
  assert.doesNotMatch(adminPage.body, /Send reply/)
  assert.equal(
    (await admin.post(`/console/conversations/${conversationId}/reply`, { reply: 'Hi' })).statusCode,
    403,
  )
  const designer = await t.signInAs(['journey_designer'], 'essex')
  assert.equal(
    (await designer.post(`/console/conversations/${conversationId}/reply`, { reply: 'Hi' })).statusCode,
    403,
  )
  const noToken = await t.app.http.inject({
    method: 'POST',
    url: `/console/conversations/${conversationId}/reply`,
    headers: { cookie: officer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'reply=Hi',
  })
  assert.equal(noToken.statusCode, 403)
  const anonymous = await t.app.http.inject({
    method: 'POST',
    url: `/console/conversations/${conversationId}/reply`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'reply=Hi',
  })
  assert.notEqual(anonymous.statusCode, 303)
  assert.equal((await outbound(conversationId)).length, 0)
})

test('opening a conversation marks it read for that member of staff; the home page counts conversations with unread messages', async () => {
  const conversationId = await textIn('07700 900956', 'Just checking in')
  const home = await officer.get('/console')
  assert.match(home.body, /Conversations with unread messages/)
  const before = await t.app.services.conversations.unreadCount('essex', 1000)
  assert.ok(before >= 1)
  await officer.post(`/console/conversations/${conversationId}/reply`, { reply: 'Thanks, nothing new yet.' })
  clock.advance(60_000)
  await textIn('07700 900956', 'OK thanks')
  await officer.get(`/console/conversations/${conversationId}`)
  const [participant] = await query<{ last_read_at: string | null }>(
    'essex',
    sql`select last_read_at from conversation_participants where conversation_id = ${conversationId} and kind = 'staff'`,
  )
  assert.equal(new Date(participant!.last_read_at!).toISOString(), clock.now().toISOString())
  assert.equal(await t.app.services.conversations.unreadCount('essex', 1000), before - 1)
})

test('CP-94: a reply whose receipt never came is brought up to date by the delivery status poll', async () => {
  const receipts = notify.receipts
  notify.receipts = undefined
  try {
    clock.advance(60_000)
    const conversationId = await textIn('07700 900957', 'Can you confirm the time?')
    await officer.post(`/console/conversations/${conversationId}/reply`, { reply: 'Yes, 3pm on Friday.' })
    await sendAndSettle()
    assert.equal((await outbound(conversationId))[0]?.delivery_status, 'sent', 'no receipt came')
    // Past the age at which messaging asks GOV.UK Notify about a message without a receipt.
    clock.advance((t.app.config.messaging.pollReceiptsAfterSeconds + 60) * 1000)
    await t.app.jobs.boss.send('messaging.poll-receipts', {})
    await t.app.jobs.drain(['messaging.poll-receipts'])
    assert.equal((await outbound(conversationId))[0]?.delivery_status, 'delivered')
  } finally {
    notify.receipts = receipts
  }
})
