// A journey designer's test send (UJ-18) goes to the designer through the force's real channel,
// flagged as a test on the message row, and no Journeys report counts it: not the page, not its
// CSVs, not the Power BI feed (UJ-13..UJ-16). Messages to victims around it are counted as usual.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import type { JourneyDefinition } from '../journeys/definition.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { aCrime, aMessage, aTemplate, dispatchDue } from './test-builders.ts'

const clock = new FixedClock('2026-06-02T13:00:00Z') // Tuesday 14:00 in London
const june = 'from-day=1&from-month=6&from-year=2026&to-day=30&to-month=6&to-year=2026'
let t: TestApp
let designer: SignedIn
let testTemplateTitle: string

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  await aTemplate(t, 'kent', { key: 'ts-update', title: 'Investigation update', channel: 'sms' })
  const crime = await aCrime(t, 'kent', 'Burglary')
  await aMessage(t, 'kent', { caseId: crime, templateKey: 'ts-update', channel: 'sms', to: '07700900611' })

  designer = await t.signInAs(['journey_designer'], 'kent', 'Dana Designer')
  const journey = (await t.app.services.journeys.list('kent')).find((j) => j.name === 'Prompt response')
  assert.ok(journey, 'the default Prompt response journey is installed')
  const detail = await t.app.services.journeys.detail('kent', journey.id)
  const steps = (detail.journey.draft as JourneyDefinition).steps
  const index = steps.findIndex((s) => s.kind === 'send')
  const step = steps[index]
  assert.ok(step?.kind === 'send')
  const template = await t.app.db.withForce('kent', async (tx) =>
    (await t.app.services.messaging.templates.templates(tx, 'kent')).find(
      (x) => x.key === step.template && x.channel === 'sms',
    ),
  )
  testTemplateTitle = template!.title
  const sent = await designer.post(`/console/journeys/designer/${journey.id}/steps/${index + 1}/test-send`, {
    channel: 'sms',
    phone: '07700 900982',
  })
  assert.equal(sent.statusCode, 303, sent.body)
  await dispatchDue(t)
})
after(() => t.close())

const csv = (body: string) => parse(body.replace(/^\uFEFF/, '')) as string[][]

test('UJ-18: the designer’s test send is sent through the force’s channel and flagged as a test', async () => {
  const found = await t.app.db.asSystem((tx) =>
    rows<{ is_test: boolean; status: string; case_id: string | null; created_by: string | null }>(
      tx,
      sql`select is_test, status, case_id, created_by::text from messages where force_id = 'kent' order by created_at`,
    ),
  )
  assert.equal(found.length, 2)
  const testSend = found.find((m) => m.created_by === designer.userId)
  const toVictim = found.find((m) => m.created_by === null)
  assert.equal(testSend?.is_test, true)
  assert.ok(['sent', 'delivered'].includes(testSend.status), testSend.status)
  assert.equal(testSend.case_id, null)
  assert.equal(toVictim?.is_test, false)
  assert.ok(['sent', 'delivered'].includes(toVictim.status), toVictim.status)

  // Staff see it labelled in the outbox, apart from messages to victims.
  const outbox = await designer.get('/console/outbox')
  assert.equal(outbox.statusCode, 200)
  const cards = outbox.body.split('<div class="govuk-summary-card">').slice(1)
  const labelled = cards.filter((c) => /A journey designer’s test: not counted in reports/.test(c))
  assert.equal(labelled.length, 1)
  assert.match(labelled[0]!, /to 07700 900982/)
})

test('UJ-13, UJ-14, UJ-15: a test send is absent from the report page and every CSV', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const page = await analyst.get(`/console/reports?${june}&group=template`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /1 messages sent/)
  assert.doesNotMatch(page.body, new RegExp(testTemplateTitle))

  const bySent = csv(
    (await analyst.get(`/console/reports/download/messages-sent?${june}&group=template`)).body,
  )
  assert.deepEqual(
    bySent.slice(1).map((r) => [r[0], r[3]]),
    [['Investigation update', '1']],
  )
  const perDay = csv((await analyst.get(`/console/reports/download/per-day?${june}&group=template`)).body)
  assert.deepEqual(
    perDay.slice(1).map((r) => r.at(-1)),
    ['1'],
  )
  const perHour = csv((await analyst.get(`/console/reports/download/per-hour?${june}`)).body)
  assert.equal(
    perHour.slice(1).reduce((sum, r) => sum + Number(r.at(-1)), 0),
    1,
  )
  const times = csv((await analyst.get(`/console/reports/download/send-times?${june}&group=template`)).body)
  assert.equal(times.length - 1, 1)
  const notSent = csv((await analyst.get(`/console/reports/download/not-sent?${june}&group=template`)).body)
  assert.equal(notSent.length - 1, 0)
})

test('UJ-16: a test send is absent from the Power BI feed’s messages and daily counts', async () => {
  const token = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
  const get = (url: string) =>
    t.app.http.inject({
      method: 'GET',
      url,
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    })
  const messages = await get('/api/v1/odata/Messages?$count=true')
  assert.equal(messages.statusCode, 200)
  assert.equal(messages.json()['@odata.count'], 1)
  assert.deepEqual(
    messages.json().value.map((m: { TemplateTitle: string }) => m.TemplateTitle),
    ['Investigation update'],
  )
  const daily = await get('/api/v1/odata/DailyMessageCounts')
  assert.equal(daily.statusCode, 200)
  assert.deepEqual(
    daily.json().value.map((d: { TemplateTitle: string; Sent: number }) => [d.TemplateTitle, d.Sent]),
    [['Investigation update', 1]],
  )
})
