// The per-day message counts (migrations 1000–1003) under real concurrency, on PostgreSQL 15
// (PGlite has one connection, so nothing there runs at once): source events updating and
// retyping crimes in batches, as the source API applies them, while two dispatchers send those
// crimes' messages and other transactions write and cancel more. Nothing may deadlock (a
// deadlock costs a second and fails the transaction it picks), and afterwards every count equals
// a direct count of the messages. The second test is the race migration 1003 closed: messages
// written while their crime is retyped are counted under the type the crime ends with. The third
// holds two transactions open instead of relying on load (decision 0051): a message written while
// a transaction that changed its crime retypes it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createPostgresTestDatabase, type TestDatabase } from '../../test/support/test-database.ts'
import { type App, createApp } from '../app.ts'
import { OutboxChannel } from '../messaging/channels.ts'
import { MessageDispatcher } from '../messaging/dispatch.ts'
import { messagingRepositories } from '../messaging/messaging-services.ts'
import { UnsubscribeLinks } from '../messaging/unsubscribe-links.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { createLogger } from '../platform/logger.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'
import { messageFacts } from './repository.ts'

const clock = new FixedClock('2026-06-01T13:00:00Z')
let database: TestDatabase
let app: App
const types = ['Burglary', 'Robbery', 'Theft from the person']
const logLines: string[] = []
const deadlocksLogged = () => logLines.filter((line) => line.includes('"sqlState":"40P01"')).length

before(async () => {
  database = await createPostgresTestDatabase()
  // A source batch that fails as a whole (a deadlock among them) is taken again one event at a
  // time and says so in the log: the log is kept to count those too.
  const log = createLogger('warn', { write: (line: string) => void logLines.push(line) })
  app = await createApp(loadConfig({ NODE_ENV: 'test' }), { db: database.db, clock, log })
  await app.db.withForce('kent', async (tx) => {
    await app.services.messaging.settings.saveSettings(
      tx,
      'kent',
      { smsChannel: 'outbox', emailChannel: 'outbox' },
      null,
    )
    for (const channel of ['sms', 'email'] as const)
      await app.services.messaging.templates.addTemplateVersion(tx, {
        forceId: 'kent',
        key: 'dc-update',
        title: 'Investigation update',
        channel,
        ...(channel === 'email' ? { subject: 'An update' } : {}),
        body: 'Your reference is ((ref)).',
      })
  })
})
after(async () => {
  await app?.stop()
  await database?.close()
})

let sequence = 0
/** A crime recorded from the RMS, as the source API receives it. */
async function aCrime(crimeType: string): Promise<{ id: string; ref: string }> {
  sequence += 1
  const ref = `CC/${sequence}/${process.pid}`
  const [result] = await app.services.sources.receiveBatch('kent', 'athena', [
    {
      payload: anAthenaEvent({
        id: `ATH-CC-${sequence}`,
        type: 'INVESTIGATION_CREATED',
        at: clock.now().toISOString(),
        crimeRef: ref,
        investigation: { crimeType, status: 'OPEN' },
      }),
      contentType: 'application/json',
    },
  ])
  assert.equal(result?.status, 'applied', String(result?.reason))
  const crime = await app.services.cases.findCrimeByRef('kent', ref)
  return { id: crime!.crime.id, ref }
}

/** Schedules messages about these crimes in one transaction, one statement after another. */
function schedule(caseIds: string[], to: (i: number) => string) {
  return app.db.withForce('kent', async (tx) => {
    for (const [i, caseId] of caseIds.entries())
      await app.services.messaging.scheduling.schedule(tx, {
        forceId: 'kent',
        caseId,
        personId: `person-${caseId}`,
        channel: to(i).includes('@') ? 'email' : 'sms',
        to: to(i),
        templateKey: 'dc-update',
        personalisation: { ref: 'CC' },
      })
  })
}

function aDispatcher() {
  const config = app.config
  return new MessageDispatcher({
    db: app.db,
    repos: messagingRepositories(app.db),
    channels: [new OutboxChannel()],
    clock,
    config: { ...config.messaging, dispatchBatchSize: 20 },
    links: new UnsubscribeLinks(config.messaging.linkSecret, config.http.publicUrl),
    log: app.log,
  })
}

