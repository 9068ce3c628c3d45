// Second-person approval of journey changes, version history and rollback (issue 13 §7), over
// HTTP on a real database: the force administrator's setting, a publish that waits for another
// person, the approval page's differences field by field, approval and rejection with a reason,
// the refusals (the author, another force, another role), the dashboard tile, and rollback to an
// earlier version with and without approval. Every step is audited.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

let t: TestApp
let author: SignedIn
let approver: SignedIn
let kentAdmin: SignedIn
const clock = new FixedClock('2026-06-03T09:00:00Z')
const base = '/console/journeys/designer'

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  await t.app.services.journeys.installDefaults('essex')
  author = await t.signInAs(['journey_designer'], 'kent', 'Avery Author')
  approver = await t.signInAs(['journey_designer'], 'kent', 'Blake Approver')
  kentAdmin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
})
after(() => t.close())

const decode = (html: string) =>
  html
    .replaceAll('&ldquo;', '“')
    .replaceAll('&rdquo;', '”')
    .replaceAll('&rsquo;', '’')
    .replaceAll('&#39;', '’')
const journeyNamed = async (forceId: string, name: string) =>
  (await t.app.services.journeys.list(forceId)).find((j) => j.name === name)!
const auditOf = (recordId: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ action: string; actor_id: string | null; detail: Record<string, unknown> }>(
      tx,
      sql`select action, actor_id, detail from audit_events where record_id = ${recordId} order by occurred_at, seq`,
    ),
  )
const requestIdFrom = (body: string) => /href="\/console\/approvals\/([0-9a-f-]{36})"/.exec(body)?.[1] ?? ''

test('a force administrator turns second-person approval on for their own force only; other roles are refused', async () => {
  const designerTry = await author.post('/console/approvals/settings', { required: 'yes' })
  assert.equal(designerTry.statusCode, 403)
  const blank = await kentAdmin.post('/console/approvals/settings', {})
  assert.equal(blank.statusCode, 400)
  assert.match(blank.body, /<a href="#required">Select whether changes need a second person’s approval<\/a>/)
  const saved = await kentAdmin.post('/console/approvals/settings', { required: 'yes' })
  assert.equal(saved.statusCode, 303)
  assert.match((await kentAdmin.get(saved.headers.location as string)).body, /Setting saved\./)
  assert.equal(await t.app.services.approvals.required('kent'), true)
  assert.equal(await t.app.services.approvals.required('essex'), false)
  const [event] = (await auditOf('kent')).filter((e) => e.action === 'change-approval.setting-changed')
  assert.equal(event?.actor_id, kentAdmin.userId)
  assert.equal(event?.detail.changesNeedApproval, true)
})

