// Handlers' tools on a contact, over real HTTP against PGlite: private notes for the force's
// contact staff with mentions of colleagues, shown as notices on their queue.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let ana: SignedIn
let ben: SignedIn
let supervisor: SignedIn
let officer: SignedIn
let kentHandler: SignedIn
let itemId: string

const secret = 'Caller sounded frightened; check the ex-partner bail conditions'

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'n-1',
      from: '07700900311',
      fromName: null,
      to: null,
      subject: null,
      body: 'Any news on my case?',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_items`),
  )
  itemId = item!.id
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  officer = await t.signInAs(['investigating_officer'], 'essex', 'Otto Officer')
  kentHandler = await t.signInAs(['contact_handler'], 'kent', 'Kim Kent')
})

after(() => t.close())

const notesUrl = () => `/console/contact/queue/contacts/${itemId}/notes`

test('a handler adds a private note mentioning a colleague by ticking and another by @name; it is audited', async () => {
  const page = await ana.get(notesUrl())
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /No notes yet/)
  assert.match(page.body, /maxlength="2000"/)
  // Only the force's contact staff can be mentioned: not the officer, not Kent's handler.
  assert.match(page.body, /Ben Handler/)
  assert.doesNotMatch(page.body, /Otto Officer|Kim Kent/)
  const added = await ana.post(notesUrl(), {
    body: `${secret}. @Sue Supervisor please look`,
    mention: [ben.userId],
  })
  assert.equal(added.statusCode, 303)
  const after = await ana.get(notesUrl())
  assert.match(after.body, /frightened/)
  assert.match(after.body, /Mentioned: Ben Handler, Sue Supervisor/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string; detail: { mentioned: string[] } }>(
      tx,
      sql`select action, detail from audit_events where actor_id = ${ana.userId} and record_id = ${itemId}
            and action in ('contact.note-added', 'contact-notes.viewed') order by id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.action),
    ['contact-notes.viewed', 'contact.note-added', 'contact-notes.viewed'],
  )
  assert.deepEqual(audited[1]!.detail.mentioned.sort(), [ben.userId, supervisor.userId].sort())
  // The audit keeps who and whom, not what the note says.
  assert.doesNotMatch(JSON.stringify(audited), /frightened/)
})

test('the mentioned colleague sees a notice on their queue until they open the notes; the author sees none', async () => {
  const queue = await ben.get('/console/contact/queue')
  assert.equal(queue.statusCode, 200)
  assert.match(queue.body, /Ana Handler mentioned you in a note on a contact/)
  assert.ok(queue.body.includes(`/console/contact/queue/contacts/${itemId}/notes`))
  assert.doesNotMatch((await ana.get('/console/contact/queue')).body, /mentioned you/)
  assert.equal((await ben.get(notesUrl())).statusCode, 200)
  assert.doesNotMatch((await ben.get('/console/contact/queue')).body, /mentioned you/)
  // Sue has not opened them yet.
  assert.match((await supervisor.get('/console/contact/queue')).body, /Ana Handler mentioned you/)
})

test('a note never reaches the person or the write-back to CAD and RMS', async () => {
  const leaked = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select (select count(*) from conversation_messages m where m::text like '%frightened%')::int
               + (select count(*) from writeback_entries w where w::text like '%frightened%')::int as n`,
    ),
  )
  assert.equal(leaked[0]!.n, 0)
  const kept = await t.app.db.withForce('essex', (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_notes where body like '%frightened%'`),
  )
  assert.equal(kept[0]!.n, 1)
  // The conversation page the person's messages are on does not show it either.
  const [contact] = await t.app.db.withForce('essex', (tx) =>
    rows<{ conversationId: string }>(tx, sql`select conversation_id as "conversationId" from contact_items`),
  )
  const conversation = await ana.get(`/console/conversations/${contact!.conversationId}`)
  assert.doesNotMatch(conversation.body, /frightened/)
})

test('an empty note, a note over 2000 characters and a mention of someone outside the force are refused with an error summary', async () => {
  const empty = await ana.post(notesUrl(), { body: '  ' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /govuk-error-summary/)
  assert.match(empty.body, /Enter the note/)
  const long = await ana.post(notesUrl(), { body: 'x'.repeat(2001) })
  assert.equal(long.statusCode, 400)
  assert.match(long.body, /govuk-error-summary/)
  const outsider = await ana.post(notesUrl(), { body: 'See this', mention: [kentHandler.userId] })
  assert.equal(outsider.statusCode, 400)
  assert.match(outsider.body, /Mention only contact staff of your force/)
  assert.match(outsider.body, /See this/)
  const officerMention = await ana.post(notesUrl(), { body: 'See this', mention: [officer.userId] })
  assert.equal(officerMention.statusCode, 400)
  const count = await t.app.db.withForce('essex', (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_notes`),
  )
  assert.equal(count[0]!.n, 1)
})

test('staff without a contact role, and contact staff of another force, can neither read nor add notes', async () => {
  for (const who of [officer, kentHandler]) {
    const read = await who.get(notesUrl())
    assert.ok([403, 404].includes(read.statusCode), `read ${read.statusCode}`)
    assert.doesNotMatch(read.body, /frightened/)
    const write = await who.post(notesUrl(), { body: 'Let me in' })
    assert.ok([403, 404].includes(write.statusCode), `write ${write.statusCode}`)
  }
  assert.doesNotMatch((await kentHandler.get('/console/contact/queue')).body, /mentioned you/)
  const count = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_notes`),
  )
  assert.equal(count[0]!.n, 1)
})

test('a note without the CSRF token is refused', async () => {
  const response = await t.app.http.inject({
    method: 'POST',
    url: notesUrl(),
    headers: { cookie: ana.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'body=Forged',
  })
  assert.equal(response.statusCode, 403)
})
