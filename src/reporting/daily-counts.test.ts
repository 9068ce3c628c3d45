// The Journeys reports read per-day counts that triggers keep as messages, crimes and incidents
// change (migration 1000). These tests change real data through the services — messages written,
// sent to a fake GOV.UK Notify and receipted, cancelled, held back, a crime retyped, finished
// messages deleted under the retention rule — and check after each that every figure of the
// report equals a direct count of the messages by the reports' own rules (`messageFacts`), per
// force under row-level security.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'
import { type Grouping, messageFacts, type Period } from './repository.ts'
import { aCrime, aMessage, anIncident, aTemplate, dispatchDue } from './test-builders.ts'

const key = {
  serviceId: '11111111-1111-4111-8111-111111111111',
  secret: '22222222-2222-4222-8222-222222222222',
  templates: [
    { id: '33333333-3333-4333-8333-333333333333', type: 'sms' as const },
    { id: '44444444-4444-4444-8444-444444444444', type: 'email' as const },
  ],
}
const callbackToken = 'notify-callback-token-for-daily-counts-0123456789'
// Monday 1 June 2026, 14:00 in London (13:00 UTC): counted on the London hour.
const clock = new FixedClock('2026-06-01T13:00:00Z')
const june = { from: new Date('2026-05-31T23:00:00Z'), to: new Date('2026-06-30T23:00:00Z') }
let t: TestApp
let notify: FakeNotifyServer
const written: { forceId: string; id: string }[] = []
let burglary: string

