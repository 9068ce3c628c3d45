// Quality assurance end to end (CRM-23): a supervisor keeps the scorecard, each week's closed
// contacts are chosen for review by themselves (a share per handler, every complaint and every
// low chat survey rating), a reviewer scores one reading its transcript, the handler reads their
// review and disputes it, and the report and the OData set show the scores. Wrong users are
// refused at each step; another force sees nothing.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { aStormEvent } from '../sources/test-support/events.ts'
import { qaSampleJob, scoreOf } from './qa.ts'

// A Wednesday: the UK week began on Monday 1 June 2026.
const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let ana: SignedIn
let ben: SignedIn
let sue: SignedIn
let max: SignedIn
let complaint: string
let thriveQuestion: string
let tone: string

const items = () =>
  t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; status: string; assignedTo: string | null; conversationId: string }>(
      tx,
      sql`select id, status, assigned_to as "assignedTo", conversation_id as "conversationId" from contact_items
          order by enqueued_at, id`,
    ),
  )
const reviews = () =>
  t.app.db.withForce('essex', (tx) =>
    rows<{
      id: string
      itemId: string
      handlerId: string
      reason: string
      status: string
      score: number | null
    }>(
      tx,
      sql`select id, item_id as "itemId", handler_id as "handlerId", reason, status, score from contact_qa_reviews
          order by selected_at, id`,
    ),
  )
const audited = (action: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ actorId: string | null; recordId: string }>(
      tx,
      sql`select actor_id as "actorId", record_id as "recordId" from audit_events where action = ${action} order by id`,
    ),
  )

let texts = 0
/** A person texts; `who` claims the contact, ends it and records its outcome. */
async function closedText(who: SignedIn, body = 'Any news on my case?', from?: string): Promise<string> {
  texts += 1
  const received = await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: `qa-${texts}`,
      from: from ?? `0770090${String(1000 + texts)}`,
      fromName: null,
      to: null,
      subject: null,
      body,
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const item = (await items()).find((i) => i.conversationId === received.conversationId)!
  await closeAs(who, item.id)
  return item.id
}
async function closeAs(who: SignedIn, id: string): Promise<void> {
  const base = `/console/contact/queue/contacts/${id}`
  if ((await items()).find((i) => i.id === id)!.status === 'waiting')
    assert.equal((await who.post(`${base}/claim`)).statusCode, 303)
  assert.equal((await who.post(`${base}/end`)).statusCode, 303)
  assert.equal((await who.post(`${base}/outcome`, { outcome: 'information-given' })).statusCode, 303)
  // Wrap-up done makes a handler ready; offline, routing gives them nothing meant for another.
  assert.equal((await who.post('/console/contact/queue/state', { state: 'offline' })).statusCode, 303)
}

before(async () => {
  t = await createTestApp({}, { clock })
  const result = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'QA-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-QA1',
      persons: [{ nominalId: 'N-QA-1', name: 'Robin Hale', role: 'VIC', phone: '07700 900311' }],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', result.reason ?? '')
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
  sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  // A supervisor who also takes contacts: never the reviewer of their own.
  max = await t.signInAs(['contact_supervisor', 'contact_handler'], 'essex', 'Max Both')
})
after(() => t.close())

