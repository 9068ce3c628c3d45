// The no-code journey designer (UJ-18) and the safe-contact policy page, end to end over HTTP on a
// real database: forms with CSRF, plain-English steps and problems, previews rendered by
// Messaging, a test message in the outbox, publishing with a change summary, and a dry run that
// writes nothing.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import type { PersonFacts } from '../cases/model.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import type { JourneyDefinition } from './definition.ts'
import { reviewDraft } from './designer-review.ts'

let t: TestApp
let designer: SignedIn
const clock = new FixedClock('2026-06-03T09:00:00Z') // Wednesday 10:00 in London
const base = '/console/journeys/designer'

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  await t.app.services.journeys.installDefaults('essex')
  designer = await t.signInAs(['journey_designer'], 'kent', 'Dana Designer')
})
after(() => t.close())

async function createJourney(form: Record<string, string>): Promise<string> {
  const created = await designer.post(base, form)
  assert.equal(created.statusCode, 303, created.body)
  const id = /designer\/([0-9a-f-]{36})$/.exec(created.headers.location as string)?.[1]
  assert.ok(id, 'redirects to the new journey')
  return id
}

const stepsOf = async (id: string) => {
  const page = await designer.get(`${base}/${id}`)
  assert.equal(page.statusCode, 200)
  return [
    ...page.body.matchAll(
      /<dt class="govuk-summary-list__key">Step \d+<\/dt>\s*<dd class="govuk-summary-list__value">([^<]+)/g,
    ),
  ].map((m) => m[1]!.replaceAll('&ldquo;', '“').replaceAll('&rdquo;', '”').replaceAll('&#39;', '’').trim())
}

const decode = (html: string) =>
  html.replaceAll('&ldquo;', '“').replaceAll('&rdquo;', '”').replaceAll('&rsquo;', '’')

test('UJ-18: a journey designer lists the force’s journeys and creates an enhanced journey from a form; wrong roles and forces are refused', async () => {
  const list = await designer.get(base)
  assert.equal(list.statusCode, 200)
  assert.match(list.body, /Immediate response/)
  assert.match(list.body, /Published version 1/)

  const missing = await designer.post(base, { name: '', kind: 'enhanced', crimeTypes: '' })
  assert.equal(missing.statusCode, 400)
  assert.match(missing.body, /govuk-error-summary/)
  assert.match(missing.body, /Enter a name for the journey/)
  assert.match(missing.body, /Enter at least one crime type/)

  const id = await createJourney({
    name: 'Hate crime victims',
    kind: 'enhanced',
    crimeTypes: 'Hate crime\nRacially aggravated assault',
    precedence: 'add',
  })
  const page = decode((await designer.get(`${base}/${id}`)).body)
  assert.match(
    page,
    /When crime recorded or crime updated or case party added and the crime type is one of Hate crime or Racially aggravated assault/,
  )
  assert.doesNotMatch(page, /"op"|\{"/, 'no JSON on the page')
  assert.match(page, /The journey never sends a message/)

  const admin = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await admin.get(`${base}/${id}`)).statusCode, 200, 'force admins read')
  assert.equal((await admin.post(base, { name: 'X', kind: 'standard', grading: 'Prompt' })).statusCode, 403)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get(base)).statusCode, 403)
  const essexDesigner = await t.signInAs(['journey_designer'], 'essex')
  assert.equal((await essexDesigner.get(`${base}/${id}`)).statusCode, 404, 'another force cannot see it')
  assert.equal((await essexDesigner.post(`${base}/${id}/steps/0/remove`)).statusCode, 404)
})

test('UJ-18: steps are added, moved and removed with plain forms and read as plain English, and the trigger gets conditions', async () => {
  const id = await createJourney({ name: 'Prompt victims', kind: 'standard', grading: 'Prompt' })
  const chooser = await designer.get(`${base}/${id}/steps/new`)
  assert.match(chooser.body, /What should the step do\?/)
  const form = await designer.get(`${base}/${id}/steps/new?kind=send`)
  assert.match(form.body, /<option value="officer-details"/)

  assert.equal(
    (
      await designer.post(`${base}/${id}/steps`, {
        kind: 'send',
        template: 'officer-details',
        channel: 'preferred',
      })
    ).statusCode,
    303,
  )
  const badTime = await designer.post(`${base}/${id}/steps`, {
    kind: 'wait-working-day',
    workingDays: '2',
    at: '25:00',
  })
  assert.equal(badTime.statusCode, 400)
  assert.match(badTime.body, /Enter a time in 24-hour format/)
  assert.equal(
    (await designer.post(`${base}/${id}/steps`, { kind: 'wait-working-day', workingDays: '2', at: '10:00' }))
      .statusCode,
    303,
  )
  assert.deepEqual(await stepsOf(id), [
    'Stop if the crime status is one of closed or no-further-action (The crime is closed)',
    'Send “officer-details” by their preferred channel',
    'Wait until 10:00, 2 working days later',
  ])

  assert.equal((await designer.post(`${base}/${id}/steps/2/move`, { direction: 'up' })).statusCode, 303)
  assert.equal((await stepsOf(id))[1], 'Wait until 10:00, 2 working days later')
  assert.equal((await designer.post(`${base}/${id}/steps/0/remove`)).statusCode, 303)
  assert.deepEqual(await stepsOf(id), [
    'Wait until 10:00, 2 working days later',
    'Send “officer-details” by their preferred channel',
  ])

  const added = await designer.post(`${base}/${id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is-not',
    value: 'Fraud',
  })
  assert.equal(added.statusCode, 303)
  const page = decode((await designer.get(`${base}/${id}`)).body)
  assert.match(page, /the grading is Prompt and the crime type is not Fraud/)
  const incomplete = await designer.post(`${base}/${id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is',
    value: '',
  })
  assert.equal(incomplete.statusCode, 400)
  assert.match(incomplete.body, /Enter the value to compare with/)

  const saved = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'journey.draft-saved' and record_id = ${id}`,
    ),
  )
  assert.equal(saved[0]!.n, 5, 'each change to the draft is audited')
})
