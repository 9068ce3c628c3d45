// Messages the safe-contact policy held back (a domestic-abuse victim whose phone has not been
// confirmed as a safe channel) are recorded as suppressed messages with their reason, so the
// outbox, the Journeys reports, their CSV and the Power BI feed all show them (UJ-15, UJ-16).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'

const clock = new FixedClock('2026-06-10T09:00:00.000Z') // Wednesday 10:00 in London
const june = 'from-day=1&from-month=6&from-year=2026&to-day=30&to-month=6&to-year=2026'
const reason = 'domestic abuse: sms has not been confirmed as a safe channel'
let t: TestApp
let caseId: string

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  const crime = await t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      'kent',
      {
        kind: 'crime.recorded',
        crime: {
          crimeRef: '46/9001/26',
          crimeType: 'Assault',
          status: 'open',
          vcopCategory: 'enhanced',
          recordedAt: clock.now(),
        },
        people: [
          {
            athenaUrn: `HB${process.pid}`,
            name: 'Held Back Victim',
            dateOfBirth: '1985-04-05',
            role: 'victim',
            phones: [{ value: '+447700960123', mobile: true }],
            emails: [],
            markers: ['domestic_abuse'],
          },
        ],
      },
      { sourceSystem: 'athena', occurredAt: clock.now() },
    ),
  )
  caseId = crime.crimeId!
  await t.app.jobs.drain()
})
after(() => t.close())

test('UJ-15: a message the safe-contact policy held back is listed in the outbox under “Held back, not sent”, with its reason', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const held = await admin.get('/console/outbox?status=suppressed')
  assert.equal(held.statusCode, 200)
  assert.match(held.body, /<option value="suppressed" selected>Held back, not sent<\/option>/)
  assert.match(held.body, /Text message to \+447700960123/)
  assert.match(held.body, /<strong class="govuk-tag govuk-tag--orange">Held back, not sent<\/strong>/)
  assert.match(
    held.body,
    new RegExp(`Why it was held back</dt><dd class="govuk-summary-list__value">${reason}</dd>`),
  )
  const delivered = await admin.get('/console/outbox?status=delivered')
  assert.doesNotMatch(delivered.body, new RegExp(reason))
  // The case page's step links to the same message.
  const [enrolment] = (await t.app.services.journeys.explain('kent', caseId, { id: null })).enrolments
  const step = enrolment!.steps.find((s) => s.outcome === 'suppressed')
  assert.equal(step?.detail, reason)
  assert.ok(step?.messageId)
  const detail = await admin.get(`/console/outbox/${step.messageId}`)
  assert.equal(detail.statusCode, 200)
  assert.match(detail.body, /<strong class="govuk-tag govuk-tag--orange">Held back, not sent<\/strong>/)
  assert.match(
    detail.body,
    new RegExp(`Why it was held back</dt><dd class="govuk-summary-list__value">${reason}</dd>`),
  )
  assert.match(detail.body, new RegExp(`Nothing was rendered: ${reason}`))
})

test('UJ-15: the Journeys report and its CSV count the held-back message with its reason', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const page = await analyst.get(`/console/reports?${june}&group=case-type`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /1 held back and not sent\./)
  assert.match(
    page.body,
    new RegExp(
      `<td class="govuk-table__cell">Assault</td>\\s*<td class="govuk-table__cell">Held back \\(suppressed\\)</td>\\s*<td class="govuk-table__cell">${reason}</td>\\s*<td class="govuk-table__cell govuk-table__cell--numeric">1</td>`,
    ),
  )
  const csv = await analyst.get(`/console/reports/download/not-sent?${june}&group=case-type`)
  const rows = parse(csv.body.replace(/^\uFEFF/, '')) as string[][]
  assert.deepEqual(
    rows.find((r) => r[1] === 'suppressed'),
    ['Assault', 'suppressed', reason, '1'],
  )
})

test('UJ-16: the Power BI feed lists the held-back message with its status and reason', async () => {
  const { key } = await t.app.services.reporting.createApiKey('kent', 'Dashboard', { id: null })
  const feed = await t.app.http.inject({
    method: 'GET',
    url: `/api/v1/odata/Messages?$filter=Status eq 'suppressed'&$select=Status,StatusReason,CaseType,ReportedAt&apikey=${key}`,
    headers: { accept: 'application/json' },
  })
  assert.equal(feed.statusCode, 200)
  const [message, ...others] = feed.json().value
  assert.equal(others.length, 0)
  assert.equal(message.Status, 'suppressed')
  assert.equal(message.StatusReason, reason)
  assert.equal(message.CaseType, 'Assault')
  assert.equal(message.ReportedAt, '2026-06-10T09:00:00.000Z')
  const metadata = await t.app.http.inject({ method: 'GET', url: `/api/v1/odata/$metadata?apikey=${key}` })
  assert.match(metadata.body, /<Property Name="StatusReason" Type="Edm.String"/)
})