test('CRM-23: a supervisor keeps the scorecard (sampling, a complaint label, weighted and fail-all questions) with error summaries and limits; a handler may not', async () => {
  assert.equal((await sue.post('/console/contact/labels', { name: 'Complaint' })).statusCode, 303)
  const [label] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_labels where name = 'Complaint'`),
  )
  complaint = label!.id
  const page = await sue.get('/console/contact/qa/scorecard')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /The scorecard has no questions yet/)
  const bad = await sue.post('/console/contact/qa/scorecard', {
    name: 'x'.repeat(101),
    samplePercent: '150',
    lowRatingMax: '9',
    complaintLabel: '00000000-0000-4000-8000-000000000000',
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /govuk-error-summary/)
  for (const message of [
    /Name must be 100 characters or fewer/,
    /Enter the share of contacts to review, from 0 to 100/,
    /Choose which survey ratings to review/,
    /Choose one of your force’s labels, or none/,
  ])
    assert.match(bad.body, message)
  const saved = await sue.post('/console/contact/qa/scorecard', {
    name: 'Essex contact quality',
    samplePercent: '50',
    lowRatingMax: '2',
    complaintLabel: complaint,
  })
  assert.equal(saved.statusCode, 303)
  const noWeight = await sue.post('/console/contact/qa/scorecard/questions', { text: 'Polite', weight: '0' })
  assert.equal(noWeight.statusCode, 400)
  assert.match(noWeight.body, /Enter the question’s weight, from 1 to 100/)
  const tooLong = await sue.post('/console/contact/qa/scorecard/questions', {
    text: 'q'.repeat(201),
    weight: '5',
  })
  assert.match(tooLong.body, /Question must be 200 characters or fewer/)
  for (const q of [
    { text: 'THRIVE assessed', weight: '10', failAll: 'yes' },
    { text: 'Tone and empathy', weight: '30' },
    { text: 'Accurate advice', weight: '10' },
    { text: 'Spare question', weight: '5' },
  ] as Record<string, string>[])
    assert.equal((await sue.post('/console/contact/qa/scorecard/questions', q)).statusCode, 303)
  const questions = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string; text: string; failAll: boolean }>(
      tx,
      sql`select id, text, fail_all as "failAll" from contact_qa_questions where removed_at is null order by position`,
    ),
  )
  assert.deepEqual(
    questions.map((q) => [q.text, q.failAll]),
    [
      ['THRIVE assessed', true],
      ['Tone and empathy', false],
      ['Accurate advice', false],
      ['Spare question', false],
    ],
  )
  thriveQuestion = questions[0]!.id
  tone = questions[1]!.id
  const spare = questions[3]!.id
  assert.equal((await sue.post(`/console/contact/qa/scorecard/questions/${spare}/remove`)).statusCode, 303)
  const shown = await sue.get('/console/contact/qa/scorecard')
  assert.match(shown.body, /THRIVE assessed <strong class="govuk-tag govuk-tag--red">Fails all/)
  assert.doesNotMatch(shown.body, /Spare question/)
  // Handlers may not read or change it; a force administrator may.
  assert.equal((await ana.get('/console/contact/qa/scorecard')).statusCode, 403)
  assert.equal(
    (await ana.post('/console/contact/qa/scorecard/questions', { text: 'Mine', weight: '5' })).statusCode,
    403,
  )
  const admin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await admin.get('/console/contact/qa/scorecard')).statusCode, 200)
  assert.deepEqual(
    (await audited('contact.qa-question-added')).map((a) => a.actorId),
    [sue.userId, sue.userId, sue.userId, sue.userId],
  )
  assert.equal((await audited('contact.qa-question-removed')).length, 1)
  assert.equal((await audited('contact.qa-scorecard-changed')).length, 1)
})

test('CRM-23: each week’s contacts are chosen by themselves: half of each handler’s, rounded up, every complaint and every chat rated low, each once', async () => {
  // Ana closes four texts, one labelled a complaint; Ben closes one text and one chat he was rated 1 for.
  const anas = [await closedText(ana), await closedText(ana), await closedText(ana)]
  // The complaint is from a known person, Robin Hale.
  const complained = await closedText(ana, 'I want to complain about how I was treated', '07700900311')
  assert.equal(
    (await ana.post(`/console/contact/queue/contacts/${complained}/labels`, { label: ['', complaint] }))
      .statusCode,
    303,
  )
  const bens = await closedText(ben)
  const chat = await t.app.services.contact.chat.start('essex', {
    name: 'Jo Bloggs',
    text: 'Someone damaged my car',
    origin: 'https://www.essex.police.uk',
  })
  const chatItem = (await items()).find((i) => i.conversationId === chat.state.conversationId)!
  assert.equal((await ben.post(`/console/contact/queue/contacts/${chatItem.id}/claim`)).statusCode, 303)
  await t.app.services.contact.chat.end('essex', chat.token)
  await t.app.services.contact.chat.survey('essex', chat.token, { rating: 1 })
  await closeAs(ben, chatItem.id)

  // The hourly job chooses; running again chooses nothing more.
  await t.app.jobs.send(
    qaSampleJob(async () => {}),
    {},
  )
  assert.equal(await t.app.jobs.drain(['contact.qa-sample']), 1)
  const all = await reviews()
  const byReason = (reason: string) => all.filter((r) => r.reason === reason)
  assert.deepEqual(
    byReason('complaint').map((r) => r.itemId),
    [complained],
  )
  assert.deepEqual(
    byReason('low-rating').map((r) => r.itemId),
    [chatItem.id],
  )
  // Ana closed 4 (half is 2, the complaint is beside them); Ben closed 2 (1 more).
  const anaSample = byReason('sample').filter((r) => r.handlerId === ana.userId)
  const benSample = byReason('sample').filter((r) => r.handlerId === ben.userId)
  assert.equal(anaSample.length, 2)
  assert.ok(anaSample.every((r) => anas.includes(r.itemId)))
  assert.deepEqual(
    benSample.map((r) => r.itemId),
    [bens],
  )
  assert.equal(new Set(all.map((r) => r.itemId)).size, all.length, 'each contact once')
  assert.equal(await t.app.services.contact.qa.sample('essex'), 0)
  assert.equal((await reviews()).length, all.length)
  assert.ok((await audited('contact.qa-sampled')).length >= 1)
  // The reviewers' list shows them; a handler may not see it or choose.
  const list = await sue.get('/console/contact/qa/reviews')
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /To score \(5\)/)
  assert.match(list.body, /Complaint[\s\S]*Low survey rating|Low survey rating[\s\S]*Complaint/)
  assert.equal((await ana.get('/console/contact/qa/reviews')).statusCode, 403)
  assert.equal((await ana.post('/console/contact/qa/sample')).statusCode, 403)
})

test('CRM-23: a reviewer scores a contact reading its transcript; a fail-all question not met scores 0; nobody scores their own contact', async () => {
  const complainedReview = (await reviews()).find((r) => r.reason === 'complaint')!
  const page = await sue.get(`/console/contact/qa/reviews/${complainedReview.id}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Quality review of a contact from Robin Hale|contact from Robin Hale/)
  assert.match(page.body, /I want to complain about how I was treated/)
  assert.match(page.body, /Outcome recorded/)
  assert.match(page.body, /Score this contact/)
  const viewed = await t.app.db.asSystem((tx) =>
    rows<{ recordType: string }>(
      tx,
      sql`select record_type as "recordType" from audit_events where actor_id = ${sue.userId}
            and action like '%.viewed' and detail->>'view' = 'qa-review' order by id`,
    ),
  )
  assert.deepEqual(viewed.map((v) => v.recordType).sort(), ['contact', 'person'])
  // Every question must be answered; comments have a limit.
  const unanswered = await sue.post(`/console/contact/qa/reviews/${complainedReview.id}/score`, {
    [`q-${tone}`]: 'yes',
    comment: 'c'.repeat(2001),
  })
  assert.equal(unanswered.statusCode, 400)
  assert.match(unanswered.body, /govuk-error-summary[\s\S]*Answer question 1: THRIVE assessed/)
  assert.match(unanswered.body, /Comments must be 2000 characters or fewer/)
  const questions = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from contact_qa_questions where removed_at is null order by position`,
    ),
  )
  const accurate = questions[2]!.id
  // THRIVE not assessed: the whole review fails.
  const failed = await sue.post(`/console/contact/qa/reviews/${complainedReview.id}/score`, {
    [`q-${thriveQuestion}`]: 'no',
    [`q-${tone}`]: 'yes',
    [`q-${accurate}`]: 'yes',
    comment: 'No THRIVE on a complaint.',
  })
  assert.equal(failed.statusCode, 303)
  // Another: THRIVE not applicable, tone met, advice not met: 30 of 40.
  const sample = (await reviews()).find((r) => r.reason === 'sample' && r.handlerId === ana.userId)!
  assert.equal(
    (
      await sue.post(`/console/contact/qa/reviews/${sample.id}/score`, {
        [`q-${thriveQuestion}`]: 'na',
        [`q-${tone}`]: 'yes',
        [`q-${accurate}`]: 'no',
      })
    ).statusCode,
    303,
  )
  const scored = await reviews()
  assert.deepEqual(
    [scored.find((r) => r.id === complainedReview.id)!.score, scored.find((r) => r.id === sample.id)!.score],
    [0, 75],
  )
  const [answers] = await t.app.db.withForce('essex', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from contact_qa_answers where review_id = ${complainedReview.id}`,
    ),
  )
  assert.equal(answers!.n, 3)
  const again = await sue.post(`/console/contact/qa/reviews/${sample.id}/score`, {
    [`q-${thriveQuestion}`]: 'yes',
    [`q-${tone}`]: 'yes',
    [`q-${accurate}`]: 'yes',
  })
  assert.equal(again.statusCode, 400)
  assert.match(again.body, /This contact has already been scored/)
  assert.deepEqual(
    (await audited('contact.qa-review-scored')).map((a) => a.recordId),
    [complainedReview.id, sample.id],
  )

  // Max, a supervisor who also handles contacts, may not score his own contact.
  const maxs = await closedText(max)
  await t.app.services.contact.qa.sample('essex')
  const maxReview = (await reviews()).find((r) => r.itemId === maxs)!
  assert.ok(maxReview, 'half of one contact rounds up to it')
  const ownPage = await max.get(`/console/contact/qa/reviews/${maxReview.id}`)
  assert.match(ownPage.body, /This is your own contact: another reviewer scores it/)
  assert.doesNotMatch(ownPage.body, /Score this contact/)
  const own = await max.post(`/console/contact/qa/reviews/${maxReview.id}/score`, {
    [`q-${thriveQuestion}`]: 'yes',
    [`q-${tone}`]: 'yes',
    [`q-${accurate}`]: 'yes',
  })
  assert.equal(own.statusCode, 403)
  assert.equal((await reviews()).find((r) => r.id === maxReview.id)!.status, 'to-score')
  // A handler may not score at all.
  assert.equal(
    (await ben.post(`/console/contact/qa/reviews/${sample.id}/score`, { [`q-${tone}`]: 'yes' })).statusCode,
    403,
  )
})

