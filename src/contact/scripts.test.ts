// Scripts and tagging (CRM-18, CRM-19, CRM-28): a contact supervisor designs a script in the
// console (questions, guidance, branches, tags) without code, publishes it, and a handler follows
// it on a contact they have: the answers branch, tag the contact, and the contact keeps the
// version it followed when a new version is published. Every change is audited; designers and
// handlers of the wrong role or force are refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import type { InboundMessage } from '../messaging/channels.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { nextAfter, normaliseTag, type ScriptQuestion } from './scripts.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let sue: SignedIn
let ana: SignedIn
let ben: SignedIn
let scriptId: string
let firstItem: string

const text = (from: string, ref: string): InboundMessage => ({
  channel: 'sms',
  provider: 'notify',
  providerRef: ref,
  from,
  fromName: null,
  to: null,
  subject: null,
  body: 'I need to talk to someone',
  receivedAt: null,
  attachments: [],
})

/** A new contact from `from`, claimed by Ana. */
async function anasContact(from: string, ref: string): Promise<string> {
  await t.app.services.conversations.receiveText('essex', text(from, ref), { system: 'test' })
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from contact_items where status = 'waiting' order by enqueued_at limit 1`,
    ),
  )
  assert.equal((await ana.post(`/console/contact/queue/contacts/${item!.id}/claim`, {})).statusCode, 303)
  return item!.id
}

const draftQuestions = async () =>
  (await t.app.services.contact.scripts.script('essex', scriptId)).versions.find((v) => v.status === 'draft')!
    .questions

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
})

after(() => t.close())

test('CRM-28, CRM-18: a supervisor designs a script in forms: questions with guidance, answers that branch and tag, then publishes it', async () => {
  const refused = await sue.post('/console/contact/scripts', { title: '' })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary[\s\S]*href="#title">Enter a title for the script/)
  const created = await sue.post('/console/contact/scripts', { title: 'Caller wants to talk' })
  assert.equal(created.statusCode, 303)
  scriptId = /\/console\/contact\/scripts\/([0-9a-f-]{36})/.exec(created.headers.location as string)![1]!

  // One answer alone is refused, with the values kept.
  const lonely = await sue.post(`/console/contact/scripts/${scriptId}/questions`, {
    text: 'Is this about a crime already reported?',
    option1Label: 'Yes',
  })
  assert.equal(lonely.statusCode, 400)
  assert.match(lonely.body, /Give at least two answers/)
  assert.match(lonely.body, /value="Yes"/)

  const add = (body: Record<string, string>) =>
    sue.post(`/console/contact/scripts/${scriptId}/questions`, body)
  assert.equal(
    (
      await add({
        text: 'Is this about a crime already reported?',
        guidance: 'Ask for the crime reference if they have it to hand.',
        option1Label: 'Yes',
        option1Tags: 'Update request',
        option2Label: 'No',
        option2Tags: 'new report',
      })
    ).statusCode,
    303,
  )
  assert.equal((await add({ text: 'What is the crime reference?', next: 'end' })).statusCode, 303)
  assert.equal(
    (
      await add({
        text: 'Is anyone in danger now?',
        guidance: 'If yes, stay on the line and raise an incident at once.',
        option1Label: 'Yes',
        option1Tags: 'risk to life, urgent',
        option1Next: 'end',
        option2Label: 'No',
      })
    ).statusCode,
    303,
  )
  // "No" to the first question goes to the danger question, past the crime reference.
  const [q1, , q3] = await draftQuestions()
  const routed = await sue.post(`/console/contact/scripts/${scriptId}/questions/${q1!.id}/routes`, {
    option1Next: '',
    option2Next: q3!.id,
  })
  assert.equal(routed.statusCode, 303)
  const page = await sue.get(`/console/contact/scripts/${scriptId}`)
  assert.match(page.body, /“No”: go to “Is anyone in danger now\?”; tags[\s\S]*?new-report/)
  assert.match(page.body, /“Yes”: the next question; tags[\s\S]*?update-request/)

  assert.equal((await sue.post(`/console/contact/scripts/${scriptId}/publish`, {})).statusCode, 303)
  const list = await sue.get('/console/contact/scripts')
  assert.match(list.body, /Caller wants to talk[\s\S]*?Version 1[\s\S]*?None/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where record_id = ${scriptId} order by occurred_at, id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.action),
    [
      'contact-script.created',
      'contact-script.question-added',
      'contact-script.question-added',
      'contact-script.question-added',
      'contact-script.routes-changed',
      'contact-script.published',
    ],
  )
})

test('CRM-18, CRM-19, CRM-26: a handler follows the script on their contact; answers branch and tag the contact automatically, and reports count the tags', async () => {
  firstItem = await anasContact('07700900601', 's-1')
  const none = await ana.get(`/console/contact/queue/contacts/${firstItem}/script`)
  assert.equal(none.statusCode, 200)
  assert.match(none.body, /Caller wants to talk \(version 1\)/)
  const start = await ana.post(`/console/contact/queue/contacts/${firstItem}/script`, { script: scriptId })
  assert.equal(start.statusCode, 303)
  const first = await ana.get(`/console/contact/queue/contacts/${firstItem}/script`)
  assert.match(first.body, /Is this about a crime already reported\?/)
  assert.match(first.body, /Ask for the crime reference if they have it to hand\./)
  const [q1, , q3] = (await t.app.services.contact.scripts.script('essex', scriptId)).versions[0]!.questions
  // Nothing chosen: the error summary names the answer.
  const blank = await ana.post(`/console/contact/queue/contacts/${firstItem}/script/answer`, {
    question: q1!.id,
  })
  assert.equal(blank.statusCode, 400)
  assert.match(blank.body, /href="#choice">Choose an answer/)
  // Ben, who does not have the contact, may not answer it.
  const other = await ben.post(`/console/contact/queue/contacts/${firstItem}/script/answer`, {
    question: q1!.id,
    choice: '1',
  })
  assert.equal(other.statusCode, 400)
  assert.match(other.body, /Only the handler who has this contact may follow a script on it/)

  await ana.post(`/console/contact/queue/contacts/${firstItem}/script/answer`, {
    question: q1!.id,
    choice: '1',
  })
  const branched = await ana.get(`/console/contact/queue/contacts/${firstItem}/script`)
  assert.match(branched.body, /Is anyone in danger now\?/)
  assert.doesNotMatch(branched.body, /What is the crime reference\?/)
  // The same question again (a double submit) is refused, not answered twice.
  const again = await ana.post(`/console/contact/queue/contacts/${firstItem}/script/answer`, {
    question: q1!.id,
    choice: '0',
  })
  assert.equal(again.statusCode, 400)
  await ana.post(`/console/contact/queue/contacts/${firstItem}/script/answer`, {
    question: q3!.id,
    choice: '0',
  })
  const done = await ana.get(`/console/contact/queue/contacts/${firstItem}/script`)
  assert.match(done.body, /Script finished/)
  const tags = await t.app.db.withForce('essex', (tx) =>
    rows<{ tag: string }>(
      tx,
      sql`select tag from contact_item_tags where item_id = ${firstItem} order by tag`,
    ),
  )
  assert.deepEqual(
    tags.map((r) => r.tag),
    ['new-report', 'risk-to-life', 'urgent'],
  )
  // The standard reports count contacts by tag.
  const report = await t.app.services.contact.mi.standard('essex', 7)
  assert.deepEqual(report.tags, [
    { tag: 'new-report', count: 1 },
    { tag: 'risk-to-life', count: 1 },
    { tag: 'urgent', count: 1 },
  ])
  const csv = await sue.get('/console/contact/reports/standard.csv?days=7&report=tags')
  assert.match(csv.body, /Tag,Contacts\r?\nnew-report,1\r?\nrisk-to-life,1\r?\nurgent,1/)
  const answered = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'contact-script.answered' and record_id = ${firstItem}`,
    ),
  )
  assert.equal(answered[0]!.n, 2)
})

