// Journeys reports end to end: real crimes and incidents, messages scheduled through Messaging,
// sent by the dispatch job to a real fake GOV.UK Notify over HTTP whose receipts come back to
// Waypoint's callback; the console pages and CSV downloads then report them (UJ-13..UJ-15).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { parse } from 'csv-parse/sync'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'
import { aCrime, aMessage, anIncident, aTemplate, dispatchDue } from './test-builders.ts'

const kentKey = {
  serviceId: '11111111-1111-4111-8111-111111111111',
  secret: '22222222-2222-4222-8222-222222222222',
  templates: [
    { id: '33333333-3333-4333-8333-333333333333', type: 'sms' as const },
    { id: '44444444-4444-4444-8444-444444444444', type: 'email' as const },
  ],
}
const callbackToken = 'notify-callback-token-for-reporting-0123456789'
const clock = new FixedClock('2026-06-02T13:00:00Z') // Tuesday 14:00 in London
const june = 'from-day=1&from-month=6&from-year=2026&to-day=30&to-month=6&to-year=2026'
let t: TestApp
let notify: FakeNotifyServer
const sent: string[] = []

before(async () => {
  notify = new FakeNotifyServer({ keys: [kentKey] })
  await notify.listen()
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      messaging: {
        ...defaults.messaging,
        notify: {
          ...defaults.messaging.notify,
          baseUrl: notify.url,
          apiKeys: { kent: notifyApiKey('waypoint_test', kentKey) },
          smsTemplateId: '33333333-3333-4333-8333-333333333333',
          emailTemplateId: '44444444-4444-4444-8444-444444444444',
          callbackToken,
          // Generous: a loaded machine must not turn a slow fake Notify into technical failures.
          timeoutMs: 15000,
        },
      },
    },
    { clock },
  )
  const appUrl = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  notify.receipts = {
    url: `${appUrl}/callbacks/notify/kent/receipts`,
    bearerToken: callbackToken,
    delayMs: 5,
  }
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.settings.saveSettings(
      tx,
      'kent',
      { smsChannel: 'notify', emailChannel: 'outbox' },
      null,
    ),
  )
  for (const channel of ['sms', 'email'] as const)
    await aTemplate(t, 'kent', { key: 'rpt-update', title: 'Investigation update', channel })
  // A title that Excel would run as a formula: the CSV must neutralise it.
  await aTemplate(t, 'kent', { key: 'rpt-closure', title: '=1+2 Closure', channel: 'sms' })
  await aTemplate(t, 'essex', { key: 'rpt-update', title: 'Investigation update', channel: 'sms' })

  // Tuesday 14:00: five messages leave, one is refused before sending.
  const burglary = await aCrime(t, 'kent', 'Burglary')
  const collision = await anIncident(t, 'kent', 'Road traffic collision')
  const sms = (caseId: string, to: string, templateKey = 'rpt-update') =>
    aMessage(t, 'kent', { caseId, templateKey, channel: 'sms', to })
  sent.push((await sms(burglary, '07700900111')).id) // delivered
  sent.push((await sms(burglary, '07700900003')).id) // permanent failure
  sent.push((await sms(collision, '07700900002')).id) // temporary failure
  sent.push((await sms(collision, '07700900001', 'rpt-closure')).id) // technical failure
  sent.push(
    (
      await aMessage(t, 'kent', {
        caseId: burglary,
        templateKey: 'rpt-update',
        channel: 'email',
        to: 'victim@example.org',
      })
    ).id,
  )
  assert.equal((await sms(burglary, 'not-a-number')).status, 'suppressed')
  await dispatchDue(t)
  // Wednesday 09:30: one more is sent, and one is cancelled before it goes.
  clock.set('2026-06-03T08:30:00Z')
  sent.push((await sms(collision, '07700900222')).id)
  await dispatchDue(t)
  await sms(burglary, '07700900333')
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.cancelPending(tx, {
      forceId: 'kent',
      caseId: burglary,
      reason: 'Crime closed',
    }),
  )
  // Essex's message must never appear in Kent's reports.
  const essexCrime = await aCrime(t, 'essex', 'Burglary')
  await aMessage(t, 'essex', {
    caseId: essexCrime,
    templateKey: 'rpt-update',
    channel: 'sms',
    to: '07700900444',
  })
  await dispatchDue(t)
  await notify.settled()
  await waitForFinalStatuses()
})

