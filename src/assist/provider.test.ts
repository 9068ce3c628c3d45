// Assist's model provider (decision 0048) against a real OpenAI-compatible server on 127.0.0.1
// (test/support/fake-openai.ts) that records what it receives: the client's two calls, its
// timeout and typed failures with no retry, the allow-list; redaction before sending; and through
// createApp, the force administrator's settings (sealed key, error summary, audited, wrong role
// and force refused, connection test), Kent's chatbot and officer help asking the provider while
// Essex's do not, each feature switched on its own, danger rules first and never downgraded, Essex's
// call recordings transcribed by its provider, and the fall-back to the embedded engine when the
// provider times out or fails, audited.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { type FakeOpenAi, startFakeOpenAi } from '../../test/support/fake-openai.ts'
import { issueClientToken } from '../../test/support/api-client.ts'
import { aSignedInCitizen, aVictimCase, anInvitation } from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { OutboundPolicy, parseHostRules } from '../platform/outbound.ts'
import { policyFetch } from '../platform/outbound-fetch.ts'
import { emergencyReply } from './chatbot.ts'
import { dangerIn } from './danger.ts'
import { OpenAiCompatibleClient } from './provider.ts'
import { redact, restore } from './redact.ts'
import { writeWav } from './transcription.ts'

const clock = new FixedClock('2026-06-10T09:00:00Z')
let fake: FakeOpenAi
let t: TestApp
let kentAdmin: SignedIn
let essexAdmin: SignedIn
let officer: SignedIn

before(async () => {
  fake = await startFakeOpenAi()
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  kentAdmin = await t.signInAs(['force_admin'], 'kent', 'Kim Admin')
  essexAdmin = await t.signInAs(['force_admin'], 'essex', 'Ed Admin')
  officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  const profile = await officer.post('/console/officers/profile', { collar: '4521', team: 'Maidstone CID' })
  assert.equal(profile.statusCode, 303, profile.body)
})
after(async () => {
  await t?.close()
  await fake?.close()
})

const ownDatabase = async () => ({
  database: 'waypoint',
  systemIdentifier: null,
  serverAddress: null,
  serverPort: null,
})
const clientFor = (hosts: string) => {
  const outbound = new OutboundPolicy({ rules: { ai: parseHostRules(hosts) }, ownDatabase })
  return new OpenAiCompatibleClient((ms) => policyFetch(outbound, 'ai', ms))
}

const personal = {
  name: 'Jo Bloggs',
  phone: '07700 900123',
  email: 'jo.bloggs@example.org',
  street: '12 High Street',
  postcode: 'ME14 1XX',
  birth: '01/02/1980',
}
const personalText = `My name is ${personal.name}. I lost my purse in town. Call me on ${personal.phone} or ${personal.email}. I live at ${personal.street}, Maidstone ${personal.postcode}, born ${personal.birth}.`
const assertNoPersonalData = (text: string) => {
  for (const value of [...Object.values(personal), 'Bloggs', '900123'])
    assert.ok(!text.includes(value), `"${value}" was sent`)
}

async function kentRows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return t.app.db.withForce('kent', (tx) => rows<T>(tx, query))
}
const audited = (action: string) =>
  kentRows<{ recordId: string; detail: Record<string, unknown> }>(
    sql`select record_id as "recordId", detail from audit_events where action = ${action} order by id`,
  )

const settings = (over: Record<string, string | string[]> = {}) => ({
  name: 'Kent model',
  baseUrl: fake.baseUrl,
  chatModel: 'kent-chat-1',
  transcriptionModel: '',
  apiKey: '',
  // Long enough for a loaded machine: the tests of a timeout set their own.
  timeoutSeconds: '30',
  redact: 'yes',
  features: ['chatbot'],
  ...over,
})
async function saveKent(over: Record<string, string | string[]> = {}) {
  const saved = await kentAdmin.post('/console/assist/provider', settings(over))
  assert.equal(saved.statusCode, 303, saved.body)
}