test('CRM-18: a new version is published from a draft; a contact keeps the version it followed', async () => {
  assert.equal((await sue.post(`/console/contact/scripts/${scriptId}/draft`, {})).statusCode, 303)
  const twice = await sue.post(`/console/contact/scripts/${scriptId}/draft`, {})
  assert.equal(twice.statusCode, 400)
  assert.match(twice.body, /already has a draft/)
  const [, q2] = await draftQuestions()
  assert.equal(
    (await sue.post(`/console/contact/scripts/${scriptId}/questions/${q2!.id}/remove`, {})).statusCode,
    303,
  )
  assert.equal((await sue.post(`/console/contact/scripts/${scriptId}/publish`, {})).statusCode, 303)
  const versions = (await t.app.services.contact.scripts.script('essex', scriptId)).versions
  assert.deepEqual(
    versions.map((v) => [v.version, v.status, v.questions.length]),
    [
      [2, 'published', 2],
      [1, 'retired', 3],
    ],
  )
  // The first contact still shows version 1; a new contact follows version 2.
  const kept = await ana.get(`/console/contact/queue/contacts/${firstItem}/script`)
  assert.match(kept.body, /Version 1 of the script/)
  const second = await anasContact('07700900602', 's-2')
  await ana.post(`/console/contact/queue/contacts/${second}/script`, { script: scriptId })
  assert.match(
    (await ana.get(`/console/contact/queue/contacts/${second}/script`)).body,
    /Version 2 of the script/,
  )
})

