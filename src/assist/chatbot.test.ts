// The chatbot on the web chat (CRM-7), through Contact's real chat service and the console's
// pages: off until a force administrator switches it on; it says it is automated, answers from the
// knowledge base, escalates danger at once with 999 advice, hands over on request and when unsure
// with the conversation so far, and queues by intent. The knowledge base is edited with GOV.UK
// forms by the force's administrator only, each change audited.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { chatbotName, emergencyReply, introduction, unsureReply } from './chatbot.ts'
import { seedAssistDemo } from './demo.ts'

// A Wednesday, 10:00 in London: the chat is open.
const clock = new FixedClock('2026-06-03T09:00:00Z')
const soh = 'https://www.essex.police.uk'
let t: TestApp
let admin: SignedIn

const chat = () => t.app.services.contact.chat

const queued = (conversationId: string) =>
  t.app.db.withForce('essex', (tx) =>
    rows<{ status: string; priority: number; skill: string }>(
      tx,
      sql`select status, priority, skill from contact_items where conversation_id = ${conversationId}`,
    ),
  )

const audited = (action: string, forceId = 'essex') =>
  t.app.db.asSystem((tx) =>
    rows<{ detail: Record<string, unknown> }>(
      tx,
      sql`select detail from audit_events where action = ${action} and force_id = ${forceId} order by id`,
    ),
  )

before(async () => {
  t = await createTestApp({}, { clock })
  admin = await t.signInAs(['force_admin'], 'essex', 'Ada Admin')
})

after(async () => {
  await t?.close()
})

test('CRM-7: the chatbot is off until the force administrator switches it on (audited); then it says it is automated and answers from the knowledge base', async () => {
  const before = await chat().start('essex', { text: 'I lost my wallet', origin: soh })
  assert.deepEqual(
    before.state.messages.map((m) => m.from),
    ['citizen'],
  )
  assert.equal((await queued(before.state.conversationId)).length, 1)

  const page = await admin.get('/console/assist/chatbot')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Off until you switch it on/)
  assert.match(page.body, /Lost property/)
  const switched = await admin.post('/console/assist/chatbot', { enabled: 'yes' })
  assert.equal(switched.statusCode, 303)
  assert.deepEqual((await audited('assist.chatbot-switched')).at(-1)?.detail, {
    enabled: true,
    before: false,
  })

  const { token, state } = await chat().start('essex', { text: 'I have lost my purse in town', origin: soh })
  const [, bot] = state.messages
  assert.equal(bot?.from, 'bot')
  assert.equal(bot?.name, chatbotName)
  assert.ok(bot?.text.startsWith(introduction), bot?.text)
  assert.match(bot?.text ?? '', /We do not keep most lost property/)
  assert.deepEqual(await queued(state.conversationId), [], 'answered, not queued')
  const answered = (await audited('contact.chat-responder-answered')).at(-1)?.detail
  assert.deepEqual(
    [answered?.responder, answered?.handOver, answered?.intent],
    [chatbotName, false, 'lost-property'],
  )
  assert.ok(Number(answered?.confidence) >= 0.5)
  await chat().send('essex', token, { text: 'thanks, that is helpful' })
  const later = await chat().messages('essex', state.conversationId)
  assert.equal(later.length, 4)
  assert.ok(!later[3]?.text.includes(introduction), 'introduces itself once')
  assert.match(later[3]?.text ?? '', /welcome/)
})

test('CRM-7: a message with danger words gets the 999 advice and goes to a person at once, marked urgent', async () => {
  const { token, state } = await chat().start('essex', {
    text: 'my ex is outside and he has a knife',
    origin: soh,
  })
  const bot = state.messages.at(-1)
  assert.equal(bot?.from, 'bot')
  assert.ok(bot?.text.includes(emergencyReply), bot?.text)
  assert.match(bot?.text ?? '', /call 999/)
  const [contact] = await queued(state.conversationId)
  assert.equal(contact?.priority, 1)
  assert.equal(contact?.skill, 'vulnerability')
  const handedOver = (await audited('contact.chat-handed-over')).at(-1)?.detail
  assert.equal(handedOver?.priority, 1)
  assert.deepEqual((await audited('contact.chat-responder-answered')).at(-1)?.detail.signs, ['weapon'])
  // The bot stays out of it from then on: the next message waits for the handler.
  await chat().send('essex', token, { text: 'please hurry' })
  assert.equal(
    (await chat().messages('essex', state.conversationId)).filter((m) => m.from === 'bot').length,
    1,
  )
})