/** Source events for these crimes in one batch: each retyped, or its status or officer changed. */
function ingestBatch(crimes: { ref: string }[], round: number) {
  sequence += 1
  return app.services.sources.receiveBatch(
    'kent',
    'athena',
    crimes.map((crime, i) => ({
      payload: anAthenaEvent({
        id: `ATH-CC-${sequence}-${i}`,
        type:
          (round + i) % 3 === 0 ? 'CRIMED' : (round + i) % 3 === 1 ? 'STATUS_CHANGED' : 'OFFICER_ASSIGNED',
        at: clock.now().toISOString(),
        crimeRef: crime.ref,
        investigation:
          (round + i) % 3 === 0
            ? { crimeType: types[Math.floor((round + i) / 3) % types.length] }
            : (round + i) % 3 === 1
              ? { status: round % 2 ? 'OPEN' : 'CHARGED' }
              : { officer: { collarNumber: String(1000 + round), name: `DC ${round}` } },
      }),
      contentType: 'application/json',
    })),
  )
}

const isDeadlock = (error: unknown) =>
  (error as { code?: string; cause?: { code?: string } })?.code === '40P01' ||
  (error as { cause?: { code?: string } })?.cause?.code === '40P01'

/** Every count equals a direct count of the messages by the reports' own rules (per day and type). */
async function assertCountsExact() {
  await app.db.withForce('kent', async (tx) => {
    const counted = await rows<{ day: string; type: string; status: string; n: number }>(
      tx,
      sql`select day::text as day, case_type as type, status, sum(count)::int as n from message_daily_counts
          group by 1, 2, 3 having sum(count) <> 0 order by 1, 2, 3`,
    )
    const direct = await rows<{ day: string; type: string; status: string; n: number }>(
      tx,
      sql`select coalesce(f."SentDate", to_char(f."ReportedAt" at time zone 'Europe/London', 'YYYY-MM-DD')) as day,
            f."CaseType" as type, f."Status" as status, count(*)::int as n
          from (${messageFacts()}) f
          where f."SentAt" is not null or f."Status" in ('cancelled', 'suppressed', 'permanent-failure',
            'temporary-failure', 'technical-failure')
          group by 1, 2, 3 order by 1, 2, 3`,
    )
    assert.deepEqual(counted, direct)
  })
}

/** Messages delivered, and crimes changed by the source, so far. */
function workDone() {
  return app.db.withForce('kent', (tx) =>
    rows<{ sent: number; retyped: number }>(
      tx,
      sql`select (select count(*)::int from messages where status = 'delivered') as sent,
            (select count(*)::int from case_timeline where event_type = 'crime.updated') as retyped`,
    ),
  )
}

test('UJ-13: ingest updating and retyping crimes in batches while two dispatchers send their messages never deadlocks, and the counts stay exact', async () => {
  const crimes: { id: string; ref: string }[] = []
  for (let i = 0; i < 8; i++) crimes.push(await aCrime(types[i % types.length]!))
  const ids = crimes.map((c) => c.id)
  // Messages already sent on every crime: a retype moves their counts.
  await schedule(ids, (i) => `0770090${String(1000 + i)}`)
  await aDispatcher().dispatchDue({ budgetMs: 10_000 })

  const errors: unknown[] = []
  // At least 12 s, and on a loaded machine until enough has been sent and retyped (at most 90 s):
  // the work done, not the time, is what the test needs.
  const started = Date.now()
  let enough = false
  const going = () => Date.now() - started < 12_000 || (!enough && Date.now() - started < 90_000)
  const keepGoing = async (work: (round: number) => Promise<unknown>) => {
    for (let round = 0; going(); round++) await work(round).catch((error) => errors.push(error))
  }
  const watch = async () => {
    while (going()) {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const [done] = await workDone()
      enough = done!.sent > 100 && done!.retyped > 10
    }
  }
  const dispatchers = [aDispatcher(), aDispatcher()]
  await Promise.all([
    watch(),
    // Ingest: batches touching every crime, in a different order each round.
    keepGoing((round) => ingestBatch(round % 2 ? crimes : [...crimes].reverse(), round)),
    keepGoing((round) => ingestBatch(round % 2 ? [...crimes].reverse() : crimes, round + 1)),
    // Messages written in one transaction across the crimes, some held back (counted at once).
    keepGoing((round) =>
      schedule(round % 2 ? ids : [...ids].reverse(), (i) =>
        i % 4 === 0 ? 'not-a-number' : i % 2 ? `victim${i}@example.org` : `0770091${String(1000 + i)}`,
      ),
    ),
    // Two dispatchers: each batch spans the crimes; the dev outbox records sent and delivered.
    ...dispatchers.map((d) => keepGoing(() => d.dispatchDue({ budgetMs: 2_000 }))),
    // Cancellations of what waits on one crime, as a closed case does.
    keepGoing((round) =>
      app.db.withForce('kent', (tx) =>
        app.services.messaging.scheduling.cancelPending(tx, {
          forceId: 'kent',
          caseId: ids[round % ids.length]!,
          reason: 'Case closed',
        }),
      ),
    ),
  ])
  const deadlocks = errors.filter(isDeadlock)
  const described = (e: unknown) => {
    const { message, detail, where } = ((e as { cause?: object }).cause ?? e) as Record<string, string>
    return [message, detail, where].join(' | ')
  }
  assert.equal(deadlocks.length, 0, `${deadlocks.length} deadlocks: ${deadlocks.map(described).join('\n')}`)
  assert.equal(deadlocksLogged(), 0, 'source batches ended by a deadlock and taken again one by one')
  assert.deepEqual(errors, [])
  await aDispatcher().dispatchDue({ budgetMs: 10_000 })
  const [moved] = await workDone()
  assert.ok(moved!.sent > 100, `${moved!.sent} messages sent`)
  assert.ok(moved!.retyped > 10, `${moved!.retyped} retypes`)
  await assertCountsExact()
})