before(async () => {
  notify = new FakeNotifyServer({ keys: [key] })
  await notify.listen()
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      messaging: {
        ...defaults.messaging,
        notify: {
          ...defaults.messaging.notify,
          baseUrl: notify.url,
          apiKeys: { kent: notifyApiKey('waypoint_test', key), essex: notifyApiKey('waypoint_test', key) },
          smsTemplateId: key.templates[0]!.id,
          emailTemplateId: key.templates[1]!.id,
          callbackToken,
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
  for (const forceId of ['kent', 'essex']) {
    await t.app.db.withForce(forceId, (tx) =>
      t.app.services.messaging.settings.saveSettings(
        tx,
        forceId,
        { smsChannel: 'notify', emailChannel: 'outbox' },
        null,
      ),
    )
    for (const channel of ['sms', 'email'] as const)
      await aTemplate(t, forceId, { key: 'dc-update', title: 'Investigation update', channel })
  }
  await aTemplate(t, 'kent', { key: 'dc-closure', title: 'Closure', channel: 'sms' })
  burglary = await aCrime(t, 'kent', 'Burglary')
})

after(async () => {
  await t.close()
  await notify.close()
})

/** Schedules a message now and remembers it, so the test can wait for its receipt. */
async function send(forceId: string, caseId: string, to: string, templateKey = 'dc-update') {
  const channel = to.includes('@') ? ('email' as const) : ('sms' as const)
  const message = await aMessage(t, forceId, { caseId, templateKey, channel, to })
  // Receipts come back to Kent's callback: Essex's message stays awaiting its receipt.
  if (forceId === 'kent') written.push({ forceId, id: message.id })
  return message
}

async function settle() {
  await dispatchDue(t)
  await notify.settled()
  for (let i = 0; i < 200; i += 1) {
    let waiting = false
    for (const { forceId, id } of written) {
      const status = await t.app.db.withForce(forceId, async (tx) => {
        const found = await t.app.services.messaging.scheduling.message(tx, id).catch(() => undefined)
        return found?.message.status
      })
      if (status === 'sent' || status === 'sending') waiting = true
    }
    if (!waiting) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  assert.fail('the receipts did not arrive')
}

/** The report's figures counted directly from the messages, by the reports' rules. */
async function directCount(forceId: string, period: Period, grouping: Grouping) {
  const group = grouping === 'template' ? sql`f."TemplateTitle"` : sql`f."CaseType"`
  const sent = sql`f."SentAt" >= ${period.from.toISOString()}::timestamptz and f."SentAt" < ${period.to.toISOString()}::timestamptz`
  return t.app.db.withForce(forceId, async (tx) => ({
    outcomes: await rows(
      tx,
      sql`select ${group} as "group",
        (count(*) filter (where f."Channel" = 'sms'))::int as sms,
        (count(*) filter (where f."Channel" = 'email'))::int as email,
        count(*)::int as sent,
        (count(*) filter (where f."Status" = 'delivered'))::int as delivered,
        (count(*) filter (where f."Status" in ('sent', 'sending')))::int as "awaitingReceipt",
        (count(*) filter (where f."Status" = 'permanent-failure'))::int as "permanentFailure",
        (count(*) filter (where f."Status" = 'temporary-failure'))::int as "temporaryFailure",
        (count(*) filter (where f."Status" = 'technical-failure'))::int as "technicalFailure"
      from (${messageFacts()}) f where ${sent} group by 1 order by 1`,
    ),
    notSent: await rows(
      tx,
      sql`select ${group} as "group", f."Status" as status,
        coalesce(f."StatusReason", 'No reason recorded') as reason, count(*)::int as count
      from (${messageFacts()}) f
      where (f."Status" in ('cancelled', 'suppressed') or (f."SentAt" is null and f."Status" in
          ('permanent-failure', 'temporary-failure', 'technical-failure')))
        and f."ReportedAt" >= ${period.from.toISOString()}::timestamptz
        and f."ReportedAt" < ${period.to.toISOString()}::timestamptz
      group by 1, 2, 3 order by 1, 2, 4 desc, 3`,
    ),
    perDay: await rows(
      tx,
      sql`select f."SentDate" as day, ${group} as "group",
        (count(*) filter (where f."Channel" = 'sms'))::int as sms,
        (count(*) filter (where f."Channel" = 'email'))::int as email, count(*)::int as total
      from (${messageFacts()}) f where ${sent} group by 1, 2 order by 1, 2`,
    ),
    perHour: await rows(
      tx,
      sql`select f."SentHour" as hour,
        (count(*) filter (where f."Channel" = 'sms'))::int as sms,
        (count(*) filter (where f."Channel" = 'email'))::int as email, count(*)::int as total
      from (${messageFacts()}) f where ${sent} group by 1 order by 1`,
    ),
  }))
}

/** Every figure of the report, for both groupings, equals the direct count. */
async function assertReportsEqualDirectCounts(forceId: string, period: Period = june) {
  for (const grouping of ['template', 'case-type'] as const) {
    const report = await t.app.services.reporting.messageReport(forceId, period, grouping)
    const direct = await directCount(forceId, period, grouping)
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value))
    assert.deepEqual(plain(report.outcomes), plain(direct.outcomes), `${forceId} ${grouping}: outcomes`)
    assert.deepEqual(plain(report.notSent), plain(direct.notSent), `${forceId} ${grouping}: not sent`)
    assert.deepEqual(plain(report.perDay), plain(direct.perDay), `${forceId} ${grouping}: per day`)
    assert.deepEqual(plain(report.perHour), plain(direct.perHour), `${forceId} ${grouping}: per hour`)
  }
}

test('UJ-13, UJ-14, UJ-15: the report equals a direct count as messages are written, sent, receipted, cancelled and held back', async () => {
  const collision = await anIncident(t, 'kent', 'Road traffic collision')
  await send('kent', burglary, '07700900111') // delivered
  await send('kent', burglary, '07700900003') // permanent failure
  await send('kent', collision, '07700900002') // temporary failure
  await send('kent', collision, '07700900001', 'dc-closure') // technical failure
  await send('kent', burglary, 'victim@example.org') // the outbox
  await send('kent', burglary, 'not-a-number') // held back
  const essexCrime = await aCrime(t, 'essex', 'Burglary')
  await send('essex', essexCrime, '07700900444')
  await assertReportsEqualDirectCounts('kent')
  await settle()
  await assertReportsEqualDirectCounts('kent')
  await assertReportsEqualDirectCounts('essex')
  const report = await t.app.services.reporting.messageReport('kent', june, 'template')
  assert.equal(report.totals.sent, 5)
  assert.equal(report.totals.delivered, 2)
  assert.deepEqual(
    report.perDay.map((r) => r.day),
    ['2026-06-01', '2026-06-01'],
  )
  assert.deepEqual(
    report.perHour.map((r) => [r.hour, r.total]),
    [[14, 5]],
  )

  // Next day: one more sent, and two waiting are cancelled in one statement.
  clock.set('2026-06-02T08:30:00Z')
  await send('kent', collision, '07700900222')
  await settle()
  await send('kent', burglary, '07700900333')
  await send('kent', burglary, '07700900334')
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.scheduling.cancelPending(tx, {
      forceId: 'kent',
      caseId: burglary,
      reason: 'Crime closed',
    }),
  )
  await assertReportsEqualDirectCounts('kent')
  await assertReportsEqualDirectCounts('kent', {
    from: new Date('2026-06-01T23:00:00Z'),
    to: new Date('2026-06-02T23:00:00Z'),
  })
})

