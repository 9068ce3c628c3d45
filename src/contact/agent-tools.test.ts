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

let kentSupervisor: SignedIn
let cannedId: string

test('CRM-21: a supervisor keeps the force’s canned responses, with error summaries for a missing, too long or repeated title; each change is audited', async () => {
  kentSupervisor = await t.signInAs(['contact_supervisor'], 'kent', 'Kay Kent')
  const page = await supervisor.get('/console/contact/canned-responses')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /no canned responses yet/)
  assert.match(page.body, /maxlength="100"/)
  assert.match(page.body, /maxlength="1000"/)
  const empty = await supervisor.post('/console/contact/canned-responses', { title: '', body: '' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /govuk-error-summary[\s\S]*Enter a title[\s\S]*Enter the response/)
  const long = await supervisor.post('/console/contact/canned-responses', {
    title: 'x'.repeat(101),
    body: 'Hi',
  })
  assert.equal(long.statusCode, 400)
  assert.match(long.body, /govuk-error-summary/)
  const added = await supervisor.post('/console/contact/canned-responses', {
    title: 'Case update',
    body: 'Thank you for getting in touch. Your officer will call you within 2 working days.',
  })
  assert.equal(added.statusCode, 303)
  const again = await supervisor.post('/console/contact/canned-responses', {
    title: 'case UPDATE',
    body: 'Other',
  })
  assert.equal(again.statusCode, 400)
  assert.match(again.body, /already has a response with this title/)
  const [row] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_canned_responses`),
  )
  cannedId = row!.id
  const edit = await supervisor.get(`/console/contact/canned-responses/${cannedId}`)
  assert.equal(edit.statusCode, 200)
  assert.match(edit.body, /Change a canned response/)
  assert.equal(
    (
      await supervisor.post(`/console/contact/canned-responses/${cannedId}`, {
        title: 'Case update',
        body: 'Thank you for getting in touch. Your officer will call you within 3 working days.',
      })
    ).statusCode,
    303,
  )
  assert.match((await supervisor.get('/console/contact/canned-responses')).body, /within 3 working days/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where actor_id = ${supervisor.userId}
            and record_type = 'contact-canned-response' order by id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.action),
    ['contact-canned-response.added', 'contact-canned-response.changed'],
  )
})

test('CRM-21: without JavaScript a handler chooses a canned response, it fills the reply, and the reply is sent on the conversation', async () => {
  const page = await ana.get(`/console/contact/queue/contacts/${itemId}/reply`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<option value="[^"]+">Case update<\/option>/)
  const chosen = await ana.get(`/console/contact/queue/contacts/${itemId}/reply?canned=${cannedId}`)
  assert.equal(chosen.statusCode, 200)
  assert.match(
    chosen.body,
    /<textarea[^>]*name="reply"[^>]*>Thank you for getting in touch\. Your officer will call you within 3 working days\./,
  )
  const [contact] = await t.app.db.withForce('essex', (tx) =>
    rows<{ conversationId: string }>(tx, sql`select conversation_id as "conversationId" from contact_items`),
  )
  const sent = await ana.post(`/console/conversations/${contact!.conversationId}/reply`, {
    reply: 'Thank you for getting in touch. Your officer will call you within 3 working days. Ana',
  })
  assert.equal(sent.statusCode, 303, sent.body)
  const messages = await t.app.db.withForce('essex', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from conversation_messages m where m::text like '%within 3 working days. Ana%'`,
    ),
  )
  assert.equal(messages[0]!.n, 1)
})

