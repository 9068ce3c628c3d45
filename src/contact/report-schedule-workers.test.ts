// Scheduled reports with two workers (CRM-30, decision 0054): two Waypoint processes on one
// PostgreSQL 15 database, both running the schedule job at the same moment, send each slot of a
// saved report once to a real SMTP server: the slot's key (report, slot) is taken in the
// transaction that sends, so the second worker waits for the first and finds it taken. After
// downtime both catch up the latest missed slot, once between them. PGlite has one connection and
// cannot be shared by two apps, so this always runs on the PostgreSQL server.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { SMTPServer } from 'smtp-server'
import { createPostgresTestDatabase, type TestDatabase } from '../../test/support/test-database.ts'
import { type App, createApp } from '../app.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { type Database, openDatabase, rows } from '../platform/db/database.ts'
import { checkDefinition } from './report-builder.ts'

const clock = new FixedClock('2026-06-03T08:00:00Z')
let database: TestDatabase
let secondDb: Database
let first: App
let second: App
let smtp: SMTPServer
const received: { to: string[]; subject: string }[] = []

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      let raw = ''
      stream.on('data', (chunk: Buffer) => {
        raw += chunk.toString()
      })
      stream.on('end', () => {
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: /^Subject: (.*)$/m.exec(raw)?.[1] ?? '',
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  const port = (smtp.server.address() as { port: number }).port
  const config = loadConfig({
    NODE_ENV: 'test',
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    SMTP_FROM: 'reports@essex.example.org',
  })
  assert.equal(config.messaging.smtp.url, `smtp://127.0.0.1:${port}`)
  database = await createPostgresTestDatabase()
  first = await createApp(config, { db: database.db, clock })
  secondDb = await openDatabase({ databaseUrl: database.url! })
  second = await createApp(config, { db: secondDb, clock })
})
after(async () => {
  await first?.stop()
  await second?.stop()
  await secondDb?.close()
  await database?.close()
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
})

test('CRM-30: two workers running the schedule at the same moment email each slot of a saved report once, and catch up after downtime once', async () => {
  await first.services.forces.setProducts('essex', ['journeys', 'contact'])
  const people = []
  for (const [n, role] of [
    [1, 'contact_supervisor'],
    [2, 'contact_supervisor'],
    [3, 'force_admin'],
  ] as const)
    people.push(
      await first.services.staff.create(
        {
          forceId: 'essex',
          email: `reader${n}.${process.pid}@essex.example.org`,
          displayName: `Reader ${n}`,
          roles: [role],
        },
        null,
      ),
    )
  const id = await first.services.contact.savedReports.create(
    'essex',
    checkDefinition({ dimension: 'channel', measure: ['contacts', 'slaMet'], period: 'yesterday' }, []),
    { name: 'Morning channels', schedule: 'daily', time: '07:00', recipient: people.map((p) => p.id) },
    { actor: { kind: 'system', name: 'test' }, staffId: people[0]!.id, name: 'Reader 1' },
  )
  const job = 'contact.report-schedules'
  assert.ok(first.jobs.names.includes(job) && second.jobs.names.includes(job))

  // Three days running, at 07:00 both workers take the job at once (each has its own job from
  // its queue, as after a restart of both), and again a minute later.
  for (let day = 0; day < 3; day++) {
    // 08:00 in London on 4, 5 and 6 June: each day's 07:00 slot is due.
    clock.advance(day === 0 ? 23 * 60 * 60_000 : 24 * 60 * 60_000)
    await Promise.all([first.jobs.boss.send(job, {}), second.jobs.boss.send(job, {})])
    const ran = await Promise.all([first.jobs.drain([job]), second.jobs.drain([job])])
    assert.ok(ran[0] + ran[1] >= 2, `day ${day}: both jobs ran`)
    // And the service itself from both at once, as two cron ticks landing together.
    const direct = await Promise.all([
      first.services.contact.savedReports.sendDue(),
      second.services.contact.savedReports.sendDue(),
    ])
    assert.deepEqual(direct, [[], []], `day ${day}: the slot was already sent`)
  }
  assert.equal(received.length, 9, 'three slots, three people, once each')
  for (const p of people)
    assert.equal(received.filter((r) => r.to.includes(p.email)).length, 3, `${p.displayName} had three`)

  // Both workers race on a new slot with nothing sent before: still once.
  received.length = 0
  clock.advance(24 * 60 * 60_000)
  const raced = await Promise.all([
    first.services.contact.savedReports.sendDue(),
    second.services.contact.savedReports.sendDue(),
  ])
  assert.equal(raced.flat().length, 1, 'one of the two sent it')
  assert.equal(received.length, 3)

  // Down for four days: both come back at once and send the latest slot, once.
  received.length = 0
  clock.advance(4 * 24 * 60 * 60_000)
  const caughtUp = await Promise.all([
    first.services.contact.savedReports.sendDue(),
    second.services.contact.savedReports.sendDue(),
  ])
  assert.equal(caughtUp.flat().length, 1)
  assert.equal(received.length, 3)
  const runs = await first.db.withForce('essex', (tx) =>
    rows<{ slot: Date; recipients: number }>(
      tx,
      sql`select slot, recipients from contact_report_runs where report_id = ${id} order by slot`,
    ),
  )
  assert.deepEqual(
    runs.map((r) => [new Date(r.slot).toISOString(), r.recipients]),
    [
      ['2026-06-04T06:00:00.000Z', 3],
      ['2026-06-05T06:00:00.000Z', 3],
      ['2026-06-06T06:00:00.000Z', 3],
      ['2026-06-07T06:00:00.000Z', 3],
      ['2026-06-11T06:00:00.000Z', 3],
    ],
  )
  const sent = await first.db.withForce('essex', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'contact.report-sent' and record_id = ${id}`,
    ),
  )
  assert.equal(sent[0]!.n, 5)
})