after(async () => {
  await t.close()
  await notify.close()
})

/** Waits, by the wall clock and not by a count of tries, so a loaded machine is given its time. */
async function waitForFinalStatuses() {
  const giveUpAt = Date.now() + 30_000
  while (Date.now() < giveUpAt) {
    const statuses = await t.app.db.withForce('kent', async (tx) => {
      const found = []
      for (const id of sent)
        found.push((await t.app.services.messaging.scheduling.message(tx, id)).message.status)
      return found
    })
    if (!statuses.some((s) => s === 'sent' || s === 'sending' || s === 'scheduled')) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  assert.fail('the receipts did not arrive')
}

const csv = (body: string) => parse(body.replace(/^\uFEFF/, '')) as string[][]

test('UJ-13, UJ-15: messages sent, delivered and undelivered by template title, in the page and its CSV', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const page = await analyst.get(`/console/reports?${june}&group=template`)
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /<caption class="govuk-table__caption govuk-table__caption--m">Messages sent and delivered by template<\/caption>/,
  )
  assert.match(page.body, /6 messages sent, 3 delivered, 3 undelivered/)

  const download = await analyst.get(`/console/reports/download/messages-sent?${june}&group=template`)
  assert.equal(download.statusCode, 200)
  assert.match(String(download.headers['content-type']), /^text\/csv/)
  assert.deepEqual(csv(download.body), [
    [
      'Template',
      'SMS sent',
      'Emails sent',
      'Total sent',
      'Delivered',
      'Awaiting receipt',
      'Permanent failure',
      'Temporary failure',
      'Technical failure',
    ],
    // Formula injection: the title starting with = is prefixed with an apostrophe.
    ["'=1+2 Closure", '1', '0', '1', '0', '0', '0', '0', '1'],
    ['Investigation update', '4', '1', '5', '3', '0', '1', '1', '0'],
  ])
})

test('UJ-13, UJ-15: the same messages grouped by crime or incident type', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const download = await admin.get(`/console/reports/download/messages-sent?${june}&group=case-type`)
  assert.deepEqual(csv(download.body).slice(1), [
    ['Burglary', '2', '1', '3', '2', '0', '1', '0', '0'],
    ['Road traffic collision', '3', '0', '3', '1', '0', '0', '1', '1'],
  ])
  const page = await admin.get(`/console/reports?${june}&group=case-type`)
  assert.match(page.body, /<th scope="row" class="govuk-table__header">Road traffic collision<\/th>/)
})

test('UJ-15: messages that never left are shown apart, as cancelled or suppressed with the reason', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const page = await analyst.get(`/console/reports?${june}`)
  assert.match(page.body, /Messages not sent \(held back, cancelled or failed before sending\)/)
  assert.match(page.body, /Not a valid mobile number/)
  const download = await analyst.get(`/console/reports/download/not-sent?${june}&group=case-type`)
  assert.deepEqual(csv(download.body), [
    ['Crime or incident type', 'Status', 'Reason', 'Messages'],
    ['Burglary', 'cancelled', 'Crime closed', '1'],
    ['Burglary', 'suppressed', 'Not a valid mobile number', '1'],
  ])
})

