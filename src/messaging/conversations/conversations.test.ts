// Conversations end to end: a STORM log opens a case and the victim's journey texts them; their
// text reply comes back over the real GOV.UK Notify callback route (sent by the fake Notify over
// HTTP), and their email reply over real SMTP (nodemailer to Waypoint's listener). Both land as
// conversation messages on the person's page, beside the journey's message.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import nodemailer from 'nodemailer'
import { createTestApp, type SignedIn, type TestApp } from '../../../test/support/test-app.ts'
import { FixedClock } from '../../platform/clock.ts'
import { loadConfig } from '../../platform/config.ts'
import { FakeNotifyServer } from '../../simulator/fake-notify/server.ts'
import { aStormEvent } from '../../sources/test-support/events.ts'
import { openEventStream } from '../../../test/support/event-stream.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z') // a Wednesday, 10:00 in London
const callbackToken = 'notify-callback-token-for-conversation-tests-01'
let t: TestApp
let notify: FakeNotifyServer
let appUrl: string
let smtpPort: number
let officer: SignedIn
let personId: string

const victim = {
  nominalId: 'N-901',
  name: 'Priya Ndlovu',
  dateOfBirth: '1988-04-04',
  role: 'VIC',
  phone: '07700 900901',
  email: 'priya.ndlovu@example.org',
  preferredContact: 'SMS',
}

before(async () => {
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      messaging: { ...defaults.messaging, notify: { ...defaults.messaging.notify, callbackToken } },
      inboundEmail: {
        ...defaults.inboundEmail,
        port: 0,
        domain: 'replies.waypoint.test',
        addresses: { kent: 'victim-replies@kent.police.test' },
        maxBytes: 200_000,
      },
    },
    { clock },
  )
  await t.app.services.journeys.installDefaults('essex')
  appUrl = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  smtpPort = await t.app.inboundEmail.listen()
  notify = new FakeNotifyServer({ keys: [] })
  await notify.listen()
  notify.inbound = { url: `${appUrl}/callbacks/notify/essex/inbound-sms`, bearerToken: callbackToken }
  const created = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'S-901',
      at: clock.now().toISOString(),
      ref: 'ESX-901',
      grading: 'PRI',
      log: { openedAt: clock.now().toISOString(), incidentType: 'Burglary - residential' },
      persons: [victim],
    }),
    'application/json',
  )
  assert.equal(created.status, 'applied', created.reason ?? '')
  for (let i = 0; i < 5; i++) await t.app.jobs.drain()
  const found = await t.app.services.cases.search('essex', 'Priya')
  personId = found.people[0]!.id
  officer = await t.signInAs(['investigating_officer'], 'essex', 'DC Ellis')
})

after(async () => {
  await notify.close()
  await t.close()
})

const query = <T>(forceId: string, statement: ReturnType<typeof sql>) =>
  t.app.db.withForce(forceId, async (tx) => ((await tx.execute(statement)) as unknown as { rows: T[] }).rows)