test('UJ-13: a crime retyped moves its messages from one case type to the other', async () => {
  const before = await t.app.services.reporting.messageReport('kent', june, 'case-type')
  const burglaries = before.outcomes.find((r) => r.group === 'Burglary')?.sent ?? 0
  assert.ok(burglaries > 0)
  clock.set('2026-06-02T09:00:00Z')
  const crimeRef = await t.app.db.withForce('kent', async (tx) => {
    const [row] = await rows<{ ref: string }>(
      tx,
      sql`select crime_ref as ref from crimes where id = ${burglary}::uuid`,
    )
    return row!.ref
  })
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      'kent',
      { kind: 'crime.updated', crime: { crimeRef, crimeType: 'Robbery' }, people: [] },
      { sourceSystem: 'athena', occurredAt: clock.now() },
    ),
  )
  const after = await t.app.services.reporting.messageReport('kent', june, 'case-type')
  assert.equal(after.outcomes.find((r) => r.group === 'Robbery')?.sent, burglaries)
  assert.equal(
    after.outcomes.find((r) => r.group === 'Burglary'),
    undefined,
    'no row of zeros is left for the old type',
  )
  await assertReportsEqualDirectCounts('kent')
})

test("UJ-13: messages deleted under the retention rule leave the counts, and only that force's", async () => {
  const before = await t.app.services.reporting.messageReport('kent', june, 'template')
  const essex = await t.app.services.reporting.messageReport('essex', june, 'template')
  assert.ok(before.totals.sent > 0 && before.notSent.length > 0)
  // Messages are stamped with the database's time: a cutoff just ahead takes every finished one.
  const deleted = await t.app.db.withForceDeleting('kent', (tx) =>
    t.app.services.messaging.scheduling.deleteFinishedBefore(tx, new Date(Date.now() + 60_000), 5000),
  )
  assert.ok((deleted.messages ?? 0) > 0, JSON.stringify(deleted))
  await assertReportsEqualDirectCounts('kent')
  const { totals, notSent, perDay, perHour } = await t.app.services.reporting.messageReport(
    'kent',
    june,
    'template',
  )
  assert.equal(totals.sent, 0)
  assert.deepEqual([notSent, perDay, perHour], [[], [], []])
  assert.deepEqual(await t.app.services.reporting.messageReport('essex', june, 'template'), essex)
  await assertReportsEqualDirectCounts('essex')
})

test('UJ-13: a force reads only its own counts, and no application role can write them', async () => {
  const forces = await t.app.db.withForce('essex', (tx) =>
    rows<{ force: string }>(
      tx,
      sql`select distinct force_id as force from message_daily_counts
        union select distinct force_id from message_hourly_counts`,
    ),
  )
  assert.deepEqual(
    forces.map((r) => r.force),
    ['essex'],
  )
  for (const statement of [
    sql`insert into message_daily_counts (force_id, day, sent, channel, case_type, status, count)
      values ('essex', '2026-06-01', true, 'sms', 'Burglary', 'delivered', 1000)`,
    sql`update message_hourly_counts set count = count + 1000`,
    sql`delete from message_daily_counts`,
  ])
    await assert.rejects(
      t.app.db.withForce('essex', (tx) => tx.execute(statement)),
      /permission denied/,
    )
  await assertReportsEqualDirectCounts('essex')
})