test('the client posts a chat completion with the bearer key and a multipart transcription to an OpenAI-compatible server', async () => {
  fake.reset()
  fake.answer = () => 'lost-property'
  const client = clientFor('127.0.0.1')
  const endpoint = { baseUrl: `${fake.baseUrl}/`, apiKey: 'sk-test-1234', timeoutMs: 2000 }
  const chat = await client.chat(endpoint, {
    model: 'kent-chat-1',
    messages: [
      { role: 'system', content: 'Sort it.' },
      { role: 'user', content: 'I lost my wallet' },
    ],
  })
  assert.ok(chat.ok)
  assert.equal(chat.text, 'lost-property')
  assert.equal(fake.requests.length, 1)
  const [sent] = fake.requests
  assert.equal(sent!.path, '/v1/chat/completions')
  assert.equal(sent!.authorization, 'Bearer sk-test-1234')
  assert.equal(sent!.json?.model, 'kent-chat-1')
  assert.deepEqual(
    sent!.json?.messages.map((m) => m.role),
    ['system', 'user'],
  )
  const audio = Uint8Array.from([0x52, 0x49, 0x46, 0x46, 0x00, 0xff, 0xfe, 0x80])
  const heard = await client.transcribe(endpoint, {
    model: 'kent-whisper',
    audio,
    fileName: 'call 1.wav',
    mediaType: 'audio/wav',
    language: 'en',
  })
  assert.ok(heard.ok)
  assert.equal(heard.text, 'I want to report a stolen bicycle.')
  const upload = fake.requests[1]!
  assert.equal(upload.path, '/v1/audio/transcriptions')
  assert.match(upload.contentType ?? '', /^multipart\/form-data; boundary=/)
  assert.match(upload.body, /name="model"\r\n\r\nkent-whisper\r\n/)
  assert.match(upload.body, /filename="call_1.wav"\r\nContent-Type: audio\/wav/)
  // The recording's bytes arrive as they were, not re-encoded as text.
  assert.ok(upload.body.includes(Buffer.from(audio).toString('latin1')))
})

test('a slow, failing or disallowed provider gives a typed failure after one request, never a retry', async () => {
  fake.reset()
  const client = clientFor('127.0.0.1')
  // Answers come well inside 10 s, however loaded the machine; only the slow one is timed out.
  const ask = (timeoutMs = 10_000) =>
    client.chat(
      { baseUrl: fake.baseUrl, apiKey: null, timeoutMs },
      { model: 'm', messages: [{ role: 'user', content: 'hello' }] },
    )
  fake.delayMs = 60_000
  const slow = await ask(300)
  assert.equal(slow.ok, false)
  assert.equal(!slow.ok && slow.kind, 'timeout')
  assert.ok(slow.ms >= 290 && slow.ms < 10_000, `${slow.ms} ms`)
  assert.equal(fake.requests.length, 1)
  fake.reset()
  fake.failWith = 500
  const failed = await ask()
  assert.deepEqual(!failed.ok && [failed.kind, failed.status], ['http', 500])
  assert.equal(fake.requests.length, 1)
  fake.reset()
  fake.answer = () => ''
  const empty = await ask()
  assert.equal(!empty.ok && empty.kind, 'unreadable')
  // A host the deployment does not list is refused before anything is sent.
  fake.reset()
  const refused = await clientFor('ai.kent.police.uk').chat(
    { baseUrl: fake.baseUrl, apiKey: null, timeoutMs: 1000 },
    { model: 'm', messages: [{ role: 'user', content: 'hello' }] },
  )
  assert.equal(!refused.ok && refused.kind, 'refused')
  assert.equal(fake.requests.length, 0)
})

test('redaction replaces names, telephone numbers, emails, street addresses, postcodes and dates of birth, and puts them back', () => {
  const out = redact(personalText)
  assertNoPersonalData(out.text)
  assert.match(out.text, /\[NAME 1\].*\[PHONE 1\].*\[EMAIL 1\].*\[ADDRESS 1\].*\[POSTCODE 1\].*\[DATE 1\]/)
  assert.deepEqual(out.counts, { EMAIL: 1, PHONE: 1, DATE: 1, POSTCODE: 1, ADDRESS: 1, NAME: 1 })
  assert.equal(restore(out.text, out.values), personalText)
  // Names Waypoint knows are found anywhere, whole or in part; titles mark others.
  const known = redact('Sam said Victim was at home; Mrs Patel saw DC Priya Shah and +44 7700 900456.', [
    'Sam Victim',
    'DC Priya Shah',
  ])
  for (const v of ['Sam', 'Victim', 'Patel', 'Priya', 'Shah', '900456']) assert.ok(!known.text.includes(v), v)
})