test('CRM-28: the designer is refused to handlers, other roles and forces without Contact; another force cannot see the script', async () => {
  assert.equal((await ana.get('/console/contact/scripts')).statusCode, 403)
  assert.equal((await ana.post('/console/contact/scripts', { title: 'Mine' })).statusCode, 403)
  const officer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await officer.get(`/console/contact/scripts/${scriptId}`)).statusCode, 403)
  assert.equal((await officer.get(`/console/contact/queue/contacts/${firstItem}/script`)).statusCode, 403)
  // A supervisor may read a contact's script but not answer it.
  assert.equal((await sue.get(`/console/contact/queue/contacts/${firstItem}/script`)).statusCode, 200)
  assert.equal(
    (await sue.post(`/console/contact/queue/contacts/${firstItem}/script`, { script: scriptId })).statusCode,
    403,
  )
  await t.app.services.forces.setProducts('kent', ['journeys', 'portal', 'contact'])
  const kent = await t.signInAs(['contact_supervisor'], 'kent')
  assert.equal((await kent.get(`/console/contact/scripts/${scriptId}`)).statusCode, 404)
  assert.equal((await kent.post(`/console/contact/scripts/${scriptId}/publish`, {})).statusCode, 404)
  assert.doesNotMatch((await kent.get('/console/contact/scripts')).body, /Caller wants to talk/)
  const kentHandler = await t.signInAs(['contact_handler'], 'kent')
  assert.equal((await kentHandler.get(`/console/contact/queue/contacts/${firstItem}/script`)).statusCode, 404)
  await t.app.services.forces.setProducts('kent', ['journeys'])
  assert.equal((await kent.get('/console/contact/scripts')).statusCode, 403)
})

test('CRM-18, CRM-19: branches and tags follow the rules: the next in order, a chosen question, the end; tags in one form', () => {
  const q = (
    id: string,
    options: [string, string | null][] = [],
    next: string | null = null,
  ): ScriptQuestion => ({
    id,
    text: id,
    guidance: '',
    kind: options.length ? 'choice' : 'text',
    options: options.map(([label, to]) => ({ label, tags: [], next: to })),
    next,
  })
  const questions = [
    q('a', [
      ['yes', null],
      ['no', 'c'],
    ]),
    q('b', [], 'end'),
    q('c'),
  ]
  assert.equal(nextAfter(questions, questions[0]!, 0), 'b')
  assert.equal(nextAfter(questions, questions[0]!, 1), 'c')
  assert.equal(nextAfter(questions, questions[1]!), null)
  assert.equal(nextAfter(questions, questions[2]!), null)
  assert.equal(normaliseTag('  Risk to Life! '), 'risk-to-life')
})