test('CRM-23: a handler sees only their own scored reviews and accepts or disputes each; others’ are not found to them', async () => {
  const all = await reviews()
  const anasScored = all.filter((r) => r.handlerId === ana.userId && r.status === 'scored')
  const anasUnscored = all.find((r) => r.handlerId === ana.userId && r.status === 'to-score')!
  const bensReview = all.find((r) => r.handlerId === ben.userId)!
  assert.equal(anasScored.length, 2)
  const mine = await ana.get('/console/contact/qa/mine')
  assert.equal(mine.statusCode, 200)
  for (const r of anasScored) assert.match(mine.body, new RegExp(`/console/contact/qa/reviews/${r.id}`))
  assert.doesNotMatch(mine.body, new RegExp(anasUnscored.id))
  assert.doesNotMatch(mine.body, new RegExp(bensReview.id))
  // Another's review, or her own not yet scored, is not found to her.
  assert.equal((await ana.get(`/console/contact/qa/reviews/${bensReview.id}`)).statusCode, 404)
  assert.equal((await ana.get(`/console/contact/qa/reviews/${anasUnscored.id}`)).statusCode, 404)
  assert.equal(
    (await ben.post(`/console/contact/qa/reviews/${anasScored[0]!.id}/respond`, { decision: 'acknowledged' }))
      .statusCode,
    404,
  )
  const failedReview = anasScored.find((r) => r.score === 0)!
  const page = await ana.get(`/console/contact/qa/reviews/${failedReview.id}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Score: 0% \(failed a compliance question\)/)
  assert.match(page.body, /No THRIVE on a complaint\./)
  assert.match(page.body, /Do you accept this review\?/)
  const noReason = await ana.post(`/console/contact/qa/reviews/${failedReview.id}/respond`, {
    decision: 'disputed',
  })
  assert.equal(noReason.statusCode, 400)
  assert.match(noReason.body, /govuk-error-summary[\s\S]*Say why you dispute the review/)
  const tooLong = await ana.post(`/console/contact/qa/reviews/${failedReview.id}/respond`, {
    decision: 'disputed',
    response: 'r'.repeat(1001),
  })
  assert.match(tooLong.body, /Your response must be 1000 characters or fewer/)
  assert.equal(
    (
      await ana.post(`/console/contact/qa/reviews/${failedReview.id}/respond`, {
        decision: 'disputed',
        response: 'The caller rang off before THRIVE could be done.',
      })
    ).statusCode,
    303,
  )
  const other = anasScored.find((r) => r.id !== failedReview.id)!
  assert.equal(
    (await ana.post(`/console/contact/qa/reviews/${other.id}/respond`, { decision: 'acknowledged' }))
      .statusCode,
    303,
  )
  const twice = await ana.post(`/console/contact/qa/reviews/${other.id}/respond`, {
    decision: 'disputed',
    response: 'x',
  })
  assert.equal(twice.statusCode, 400)
  const now = await reviews()
  assert.deepEqual(
    [now.find((r) => r.id === failedReview.id)!.status, now.find((r) => r.id === other.id)!.status],
    ['disputed', 'acknowledged'],
  )
  assert.deepEqual(
    (await audited('contact.qa-review-disputed')).map((a) => a.actorId),
    [ana.userId],
  )
  // The reviewer reads the dispute.
  assert.match(
    (await sue.get(`/console/contact/qa/reviews/${failedReview.id}`)).body,
    /Disputed by Ana Handler[\s\S]*The caller rang off before THRIVE could be done\./,
  )
})

test('CRM-23: the quality report gives scores per handler and for all handlers by week; Power BI reads QualityReviews; other roles and forces are refused', async () => {
  const supervisorReport = await sue.get('/console/contact/qa/report?weeks=4')
  assert.equal(supervisorReport.statusCode, 200)
  const body = supervisorReport.body
  assert.match(body, /Week starting 1 Jun 2026/)
  // Ana: 3 chosen, 2 scored (0 and 75), 1 failed, 1 disputed.
  assert.match(
    body,
    /Ana Handler<\/th>\s*<td[^>]*>3<\/td>\s*<td[^>]*>2<\/td>\s*<td[^>]*>37.5%<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>1<\/td>/,
  )
  assert.match(body, /All handlers<\/th>\s*<td[^>]*>6<\/td>\s*<td[^>]*>2<\/td>\s*<td[^>]*>37.5%<\/td>/)
  const analyst = await t.signInAs(['analyst'], 'essex')
  assert.equal((await analyst.get('/console/contact/qa/report')).statusCode, 200)
  assert.equal((await ana.get('/console/contact/qa/report')).statusCode, 403)
  assert.equal((await analyst.get('/console/contact/qa/reviews')).statusCode, 403)

  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  const feed = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/odata/QualityReviews?$filter=Failed eq true&$select=Handler,Reason,Score,Disputed,WeekStarting',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  })
  assert.equal(feed.statusCode, 200, feed.body)
  assert.deepEqual(feed.json().value, [
    { Handler: 'Ana Handler', Reason: 'complaint', WeekStarting: '2026-06-01', Score: 0, Disputed: true },
  ])

  // Another force sees none of Essex's reviews, by page, by report or by feed (row-level security).
  const kentSupervisor = await t.signInAs(['contact_supervisor'], 'kent')
  const essexReview = (await reviews())[0]!
  assert.equal((await kentSupervisor.get(`/console/contact/qa/reviews/${essexReview.id}`)).statusCode, 404)
  assert.match(
    (await kentSupervisor.get('/console/contact/qa/reviews')).body,
    /Nothing is waiting to be scored/,
  )
  assert.match((await kentSupervisor.get('/console/contact/qa/report')).body, /No contacts were chosen/)
  const kentToken = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
  const kentFeed = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/odata/QualityReviews',
    headers: { authorization: `Bearer ${kentToken}`, accept: 'application/json' },
  })
  assert.deepEqual(kentFeed.json().value, [])
  const [kentRows] = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from contact_qa_reviews`),
  )
  assert.equal(kentRows!.n, 0)
})

test('CRM-23: a score is the weight met over the weight answered; not applicable counts neither way; a fail-all not met is 0', () => {
  assert.deepEqual(
    scoreOf([
      { weight: 10, failAll: true, answer: 'yes' },
      { weight: 30, failAll: false, answer: 'no' },
      { weight: 10, failAll: false, answer: 'na' },
    ]),
    { score: 25, failed: false },
  )
  assert.deepEqual(
    scoreOf([
      { weight: 10, failAll: true, answer: 'no' },
      { weight: 30, failAll: false, answer: 'yes' },
    ]),
    { score: 0, failed: true },
  )
  assert.deepEqual(scoreOf([{ weight: 5, failAll: false, answer: 'na' }]), { score: 100, failed: false })
})