test('redaction finds the name a person gives whatever the case of the words before it, and only a capitalised name', () => {
  const said = [
    ['MY NAME IS Jo Bloggs, thanks', 'MY NAME IS [NAME 1], thanks'],
    ["i'm called Alex Smith and I need help", "i'm called [NAME 1] and I need help"],
    ['My Son Is Called Tom', 'My Son Is Called [NAME 1]'],
    ['this is my name is Jo', 'this is my name is [NAME 1]'],
    // Not a capitalised name: left as written.
    ['my name is bob', 'my name is bob'],
    ['this is urgent', 'this is urgent'],
  ]
  for (const [text, expected] of said) assert.equal(redact(text!).text, expected, text)
})

test('the AI provider page is for the force administrator only; it refuses a host off the allow-list and other bad values with an error summary', async () => {
  assert.equal((await officer.get('/console/assist/provider')).statusCode, 403)
  assert.equal((await officer.post('/console/assist/provider', settings())).statusCode, 403)
  assert.equal((await officer.post('/console/assist/provider/test', {})).statusCode, 403)
  const empty = await kentAdmin.get('/console/assist/provider')
  assert.equal(empty.statusCode, 200)
  assert.match(empty.body, /<h1 class="govuk-heading-l">AI provider<\/h1>/)
  assert.doesNotMatch(empty.body, /Test connection/)
  const refused = await kentAdmin.post(
    '/console/assist/provider',
    settings({
      name: '',
      baseUrl: 'https://ai.not-listed.example.org',
      chatModel: '',
      timeoutSeconds: '600',
      redact: '',
      features: ['chatbot', 'everything'],
    }),
  )
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /There is a problem/)
  for (const message of [
    /Enter the provider’s name/,
    /may not connect to ai.not-listed.example.org.*OUTBOUND_AI_HOSTS/,
    /Enter the chat model’s name/,
    /whole number of seconds from 1 to 60/,
    /Select whether to take personal data out/,
    /Select features from the list/,
  ])
    assert.match(refused.body, message)
  assert.equal(
    (await kentAdmin.post('/console/assist/provider', settings({ baseUrl: 'ftp://127.0.0.1/' }))).statusCode,
    400,
  )
  assert.equal((await kentRows(sql`select 1 from assist_provider_settings`)).length, 0)
})

test('the key is sealed and never shown again; the change is audited without it; Essex sees none of Kent’s provider; the connection test is audited', async () => {
  fake.reset()
  await saveKent({ apiKey: 'sk-kent-secret-9876' })
  const [row] = await kentRows<{ sealed: string; last4: string; features: string[] }>(
    sql`select api_key_sealed as sealed, api_key_last4 as last4, features from assist_provider_settings`,
  )
  assert.match(row!.sealed, /^v2:[0-9a-f]{8}:/)
  assert.ok(!row!.sealed.includes('sk-kent-secret'))
  assert.equal(row!.last4, '9876')
  const page = await kentAdmin.get('/console/assist/provider?saved=1')
  assert.match(page.body, /The AI provider’s settings are saved/)
  assert.match(page.body, /A key ending 9876 is kept/)
  assert.ok(!page.body.includes('sk-kent-secret'))
  const [changed] = (await audited('assist.provider-changed')).slice(-1)
  assert.equal(changed!.detail.key, 'replaced')
  assert.deepEqual(changed!.detail.features, ['chatbot'])
  assert.ok(!JSON.stringify(changed!.detail).includes('sk-kent-secret'))
  // Saved again without a key, the key is kept.
  await saveKent()
  assert.equal(
    (await kentRows<{ l: string }>(sql`select api_key_last4 as l from assist_provider_settings`))[0]!.l,
    '9876',
  )
  // Row-level security: Essex's administrator sees an empty form, and Essex has no row.
  const essex = await essexAdmin.get('/console/assist/provider')
  assert.doesNotMatch(essex.body, /Kent model|9876/)
  assert.equal(
    (await t.app.db.withForce('essex', (tx) => rows(tx, sql`select 1 from assist_provider_settings`))).length,
    0,
  )
  const tested = await kentAdmin.post('/console/assist/provider/test', {})
  assert.equal(tested.statusCode, 200)
  assert.match(tested.body, /The connection works: Kent model answered in \d+ ms/)
  assert.equal(fake.requests.length, 1)
  assert.equal(fake.requests[0]!.authorization, 'Bearer sk-kent-secret-9876')
  assert.equal(fake.requests[0]!.json?.messages[0]?.content, 'Reply with the single word OK.')
  assert.equal((await audited('assist.provider-tested')).at(-1)!.detail.ok, true)
  // Essex has nothing to test.
  assert.equal((await essexAdmin.post('/console/assist/provider/test', {})).statusCode, 400)
})