test('UJ-13: messages written while their crime is retyped are counted under the type it ends with (the race of migration 1003)', async () => {
  const crime = await aCrime('Burglary')
  const errors: unknown[] = []
  const until = Date.now() + 8_000
  const keepGoing = async (work: (round: number) => Promise<unknown>) => {
    for (let round = 0; Date.now() < until; round++) await work(round).catch((error) => errors.push(error))
  }
  await Promise.all([
    keepGoing((round) => ingestBatch([crime], round * 3)),
    ...[0, 1, 2, 3].map((n) =>
      keepGoing((round) =>
        schedule([crime.id], () => ((round + n) % 2 ? 'not-a-number' : `0770092${String(1000 + n)}`)),
      ),
    ),
    keepGoing(() => aDispatcher().dispatchDue({ budgetMs: 2_000 })),
  ])
  assert.deepEqual(errors, [])
  assert.equal(deadlocksLogged(), 0)
  await aDispatcher().dispatchDue({ budgetMs: 10_000 })
  await assertCountsExact()
})

/** A promise, and the function that resolves it: one step of a test's transactions telling another. */
function signal() {
  let done = () => {}
  const promise = new Promise<void>((resolve) => {
    done = resolve
  })
  return { promise, done }
}

/** Resolves once a session of this database waits for a lock (the owner's view of every session). */
async function someoneWaitsForALock(timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const waiting = await app.db.execAsOwner(
      "select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    )
    if (waiting.length > 0) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return false
}

test('UJ-13: a message held back while a transaction that changed its crime retypes it is counted under the new type', async () => {
  const crime = await aCrime('Theft from the person')
  let release = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  let retyped = () => {}
  const retypedNow = new Promise<void>((resolve) => {
    retyped = resolve
  })
  // One transaction changes the crime's status, then in a later statement its type, and stays open
  // (as a source batch taken again one event at a time does, each event's change a statement).
  const retype = app.db.withForce('kent', async (tx) => {
    await tx.execute(sql`update crimes set status = 'charged' where id = ${crime.id}::uuid`)
    await tx.execute(sql`update crimes set crime_type = 'Burglary' where id = ${crime.id}::uuid`)
    retyped()
    await held
  })
  await retypedNow
  // Meanwhile a message about the crime is held back (counted at once, before the retype commits).
  let written = false
  const message = schedule([crime.id], () => 'not-a-number').then(() => {
    written = true
  })
  // It must wait for the retype to commit and then read the new type; it must not be written
  // under the old one while the retype's move of the crime's messages cannot see it.
  const waited = await Promise.race([message.then(() => false), someoneWaitsForALock(10_000)])
  release()
  await Promise.all([retype, message])
  assert.ok(written)
  await assertCountsExact()
  assert.equal(waited, true, 'the message was counted without waiting for the retype in progress')
})

test('UJ-13: a source batch retyping two crimes lets go of both for a transaction that counts messages on one and then asks for the other, so neither deadlocks (decision 0061)', async () => {
  const [low, high] = [await aCrime('Robbery'), await aCrime('Robbery')].sort((a, b) =>
    a.id < b.id ? -1 : 1,
  )
  const [highCounted, askForLow, lowCounted] = [signal(), signal(), signal()]
  const heldBack = (caseId: string) => ({
    forceId: 'kent',
    caseId,
    personId: `person-${caseId}`,
    channel: 'sms' as const,
    to: 'not-a-number',
    templateKey: 'dc-update',
    personalisation: { ref: 'CC' },
  })
  // One transaction counts a held-back message on the later crime (its key-share held until it
  // commits), and later one on the earlier crime.
  const counting = app.db.withForce('kent', async (tx) => {
    await app.services.messaging.scheduling.schedule(tx, heldBack(high!.id))
    highCounted.done()
    await askForLow.promise
    await app.services.messaging.scheduling.schedule(tx, heldBack(low!.id))
    lowCounted.done()
  })
  await highCounted.promise
  // Meanwhile a source batch retypes both: it has the earlier crime and waits for the later.
  const before = deadlocksLogged()
  sequence += 1
  const retype = app.services.sources.receiveBatch(
    'kent',
    'athena',
    [low!, high!].map((crime, i) => ({
      payload: anAthenaEvent({
        id: `ATH-CC-${sequence}-${i}`,
        type: 'CRIMED',
        at: clock.now().toISOString(),
        crimeRef: crime.ref,
        investigation: { crimeType: 'Burglary' },
      }),
      contentType: 'application/json',
    })),
  )
  assert.equal(await someoneWaitsForALock(10_000), true, 'the batch waits for the counted message')
  // Had the batch kept the earlier crime while it waited, each would now wait for the other until
  // the server ended one of them (after its deadlock timeout, a second).
  askForLow.done()
  await lowCounted.promise
  await counting
  const results = await retype
  assert.deepEqual(
    results.map((r) => r.status),
    ['applied', 'applied'],
  )
  assert.equal(deadlocksLogged(), before, 'the batch was not ended by a deadlock and taken again one by one')
  const [types] = await app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from crimes where id in (${low!.id}::uuid, ${high!.id}::uuid) and crime_type = 'Burglary'`,
    ),
  )
  assert.equal(types!.n, 2)
  await assertCountsExact()
})

test('UJ-13: cancelling what waits on a crime a source batch is retyping waits for the crime before it takes the messages, so the batch can cancel them too without a deadlock (decision 0061)', async () => {
  const crime = await aCrime('Theft from the person')
  await schedule([crime.id], () => '07700930001')
  const [retyped, cancelNow] = [signal(), signal()]
  const cancel = (tx: Parameters<Parameters<typeof app.db.withForce>[1]>[0], reason: string) =>
    app.services.messaging.scheduling.cancelPending(tx, { forceId: 'kent', caseId: crime.id, reason })
  // A source batch's transaction retypes the crime, and then (a journey ending) cancels its
  // waiting message.
  const batch = app.db.withForce('kent', async (tx) => {
    await tx.execute(sql`update crimes set crime_type = 'Burglary' where id = ${crime.id}::uuid`)
    retyped.done()
    await cancelNow.promise
    return cancel(tx, 'Journey ended')
  })
  await retyped.promise
  // Meanwhile a person cancels what waits on the crime.
  const byHand = app.db.withForce('kent', (tx) => cancel(tx, 'Case closed'))
  assert.equal(await someoneWaitsForALock(10_000), true, 'the cancellation waits for the retype')
  cancelNow.done()
  const [batchCancelled, handCancelled] = await Promise.all([batch, byHand])
  assert.deepEqual(
    [batchCancelled, handCancelled],
    [1, 0],
    'the batch cancelled it; the person found it gone',
  )
  const [cancelled] = await app.db.withForce('kent', (tx) =>
    rows<{ reason: string; events: number }>(
      tx,
      sql`select m.status_reason as reason,
            (select count(*)::int from message_events e where e.message_id = m.id and e.to_status = 'cancelled') as events
          from messages m where m.case_id = ${crime.id}`,
    ),
  )
  assert.deepEqual(cancelled, { reason: 'Journey ended', events: 1 })
  await assertCountsExact()
})