const postInbound = (body: Record<string, unknown>) =>
  fetch(`${appUrl}/callbacks/notify/essex/inbound-sms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${callbackToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

const sendEmail = (message: Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0]) => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
  })
  return transport.sendMail(message).finally(() => transport.close())
}

test('CP-76: a text reply over the Notify callback becomes a conversation message on the person’s page, after the journey’s text', async () => {
  const [journeyText] = await query<{ body: string; case_id: string }>(
    'essex',
    sql`select body, case_id from messages where person_id = ${personId} and channel = 'sms' order by created_at limit 1`,
  )
  assert.ok(journeyText, 'the journey texted the victim')
  clock.advance(60_000)
  assert.equal(await notify.receiveText('+447700900901', 'Thank you. When will an officer call?'), 204)

  const [conversation] = await query<{ id: string; person_id: string; case_id: string }>(
    'essex',
    sql`select c.id, c.person_id, c.case_id from conversations c join conversation_messages m on m.conversation_id = c.id
        where m.body = 'Thank you. When will an officer call?'`,
  )
  assert.equal(conversation?.person_id, personId)
  assert.equal(
    conversation?.case_id,
    journeyText.case_id,
    'filed under the case the person was messaged about',
  )

  const page = await officer.get(`/console/people/${personId}`)
  assert.equal(page.statusCode, 200)
  const journeyAt = page.body.indexOf(
    journeyText.body.slice(0, 30).replace(/’/g, '&#8217;').replace(/'/g, '&#39;'),
  )
  const replyAt = page.body.indexOf('Thank you. When will an officer call?')
  assert.ok(replyAt > 0, 'the reply is on the person page')
  assert.ok(journeyAt > 0 && journeyAt < replyAt, 'the journey message comes first, in time order')
  assert.match(page.body, /Received by text message/)
  assert.match(page.body, /not read yet/)
})

test('CP-76: an email reply over SMTP becomes a conversation message on the person’s page, with its attachment kept for scanning', async () => {
  clock.advance(60_000)
  const photo = Buffer.from('not really a photo, but bytes all the same')
  await sendEmail({
    from: '"Priya Ndlovu" <Priya.Ndlovu@example.org>',
    to: 'essex@replies.waypoint.test',
    subject: 'Re: your crime report – a photo',
    text: 'Here is a photo of the broken window.\nPriya',
    attachments: [{ filename: 'window.jpg', content: photo, contentType: 'image/jpeg' }],
    messageId: '<reply-1@example.org>',
  })
  const [stored] = await query<{ id: string; person_id: string; subject: string; body: string }>(
    'essex',
    sql`select m.id, c.person_id, m.subject, m.body from conversation_messages m join conversations c on c.id = m.conversation_id
        where m.channel = 'email'`,
  )
  assert.equal(stored?.person_id, personId, 'the sender is matched by email address')
  assert.equal(stored?.subject, 'Re: your crime report – a photo')
  assert.equal(stored?.body, 'Here is a photo of the broken window.\nPriya')
  const [attachment] = await query<{
    filename: string
    size_bytes: number
    sha256: string
    scan_status: string
    content: unknown
  }>(
    'essex',
    sql`select filename, size_bytes, sha256, scan_status, encode(content, 'hex') as content from conversation_attachments
        where message_id = ${stored!.id}`,
  )
  assert.equal(attachment?.filename, 'window.jpg')
  assert.equal(attachment?.size_bytes, photo.length)
  assert.equal(attachment?.sha256, createHash('sha256').update(photo).digest('hex'))
  assert.equal(attachment?.scan_status, 'pending')
  assert.equal(attachment?.content, photo.toString('hex'))

  const page = await officer.get(`/console/people/${personId}`)
  assert.match(page.body, /Received by email/)
  assert.match(page.body, /Here is a photo of the broken window\./)
  assert.ok(
    page.body.indexOf('When will an officer call?') < page.body.indexOf('Here is a photo'),
    'in time order',
  )
})

test('CP-76: an email to an address that is no force’s is refused at RCPT; one over the size limit at DATA', async () => {
  await assert.rejects(
    sendEmail({ from: 'someone@example.org', to: 'nobody@elsewhere.test', text: 'hello' }),
    (error: Error & { responseCode?: number }) => error.responseCode === 550,
  )
  await assert.rejects(
    sendEmail({ from: 'someone@example.org', to: 'essex@replies.waypoint.test', text: 'x'.repeat(250_000) }),
    (error: Error & { responseCode?: number }) => error.responseCode === 552,
  )
  // A force's own configured address reaches it.
  await sendEmail({ from: 'someone@example.org', to: 'victim-replies@kent.police.test', text: 'For Kent' })
  const [kent] = await query<{ body: string }>('kent', sql`select body from conversation_messages`)
  assert.equal(kent?.body, 'For Kent')
})

test('CP-76: a text from a number nobody holds is kept for triage, never lost', async () => {
  assert.equal(await notify.receiveText('07700 900999', 'Who is this? I got a text about a burglary'), 204)
  const [kept] = await query<{ person_id: string | null; citizen_address_key: string }>(
    'essex',
    sql`select c.person_id, c.citizen_address_key from conversations c join conversation_messages m on m.conversation_id = c.id
        where m.body like 'Who is this?%'`,
  )
  assert.equal(kept?.person_id, null)
  assert.equal(kept?.citizen_address_key, '+447700900999')
  const list = await officer.get('/console/conversations?unmatched=yes')
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /\+447700900999 \(not matched\)/)
  assert.match(list.body, /Who is this\?/)
})

test('CP-76: the same Notify inbound id delivered twice is stored once', async () => {
  const body = {
    id: 'b7a1c7a4-0000-4000-8000-000000000001',
    source_number: '447700900901',
    destination_number: '07700900000',
    message: 'Sorry, sent twice?',
    date_received: clock.now().toISOString(),
  }
  assert.equal((await postInbound(body)).status, 204)
  assert.equal((await postInbound(body)).status, 204)
  const [count] = await query<{ n: number }>(
    'essex',
    sql`select count(*)::int as n from conversation_messages where body = 'Sorry, sent twice?'`,
  )
  assert.equal(count?.n, 1)
  // A malformed callback is refused, not stored; so is one for a force that does not exist.
  assert.equal((await postInbound({ id: 'x', message: 'no number' })).status, 400)
  const nowhere = await fetch(`${appUrl}/callbacks/notify/nowhere/inbound-sms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${callbackToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, id: 'another-id' }),
  })
  assert.equal(nowhere.status, 404)
})