async function chatbotsOn() {
  for (const force of ['kent', 'essex'])
    await t.app.services.assist.switchChatbot(force, true, {
      staffId: null,
      actor: { kind: 'system', id: null, name: 'test' },
    })
}
const respond = async (force: string, text: string) => {
  const bot = await t.app.services.firstResponder(force)
  assert.ok(bot, `${force}'s chatbot is on`)
  return bot.respond({ forceId: force, chatId: '00000000-0000-4000-8000-000000000001', text, history: [] })
}

test('CRM-7: Kent’s chatbot asks its provider for the intent with personal data taken out and answers from its knowledge base, labelled; Essex’s does not ask', async () => {
  await chatbotsOn()
  await saveKent({ features: ['chatbot'], redact: 'yes' })
  fake.reset()
  fake.answer = () => 'lost-property'
  const kent = await respond('kent', personalText)
  assert.equal(kent.handOver, false)
  assert.match(kent.reply ?? '', /We do not keep most lost property/)
  assert.equal(kent.detail?.engine, 'provider')
  assert.equal(kent.detail?.provider, 'Kent model')
  assert.equal(kent.detail?.intent, 'lost-property')
  assert.equal(fake.requests.length, 1)
  const sent = fake.requests[0]!
  assertNoPersonalData(sent.body)
  assert.match(sent.json!.messages[1]!.content, /\[NAME 1\].*\[PHONE 1\]/)
  assert.match(sent.json!.messages[0]!.content, /lost-property: /)
  const essex = await respond('essex', personalText)
  assert.equal(essex.detail?.engine, 'embedded')
  assert.equal(fake.requests.length, 1, 'Essex sent nothing')
  // Without redaction, the force's choice, the text goes as it is.
  await saveKent({ features: ['chatbot'], redact: 'no' })
  fake.reset()
  await respond('kent', personalText)
  assert.ok(fake.requests[0]!.body.includes(personal.phone))
  await saveKent({ features: ['chatbot'], redact: 'yes' })
})

test('CRM-7: the danger rules run first and the provider is never asked; a provider cannot downgrade a hand-over', async () => {
  await chatbotsOn()
  await saveKent({ features: ['chatbot'] })
  fake.reset()
  fake.answer = () => 'lost-property'
  const danger = await respond('kent', 'There is a man with a knife outside my flat')
  assert.equal(danger.handOver, true)
  assert.equal(danger.priority, 1)
  assert.match(danger.reply ?? '', new RegExp(emergencyReply.slice(0, 40)))
  assert.equal(fake.requests.length, 0)
  // "my partner hits me" has no red-flag words, but its intent hands over; the provider says noise.
  assert.deepEqual(dangerIn('my partner hits me'), [])
  fake.answer = () => 'noise-asb'
  const kept = await respond('kent', 'my partner hits me')
  assert.equal(fake.requests.length, 1)
  assert.equal(kept.handOver, true)
  assert.equal(kept.detail?.intent, 'domestic-abuse')
  assert.equal(kept.detail?.providerIntent, 'noise-asb')
  assert.equal(kept.detail?.kept, 'embedded hand-over')
  // A provider that names no intent hands over as unsure rather than guess.
  fake.answer = () => 'none'
  const unsure = await respond('kent', 'I lost my wallet')
  assert.equal(unsure.handOver, true)
})