test('UJ-14: send dates and times per day, per hour (UK time) and per message', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const perDay = await analyst.get(`/console/reports/download/per-day?${june}&group=template`)
  assert.deepEqual(csv(perDay.body).slice(1), [
    ['2026-06-02', "'=1+2 Closure", '1', '0', '1'],
    ['2026-06-02', 'Investigation update', '3', '1', '4'],
    ['2026-06-03', 'Investigation update', '1', '0', '1'],
  ])
  const perHour = await analyst.get(`/console/reports/download/per-hour?${june}`)
  assert.deepEqual(csv(perHour.body).slice(1), [
    ['09:00', '1', '0', '1'],
    ['14:00', '4', '1', '5'],
  ])
  const times = await analyst.get(`/console/reports/download/send-times?${june}&group=case-type`)
  const rows = csv(times.body).slice(1)
  assert.equal(rows.length, 6)
  assert.deepEqual(rows.at(-1), ['2026-06-03 09:30:00', 'sms', 'Road traffic collision', 'delivered'])
  const page = await analyst.get(`/console/reports?${june}`)
  assert.match(page.body, /Messages sent per hour of the day \(UK time\)/)
  assert.match(page.body, /14:00 to 14:59/)
})

test('UJ-13: a period outside the messages shows none; a wrong date gets an error summary and keeps what was typed', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  const empty = await analyst.get(
    '/console/reports?from-day=1&from-month=7&from-year=2026&to-day=31&to-month=7&to-year=2026',
  )
  assert.match(empty.body, /0 messages sent, 0 delivered, 0 undelivered/)
  const bad = await analyst.get(
    '/console/reports?from-day=31&from-month=2&from-year=2026&to-day=1&to-month=&to-year=2026',
  )
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /There is a problem/)
  assert.match(bad.body, /href="#from-day">The start date must be a real date/)
  assert.match(bad.body, /href="#to-day">Enter the end date, including a day, month and year/)
  assert.match(bad.body, /id="from-day" name="from-day" type="text" value="31"/)
})

test('UJ-13: reports are for analysts, force admins and system admins; a force sees only its own messages', async () => {
  for (const role of ['investigating_officer', 'contact_handler', 'journey_designer'] as const) {
    const other = await t.signInAs([role], 'kent')
    assert.equal((await other.get('/console/reports')).statusCode, 403, role)
    assert.equal((await other.get(`/console/reports/download/messages-sent?${june}`)).statusCode, 403, role)
  }
  // A force that does not use Journeys has no Journeys reports.
  await t.app.services.forces.setProducts('norfolk', ['portal'])
  const norfolk = await t.signInAs(['analyst'], 'norfolk')
  assert.equal((await norfolk.get('/console/reports')).statusCode, 403)
  const essex = await t.signInAs(['analyst'], 'essex')
  const essexCsv = csv((await essex.get(`/console/reports/download/messages-sent?${june}`)).body)
  assert.deepEqual(essexCsv.slice(1), [['Investigation update', '1', '0', '1', '1', '0', '0', '0', '0']])
  // A force's analyst cannot read another force by asking for it.
  const sneaky = csv((await essex.get(`/console/reports/download/messages-sent?${june}&force=kent`)).body)
  assert.deepEqual(sneaky, essexCsv)
  // A system admin chooses the force.
  const system = await t.signInAs(['system_admin'], null)
  const kentCsv = csv((await system.get(`/console/reports/download/messages-sent?${june}&force=kent`)).body)
  assert.equal(kentCsv.length, 3)
  const page = await system.get(`/console/reports?${june}&force=essex`)
  assert.match(page.body, /<select class="govuk-select" id="force" name="force">/)
  assert.match(page.body, /1 messages sent, 1 delivered, 0 undelivered/)
})

test('UJ-13: downloading a report is recorded in the audit trail', async () => {
  const analyst = await t.signInAs(['analyst'], 'kent')
  await analyst.get(`/console/reports/download/per-day?${june}`)
  const recorded = await t.app.db.asSystem((tx) =>
    rows<{ actor_id: string; record_id: string }>(
      tx,
      sql`select actor_id::text, record_id from audit_events where action = 'report.exported' and force_id = 'kent'`,
    ),
  )
  assert.ok(
    recorded.some((r) => r.actor_id === analyst.userId && r.record_id === 'per-day'),
    JSON.stringify(recorded),
  )
})
