// Message templates under second-person approval, and rollback to an earlier version (issue 13
// §7), over HTTP on a real database: a saved change waits for another person, who sees the text
// before and after and approves it; the author and another force are refused; a rollback makes a
// new version equal to the old one, through approval when the force has it on and at once when
// not; every step is audited.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

let t: TestApp
let author: SignedIn
let approver: SignedIn
const clock = new FixedClock('2026-06-03T09:00:00Z')
const key = 'officer-attending-soon'
const form = {
  title: 'Officer attending soon',
  smsBody: '((force_name)): an officer will visit you today about ((reference)).',
  emailSubject: 'An officer will visit',
  emailBody: '((force_name)): an officer will visit you today about ((reference)).',
  action: 'save',
}

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  await t.app.services.journeys.installDefaults('essex')
  author = await t.signInAs(['journey_designer'], 'kent', 'Avery Author')
  approver = await t.signInAs(['force_admin'], 'kent', 'Blake Approver')
  assert.equal((await approver.post('/console/approvals/settings', { required: 'yes' })).statusCode, 303)
})
after(() => t.close())

const decode = (html: string) =>
  html.replaceAll('&rsquo;', '’').replaceAll('&#39;', '’').replaceAll('&quot;', '"')
const versions = (forceId: string, channel = 'sms') =>
  t.app.db.withForce(forceId, async (tx) =>
    (await t.app.services.messaging.templates.templates(tx, forceId))
      .filter((r) => r.key === key && r.channel === channel && r.language === 'en')
      .sort((a, b) => a.version - b.version),
  )
const auditOf = (recordId: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ action: string; actor_id: string | null; detail: Record<string, unknown> }>(
      tx,
      sql`select action, actor_id, detail from audit_events where record_id = ${recordId} order by occurred_at, seq`,
    ),
  )
const requestIdFrom = (body: string) => /href="\/console\/approvals\/([0-9a-f-]{36})"/.exec(body)?.[1] ?? ''

test('with approval on, a template change waits for another person, who sees the text before and after; the author and another force are refused', async () => {
  const asked = await author.post(`/console/templates/${key}/edit?language=en`, form)
  assert.equal(asked.statusCode, 303, asked.body)
  assert.equal(asked.headers.location, `/console/templates/${key}?saved=requested`)
  assert.equal((await versions('kent')).length, 1, 'no new version yet')
  const page = await author.get(asked.headers.location as string)
  assert.match(page.body, /Sent for approval\./)
  const id = requestIdFrom(page.body)
  assert.ok(id)

  const change = decode((await approver.get(`/console/approvals/${id}`)).body)
  assert.match(change, /Change the English text/)
  assert.match(
    change,
    /English text message: text<\/h3>[\s\S]*?<del[^>]*>[^<]*usually within a few hours[^<]*<\/del>[\s\S]*?<ins[^>]*>\(\(force_name\)\): an officer will visit you today about \(\(reference\)\)\.<\/ins>/,
  )
  assert.match(change, /English email: subject<\/h3>[\s\S]*?<ins[^>]*>An officer will visit<\/ins>/)

  assert.equal((await author.post(`/console/approvals/${id}/approve`)).statusCode, 403)
  const essex = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essex.post(`/console/approvals/${id}/approve`)).statusCode, 404)
  assert.equal((await versions('kent')).length, 1)

  const approved = await approver.post(`/console/approvals/${id}/approve`)
  assert.equal(approved.statusCode, 303)
  const now = await versions('kent')
  assert.equal(now.length, 2)
  assert.equal(now[1]!.body, form.smsBody)
  assert.equal(now[1]!.createdBy, author.userId, 'the new version is the author’s words')
  const saved = (await auditOf(key)).find(
    (e) => e.action === 'message-template.saved' && e.detail.changeRequest === id,
  )
  assert.equal(saved?.actor_id, approver.userId)
  assert.deepEqual(
    (await auditOf(id)).map((e) => e.action),
    ['change.requested', 'change.approved'],
  )
})

