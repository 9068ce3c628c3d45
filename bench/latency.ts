// Event-to-message latency: a STORM event posted over HTTP → victim case → default journey → its
// first message handed to GOV.UK Notify (a fake, over real HTTP with real JWTs and the real
// 3,000-a-minute limit per key). Events arrive at a steady rate, each from a new victim with a
// mobile number of their own, spread over the forces; each event's latency is from the start of
// its POST to the moment the fake Notify accepted the first message to that number. Printed next
// to a baseline measured in the same run: a bare pg-boss job sent and picked up, at the same rate.
//
//   node_modules/.bin/node bench/latency.ts                 # embedded PGlite, all in this process
//   DATABASE_URL=postgres://… node_modules/.bin/node bench/latency.ts
//   RATE=50 DURATION=60 (defaults) — target: p95 ≤ 2 s at 50 events/s on PostgreSQL
//   WAYPOINT_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles Waypoint's process
//
// On PostgreSQL Waypoint runs as deployed, in its own process (`waypoint all`: web and worker);
// the load, the fake Notify and a CAD/RMS receiver (every sent message is written back over
// HTTP) are in this process. The events are graded IMM: the default "Immediate response" journey
// sends its first message (the incident reference) as soon as the victim is enrolled. Every
// force's sending window is opened to the whole day, so quiet hours do not hold the messages
// whatever time the run starts. The run starts from a checkpoint. The job backlog sampled while
// posting shows which queue falls behind when the target is missed.
//
// Measured 25 Nov 2026, 2 shared cores, PostgreSQL 15, 60 s per run (decision 0010):
//   30 events/s: p50 35 ms, p95 80 ms (met); machine 68% busy
//   50 events/s: p50 74–128 ms, p95 352–570 ms (met, three runs); Waypoint's process ~75% of a
//                core, the machine ~83% busy; 6,000 messages, 0 429s, every write-back delivered
//   60 events/s: p50 217 ms, p95 1,246 ms (met)
// Before decision 0010 (Waypoint in this process, no write-back endpoint): 50 events/s p95
// 18–24 s, 30 events/s p95 1.3 s; about 131 statements per event, now about 40.
// PGlite, 5 events/s: p95 94 ms. Bare pg-boss round trip in the same runs: p95 4–5 ms.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Type } from '@sinclair/typebox'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { defineJob } from '../src/platform/jobs.ts'
import { startDemoWriteback } from '../src/simulator/demo-writeback.ts'
import { FakeNotifyServer, notifyApiKey } from '../src/simulator/fake-notify/server.ts'
import { issueClientToken } from '../test/support/api-client.ts'
import type { TestApp } from '../test/support/test-app.ts'
import { createTestDatabase } from '../test/support/test-database.ts'

const rate = Number(process.env.RATE ?? 50)
const seconds = Number(process.env.DURATION ?? 60)
const targetP95Ms = 2000
const forces = ['bedfordshire', 'cambridgeshire', 'essex', 'hertfordshire', 'norfolk', 'suffolk']
// Each force has its own Notify service, with its own text message template.
const keys = Object.fromEntries(
  forces.map((f) => [
    f,
    {
      serviceId: randomUUID(),
      secret: randomUUID(),
      templates: [{ id: randomUUID(), type: 'sms' as const }],
    },
  ]),
)

const notify = new FakeNotifyServer({ keys: Object.values(keys) })
await notify.listen()
const database = await createTestDatabase()
// Waypoint's settings, as environment variables: the same for the set-up here and for the
// product's own process.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  SEED_DEMO: 'false',
  SIMULATOR: 'false',
  API_RATE_LIMIT_MAX: '10000000',
  NOTIFY_BASE_URL: notify.url,
  NOTIFY_API_KEYS: forces.map((f) => `${f}=${notifyApiKey('bench', keys[f]!)}`).join(','),
  NOTIFY_SMS_TEMPLATE_IDS: forces.map((f) => `${f}=${keys[f]!.templates[0]!.id}`).join(','),
}
const config = loadConfig(env)
const baselineLatencies: number[] = []
const baselineJob = defineJob({
  name: 'bench.round-trip',
  payload: Type.Object({ sentAt: Type.Number() }),
  async handle(payload) {
    baselineLatencies.push(Date.now() - payload.sentAt)
  },
})
const app = await createApp(config, { db: database.db })
app.jobs.register(baselineJob)
await app.jobs.boss.createQueue(baselineJob.name)
for (const forceId of forces) {
  await app.services.journeys.installDefaults(forceId)
  await app.db.withForce(forceId, (tx) =>
    app.services.messaging.settings.saveSettings(
      tx,
      forceId,
      {
        smsChannel: 'notify',
        sendingWindows: {
          sms: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59', sendOnBankHolidays: true },
          email: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59', sendOnBankHolidays: true },
        },
      },
      null,
    ),
  )
}
const tokens = new Map<string, string>()
for (const forceId of forces)
  tokens.set(forceId, await issueClientToken({ app } as TestApp, { forceId, scopes: ['sources:write'] }))