test('CRM-7: when the provider times out, fails or names no intent, the embedded classifier answers and the fall-back is audited without the message', async () => {
  await chatbotsOn()
  await saveKent({ features: ['chatbot'], timeoutSeconds: '1' })
  fake.reset()
  fake.delayMs = 60_000
  const started = performance.now()
  const slow = await respond('kent', 'I lost my wallet in town')
  assert.ok(performance.now() - started < 30_000, 'the timeout cut the wait short')
  assert.equal(slow.handOver, false)
  assert.match(slow.reply ?? '', /lost property/)
  assert.deepEqual([slow.detail?.engine, slow.detail?.fellBack], ['embedded', 'timeout'])
  // The failures below come back at once: a timeout a loaded machine cannot reach first.
  await saveKent({ features: ['chatbot'], timeoutSeconds: '60' })
  fake.reset()
  fake.failWith = 503
  const failed = await respond('kent', 'I lost my wallet in town')
  assert.equal(failed.detail?.fellBack, 'http')
  fake.reset()
  fake.answer = () => 'I think they lost something'
  const unreadable = await respond('kent', 'I lost my wallet in town')
  assert.equal(unreadable.detail?.fellBack, 'unreadable')
  const fellBack = (await audited('assist.provider-fell-back')).slice(-3)
  assert.deepEqual(
    fellBack.map((f) => [f.detail.feature, f.detail.failure]),
    [
      ['chatbot', 'timeout'],
      ['chatbot', 'http'],
      ['chatbot', 'unreadable'],
    ],
  )
  assert.ok(fellBack.every((f) => !JSON.stringify(f.detail).includes('wallet')))
  const page = await kentAdmin.get('/console/assist/provider')
  assert.match(page.body, /Recent fall-backs/)
  assert.match(page.body, /No answer within 1000 ms/)
  await saveKent({ features: ['chatbot'] })
})