test('rolling back makes a new version equal to the old one: through approval in Kent, at once in Essex', async () => {
  const [first] = await versions('kent')
  const asked = await author.post(`/console/templates/${key}/versions/${first!.id}/rollback`)
  assert.equal(asked.statusCode, 303)
  assert.match(asked.headers.location as string, /saved=requested$/)
  const id = requestIdFrom((await author.get(asked.headers.location as string)).body)
  assert.match(
    decode((await approver.get(`/console/approvals/${id}`)).body),
    /Roll the English text message back to version 1/,
  )
  assert.equal((await approver.post(`/console/approvals/${id}/approve`)).statusCode, 303)
  const kent = await versions('kent')
  assert.equal(kent.length, 3)
  assert.equal(kent[2]!.body, first!.body)

  const essex = await t.signInAs(['journey_designer'], 'essex', 'Essex Designer')
  const otherForce = await essex.post(`/console/templates/${key}/versions/${first!.id}/rollback`)
  assert.equal(otherForce.statusCode, 404, 'Kent’s version is not found from Essex')
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal(
    (await analyst.post(`/console/templates/${key}/versions/${first!.id}/rollback`)).statusCode,
    403,
  )

  await essex.post(`/console/templates/${key}/edit?language=en`, form)
  const [essexFirst] = await versions('essex')
  const back = await essex.post(`/console/templates/${key}/versions/${essexFirst!.id}/rollback`)
  assert.equal(back.headers.location, `/console/templates/${key}?saved=rolled-back`)
  assert.match((await essex.get(back.headers.location as string)).body, /Rolled back/)
  const essexVersions = await versions('essex')
  assert.equal(essexVersions.length, 3)
  assert.equal(essexVersions[2]!.body, essexFirst!.body)
  const rolled = (await auditOf(key)).find((e) => e.action === 'message-template.rolled-back')
  assert.equal(rolled?.actor_id, essex.userId)
  assert.equal(rolled?.detail.rollbackOf, 1)
})

test('with approval on, a brand-new template waits for another person before any version of it exists; the author, another force and other roles are refused, and its key cannot be taken meanwhile', async () => {
  const newKey = 'court-date-reminder'
  const newForm = {
    key: newKey,
    title: 'Court date reminder',
    smsBody: '((force_name)): your court date about ((reference)) is coming up.',
    emailSubject: 'Your court date',
    emailBody: '((force_name)): your court date about ((reference)) is coming up.',
    action: 'save',
  }
  const ofKey = async (forceId: string) =>
    t.app.db.withForce(forceId, async (tx) =>
      (await t.app.services.messaging.templates.templates(tx, forceId)).filter((r) => r.key === newKey),
    )
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.post('/console/templates', newForm)).statusCode, 403)

  const asked = await author.post('/console/templates', newForm)
  assert.equal(asked.statusCode, 303, asked.body)
  assert.equal(asked.headers.location, `/console/templates/${newKey}?saved=requested`)
  assert.deepEqual(await ofKey('kent'), [], 'no version exists before approval')
  const page = await author.get(asked.headers.location as string)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Sent for approval\./)
  assert.match(decode(page.body), /This new template is waiting for a second person’s approval/)
  const id = requestIdFrom(page.body)
  assert.ok(id)
  assert.doesNotMatch((await author.get('/console/templates')).body, new RegExp(newKey))

  const again = await author.post('/console/templates', { ...newForm, title: 'Another' })
  assert.equal(again.statusCode, 400)
  assert.match(again.body, /A new template with this key is waiting for approval: choose another key/)

  const change = decode((await approver.get(`/console/approvals/${id}`)).body)
  assert.match(change, /Add this new template/)
  assert.match(change, /Title<\/h3>[\s\S]*?<ins[^>]*>Court date reminder<\/ins>/)
  assert.match(
    change,
    /English text message: text<\/h3>[\s\S]*?<ins[^>]*>\(\(force_name\)\): your court date about \(\(reference\)\) is coming up\.<\/ins>/,
  )
  assert.match(change, /English email: subject<\/h3>[\s\S]*?<ins[^>]*>Your court date<\/ins>/)
  assert.equal((await author.post(`/console/approvals/${id}/approve`)).statusCode, 403)
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essexAdmin.post(`/console/approvals/${id}/approve`)).statusCode, 404)
  assert.deepEqual(await ofKey('kent'), [])

  assert.equal((await approver.post(`/console/approvals/${id}/approve`)).statusCode, 303)
  const created = await ofKey('kent')
  assert.deepEqual(created.map((r) => `${r.channel} ${r.version}`).sort(), ['email 1', 'sms 1'])
  assert.ok(created.every((r) => r.createdBy === author.userId && r.title === 'Court date reminder'))
  assert.match((await author.get(`/console/templates/${newKey}`)).body, /Court date reminder/)
  const saved = (await auditOf(newKey)).find(
    (e) => e.action === 'message-template.saved' && e.detail.changeRequest === id,
  )
  assert.equal(saved?.actor_id, approver.userId)
  assert.deepEqual(
    (await auditOf(id)).map((e) => e.action),
    ['change.requested', 'change.approved'],
  )

  // Without approval (Essex) a new template is made at once.
  const essex = await t.signInAs(['journey_designer'], 'essex', 'Essex Designer')
  const direct = await essex.post('/console/templates', newForm)
  assert.equal(direct.headers.location, `/console/templates/${newKey}?saved=en`)
  assert.equal((await ofKey('essex')).length, 2)
})
