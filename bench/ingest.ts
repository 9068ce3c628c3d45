// Ingest throughput, end to end: source event → raw inbox → case model → timeline, printed next
// to a bare pg-boss enqueue loop measured in the same run with the same concurrency (issue 4
// item 7). Each run's events are counted afterwards in the database (inbox rows applied, cases
// and timeline entries written), so a figure is only printed for work that was really done.
//
//   HTTP    — one event per request over HTTP (bearer token, 202 after commit), concurrent
//             requests written together (group commit, src/sources/ingest-batcher.ts)
//   replay  — a file of events replayed through the service in batches (SourceService.receiveBatch)
//   NDJSON  — a gateway posting batches over HTTP (POST /api/v1/sources/{force}/storm/batch)
//   deliver — the case events those runs left, delivered to Journeys (the outbox's consumer)
//   single  — one event per transaction, its case events delivered to Journeys before returning
//
// Run: node_modules/.bin/node bench/ingest.ts   (PostgreSQL: set DATABASE_URL)
//      BENCH_EVENTS=5000 BENCH_CONCURRENCY=32 BENCH_BATCH=250
import { sql } from 'drizzle-orm'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { rows } from '../src/platform/db/database.ts'
import { issueClientToken } from '../test/support/api-client.ts'
import type { TestApp } from '../test/support/test-app.ts'
import { createTestDatabase } from '../test/support/test-database.ts'

const onPostgres = Boolean(process.env.DATABASE_URL)
const events = Number(process.env.BENCH_EVENTS ?? (onPostgres ? 5000 : 1000))
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32)
const batchSize = Number(process.env.BENCH_BATCH ?? 250)
const forces = ['bedfordshire', 'cambridgeshire', 'hertfordshire', 'norfolk', 'suffolk', 'essex']

const database = await createTestDatabase()
// The per-client API rate limit (CP-182) would throttle the benchmark, not measure it.
const app = await createApp(loadConfig({ NODE_ENV: 'test', API_RATE_LIMIT_MAX: '10000000' }), {
  db: database.db,
})

/** A new CAD log with its victim: a case, a person, identities, contact points and timeline. */
function stormEvent(run: string, i: number): string {
  return JSON.stringify({
    eventId: `${run}-${i}`,
    eventType: 'LOG_CREATED',
    timestamp: new Date(Date.UTC(2026, 5, 1, 9, 0, i % 3600)).toISOString(),
    log: {
      reference: `${run}-LOG-${i}`,
      grading: ['IMM', 'PRI', 'SCH', 'APT', 'NR'][i % 5],
      incidentType: 'Burglary - residential',
      location: `${i} High Street`,
      persons: [
        {
          nominalId: `${run}-N-${i}`,
          name: `Person ${i}`,
          role: 'VIC',
          phone: `07700 9${String(i % 100000).padStart(5, '0')}`,
          preferredContact: 'SMS',
        },
      ],
    },
  })
}

async function concurrently(work: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events) await work(next++)
    }),
  )
  return (performance.now() - started) / 1000
}

/** Proves the run's events went all the way: applied in the inbox, a case each, on the timeline. */
async function counted(run: string): Promise<string> {
  const [found] = await app.db.asSystem((tx) =>
    rows<{ applied: number; incidents: number; timeline: number }>(
      tx,
      sql`select (select count(*)::int from source_events where source_event_id like ${`${run}-%`} and status = 'applied') as applied,
        (select count(*)::int from incidents where cad_ref like ${`${run}-LOG-%`}) as incidents,
        (select count(*)::int from case_timeline t join incidents i on i.id = t.incident_id
          where i.cad_ref like ${`${run}-LOG-%`}) as timeline`,
    ),
  )
  if (found!.applied !== events || found!.incidents !== events || found!.timeline < events * 2)
    throw new Error(`run ${run} did not apply every event: ${JSON.stringify(found)}`)
  return `${found!.applied} applied, ${found!.incidents} cases, ${found!.timeline} timeline entries`
}

function line(label: string, seconds: number, note = ''): number {
  const rate = events / seconds
  console.log(
    `${label.padEnd(58)} ${rate.toFixed(0).padStart(6)} events/s  (${events} in ${seconds.toFixed(2)} s)${note ? `  ${note}` : ''}`,
  )
  return rate
}

console.log(
  `Waypoint ingest benchmark on ${app.db.kind}: ${events} events per run, concurrency ${concurrency}, replay batches of ${batchSize}`,
)
const boss = app.jobs.boss
await boss.createQueue('bench-bare-enqueue')
const bare = line(
  'bare pg-boss enqueue loop (baseline)',
  await concurrently((i) => boss.send('bench-bare-enqueue', { i, body: stormEvent('Q', i) })),
)

const tokens = new Map<string, string>()
for (const forceId of forces)
  tokens.set(forceId, await issueClientToken({ app } as TestApp, { forceId, scopes: ['sources:write'] }))
