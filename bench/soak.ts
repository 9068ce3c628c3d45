// Soak with chaos (issue 17): two `waypoint web` and two `waypoint worker` processes on a fresh
// PostgreSQL 15 database behind HAProxy, a fake GOV.UK Notify and a fake CAD/RMS write-back
// receiver. A steady flow of STORM and Athena events (whole case lives from the simulator, days
// compressed into seconds) arrives at RATE events a second, a "morning release" of messages held
// by quiet hours is let go at one instant, and every KILL_EVERY_SECONDS one process picked at
// random gets SIGKILL and is started again RestartSec=2 later, as systemd would
// (deploy/systemd/waypoint-*@.service). Then the flow stops, the system settles and the run is
// counted from the database, the fake Notify and the receiver:
//
//   events in (acknowledged 202) and lost (neither applied, superseded nor quarantined; target 0),
//   enrolments and enrolments or steps made twice (target 0),
//   messages out, references Notify accepted twice (target 0),
//   write-backs delivered and recorded twice for one message and target (target 0),
//   p95 of event acknowledged -> Notify accepted, for messages due at once,
//   memory (resident set) of each process at the start and the end, from its /metrics.
//
// The morning release: one force (norfolk) has an SMS and email sending window that opens a
// third of the way into the run (at a whole minute of UK time, which is the app's real clock) and
// closes at 23:59. Its night's backlog (MORNING_CASES case lives, first events only) is sent
// in the first minute; every message they lead to is held until the window opens, then released
// at one instant together, as at 08:00 after quiet hours (urgent steps ignore the window, as
// they ignore quiet hours). Those messages are left out of the p95.
//
//   nice node_modules/.bin/node bench/soak.ts
//   (PostgreSQL at 127.0.0.1:5432, trust; haproxy on PATH; DURATION_MINUTES=60, RATE events a
//   second (default three times the region's peak, see below), KILL_EVERY_SECONDS=180,
//   MORNING_CASES (default three times norfolk's quiet-hours backlog), SEED=1)
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { openDatabase } from '../src/platform/db/database.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { startDemoWriteback } from '../src/simulator/demo-writeback.ts'
import { FakeNotifyServer, notifyApiKey } from '../src/simulator/fake-notify/server.ts'
import { caseLife, crimesPerYear, Random, type SimulatedEvent } from '../src/simulator/scenarios.ts'
import { issueClientToken } from '../test/support/api-client.ts'
import type { TestApp } from '../test/support/test-app.ts'
import { startHaproxy } from './support/haproxy.ts'

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const durationMinutes = Number(process.env.DURATION_MINUTES ?? 60)
const killEverySeconds = Number(process.env.KILL_EVERY_SECONDS ?? 180)
const seed = Number(process.env.SEED ?? 1)
// Days of a case's life compressed: a day passes in 43 s, the fortnight's last events in ~10 min.
const timeScale = 1 / 2000
const root = resolve(import.meta.dirname, '..')
const flowForces = ['kent', 'essex']
const heldForce = 'norfolk'
const forces = [...flowForces, heldForce]

// --- The region's peak, and the default rate ------------------------------------------------------
// The seven forces record 617,567 crimes a year (src/simulator/scenarios.ts: Kent 164,945, Essex
// 151,967, Hertfordshire 75,288, Cambridgeshire 68,580, Norfolk 59,228, Bedfordshire 51,532,
// Suffolk 46,027), 70.5 an hour on average. The peak hour is taken as twice the mean hour
// (evenings; the repository states no figure), 141 case lives an hour. Each case life is a few
// STORM and Athena events; their mean is measured here from the simulator's own mix.
const regionCrimes = Object.values(crimesPerYear).reduce((a, b) => a + b, 0)
const sample = new Random(seed + 999)
let sampled = 0
for (let i = 0; i < 2000; i += 1) sampled += caseLife(sample, 'essex', i, new Date(), timeScale).length
const eventsPerCase = sampled / 2000
const peakCasesPerHour = (regionCrimes / (365 * 24)) * 2
const peakEventsPerSecond = (peakCasesPerHour * eventsPerCase) / 3600
const rate = Number(process.env.RATE ?? 3 * peakEventsPerSecond)
// Norfolk's quiet hours (21:00 to 08:00, 11 hours) at its mean rate, three times over.
const morningCases = Number(
  process.env.MORNING_CASES ?? Math.round((3 * ((crimesPerYear[heldForce]! / 365) * 11)) / 24),
)

const keys = Object.fromEntries(
  forces.map((f) => [
    f,
    {
      serviceId: randomUUID(),
      secret: randomUUID(),
      templates: [
        { id: randomUUID(), type: 'sms' as const },
        { id: randomUUID(), type: 'email' as const },
      ],
    },
  ]),
)