// Every sent message is written back over HTTP to a local CAD/RMS receiver, as in production.
const writebackReceiver = await startDemoWriteback(app)
app.startWorkers()
const db = database.db

/** Calls `work(i)` at a steady rate, never waiting for earlier calls (no coordinated omission). */
async function steady(count: number, work: (i: number) => Promise<void>): Promise<void> {
  const started = performance.now()
  const pending: Promise<void>[] = []
  for (let i = 0; i < count; i += 1) {
    const wait = started + (i * 1000) / rate - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    pending.push(work(i))
  }
  await Promise.all(pending)
}

function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? NaN, count: sorted.length }
}

const format = (p: ReturnType<typeof percentiles>) =>
  `p50 ${p.p50.toFixed(0)} ms  p95 ${p.p95.toFixed(0)} ms  p99 ${p.p99.toFixed(0)} ms  max ${p.max.toFixed(0)} ms  (n=${p.count})`

// Baseline: a bare pg-boss job sent and run by the same workers, at the same rate, for 10 s.
const baselineCount = Math.min(rate * 10, rate * seconds)
await steady(baselineCount, async () => {
  await app.jobs.send(baselineJob, { sentAt: Date.now() })
})
await waitFor(() => baselineLatencies.length >= baselineCount, 30_000)
const baseline = percentiles(baselineLatencies)

// On PostgreSQL, Waypoint runs as it is deployed: its own process (`waypoint all`, web and
// worker), with the load generator, GOV.UK Notify and the CAD/RMS receiver outside it, here.
// On PGlite (one process can hold the database) it runs in this process.
let url: string
let product: ChildProcess | undefined
if (database.url) {
  await app.stop()
  const port = await freePort()
  product = spawn(process.execPath, ['src/main.ts', 'all'], {
    cwd: join(import.meta.dirname, '..'),
    // WAYPOINT_NODE_OPTIONS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles Waypoint's process.
    env: {
      ...env,
      DATABASE_URL: database.url,
      PORT: String(port),
      ...(process.env.WAYPOINT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.WAYPOINT_NODE_OPTIONS } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  url = `http://127.0.0.1:${port}`
  await waitForAsync(
    async () => (await fetch(`${url}/health/live`).catch(() => undefined))?.ok === true,
    60_000,
  )
} else {
  url = await app.http.listen({ host: '127.0.0.1', port: 0 })
}
console.log(
  `Event → message latency on ${db.kind}: ${rate} events/s for ${seconds} s over ${forces.length} forces` +
    (product ? ' (Waypoint in its own process)' : ' (Waypoint in this process)'),
)

// The run: STORM events over HTTP at a steady rate.
const run = randomUUID().slice(0, 8)
const posted = new Map<string, number>()
const refused: string[] = []
const events = Math.round(rate * seconds)
// Start from a checkpoint, so the run does not pay for writing out what setting up (and an
// earlier run's dropped database) left dirty; skipped where the role may not checkpoint.
if (db.kind === 'postgres') await db.execAsOwner('checkpoint').catch(() => undefined)
const walAtStart = await walPosition()
const runStarted = Date.now()
const cpuAtStart = { process: process.cpuUsage(), product: processTicks(product?.pid), machine: machineCpu() }
// The job backlog every 5 s: where work queues up when the target is missed.
const backlogs: string[] = []
const sampler = setInterval(async () => {
  const waiting = await db.execAsOwner(
    `select name, count(*)::int as n from ${config.jobs.schema}.job
      where state in ('created', 'retry') and start_after <= now() group by name order by name`,
  )
  backlogs.push(
    `${((Date.now() - runStarted) / 1000).toFixed(0)} s: ${waiting.map((w) => `${w.name} ${w.n}`).join(', ') || 'none'}`,
  )
}, 5000)
await steady(events, async (i) => {
  const forceId = forces[i % forces.length]!
  const phone = `07700 9${String(i).padStart(5, '0')}`
  posted.set(digits(phone), Date.now())
  try {
    const response = await fetch(`${url}/api/v1/sources/${forceId}/storm`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.get(forceId)}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        eventId: `${run}-${i}`,
        eventType: 'LOG_CREATED',
        timestamp: new Date().toISOString(),
        log: {
          reference: `${run}-LOG-${i}`,
          grading: 'IMM',
          incidentType: 'Burglary - residential',
          location: `${i} High Street`,
          persons: [
            { nominalId: `${run}-N-${i}`, name: `Person ${i}`, role: 'VIC', phone, preferredContact: 'SMS' },
          ],
        },
      }),
    })
    const body = await response.text()
    if (response.status !== 202) refused.push(`${response.status} ${body.slice(0, 200)}`)
  } catch (error) {
    // A connection the server dropped: counted with the refusals, not retried.
    refused.push(`no answer: ${(error as Error).message}`)
  }
})
const postingSeconds = (Date.now() - runStarted) / 1000
clearInterval(sampler)
const processCpu = process.cpuUsage(cpuAtStart.process)
const productTicks = processTicks(product?.pid) - cpuAtStart.product
const walWritten = (await walPosition()) - walAtStart
const machineAtEnd = machineCpu()
const machineBusy =
  (machineAtEnd.busy - cpuAtStart.machine.busy) / (machineAtEnd.total - cpuAtStart.machine.total)