test('CRM-21: handlers cannot keep canned responses, another force’s supervisor cannot see or change them, and a handler cannot use another force’s', async () => {
  assert.equal((await ana.get('/console/contact/canned-responses')).statusCode, 403)
  assert.equal(
    (await ana.post('/console/contact/canned-responses', { title: 'Mine', body: 'x' })).statusCode,
    403,
  )
  assert.equal((await officer.get(`/console/contact/queue/contacts/${itemId}/reply`)).statusCode, 403)
  assert.equal((await kentHandler.get(`/console/contact/queue/contacts/${itemId}/reply`)).statusCode, 404)
  const kentList = await kentSupervisor.get('/console/contact/canned-responses')
  assert.equal(kentList.statusCode, 200)
  assert.doesNotMatch(kentList.body, /Case update/)
  assert.equal((await kentSupervisor.get(`/console/contact/canned-responses/${cannedId}`)).statusCode, 404)
  const kentChange = await kentSupervisor.post(`/console/contact/canned-responses/${cannedId}`, {
    title: 'Taken over',
    body: 'x',
  })
  assert.equal(kentChange.statusCode, 404)
  assert.equal(
    (await kentSupervisor.post(`/console/contact/canned-responses/${cannedId}/remove`)).statusCode,
    404,
  )
  assert.equal(
    (
      await kentSupervisor.post('/console/contact/canned-responses', {
        title: 'Kent hello',
        body: 'Hello from Kent',
      })
    ).statusCode,
    303,
  )
  const [kentRow] = await t.app.db.withForce('kent', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_canned_responses`),
  )
  assert.equal(
    (await ana.get(`/console/contact/queue/contacts/${itemId}/reply?canned=${kentRow!.id}`)).statusCode,
    404,
  )
  const essex = await supervisor.get('/console/contact/canned-responses')
  assert.match(essex.body, /Case update/)
  assert.doesNotMatch(essex.body, /Kent hello/)
})

test('CRM-21: a supervisor removes a canned response', async () => {
  assert.equal(
    (await supervisor.post(`/console/contact/canned-responses/${cannedId}/remove`)).statusCode,
    303,
  )
  assert.match((await supervisor.get('/console/contact/canned-responses')).body, /no canned responses yet/)
})

let complaint: string
let secondItem: string

test('a supervisor keeps the force’s labels, with error summaries for a missing, too long or repeated label; audited', async () => {
  const page = await supervisor.get('/console/contact/labels')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /no labels yet/)
  assert.match(page.body, /maxlength="40"/)
  const empty = await supervisor.post('/console/contact/labels', { name: ' ' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /govuk-error-summary[\s\S]*Enter the label/)
  assert.equal((await supervisor.post('/console/contact/labels', { name: 'x'.repeat(41) })).statusCode, 400)
  for (const name of ['Complaint', 'Repeat caller', 'Spare'])
    assert.equal((await supervisor.post('/console/contact/labels', { name })).statusCode, 303)
  const again = await supervisor.post('/console/contact/labels', { name: 'complaint' })
  assert.equal(again.statusCode, 400)
  assert.match(again.body, /already has this label/)
  const labels = await t.app.services.contact.labels.list('essex')
  complaint = labels.find((l) => l.name === 'Complaint')!.id
  const spare = labels.find((l) => l.name === 'Spare')!.id
  assert.equal((await supervisor.post(`/console/contact/labels/${spare}/remove`)).statusCode, 303)
  assert.doesNotMatch((await supervisor.get('/console/contact/labels')).body, /Spare/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where actor_id = ${supervisor.userId} and record_type = 'contact-label' order by id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.action),
    ['contact-label.added', 'contact-label.added', 'contact-label.added', 'contact-label.removed'],
  )
})

test('a handler puts labels on a contact and takes them off, audited, and the queue shows only the contacts with a chosen label', async () => {
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'n-2',
      from: '07700900312',
      fromName: null,
      to: null,
      subject: null,
      body: 'Second contact',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [second] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_items where id <> ${itemId}`),
  )
  secondItem = second!.id
  const repeat = (await t.app.services.contact.labels.list('essex')).find(
    (l) => l.name === 'Repeat caller',
  )!.id
  const url = `/console/contact/queue/contacts/${itemId}/labels`
  const page = await ana.get(url)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /no labels\./)
  assert.equal((await ana.post(url, { label: ['', complaint, repeat] })).statusCode, 303)
  assert.match((await ana.get(url)).body, /Now: <strong[^>]*>Complaint<\/strong> <strong[^>]*>Repeat caller/)
  assert.equal((await ana.post(url, { label: ['', complaint] })).statusCode, 303)
  assert.doesNotMatch((await ana.get(url)).body, /Now:[^\n]*Repeat caller/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ detail: { added: string[]; removed: string[] } }>(
      tx,
      sql`select detail from audit_events where action = 'contact.labels-changed' and record_id = ${itemId} order by id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.detail),
    [
      { added: [complaint, repeat], removed: [] },
      { added: [], removed: [repeat] },
    ],
  )
  const all = await ana.get('/console/contact/queue')
  assert.ok(all.body.includes(`/console/contact/queue/contacts/${itemId}"`))
  assert.ok(all.body.includes(`/console/contact/queue/contacts/${secondItem}"`))
  assert.match(all.body, /Show contacts labelled/)
  const filtered = await ana.get(`/console/contact/queue?label=${complaint}`)
  assert.equal(filtered.statusCode, 200)
  assert.ok(filtered.body.includes(`/console/contact/queue/contacts/${itemId}"`))
  assert.ok(!filtered.body.includes(`/console/contact/queue/contacts/${secondItem}"`))
  assert.match(filtered.body, new RegExp(`<option value="${complaint}" selected>Complaint`))
  const none = await ana.get(`/console/contact/queue?label=${repeat}`)
  assert.ok(!none.body.includes(`/console/contact/queue/contacts/${itemId}"`))
  assert.equal((await ana.get('/console/contact/queue?label=not-a-label')).statusCode, 400)
})

test('labels: handlers cannot keep the label set; another force can neither use, change nor see them; a label of another force is refused on a contact', async () => {
  assert.equal((await ana.get('/console/contact/labels')).statusCode, 403)
  assert.equal((await ana.post('/console/contact/labels', { name: 'Mine' })).statusCode, 403)
  assert.equal((await officer.get(`/console/contact/queue/contacts/${itemId}/labels`)).statusCode, 403)
  assert.equal(
    (await officer.post(`/console/contact/queue/contacts/${itemId}/labels`, { label: complaint })).statusCode,
    403,
  )
  assert.equal((await kentHandler.get(`/console/contact/queue/contacts/${itemId}/labels`)).statusCode, 404)
  assert.equal(
    (await kentHandler.post(`/console/contact/queue/contacts/${itemId}/labels`, { label: '' })).statusCode,
    404,
  )
  assert.equal((await kentSupervisor.post(`/console/contact/labels/${complaint}/remove`)).statusCode, 404)
  assert.doesNotMatch((await kentSupervisor.get('/console/contact/labels')).body, /Complaint/)
  assert.equal((await kentSupervisor.post('/console/contact/labels', { name: 'Kent only' })).statusCode, 303)
  const kentLabel = (await t.app.services.contact.labels.list('kent'))[0]!.id
  const refused = await ana.post(`/console/contact/queue/contacts/${itemId}/labels`, {
    label: ['', complaint, kentLabel],
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary[\s\S]*Choose labels your force has/)
  // The Kent label filters nothing in from Essex's queue.
  const filtered = await ana.get(`/console/contact/queue?label=${kentLabel}`)
  assert.ok(!filtered.body.includes(`/console/contact/queue/contacts/${itemId}"`))
  const kept = await t.app.services.contact.labels.of('essex', itemId)
  assert.deepEqual(
    kept.map((l) => l.name),
    ['Complaint'],
  )
})