let seq = 0
/** A burglary with a victim in the Portal who writes `message`; the officer's conversation page. */
async function aVictimWhoWrites(message: string) {
  seq += 1
  const email = `provider.victim${seq}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef: `46/${95000 + seq}/26`,
    eventId: `ATH-PROV-${seq}`,
    urn: `P-PROV-${seq}`,
    name: `Sam Victim${seq}`,
    dateOfBirth: '1980-01-01',
    phone: `0770092${String(seq).padStart(4, '0')}`,
    email,
    officer: { collarNumber: '4521', name: 'DC Priya Shah', team: 'Maidstone CID' },
  })
  const invitationId = await anInvitation(t.app, 'kent', crime)
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'a long test password',
    totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
    invitationId,
    forceId: 'kent',
  })
  const citizen = await aSignedInCitizen(t.app, account.id, 'kent')
  await citizen.get(`/portal/cases/${crime.crimeId}/messages`)
  const sent = await citizen.post(`/portal/cases/${crime.crimeId}/messages`, { message })
  assert.equal(sent.statusCode, 303, sent.body)
  const [c] = await kentRows<{ id: string }>(
    sql`select id from conversations where case_id = ${crime.crimeId}`,
  )
  return { name: `Sam Victim${seq}`, conversationId: c!.id, url: `/console/officers/conversations/${c!.id}` }
}
const suggestionIds = (body: string) => [...body.matchAll(/\?suggestion=([0-9a-f-]{36})/g)].map((m) => m[1]!)

test('CP-89: officer help drafts a reply with the provider only when the force switches that feature on; labelled, redacted, editable, and its final text audited', async () => {
  const help = await kentAdmin.post('/console/assist/officer-help', { enabled: 'yes' })
  assert.equal(help.statusCode, 303)
  await saveKent({ features: ['chatbot'] })
  fake.reset()
  const before = await aVictimWhoWrites('Is there any update on my case? Call me on 07700 900777.')
  const plain = await officer.get(before.url)
  assert.match(plain.body, /Suggested replies/)
  assert.doesNotMatch(plain.body, /Automated: Kent model/)
  assert.equal(fake.requests.length, 0, 'officer replies are not switched on')

  await saveKent({ features: ['chatbot', 'officer-replies'] })
  fake.answer = (r) =>
    r.json!.messages[1]!.content.includes('[NAME 1]')
      ? 'Hello [NAME 1], thank you for your message. I will call you on [PHONE 1] this week.'
      : 'Hello, thank you.'
  const v = await aVictimWhoWrites('Is there any update on my case? Call me on 07700 900777.')
  const page = await officer.get(v.url)
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /Drafted reply <strong class="govuk-tag govuk-tag--grey">Automated: Kent model<\/strong>/,
  )
  assert.match(page.body, /written by Kent model, your force’s AI provider/)
  // The provider saw placeholders; the officer sees the person's name and number put back.
  assert.equal(fake.requests.length, 1)
  const sent = fake.requests[0]!
  for (const value of [v.name, 'Victim', '900777', 'Priya']) assert.ok(!sent.body.includes(value), value)
  assert.match(
    page.body,
    new RegExp(`Hello ${v.name}, thank you for your message. I will call you on 07700 900777`),
  )
  // Shown again, the draft is reused, not asked for again.
  await officer.get(v.url)
  assert.equal(fake.requests.length, 1)
  const shown = (await audited('assist.suggestions-shown')).filter((a) => a.recordId === v.conversationId)
  assert.equal(shown.length, 1)
  assert.deepEqual([shown[0]!.detail.provider, shown[0]!.detail.providerAnswered], ['Kent model', true])
  // Editable: "Use this reply" pre-fills the form; the officer edits and sends; recorded as edited.
  const [first] = suggestionIds(page.body)
  const [row] = await kentRows<{ key: string; text: string }>(
    sql`select key, text from assist_officer_suggestions where id = ${first}`,
  )
  assert.equal(row!.key, 'provider-reply')
  const used = await officer.get(`${v.url}?suggestion=${first}`)
  assert.match(used.body, /I will call you on 07700 900777 this week/)
  const reply = await officer.post(v.url, {
    reply: `${row!.text} I have also asked the scene examiner to visit.`,
    kind: 'message',
    suggestion: first!,
  })
  assert.equal(reply.statusCode, 303, reply.body)
  const decided = (await audited('assist.suggestion-decided')).filter(
    (a) => a.recordId === v.conversationId && a.detail.suggestion === first,
  )
  assert.equal(decided[0]?.detail.outcome, 'edited')
})

test('CP-89, CP-93: when the provider fails, the officer sees Waypoint’s own suggestions with the reason, and words of danger stay urgent and first', async () => {
  await saveKent({ features: ['officer-replies'] })
  fake.reset()
  fake.failWith = 500
  const v = await aVictimWhoWrites('Is there any update on my case?')
  const page = await officer.get(v.url)
  assert.match(
    page.body,
    /Kent model did not answer in time or failed, so these are Waypoint’s own suggestions/,
  )
  assert.ok(suggestionIds(page.body).length >= 1)
  assert.doesNotMatch(page.body, /Automated: Kent model/)
  const fellBack = (await audited('assist.provider-fell-back')).at(-1)!
  assert.deepEqual(
    [fellBack.recordId, fellBack.detail.feature, fellBack.detail.failure],
    [v.conversationId, 'officer-replies', 'http'],
  )
  fake.reset()
  fake.answer = () => 'Thank you for your message. I will look into it next week.'
  const danger = await aVictimWhoWrites('He said he is going to kill me when he finds me.')
  const urgent = await officer.get(danger.url)
  assert.match(urgent.body, /Urgent<\/strong> Call the person now/)
  const firstReply = /Suggestion 1: ([^<]+)</.exec(urgent.body)?.[1]
  assert.equal(firstReply?.trim(), 'Call 999 if in danger; I will call you')
  assert.match(urgent.body, /Suggestion 2: Drafted reply/)
})

test('CRM-22, CRM-6: Essex’s call recordings go to its provider for transcription, and Waypoint’s danger rules still read the words; a failure falls back to the embedded recogniser, audited', async () => {
  const essexRows = <T>(query: ReturnType<typeof sql>) =>
    t.app.db.withForce('essex', (tx) => rows<T>(tx, query))
  const essex = {
    ...settings({ name: 'Essex speech', features: ['transcription'], redact: 'yes', transcriptionModel: '' }),
  }
  // A recording cannot be redacted, and transcription needs a model.
  const refused = await essexAdmin.post('/console/assist/provider', essex)
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /Personal data cannot be taken out of a recording/)
  assert.match(refused.body, /Enter the transcription model’s name/)
  const saved = await essexAdmin.post('/console/assist/provider', {
    ...essex,
    redact: 'no',
    transcriptionModel: 'essex-whisper',
    apiKey: 'sk-essex-5555',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  assert.equal((await essexAdmin.post('/console/assist/speech', { enabled: 'yes' })).statusCode, 303)
  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
  const call = async (callId: string) => {
    const offered = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/contact/essex/telephony/events',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        eventId: `offer-${callId}`,
        type: 'call.offered',
        callId,
        occurredAt: clock.now().toISOString(),
        caller: '07700 900400',
        dialled: '101',
      }),
    })
    assert.equal(offered.statusCode, 202, offered.body)
    // Half a second of a quiet tone: a real WAV, whatever its words.
    const wav = writeWav({
      sampleRate: 16000,
      samples: Int16Array.from({ length: 8000 }, (_, i) => Math.round(2000 * Math.sin(i / 5))),
    })
    const sent = await t.app.http.inject({
      method: 'POST',
      url: `/api/v1/contact/essex/telephony/calls/${callId}/recordings`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'audio/wav' },
      payload: wav,
    })
    assert.equal(sent.statusCode, 202, sent.body)
    await t.app.jobs.drain(['assist.transcribe'])
    const [item] = await essexRows<{ priority: number; skill: string }>(
      sql`select i.priority, i.skill from contact_items i join contact_calls c on c.item_id = i.id where c.call_ref = ${callId}`,
    )
    const [recording] = await essexRows<{ id: string; transcript: string; engine: string }>(
      sql`select id, transcript, engine from assist_call_recordings where call_ref = ${callId}`,
    )
    return { item: item!, recording: recording!, wav }
  }
  fake.reset()
  fake.transcript = 'Someone is threatening to kill me.'
  const hosted = await call('call-provider-danger')
  assert.equal(fake.requests.length, 1)
  assert.equal(fake.requests[0]!.path, '/v1/audio/transcriptions')
  assert.equal(fake.requests[0]!.authorization, 'Bearer sk-essex-5555')
  assert.match(fake.requests[0]!.body, /name="model"\r\n\r\nessex-whisper\r\n/)
  assert.ok(fake.requests[0]!.body.includes(hosted.wav.subarray(44, 200).toString('latin1')))
  assert.equal(hosted.recording.transcript, 'someone is threatening to kill me.')
  assert.equal(hosted.recording.engine, 'Automated: Essex speech')
  assert.deepEqual([hosted.item.priority, hosted.item.skill], [1, 'vulnerability'])
  // A failure falls back to the embedded recogniser, audited.
  fake.reset()
  fake.failWith = 500
  const embedded = await call('call-provider-down')
  assert.equal(fake.requests.length, 1)
  assert.match(embedded.recording.engine, /pocketsphinx/i)
  const [fellBack] = await essexRows<{ detail: Record<string, unknown> }>(
    sql`select detail from audit_events where action = 'assist.provider-fell-back' and record_id = ${embedded.recording.id}`,
  )
  assert.deepEqual([fellBack?.detail.feature, fellBack?.detail.failure], ['transcription', 'http'])
  fake.reset()
})
