// Journeys enrolment cost: case changes ingested with and without Kent's default journeys in
// the same run, then the enrolments' first steps run into Messaging. Prints cases per second for
// each and their ratio (the share of ingest time Journeys adds).
// Run: node_modules/.bin/node bench/journeys.ts   (PostgreSQL: set DATABASE_URL; CASES=200)
import { createApp } from '../src/app.ts'
import type { CaseChange } from '../src/cases/model.ts'
import { loadConfig } from '../src/platform/config.ts'

const cases = Number(process.env.CASES ?? 200)
const config = loadConfig({ ...process.env, NODE_ENV: 'test', WAYPOINT_DATA_DIR: 'memory://' })
const app = await createApp(config)

function aCase(forceId: string, n: number): CaseChange {
  return {
    kind: 'incident.opened',
    incident: {
      cadRef: `BENCH-${forceId}-${n}-${process.pid}`,
      grading: n % 2 ? 'Prompt' : 'Immediate',
      incidentType: 'Burglary',
    },
    people: [
      {
        athenaUrn: `BENCH-${forceId}-${n}-${process.pid}`,
        role: 'victim',
        dateOfBirth: '1980-01-01',
        phones: [{ value: `+4477009${String(n % 100_000).padStart(5, '0')}`, mobile: true }],
        emails: [],
        markers: [],
      },
    ],
  }
}

async function ingest(forceId: string): Promise<number> {
  const started = performance.now()
  for (let n = 0; n < cases; n += 1) {
    await app.db.withForce(forceId, (tx) =>
      app.services.cases.applySourceChange(tx, forceId, aCase(forceId, n), {
        sourceSystem: 'storm',
        occurredAt: new Date(),
      }),
    )
  }
  return (cases * 1000) / (performance.now() - started)
}

// Baseline: Essex has no journeys installed, so its ingest does no enrolment work.
const baseline = await ingest('essex')
await app.services.journeys.installDefaults('kent')
const withJourneys = await ingest('kent')
const runStarted = performance.now()
await app.jobs.drain(['journeys.run-enrolment'])
const runRate = (cases * 1000) / (performance.now() - runStarted)

console.log(`engine: ${app.db.kind}, cases: ${cases}`)
console.log(`ingest without journeys: ${baseline.toFixed(1)} cases/s`)
console.log(
  `ingest with enrolment:   ${withJourneys.toFixed(1)} cases/s (${((withJourneys / baseline) * 100).toFixed(0)}% of baseline)`,
)
console.log(`first steps run (2 messages scheduled each): ${runRate.toFixed(1)} enrolments/s`)
await app.stop()