test('CRM-7: the chatbot hands over when asked for a person, with the conversation so far labelled as automated for the handler', async () => {
  const { token, state } = await chat().start('essex', { text: 'how do I report a stolen bike', origin: soh })
  assert.match(state.messages.at(-1)?.text ?? '', /report a crime that is not happening now/)
  assert.deepEqual(await queued(state.conversationId), [])
  await chat().send('essex', token, { text: 'can I speak to a real person please' })
  const [contact] = await queued(state.conversationId)
  assert.deepEqual({ ...contact, status: undefined }, { status: undefined, priority: 3, skill: 'chat' })
  const handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  const page = await handler.get(`/console/conversations/${state.conversationId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /how do I report a stolen bike/)
  assert.match(page.body, /can I speak to a real person please/)
  assert.equal(page.body.match(/Automated assistant \(automated\)/g)?.length, 2)
})

test('CRM-7: the chatbot hands over when it is not sure, and an intent marked for hand-over sets its priority and skill', async () => {
  const unsure = await chat().start('essex', { text: 'zebra quantum marmalade', origin: soh })
  assert.ok(unsure.state.messages.at(-1)?.text.endsWith(unsureReply))
  assert.deepEqual(
    (await queued(unsure.state.conversationId)).map((c) => [c.priority, c.skill]),
    [[3, 'chat']],
  )
  assert.equal((await audited('contact.chat-responder-answered')).at(-1)?.detail.reason, 'low-confidence')
  const abuse = await chat().start('essex', {
    text: 'my partner controls my money and threatens me',
    origin: soh,
  })
  assert.match(abuse.state.messages.at(-1)?.text ?? '', /trained to help/)
  assert.deepEqual(
    (await queued(abuse.state.conversationId)).map((c) => [c.priority, c.skill]),
    [[2, 'vulnerability']],
  )
})

test('CRM-7: the force administrator edits the knowledge base with GOV.UK forms; the bot uses it at once; other roles and forces are refused', async () => {
  const handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  assert.equal((await handler.get('/console/assist/chatbot')).statusCode, 403)
  assert.equal((await handler.post('/console/assist/chatbot', { enabled: 'no' })).statusCode, 403)
  assert.equal((await handler.post('/console/assist/chatbot/intents', { name: 'x' })).statusCode, 403)

  const form = await admin.get('/console/assist/chatbot/intents/new')
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /maxlength="1000"/)
  const refused = await admin.post('/console/assist/chatbot/intents', {
    name: 'Bike Marking',
    title: '',
    phrases: 'mark my bike',
    answer: 'a'.repeat(1001),
    priority: '4',
    skill: 'chat',
    handOver: 'no',
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary/)
  assert.match(refused.body, /href="#phrases"/)
  assert.match(refused.body, /Enter at least 3 example phrases, one on each line/)
  assert.match(refused.body, /The answer must be 1000 characters or fewer/)

  const added = await admin.post('/console/assist/chatbot/intents', {
    name: 'bike-marking',
    title: 'Bike marking',
    phrases:
      'where can I get my bike marked\nbike marking event\nsecurity marking for my bicycle\nmark my bike',
    answer: 'Come to a bike marking event at your local station.',
    priority: '4',
    skill: 'chat',
    handOver: 'no',
  })
  assert.equal(added.statusCode, 303)
  const bike = await chat().start('essex', { text: 'can my bicycle be security marked', origin: soh })
  assert.match(bike.state.messages.at(-1)?.text ?? '', /Come to a bike marking event/)

  const changed = await admin.post('/console/assist/chatbot/intents/bike-marking', {
    name: 'bike-marking',
    title: 'Bike marking',
    phrases: 'where can I get my bike marked\nbike marking event\nsecurity marking for my bicycle',
    answer: 'Bike marking events are listed on our website.',
    priority: '4',
    skill: 'chat',
    handOver: 'no',
  })
  assert.equal(changed.statusCode, 303)
  assert.deepEqual((await audited('assist.intent-changed')).at(-1)?.detail, {
    intent: 'bike-marking',
    changed: ['phrases', 'answer'],
  })
  assert.match((await admin.get('/console/assist/chatbot/intents/bike-marking')).body, /on our website/)

  // Another force's administrator sees only Waypoint's intents, not Essex's, and cannot reach them.
  const kent = await t.signInAs(['force_admin'], 'kent', 'Kim Kent')
  assert.doesNotMatch((await kent.get('/console/assist/chatbot')).body, /Bike marking/)
  assert.equal((await kent.get('/console/assist/chatbot/intents/bike-marking')).statusCode, 404)
  assert.equal((await kent.post('/console/assist/chatbot/intents/bike-marking/remove')).statusCode, 404)

  assert.equal((await admin.post('/console/assist/chatbot/intents/bike-marking/remove')).statusCode, 303)
  assert.deepEqual((await audited('assist.intent-removed')).at(-1)?.detail, { intent: 'bike-marking' })
  assert.doesNotMatch((await admin.get('/console/assist/chatbot')).body, /Bike marking/)
})

test('CRM-7: the demo switches a force’s chatbot on once, and an administrator’s later choice stands', async () => {
  await seedAssistDemo(t.app, 'kent')
  assert.equal((await t.app.services.assist.chatbotSettings('kent')).enabled, true)
  assert.deepEqual((await audited('assist.chatbot-switched', 'kent')).at(-1)?.detail, {
    enabled: true,
    before: false,
  })
  const kent = await t.signInAs(['force_admin'], 'kent', 'Kim Kent')
  assert.equal((await kent.post('/console/assist/chatbot', { enabled: 'no' })).statusCode, 303)
  await seedAssistDemo(t.app, 'kent')
  assert.equal((await t.app.services.assist.chatbotSettings('kent')).enabled, false)
})