test('CP-76: one text delivered twice at the same moment from a new number is one message in one conversation', async () => {
  const body = {
    id: 'b7a1c7a4-0000-4000-8000-000000000002',
    source_number: '07700900888',
    message: 'Twice at once',
    date_received: clock.now().toISOString(),
  }
  const answers = await Promise.all([postInbound(body), postInbound(body), postInbound(body)])
  assert.deepEqual(
    answers.map((a) => a.status),
    [204, 204, 204],
  )
  const [counts] = await query<{ conversations: number; messages: number }>(
    'essex',
    sql`select (select count(*)::int from conversations where citizen_address_key = '+447700900888') as conversations,
          (select count(*)::int from conversation_messages where body = 'Twice at once') as messages`,
  )
  assert.deepEqual(counts, { conversations: 1, messages: 1 })
})

test('UJ-6: a STOP reply still opts the number out, and is kept in the conversation', async () => {
  assert.equal(await notify.receiveText('+447700900901', 'STOP'), 200)
  const optedOut = await t.app.db.withForce('essex', (tx) =>
    t.app.services.messaging.optOuts.isOptedOut(tx, 'essex', 'sms', '07700 900901'),
  )
  assert.equal(optedOut, true)
  const [kept] = await query<{ person_id: string }>(
    'essex',
    sql`select c.person_id from conversations c join conversation_messages m on m.conversation_id = c.id where m.body = 'STOP'`,
  )
  assert.equal(kept?.person_id, personId)
})

