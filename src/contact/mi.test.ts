// Contact's standard reports (CRM-26, CRM-30): contacts through the real queue give the figures
// by channel and hour, service level, handling, outcomes and time not ready, as a page and CSVs;
// at a year's volume the reports read by index (EXPLAIN) and stay fast. Refused to the wrong
// role and to a force without Contact; each force sees only its own contacts.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { arrivedIn, closedIn } from './mi.ts'
import { failureDemandWeeks } from './outcomes.ts'

const clock = new FixedClock('2026-06-03T08:00:00Z') // 09:00 in London
let t: TestApp
let sue: SignedIn
let ana: SignedIn

async function aText(from: string, ref: string) {
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: ref,
      from,
      fromName: null,
      to: null,
      subject: null,
      body: 'Hello',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
}

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  await t.app.services.forces.setProducts('norfolk', ['journeys'])
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  // 09:00 two texts wait; Ana takes a ten-minute break, then is ready at 09:10 and is given both.
  await aText('07700900801', 'mi-1')
  await aText('07700900802', 'mi-2')
  assert.equal(
    (await ana.post('/console/contact/queue/state', { state: 'not_ready', reason: 'break' })).statusCode,
    303,
  )
  clock.advance(10 * 60_000)
  assert.equal((await ana.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  const items = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_items order by enqueued_at, id`),
  )
  // Five minutes later she closes one as an update request; the other stays with her.
  clock.advance(5 * 60_000)
  assert.equal(
    (await ana.post(`/console/contact/queue/contacts/${items[0]!.id}/outcome`, { outcome: 'update-request' }))
      .statusCode,
    303,
  )
  sue = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
})

after(() => t.close())

test('CRM-26, CRM-30: the standard reports give contacts by channel and hour, waiting, service level, handling, outcomes and time not ready', async () => {
  const report = await t.app.services.contact.mi.standard('essex', 7)
  const sms = report.channels.find((c) => c.channel === 'sms')!
  assert.deepEqual(sms, {
    channel: 'sms',
    arrived: 2,
    answered: 2,
    averageWaitSeconds: 600,
    answeredInTarget: 2,
    outsideTarget: 0,
    closed: 1,
    averageHandlingSeconds: 300,
  })
  assert.equal(report.volumes[9]!.counts.sms, 2)
  assert.equal(report.volumes[9]!.total, 2)
  assert.equal(
    report.volumes.reduce((n, v) => n + v.total, 0),
    2,
  )
  assert.equal(report.outcomes.find((o) => o.code === 'update-request')!.count, 1)
  assert.deepEqual(report.notReady, [{ reason: 'break', seconds: 600 }])

  const page = await sue.get('/console/contact/reports?days=7')
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /Text message<\/th>\s*<td[^>]*>2<\/td>\s*<td[^>]*>2<\/td>\s*<td[^>]*>10 min<\/td>\s*<td[^>]*>100%<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>5 min</,
  )
  assert.match(page.body, /Break<\/th><td[^>]*>10 min</)
  // One cell a channel (phone, text, email, web chat, portal, social media), then the total.
  assert.match(page.body, /09:00 to 09:59<\/th>(<td[^>]*>\d+<\/td>){6}<td[^>]*>2</)

  const csv = await sue.get('/console/contact/reports/standard.csv?days=7&report=outcomes')
  assert.equal(csv.statusCode, 200)
  assert.match(csv.headers['content-disposition'] as string, /contact-outcomes-7-days\.csv/)
  assert.match(csv.body, /Asked for an update on their case,Yes,1/)
  const hours = await sue.get('/console/contact/reports/standard.csv?days=7&report=volumes')
  assert.match(hours.body, /09:00 to 09:59,0,2,0,0,0,0,2/)
  const notReady = await sue.get('/console/contact/reports/standard.csv?days=7&report=not-ready')
  assert.match(notReady.body, /Break,10/)
})

test('CRM-26: at a year’s volume the reports read contacts by index and stay fast', async () => {
  const [conversation] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select conversation_id as id from contact_items limit 1`),
  )
  // 6,000 closed contacts spread over the year before today, on the same conversation.
  await t.app.db.withForce('essex', async (tx) => {
    await tx.execute(
      sql`insert into contact_items (force_id, conversation_id, channel, priority, skill, status, assigned_to,
            enqueued_at, assigned_at, wrap_started_at, closed_at, outcome, failure_demand)
          select 'essex', ${conversation!.id}, (array['sms', 'email', 'phone'])[1 + n % 3], 3, 'sms', 'closed', ${ana.userId},
            at, at + interval '4 minutes', at + interval '9 minutes', at + interval '10 minutes',
            (array['update-request', 'information-given', 'no-action'])[1 + n % 3], n % 3 = 0
          from (select n, ${clock.now()}::timestamptz - (n * interval '87 minutes') as at
                from generate_series(1, 6000) n) s`,
    )
    await tx.execute(sql`analyze contact_items`)
    await tx.execute(sql`analyze contact_item_events`)
  })
  const week = { from: new Date('2026-05-25T00:00:00Z'), to: new Date('2026-06-01T00:00:00Z') }
  const aTeam = '7e2d0b6c-5a57-4c3e-9a43-0d1f3e2c9b10'
  const plans: Record<string, string> = {}
  await t.app.db.withForce('essex', async (tx) => {
    for (const [name, query] of [
      ['closed', closedIn(week)],
      ['arrived', arrivedIn(week)],
      // One team's: its contacts are picked from the same index (migration 1421 covers team_id).
      ['closed in a team', closedIn(week, aTeam)],
      ['arrived in a team', arrivedIn(week, aTeam)],
      ['failure demand', failureDemandWeeks({ from: '2026-05-25', to: '2026-06-01' })],
    ] as const) {
      const plan = await rows<{ 'QUERY PLAN': string }>(tx, sql`explain ${query}`)
      plans[name] = plan.map((r) => r['QUERY PLAN']).join('\n')
    }
  })
  for (const [name, plan] of Object.entries(plans)) {
    assert.doesNotMatch(plan, /Seq Scan on contact_items/, `${name}:\n${plan}`)
    assert.match(
      plan,
      /Index (Only )?Scan using contact_items_(closed_facts|enqueued)|Bitmap Index Scan on contact_items_(closed_facts|enqueued)/,
      `${name}:\n${plan}`,
    )
  }
  const started = performance.now()
  const year = await t.app.services.contact.mi.standard('essex', 365)
  const weeks = await t.app.services.contact.outcomes.weeks('essex', 52)
  const elapsed = performance.now() - started
  // Each equals a direct count of the contacts closed in its period.
  const closedBetween = async (from: Date, to: Date) =>
    (
      await t.app.db.withForce('essex', (tx) =>
        rows<{ n: number }>(
          tx,
          sql`select count(*)::int as n from contact_items where status = 'closed' and closed_at >= ${from} and closed_at < ${to}`,
        ),
      )
    )[0]!.n
  const yearCount = await closedBetween(year.period.from, year.period.to)
  assert.ok(yearCount > 5900)
  assert.equal(
    year.outcomes.reduce((n, o) => n + o.count, 0),
    yearCount,
  )
  const weeksPeriod = t.app.services.contact.outcomes.period(52)
  assert.equal(
    weeks.reduce((n, w) => n + w.contacts, 0),
    await closedBetween(
      new Date(`${weeksPeriod.from}T00:00:00+01:00`),
      new Date(`${weeksPeriod.to}T00:00:00+01:00`),
    ),
  )
  // Only a bound against a plan gone wrong (bench/ measures the speed): a loaded machine's
  // seconds pass, a scan of every contact for each report would not.
  assert.ok(elapsed < 30_000, `a year of reports took ${Math.round(elapsed)} ms`)
  console.log(`a year of standard reports and 52 weeks of failure demand: ${Math.round(elapsed)} ms`)
})

test('CRM-26: the reports are refused to handlers, other roles and forces without Contact, and count only the own force', async () => {
  for (const path of ['/console/contact/reports', '/console/contact/reports/standard.csv?report=channels']) {
    assert.equal((await ana.get(path)).statusCode, 403, path)
    const designer = await t.signInAs(['journey_designer'], 'essex')
    assert.equal((await designer.get(path)).statusCode, 403, path)
    const norfolk = await t.signInAs(['analyst'], 'norfolk')
    assert.equal((await norfolk.get(path)).statusCode, 403, path)
  }
  await t.app.services.forces.setProducts('suffolk', ['journeys', 'contact'])
  const suffolk = await t.app.services.contact.mi.standard('suffolk', 365)
  assert.equal(
    suffolk.channels.reduce((n, c) => n + c.arrived, 0),
    0,
  )
  const analyst = await t.signInAs(['analyst'], 'suffolk')
  const page = await analyst.get('/console/contact/reports')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /No handler was not ready in this period/)
})
