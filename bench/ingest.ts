// Ingest throughput, end to end: source event → raw inbox → case model → timeline (and domain
// events), through the service and through HTTP (bearer token, 202), printed next to a bare
// pg-boss enqueue loop measured in the same run with the same concurrency.
// Run: node_modules/.bin/node bench/ingest.ts   (PostgreSQL: set DATABASE_URL)
import { createApp } from '../src/app.ts'
import { PersonRepository } from '../src/cases/person-repository.ts'
import { CaseRepository } from '../src/cases/repository.ts'
import { CaseService } from '../src/cases/service.ts'
import { loadConfig } from '../src/platform/config.ts'
import { SourceRepository } from '../src/sources/repository.ts'
import { SourceService } from '../src/sources/service.ts'
import { issueClientToken } from '../test/support/api-client.ts'
import type { TestApp } from '../test/support/test-app.ts'
import { createTestDatabase } from '../test/support/test-database.ts'

const onPostgres = Boolean(process.env.DATABASE_URL)
const events = Number(process.env.BENCH_EVENTS ?? (onPostgres ? 3000 : 600))
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? (onPostgres ? 16 : 4))
const forces = ['bedfordshire', 'cambridgeshire', 'hertfordshire', 'norfolk', 'suffolk', 'essex']

const database = await createTestDatabase()
// The per-client API rate limit (CP-182) would throttle the benchmark, not measure it.
const app = await createApp(loadConfig({ NODE_ENV: 'test', API_RATE_LIMIT_MAX: '10000000' }), {
  db: database.db,
})

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

async function measure(label: string, work: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events) await work(next++)
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const rate = events / seconds
  console.log(
    `${label.padEnd(52)} ${rate.toFixed(0).padStart(7)} events/s  (${events} in ${seconds.toFixed(2)} s)`,
  )
  return rate
}

console.log(
  `Waypoint ingest benchmark on ${app.db.kind}: ${events} events per run, concurrency ${concurrency}`,
)
const boss = app.jobs.boss
await boss.createQueue('bench-bare-enqueue')
const bare = await measure('bare pg-boss enqueue (baseline)', (i) =>
  boss.send('bench-bare-enqueue', { i, body: stormEvent('Q', i) }),
)
const service = await measure('service: inbox → case → timeline → events', (i) =>
  app.services.sources.receive(forces[i % forces.length]!, 'storm', stormEvent('S', i), 'application/json'),
)
// The same pipeline with no case-event listeners (Journeys enrolment runs in the one above).
const bareCases = new CaseService(app.db, new CaseRepository(), new PersonRepository(), app.clock)
const casesOnly = new SourceService(app.db, new SourceRepository(), bareCases, app.clock)
await measure('service without listeners: inbox → case → timeline', (i) =>
  casesOnly.receive(forces[i % forces.length]!, 'storm', stormEvent('C', i), 'application/json'),
)
const tokens = new Map<string, string>()
for (const forceId of forces)
  tokens.set(forceId, await issueClientToken({ app } as TestApp, { forceId, scopes: ['sources:write'] }))
const http = await measure('HTTP POST /api/v1/sources/{force}/storm (202)', async (i) => {
  const forceId = forces[i % forces.length]!
  const response = await app.http.inject({
    method: 'POST',
    url: `/api/v1/sources/${forceId}/storm`,
    headers: { authorization: `Bearer ${tokens.get(forceId)}`, 'content-type': 'application/json' },
    payload: stormEvent('H', i),
  })
  if (response.statusCode !== 202) throw new Error(`HTTP ${response.statusCode}: ${response.body}`)
})
const duplicates = await measure('service: duplicates (no effect)', (i) =>
  app.services.sources.receive(forces[i % forces.length]!, 'storm', stormEvent('S', i), 'application/json'),
)
console.log(
  `ratio service / bare queue: ${(service / bare).toFixed(2)}x   HTTP / bare queue: ${(http / bare).toFixed(2)}x   duplicates / bare: ${(duplicates / bare).toFixed(2)}x`,
)
if (onPostgres)
  console.log(
    `target on PostgreSQL: ≥ 1000 events/s and ≥ 1.0x the bare queue → ${service >= 1000 && service >= bare ? 'met' : 'not met'}`,
  )

await app.stop()
await database.close()