/** Posts event `i` of the 'H' run alone and checks the outcome in its receipt. */
async function postOne(i: number, expected: 'applied' | 'duplicate'): Promise<void> {
  const forceId = forces[i % forces.length]!
  const response = await app.http.inject({
    method: 'POST',
    url: `/api/v1/sources/${forceId}/storm`,
    headers: { authorization: `Bearer ${tokens.get(forceId)}`, 'content-type': 'application/json' },
    payload: stormEvent('H', i),
  })
  if (response.statusCode !== 202 || JSON.parse(response.body).status !== expected)
    throw new Error(`HTTP ${response.statusCode}: ${response.body}`)
}
const httpSeconds = await concurrently((i) => postOne(i, 'applied'))
const http = line('HTTP POST, one event per request → case → timeline', httpSeconds, await counted('H'))

const replayStarted = performance.now()
await Promise.all(
  forces.map(async (forceId, f) => {
    const mine = Array.from({ length: events }, (_, i) => i).filter((i) => i % forces.length === f)
    for (let at = 0; at < mine.length; at += batchSize) {
      const results = await app.services.sources.receiveBatch(
        forceId,
        'storm',
        mine
          .slice(at, at + batchSize)
          .map((i) => ({ payload: stormEvent('R', i), contentType: 'application/json' })),
      )
      if (results.some((r) => r.status !== 'applied')) throw new Error('a replayed event was not applied')
    }
  }),
)
const replay = line(
  'replay in batches → case → timeline',
  (performance.now() - replayStarted) / 1000,
  await counted('R'),
)

const ndjsonStarted = performance.now()
await Promise.all(
  forces.map(async (forceId, f) => {
    const mine = Array.from({ length: events }, (_, i) => i).filter((i) => i % forces.length === f)
    for (let at = 0; at < mine.length; at += batchSize) {
      const response = await app.http.inject({
        method: 'POST',
        url: `/api/v1/sources/${forceId}/storm/batch`,
        headers: { authorization: `Bearer ${tokens.get(forceId)}`, 'content-type': 'application/x-ndjson' },
        payload: mine
          .slice(at, at + batchSize)
          .map((i) => stormEvent('B', i))
          .join('\n'),
      })
      const { results } = JSON.parse(response.body) as { results: { status: string }[] }
      if (response.statusCode !== 200 || results.some((r) => r.status !== 'applied'))
        throw new Error(`HTTP ${response.statusCode}: ${response.body.slice(0, 300)}`)
    }
  }),
)
const ndjson = line(
  'HTTP POST of NDJSON batches → case → timeline',
  (performance.now() - ndjsonStarted) / 1000,
  await counted('B'),
)

const duplicates = line(
  'HTTP POST of repeats (no effect)',
  await concurrently((i) => postOne(i, 'duplicate')),
)

// The case events the runs above left on the timeline, delivered to Journeys (enrolment in the
// default journeys and their first steps scheduled), as the delivery job does after ingest.
const deliveryStarted = performance.now()
let delivered = 0
await Promise.all(
  forces.map(async (forceId) => {
    for (;;) {
      const n = await app.services.cases.deliverPending(forceId)
      if (n === 0) break
      delivered += n
    }
  }),
)
const deliverySeconds = (performance.now() - deliveryStarted) / 1000
console.log(
  `${'case events delivered to Journeys (after ingest)'.padEnd(58)} ${(delivered / deliverySeconds).toFixed(0).padStart(6)} events/s  (${delivered} in ${deliverySeconds.toFixed(2)} s)`,
)

// One event per transaction, with its Journeys enrolment run before returning (the path of
// console replays), on a tenth of the events.
const singleEvents = Math.max(50, Math.floor(events / 10))
const singleStarted = performance.now()
let nextSingle = 0
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (nextSingle < singleEvents) {
      const i = nextSingle++
      await app.services.sources.receive(
        forces[i % forces.length]!,
        'storm',
        stormEvent('S', i),
        'application/json',
      )
    }
  }),
)
const singleRate = singleEvents / ((performance.now() - singleStarted) / 1000)
console.log(
  `${'one event per transaction, Journeys enrolment included'.padEnd(58)} ${singleRate.toFixed(0).padStart(6)} events/s  (${singleEvents} events)`,
)

console.log(
  `ratio to the bare queue: HTTP ${(http / bare).toFixed(2)}x   replay ${(replay / bare).toFixed(2)}x   NDJSON ${(ndjson / bare).toFixed(2)}x   repeats ${(duplicates / bare).toFixed(2)}x`,
)
if (onPostgres) {
  const met = (rate: number) => (rate >= 1000 && rate >= bare ? 'met' : 'not met')
  console.log(
    `target on PostgreSQL (≥ 1000 events/s and ≥ 1.0x the bare queue): replay ${met(replay)}, NDJSON over HTTP ${met(ndjson)}, one event per request ${met(http)}`,
  )
}

await app.stop()
await database.close()
