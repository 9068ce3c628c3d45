// Event-to-message latency: a STORM event posted over HTTP → victim case → default journey → its
// first message handed to GOV.UK Notify (the fake, in this process, over real HTTP with real
// JWTs and the real 3,000-a-minute limit per key). Events arrive at a steady rate, each from a
// new victim with a mobile number of their own, spread over the forces; each event's latency is
// from the start of its POST to the moment the fake Notify accepted the first message to that
// number. Printed next to a baseline measured in the same run: a bare pg-boss job sent and
// picked up by the same workers, at the same rate.
//
//   node_modules/.bin/node bench/latency.ts                 # embedded PGlite
//   DATABASE_URL=postgres://… node_modules/.bin/node bench/latency.ts
//   RATE=50 DURATION=60 (defaults) — target: p95 ≤ 2 s at 50 events/s on PostgreSQL
//
// The events are graded IMM: the default "Immediate response" journey sends its first message
// (the incident reference) as soon as the victim is enrolled. Every force's sending window is
// opened to the whole day, so quiet hours do not hold the messages whatever time the run starts.
// The job backlog sampled while posting shows which queue falls behind when the target is missed.
//
// Measured 25 Nov 2026, one process (web and worker), 2 shared cores, PostgreSQL 15 (load 1–3),
// after case events got one delivery job per force and journey enrolments run side by side:
//   30 events/s, 60 s: p50 646 ms, p95 1,307 ms, max 2.1 s (met)
//   40 events/s, 30 s: p50 14.5 s, p95 19.2 s (not met)   50 events/s: p95 18–24 s (not met)
// Above ~35 events/s the machine is saturated (PostgreSQL and Node about half each); each event
// costs ~150 statements end to end (two case events for Journeys, an enrolment, two messages
// with their events, audit and write-back). Before: 30 events/s p95 16.0 s, 50 events/s p95 94 s.
// PGlite: 5 events/s p95 121 ms. Bare pg-boss round trip in the same runs: p95 4 ms.
import { randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { defineJob } from '../src/platform/jobs.ts'
import { FakeNotifyServer, notifyApiKey } from '../src/simulator/fake-notify/server.ts'
import { issueClientToken } from '../test/support/api-client.ts'
import type { TestApp } from '../test/support/test-app.ts'
import { createTestDatabase } from '../test/support/test-database.ts'

const rate = Number(process.env.RATE ?? 50)
const seconds = Number(process.env.DURATION ?? 60)
const targetP95Ms = 2000
const forces = ['bedfordshire', 'cambridgeshire', 'essex', 'hertfordshire', 'norfolk', 'suffolk']
const keys = Object.fromEntries(forces.map((f) => [f, { serviceId: randomUUID(), secret: randomUUID() }]))

const notify = new FakeNotifyServer({ keys: Object.values(keys) })
await notify.listen()
const database = await createTestDatabase()
const defaults = loadConfig({ NODE_ENV: 'test' })
const config = loadConfig(
  { NODE_ENV: 'test', API_RATE_LIMIT_MAX: '10000000', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  {
    messaging: {
      ...defaults.messaging,
      notify: {
        ...defaults.messaging.notify,
        baseUrl: notify.url,
        apiKeys: Object.fromEntries(forces.map((f) => [f, notifyApiKey('bench', keys[f]!)])),
        smsTemplateId: randomUUID(),
        emailTemplateId: randomUUID(),
      },
    },
  },
)
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
    app.services.messaging.saveSettings(
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
const url = await app.http.listen({ host: '127.0.0.1', port: 0 })
app.startWorkers()
console.log(
  `Event → message latency on ${app.db.kind}: ${rate} events/s for ${seconds} s over ${forces.length} forces`,
)

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

// The run: STORM events over HTTP at a steady rate.
const run = randomUUID().slice(0, 8)
const posted = new Map<string, number>()
const refused: string[] = []
const events = Math.round(rate * seconds)
const runStarted = Date.now()
// The job backlog every 5 s: where work queues up when the target is missed.
const backlogs: string[] = []
const sampler = setInterval(async () => {
  const waiting = await app.db.execAsOwner(
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

console.log(
  `posted ${events} events in ${postingSeconds.toFixed(1)} s (${(events / postingSeconds).toFixed(1)}/s); refused: ${refused.length}${refused[0] ? ` (first: ${refused[0]})` : ''}`,
)
console.log(`job backlog while posting: ${backlogs.join('; ')}`)
console.log(`baseline: bare pg-boss job sent → picked up by a worker: ${format(baseline)}`)
console.log(`event → first message accepted by Notify:     ${format(result)}`)
console.log(
  `messages accepted by Notify: ${notify.notifications.size}; 429s: ${notify.rateLimited}; events with no message: ${posted.size - first.size}`,
)
console.log(
  `target p95 ≤ ${targetP95Ms / 1000} s at ${rate} events/s → ${result.p95 <= targetP95Ms && first.size === posted.size ? 'met' : 'not met'}` +
    (app.db.kind === 'postgres' ? '' : ' (the target is set for PostgreSQL; this run is PGlite)'),
)

await app.stop()
await database.close()
await notify.close()

function digits(phone: string): string {
  return phone.replace(/\D/g, '').slice(-9)
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
}