const firstAtNotify = () => {
  const first = new Map<string, number>()
  for (const n of notify.notifications.values()) {
    const key = digits(n.to)
    const at = Date.parse(n.createdAt)
    if (posted.has(key) && (first.get(key) ?? Number.POSITIVE_INFINITY) > at) first.set(key, at)
  }
  return first
}
await waitFor(() => firstAtNotify().size >= posted.size - refused.length, 60_000)
const first = firstAtNotify()
const latencies = [...posted].flatMap(([phone, at]) => {
  const sent = first.get(phone)
  return sent === undefined ? [] : [sent - at]
})
const result = percentiles(latencies)
// Where the time goes: posted → the delivery transaction that scheduled the first message began
// (its created_at) → accepted by Notify.
const scheduledAt = new Map<string, number>()
for (const row of await db.execAsOwner(
  `select recipient, extract(epoch from min(created_at)) * 1000 as at from messages group by recipient`,
)) {
  scheduledAt.set(digits(String(row.recipient)), Number(row.at))
}
const toScheduled = percentiles(
  [...posted].flatMap(([phone, at]) => (scheduledAt.has(phone) ? [scheduledAt.get(phone)! - at] : [])),
)
const toAccepted = percentiles(
  [...first].flatMap(([phone, at]) => (scheduledAt.has(phone) ? [at - scheduledAt.get(phone)!] : [])),
)

console.log(
  `posted ${events} events in ${postingSeconds.toFixed(1)} s (${(events / postingSeconds).toFixed(1)}/s); refused: ${refused.length}${refused[0] ? ` (first: ${refused[0]})` : ''}`,
)
console.log(`job backlog while posting: ${backlogs.join('; ')}`)
console.log(
  'CPU while posting: ' +
    (product ? `Waypoint's process ${(productTicks / postingSeconds).toFixed(0)}% of a core; ` : '') +
    `this process ${((processCpu.user + processCpu.system) / 1e4 / postingSeconds).toFixed(0)}% of a core; ` +
    `the machine ${(machineBusy * 100).toFixed(0)}% of its ${availableParallelism()} cores` +
    (walWritten > 0 ? `; WAL written ${(walWritten / 1024 / 1024).toFixed(0)} MB` : ''),
)
console.log(`baseline: bare pg-boss job sent → picked up by a worker: ${format(baseline)}`)
console.log(`event → first message accepted by Notify:     ${format(result)}`)
console.log(`  of which posted → scheduling began:         ${format(toScheduled)}`)
console.log(`  and scheduling began → accepted by Notify:  ${format(toAccepted)}`)
console.log(
  `messages accepted by Notify: ${notify.notifications.size}; 429s: ${notify.rateLimited}; events with no message: ${posted.size - first.size}`,
)
console.log(
  `target p95 ≤ ${targetP95Ms / 1000} s at ${rate} events/s → ${result.p95 <= targetP95Ms && first.size === posted.size ? 'met' : 'not met'}` +
    (db.kind === 'postgres' ? '' : ' (the target is set for PostgreSQL; this run is PGlite)'),
)

const [writeback] = await db.execAsOwner(
  `select count(*) filter (where status = 'delivered')::int as delivered, count(*)::int as queued from writeback_entries`,
)
console.log(
  `write-back of sent messages to the local CAD/RMS receiver: ${writeback?.delivered} of ${writeback?.queued} entries delivered by the end`,
)

if (product) {
  product.kill('SIGTERM')
  await new Promise((resolve) => product.once('exit', resolve))
} else await app.stop()
await writebackReceiver.close()
await database.close()
await notify.close()

/** The server's WAL position in bytes (0 on PGlite). */
async function walPosition(): Promise<number> {
  if (db.kind !== 'postgres') return 0
  const [row] = await db.execAsOwner(`select pg_current_wal_lsn() - '0/0'::pg_lsn as at`)
  return Number(row?.at ?? 0)
}

/** A process's CPU time so far in clock ticks (1/100 s), from /proc (0 where there is none). */
function processTicks(pid: number | undefined): number {
  if (!pid || !existsSync(`/proc/${pid}/stat`)) return 0
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12])
}

/** A TCP port nobody is listening on. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function waitForAsync(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('Waypoint did not start in time')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Jiffies the machine's CPUs spent busy and in all, from /proc/stat (0 where there is none). */
function machineCpu(): { busy: number; total: number } {
  const line = existsSync('/proc/stat') ? readFileSync('/proc/stat', 'utf8').split('\n')[0]! : 'cpu 0 0 0 1'
  const fields = line.trim().split(/\s+/).slice(1).map(Number)
  const total = fields.reduce((a, b) => a + b, 0)
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
  return { busy: total - idle, total }
}

function digits(phone: string): string {
  return phone.replace(/\D/g, '').slice(-9)
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
}