test('with approval on, publishing waits for another person, who sees the change field by field and approves it; the author and other forces and roles are refused', async () => {
  const prompt = await journeyNamed('kent', 'Prompt response')
  await author.post(`${base}/${prompt.id}/steps/0/remove`)
  await author.post(`${base}/${prompt.id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is-not',
    value: 'Fraud',
  })
  const review = await author.get(`${base}/${prompt.id}/publish`)
  assert.match(review.body, /Ask for approval to publish version 2/)

  const asked = await author.post(`${base}/${prompt.id}/publish`)
  assert.equal(asked.statusCode, 303)
  assert.match(asked.headers.location as string, /requested=yes$/)
  assert.equal((await t.app.services.journeys.detail('kent', prompt.id)).journey.publishedVersion, 1)
  const journeyPage = await author.get(asked.headers.location as string)
  assert.match(journeyPage.body, /Sent for approval\./)
  const id = requestIdFrom(journeyPage.body)
  assert.ok(id)

  // The dashboard shows approvers what waits for them.
  const home = await approver.get('/console')
  assert.match(home.body, /Changes waiting for approval/)
  assert.match(home.body, /Journey and template changes waiting for a second person/)
  const list = await approver.get('/console/approvals')
  assert.match(list.body, new RegExp(`/console/approvals/${id}`))

  const page = decode((await approver.get(`/console/approvals/${id}`)).body)
  assert.match(page, /<h1 class="govuk-heading-l">Publish version 2<\/h1>/)
  assert.match(
    page,
    /When the journey starts<\/h3>[\s\S]*?<del[^>]*>When incident opened[^<]*grading is Prompt<\/del>[\s\S]*?<ins[^>]*>[^<]*and the crime type is not Fraud<\/ins>/,
  )
  assert.match(page, /Step 1 \(removed\)<\/h3>[\s\S]*?<del[^>]*>Stop if the victim has opted out/)
  assert.match(page, /Approve and publish/)

  // The author cannot decide their own change; another force does not see it; another role may not decide.
  const own = await author.get(`/console/approvals/${id}`)
  assert.doesNotMatch(own.body, /Approve and publish/)
  assert.match(decode(own.body), /You asked for this change/)
  assert.equal((await author.post(`/console/approvals/${id}/approve`)).statusCode, 403)
  assert.equal(
    (await author.post(`/console/approvals/${id}/reject`, { reason: 'Changed my mind' })).statusCode,
    403,
  )
  const essex = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await essex.get(`/console/approvals/${id}`)).statusCode, 404)
  assert.equal((await essex.post(`/console/approvals/${id}/approve`)).statusCode, 404)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get(`/console/approvals/${id}`)).statusCode, 403)
  assert.equal((await analyst.post(`/console/approvals/${id}/approve`)).statusCode, 403)
  assert.equal((await t.app.services.journeys.detail('kent', prompt.id)).journey.publishedVersion, 1)

  const approved = await approver.post(`/console/approvals/${id}/approve`)
  assert.equal(approved.statusCode, 303)
  assert.match(
    (await approver.get(approved.headers.location as string)).body,
    /Change approved\. Version 2 is now live\./,
  )
  const detail = await t.app.services.journeys.detail('kent', prompt.id)
  assert.equal(detail.journey.publishedVersion, 2)
  assert.deepEqual(detail.versions.find((v) => v.version === 2)?.definition, detail.journey.draft)
  assert.equal((await approver.post(`/console/approvals/${id}/approve`)).statusCode, 409)

  const trail = await auditOf(id)
  assert.deepEqual(
    trail.map((e) => [e.action, e.actor_id]),
    [
      ['change.requested', author.userId],
      ['change.approved', approver.userId],
    ],
  )
  const published = (await auditOf(prompt.id)).find(
    (e) => e.action === 'journey.published' && e.detail.version === 2,
  )
  assert.equal(published?.actor_id, approver.userId)
  assert.equal(published?.detail.changeRequest, id)
})

test('a rejection needs a reason, publishes nothing and is audited', async () => {
  const immediate = await journeyNamed('kent', 'Immediate response')
  await author.post(`${base}/${immediate.id}/steps/0/remove`)
  const asked = await author.post(`${base}/${immediate.id}/publish`)
  const id = requestIdFrom((await author.get(asked.headers.location as string)).body)
  const blank = await approver.post(`/console/approvals/${id}/reject`, { reason: ' ' })
  assert.equal(blank.statusCode, 400)
  assert.match(blank.body, /<a href="#reason">Enter why you are rejecting the change<\/a>/)
  const rejected = await approver.post(`/console/approvals/${id}/reject`, {
    reason: 'Keep the opt-out check first',
  })
  assert.equal(rejected.statusCode, 303)
  const page = await author.get(`/console/approvals/${id}`)
  assert.match(page.body, /Rejected/)
  assert.match(page.body, /Keep the opt-out check first/)
  assert.equal((await t.app.services.journeys.detail('kent', immediate.id)).journey.publishedVersion, 1)
  const [event] = (await auditOf(id)).filter((e) => e.action === 'change.rejected')
  assert.equal(event?.actor_id, approver.userId)
  assert.equal(event?.detail.reason, 'Keep the opt-out check first')
})

test('version history lists every version with who published it and when; rollback makes a new version equal to the old one, through approval when it is on', async () => {
  const prompt = await journeyNamed('kent', 'Prompt response')
  const history = decode((await author.get(`${base}/${prompt.id}/versions`)).body)
  assert.match(history, /Version 2<\/td>\s*<td class="govuk-table__cell">Blake Approver<\/td>/)
  assert.match(history, /Version 1<\/td>\s*<td class="govuk-table__cell">Waypoint \(default journey\)<\/td>/)
  assert.match(history, /Roll back to version 1/)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.post(`${base}/${prompt.id}/versions/1/rollback`)).statusCode, 403)
  const essex = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await essex.post(`${base}/${prompt.id}/versions/1/rollback`)).statusCode, 404)

  const asked = await author.post(`${base}/${prompt.id}/versions/1/rollback`)
  assert.equal(asked.statusCode, 303)
  assert.match(asked.headers.location as string, /done=requested$/)
  const id = requestIdFrom((await author.get(asked.headers.location as string)).body)
  const change = decode((await approver.get(`/console/approvals/${id}`)).body)
  assert.match(change, /Roll back to version 1/)
  assert.match(change, /Step 1 \(new\)<\/h3>[\s\S]*?<ins[^>]*>Stop if the victim has opted out/)
  assert.equal((await approver.post(`/console/approvals/${id}/approve`)).statusCode, 303)
  const detail = await t.app.services.journeys.detail('kent', prompt.id)
  assert.equal(detail.journey.publishedVersion, 3)
  const v1 = detail.versions.find((v) => v.version === 1)!.definition
  assert.deepEqual(detail.versions.find((v) => v.version === 3)!.definition, v1)
  assert.deepEqual(detail.journey.draft, v1)

  // Without approval (Essex), a rollback publishes at once, and is audited as a publication.
  const essexPrompt = await journeyNamed('essex', 'Prompt response')
  await essex.post(`${base}/${essexPrompt.id}/steps/0/remove`)
  await essex.post(`${base}/${essexPrompt.id}/publish`)
  const back = await essex.post(`${base}/${essexPrompt.id}/versions/1/rollback`)
  assert.equal(back.statusCode, 303)
  assert.match(
    (await essex.get(back.headers.location as string)).body,
    /Rolled back\. Version 3 is published/,
  )
  const essexDetail = await t.app.services.journeys.detail('essex', essexPrompt.id)
  assert.deepEqual(
    essexDetail.versions.find((v) => v.version === 3)!.definition,
    essexDetail.versions.find((v) => v.version === 1)!.definition,
  )
  const rolled = (await auditOf(essexPrompt.id)).find(
    (e) => e.action === 'journey.published' && e.detail.version === 3,
  )
  assert.equal(rolled?.detail.rollbackOf, 1)
  assert.equal((await essex.post(`${base}/${essexPrompt.id}/versions/3/rollback`)).statusCode, 409)
})