const name = `waypoint_bench_soak_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: server })
await admin.connect()
await admin.query(`create database ${name}`)
const dbUrl = new URL(server)
dbUrl.pathname = `/${name}`
const notify = new FakeNotifyServer({ keys: Object.values(keys), rateLimitPerMinute: 1_000_000 })
await notify.listen()
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  SEED_DEMO: 'false',
  SIMULATOR: 'false',
  INBOUND_EMAIL_PORT: 'off',
  SESSION_SECRET: 'soak-bench-session-secret-0123456789abcdef',
  API_RATE_LIMIT_MAX: '10000000',
  SHUTDOWN_DRAIN_SECONDS: '3',
  DATABASE_URL: dbUrl.toString(),
  NOTIFY_BASE_URL: notify.url,
  NOTIFY_API_KEYS: forces.map((f) => `${f}=${notifyApiKey('bench', keys[f]!)}`).join(','),
  NOTIFY_SMS_TEMPLATE_IDS: forces.map((f) => `${f}=${keys[f]!.templates[0]!.id}`).join(','),
  NOTIFY_EMAIL_TEMPLATE_IDS: forces.map((f) => `${f}=${keys[f]!.templates[1]!.id}`).join(','),
  NOTIFY_RATE_LIMIT_PER_MINUTE: '600000',
  MESSAGING_RECONCILE_AFTER_SECONDS: '2',
  WRITEBACK_BASE_DELAY_SECONDS: '2',
  WRITEBACK_MAX_DELAY_SECONDS: '10',
}
const workDir = mkdtempSync(join(tmpdir(), 'waypoint-soak-'))
const children = new Map<string, ChildProcess>()
let haproxy: ChildProcess | undefined
let receiver: Awaited<ReturnType<typeof startDemoWriteback>> | undefined
let stopping = false

try {
  // --- Set-up: the schema, journeys, sending windows, write-back endpoints, API clients ---------
  const t0 = Date.now()
  const migrating = await openDatabase({ databaseUrl: dbUrl.toString() })
  await migrate(migrating)
  await migrating.close()
  const setup = await createApp(loadConfig({ ...env }))
  const always = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59', sendOnBankHolidays: true }
  // The release: a third of the way into the run, at the next whole minute of UK time.
  const releaseAt = new Date(
    Math.ceil((Date.now() + 4 * 60_000 + (durationMinutes * 60_000) / 3) / 60_000) * 60_000,
  )
  const releaseHHMM = ukTime(releaseAt)
  if (releaseHHMM >= '23:58')
    throw new Error(`The release at ${releaseHHMM} UK time would fall after the window closes: run earlier`)
  for (const forceId of forces) {
    await setup.services.journeys.installDefaults(forceId)
    const held = { ...always, start: releaseHHMM }
    await setup.db.withForce(forceId, (tx) =>
      setup.services.messaging.settings.saveSettings(
        tx,
        forceId,
        {
          smsChannel: 'notify',
          sendingWindows: forceId === heldForce ? { sms: held, email: held } : { sms: always, email: always },
        },
        null,
      ),
    )
  }
  receiver = await startDemoWriteback(setup)
  const tokens = new Map<string, string>()
  for (const forceId of forces)
    tokens.set(
      forceId,
      await issueClientToken({ app: setup } as TestApp, { forceId, scopes: ['sources:write'] }),
    )
  await setup.stop()

  // --- The deployment: two web, two workers, HAProxy -------------------------------------------
  const ports: Record<string, number> = {
    web1: await freePort(),
    web2: await freePort(),
    worker1: await freePort(),
    worker2: await freePort(),
  }
  const lbPort = await freePort()
  const restarts: Record<string, number> = { web1: 0, web2: 0, worker1: 0, worker2: 0 }
  const start = (label: string) => {
    const role = label.startsWith('web') ? 'web' : 'worker'
    const child = spawn(process.execPath, ['src/main.ts', role], {
      cwd: root,
      env: {
        ...env,
        ...(role === 'web' ? { PORT: String(ports[label]) } : { OPERATIONS_PORT: String(ports[label]) }),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    children.set(label, child)
    // systemd's Restart=always, RestartSec=2: a process that dies is started again.
    child.once('exit', () => {
      if (stopping || children.get(label) !== child) return
      restarts[label]! += 1
      setTimeout(() => {
        if (!stopping) start(label)
      }, 2000)
    })
    return child
  }
  const ready = async (port: number) =>
    (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200
  for (const label of Object.keys(ports)) {
    start(label)
    await until(() => ready(ports[label]!), 300_000, `${label} ready`)
  }
  haproxy = startHaproxy(workDir, lbPort, [ports.web1, ports.web2])
  const lb = `http://127.0.0.1:${lbPort}`
  await until(
    async () => (await fetch(`${lb}/health/ready`).catch(() => undefined))?.status === 200,
    30_000,
    'HAProxy up',
  )
  const memory = async () => {
    const out: Record<string, number | undefined> = {}
    for (const [label, port] of Object.entries(ports)) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.text()
      const m = text?.match(/^waypoint_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m)
      out[label] = m ? Number(m[1]) : undefined
    }
    return out
  }
  const memoryAtStart = await memory()
  console.log(`set-up ${((Date.now() - t0) / 1000).toFixed(0)} s; release at ${releaseHHMM} UK time`)

  // --- The flow ---------------------------------------------------------------------------------
  const random = new Random(seed)
  const failures: string[] = []
  let requests = 0
  let failed = 0
  const acknowledged = new Map<string, string>() // receipt id -> status at the time
  const firstAck = new Map<number, number>() // case serial -> when its first event was acknowledged
  const heldSerials = new Set<number>()
  let serial = 0
  const post = async (event: SimulatedEvent, caseSerial: number, first: boolean) => {
    // A phone and an email of the case's own, so that a message at Notify names its case.
    const payload = event.payload.replace(/07700 900\d{3}/g, `07700 9${String(caseSerial).padStart(5, '0')}`)
    requests += 1
    try {
      const response = await fetch(`${lb}/api/v1/sources/${event.forceId}/${event.source}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.get(event.forceId)}`, 'content-type': event.contentType },
        body: payload,
      })
      const text = await response.text()
      if (response.status !== 202) {
        failed += 1
        failures.push(`${response.status} ${text.slice(0, 120)}`)
        return
      }
      const receipt = JSON.parse(text) as { id: string; status: string }
      acknowledged.set(receipt.id, receipt.status)
      if (first) firstAck.set(caseSerial, Date.now())
    } catch (error) {
      failed += 1
      failures.push(`no answer: ${(error as Error).message} ${String((error as Error).cause ?? '')}`)
    }
  }
  const pending = new Set<Promise<void>>()
  const launch = (p: Promise<void>) => {
    pending.add(p)
    void p.finally(() => pending.delete(p))
  }
  const started = Date.now()
  const endAt = started + durationMinutes * 60_000
  // The night's backlog of the held force: each case's first events, sent in the first minute.
  const morning = (async () => {
    for (let i = 0; i < morningCases && Date.now() < endAt; i += 1) {
      const s = serial++
      heldSerials.add(s)
      const life = caseLife(random, heldForce, s, new Date(), timeScale).filter((e) => e.afterSeconds < 2)
      for (const [k, e] of life.entries()) launch(post(e, s, k === 0))
      await sleep(Math.max(50, 60_000 / morningCases))
    }
  })()
  // The steady flow: new case lives at the rate that gives RATE events a second, each life's
  // later events at their compressed times, while the run lasts.
  const flow = (async () => {
    const casesPerSecond = rate / eventsPerCase
    let next = Date.now()
    while (Date.now() < endAt) {
      const s = serial++
      const forceId = random.pick(flowForces)
      const life = caseLife(random, forceId, s, new Date(), timeScale)
      const at = Date.now()
      for (const [k, e] of life.entries()) {
        const due = at + e.afterSeconds * 1000
        if (due >= endAt) break
        setTimeout(() => {
          if (!stopping) launch(post(e, s, k === 0))
        }, due - at)
      }
      // Poisson arrivals at the mean rate.
      next += (-Math.log(1 - Math.random()) / casesPerSecond) * 1000
      await sleep(Math.max(0, next - Date.now()))
    }
  })()
  // --- The chaos --------------------------------------------------------------------------------
  const kills: string[] = []
  const chaos = (async () => {
    while (Date.now() + killEverySeconds * 1000 < endAt) {
      // "Every few minutes": uniformly between half and one and a half times the interval.
      await sleep(killEverySeconds * 1000 * (0.5 + Math.random()))
      if (Date.now() >= endAt) break
      const label = Object.keys(ports)[Math.floor(Math.random() * 4)]!
      children.get(label)?.kill('SIGKILL')
      kills.push(`${label} at ${((Date.now() - started) / 60_000).toFixed(1)} min`)
      console.log(`killed ${kills.at(-1)}`)
    }
  })()
  await Promise.all([morning, flow, chaos])
  await sleep(1000)
  await Promise.all([...pending])
  const flowSeconds = (Date.now() - started) / 1000

  // --- Settling -----------------------------------------------------------------------------------
  // Every process back up, then every acknowledged event processed, every message now due handed
  // to Notify and every write-back delivered.
  for (const [label, port] of Object.entries(ports)) await until(() => ready(port), 300_000, `${label} back`)
  const counter = new pg.Client({ connectionString: dbUrl.toString() })
  await counter.connect()
  const one = async (sql: string, params: unknown[] = []) =>
    Number(Object.values((await counter.query(sql, params)).rows[0] ?? { n: 0 })[0] ?? 0)
  const ids = [...acknowledged.keys()]
  const eventsDone = () =>
    one(
      `select count(*)::int from source_events where id = any($1::uuid[]) and status in ('applied', 'quarantined', 'superseded', 'duplicate')`,
      [ids],
    )
  const settled = async () =>
    (await eventsDone()) === ids.length &&
    (await one(
      `select count(*)::int from messages where status in ('scheduled', 'sending') and send_after <= now()`,
    )) === 0 &&
    (await one(`select count(*)::int from writeback_entries where status in ('pending', 'sending')`)) === 0
  const settleStart = Date.now()
  await until(settled, 600_000, 'events applied, messages sent, write-backs delivered').catch((e) =>
    console.log(String(e)),
  )
  const settleSeconds = (Date.now() - settleStart) / 1000
  const memoryAtEnd = await memory()

  // --- Counting -----------------------------------------------------------------------------------
  const byStatus = Object.fromEntries(
    (
      await counter.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from source_events where id = any($1::uuid[]) group by status`,
        [ids],
      )
    ).rows.map((r) => [r.status, r.n]),
  )
  const lost = ids.length - (await eventsDone())
  const enrolments = await one(`select count(*)::int from enrolments`)
  const enrolmentsTwice = await one(
    `select count(*)::int from (select 1 from enrolments group by journey_id, case_id, person_id having count(*) > 1) d`,
  )
  const stepsTwice = await one(
    `select count(*)::int from (select 1 from enrolment_steps where message_id is not null group by enrolment_id, step_index, recipient_person_id having count(*) > 1) d`,
  )
  const messagesMade = await one(`select count(*)::int from messages`)
  const messagesLater = await one(
    `select count(*)::int from messages where status = 'scheduled' and send_after > now()`,
  )
  const messageStatuses = (
    await counter.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from messages group by status order by status`,
    )
  ).rows
  const notSentReasons = (
    await counter.query<{ status: string; reason: string | null; n: number }>(
      `select status, status_reason as reason, count(*)::int as n from messages
        where status in ('suppressed', 'cancelled') group by 1, 2 order by 3 desc limit 5`,
    )
  ).rows
  // The release, from the held force's messages: those the sending window held (not urgent) and
  // sent, how many went before the window opened (a breach of quiet hours; target 0), and when the
  // last went; urgent ones ignore the window by design.
  const release = (
    await counter.query<{ held: number; early: number; last: Date | null; urgent: number }>(
      `select count(*) filter (where not urgent)::int as held,
              count(*) filter (where not urgent and sent_at < $2)::int as early,
              max(sent_at) filter (where not urgent) as last,
              count(*) filter (where urgent)::int as urgent
         from messages where force_id = $1 and sent_at is not null`,
      [heldForce, releaseAt],
    )
  ).rows[0]!
  const writebacks = await one(`select count(*)::int from writeback_entries`)
  const writebacksDelivered = await one(
    `select count(*)::int from writeback_entries where status = 'delivered'`,
  )
  const writebacksDead = await one(`select count(*)::int from writeback_entries where status = 'dead'`)
  await counter.end()

  const atNotify = new Map<string, number>()
  const firstSentTo = new Map<number, number>()
  for (const n of notify.notifications.values()) {
    atNotify.set(n.reference ?? '', (atNotify.get(n.reference ?? '') ?? 0) + 1)
    const s = caseOf(n.to)
    const at = Date.parse(n.createdAt)
    if (s !== undefined && !(at >= (firstSentTo.get(s) ?? Number.POSITIVE_INFINITY))) firstSentTo.set(s, at)
  }
  const sentTwice = [...atNotify.values()].filter((c) => c > 1).length
  const latencies: number[] = []
  for (const [s, sentAt] of firstSentTo) {
    if (heldSerials.has(s)) continue
    if (firstAck.has(s)) latencies.push(Math.max(0, sentAt - firstAck.get(s)!))
  }
  latencies.sort((a, b) => a - b)
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? Number.NaN
  const perKey = new Map<string, number>()
  for (const e of receiver.entries()) {
    const k = `${e.target}|${String(e.idempotencyKey).split(':').slice(1, 2)}`
    perKey.set(k, (perKey.get(k) ?? 0) + 1)
  }
  const recordedTwice = [...perKey.values()].filter((c) => c > 1).length
  const mb = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 1e6).toFixed(0)} MB`)

  console.log(`\nSoak with chaos: 2 web + 2 worker processes behind HAProxy, PostgreSQL 15 (${name})`)
  console.log(
    `region peak: ${regionCrimes} crimes/yr -> ${peakCasesPerHour.toFixed(0)} case lives/h at peak (2x mean hour) x ${eventsPerCase.toFixed(2)} events = ${peakEventsPerSecond.toFixed(3)} events/s; rate ${rate.toFixed(3)} events/s (${(rate / peakEventsPerSecond).toFixed(1)}x peak)`,
  )
  console.log(
    `flow: ${flowSeconds.toFixed(0)} s, settled in ${settleSeconds.toFixed(0)} s; kills every ~${killEverySeconds} s: ${kills.join(', ') || 'none'}`,
  )
  console.log(
    `restarts:            ${Object.entries(restarts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  )
  console.log(
    `requests:            ${requests}, failed or unanswered ${failed} (not acknowledged, so the source resends)`,
  )
  for (const f of failures.slice(0, 3)) console.log(`    ${f}`)
  console.log(
    `events in:           ${ids.length} acknowledged (${Object.entries(byStatus)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), lost ${lost}  target 0`,
  )
  console.log(
    `enrolments:          ${enrolments}, made twice ${enrolmentsTwice}, steps taken twice ${stepsTwice}  target 0`,
  )
  console.log(
    `messages out:        ${notify.notifications.size} accepted by Notify of ${messagesMade} made (${messagesLater} due later), references sent twice ${sentTwice}  target 0`,
  )
  console.log(`  messages by status: ${messageStatuses.map((r) => `${r.status} ${r.n}`).join(', ')}`)
  for (const r of notSentReasons) console.log(`    ${r.status}: ${r.n} ${r.reason ?? ''}`)
  console.log(
    `morning release:     ${heldSerials.size} ${heldForce} cases in the night's backlog, window opening ${releaseHHMM} UK time; ${release.held} held messages sent, the last ${release.last ? ((release.last.getTime() - releaseAt.getTime()) / 1000).toFixed(1) : 'n/a'} s after it opened, ${release.early} before it  target 0 (${release.urgent} urgent went at once, as designed)`,
  )
  console.log(
    `write-backs:         ${writebacksDelivered} delivered of ${writebacks} (${writebacksDead} dead), ${receiver.requests} requests, ${receiver.duplicates} repeats absorbed by Idempotency-Key, recorded twice ${recordedTwice}  target 0`,
  )
  console.log(
    `event -> message:    p50 ${(pct(50) / 1000).toFixed(2)} s, p95 ${(pct(95) / 1000).toFixed(2)} s, max ${((latencies.at(-1) ?? Number.NaN) / 1000).toFixed(2)} s over ${latencies.length} cases due at once`,
  )
  console.log('memory (RSS):        process   start  end   restarts')
  for (const label of Object.keys(ports))
    console.log(
      `                     ${label.padEnd(8)}  ${mb(memoryAtStart[label])}  ${mb(memoryAtEnd[label])}  ${restarts[label]}`,
    )
  const ok =
    lost === 0 &&
    enrolmentsTwice === 0 &&
    stepsTwice === 0 &&
    sentTwice === 0 &&
    release.early === 0 &&
    recordedTwice === 0 &&
    writebacksDelivered + writebacksDead === writebacks
  console.log(ok ? 'targets met' : 'TARGETS MISSED')
  process.exitCode = ok ? 0 : 1
} finally {
  stopping = true
  for (const child of children.values()) child.kill('SIGTERM')
  await Promise.all(
    [...children.values()].map((c) =>
      c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined,
    ),
  )
  haproxy?.kill('SIGTERM')
  await notify.close()
  await receiver?.close()
  await admin.query(`drop database if exists ${name} with (force)`).catch(() => {})
  await admin.end()
  rmSync(workDir, { recursive: true, force: true })
}

/** The case a message went to: its phone's last five digits, or the serial in its email. */
function caseOf(to: string): number | undefined {
  const email = to.match(/(\d+)@example\.org$/i)
  if (email) return Number(email[1])
  const digits = to.replace(/\D/g, '')
  return digits.length >= 10 ? Number(digits.slice(-5)) : undefined
}

function ukTime(at: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(at)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await sleep(500)
  }
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((r) => probe.close(() => r()))
  return port
}