test('CP-102, CP-153: opening a conversation marks what the person sent as read and is audited; another force cannot see it', async () => {
  const [conversation] = await query<{ id: string }>(
    'essex',
    sql`select conversation_id as id from conversation_messages where body = 'Thank you. When will an officer call?'`,
  )
  const id = conversation!.id
  const list = await officer.get('/console/conversations')
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /Priya Ndlovu/)
  assert.match(list.body, /unread/)

  const page = await officer.get(`/console/conversations/${id}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Thank you\. When will an officer call\?/)
  const unread = await query<{ id: string }>(
    'essex',
    sql`select id from conversation_messages where conversation_id = ${id} and direction = 'inbound' and read_at is null`,
  )
  assert.equal(unread.length, 0, 'every inbound message is now read')
  const [readBy] = await query<{ read_by: string }>(
    'essex',
    sql`select distinct read_by from conversation_messages where conversation_id = ${id}`,
  )
  assert.equal(readBy?.read_by, officer.userId)
  const audited = await query<{ action: string }>(
    'essex',
    sql`select action from audit_events where record_type = 'conversation' and record_id = ${id} and action = 'conversation.viewed'`,
  )
  assert.ok(audited.length >= 2, 'the person page and the conversation page are each audited')

  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  const refused = await kentOfficer.get(`/console/conversations/${id}`)
  assert.equal(refused.statusCode, 404)
  assert.doesNotMatch(refused.body, /When will an officer call/)
  const kentList = await kentOfficer.get('/console/conversations')
  assert.doesNotMatch(kentList.body, /Priya/)
  const journeyDesigner = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await journeyDesigner.get(`/console/conversations/${id}`)).statusCode, 403)
})

test('UJ-5, CP-76: a text reply and its reading are pushed live to its force’s pages; another force hears nothing and other roles are refused', async () => {
  const stream = (topics: string, cookie: string) =>
    openEventStream(`${appUrl}/push/events?${topics}`, cookie)
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  const analyst = await t.signInAs(['analyst'], 'essex')
  assert.equal((await stream(`topic=person-messages:${personId}`, analyst.cookie)).status, 403)
  assert.equal((await stream('topic=conversation', analyst.cookie)).status, 403)
  const person = await stream(`topic=person-messages:${personId}`, officer.cookie)
  assert.equal(person.status, 200)
  // Another force's officer may follow the same key; the event is for Essex and never reaches them.
  const elsewhere = await stream(`topic=person-messages:${personId}&topic=conversation`, kentOfficer.cookie)
  assert.equal(elsewhere.status, 200)
  await person.next('ready')
  await elsewhere.next('ready')

  clock.advance(60_000)
  assert.equal(await notify.receiveText('07700 900901', 'Is there any news?'), 204)
  const arrived = await person.next('person-messages')
  const [stored] = await query<{ id: string; conversation_id: string }>(
    'essex',
    sql`select id, conversation_id from conversation_messages where body = 'Is there any news?'`,
  )
  assert.deepEqual(arrived, {
    topic: 'person-messages',
    key: personId,
    ids: { conversation: stored!.conversation_id, message: stored!.id },
  })

  const conversation = await stream(`topic=conversation:${stored!.conversation_id}`, officer.cookie)
  await conversation.next('ready')
  assert.equal((await officer.get(`/console/conversations/${stored!.conversation_id}`)).statusCode, 200)
  const read = await conversation.next('conversation')
  assert.equal(read.key, stored!.conversation_id)
  assert.ok(Number((read.ids as Record<string, string>).read) >= 1, 'the reading is pushed')
  assert.equal((await person.next('person-messages')).key, personId, 'the person page hears of the reading')

  assert.equal(await elsewhere.arrives('person-messages', 300), false)
  assert.equal(await elsewhere.arrives('conversation', 10), false)
  for (const s of [person, elsewhere, conversation]) s.close()
})

test('UJ-3: deleting a person’s messages under the PIRM Code deletes their conversations, messages and attachments', async () => {
  const before = await query<{ n: number }>(
    'essex',
    sql`select count(*)::int as n from conversations where person_id = ${personId}`,
  )
  assert.ok((before[0]?.n ?? 0) >= 1)
  // As the retention sweep runs it: the retention role, confined to the force.
  const counts = await t.app.db.withForceDeleting('essex', (tx) =>
    t.app.services.messaging.scheduling.deleteFor(tx, { personId }),
  )
  assert.ok((counts.conversation_messages ?? 0) >= 3, JSON.stringify(counts))
  assert.equal(counts.conversation_attachments, 1)
  for (const table of ['conversations', 'conversation_participants'] as const) {
    const [left] = await query<{ n: number }>(
      'essex',
      sql`select count(*)::int as n from ${sql.raw(table)} where person_id = ${personId}`,
    )
    assert.equal(left?.n, 0, table)
  }
  const [attachments] = await query<{ n: number }>(
    'essex',
    sql`select count(*)::int as n from conversation_attachments`,
  )
  assert.equal(attachments?.n, 0)
  // Unmatched senders' conversations are no one's record and stay for triage.
  const [unmatched] = await query<{ n: number }>(
    'essex',
    sql`select count(*)::int as n from conversations where person_id is null`,
  )
  assert.equal(unmatched?.n, 2)
})
