// Rolling restart with no failed request (issue 17, CP-48): two `waypoint web` and two
// `waypoint worker` processes on a fresh PostgreSQL 15 database, HAProxy on loopback in front of
// the web processes (deploy/haproxy/waypoint.cfg's checks and retries, shorter intervals), and a
// steady load of citizen pages, console pages and source events. Each process in turn gets
// SIGTERM, is waited for, and started again; the next waits until it is back. Then the load
// stops, the queues empty, and the run is counted from the database and a fake GOV.UK Notify
// (every message it accepted, by our reference):
//
//   requests and failed requests (any 5xx or no answer; target 0),
//   source events acknowledged (202) against applied or quarantined (0 lost),
//   messages sent twice (0 duplicated).
//
//   node_modules/.bin/node bench/rolling-restart.ts   (PostgreSQL at 127.0.0.1:5432, trust;
//   haproxy on PATH; PACE_MS=150 between a load loop's requests, LOOPS=2 of each kind)
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
import { SESSION_COOKIE } from '../src/platform/http/server.ts'
import { FakeNotifyServer, notifyApiKey } from '../src/simulator/fake-notify/server.ts'
import { issueClientToken } from '../test/support/api-client.ts'
import type { TestApp } from '../test/support/test-app.ts'
import { benchCitizen } from './support/portal-citizen.ts'
import { startHaproxy } from './support/haproxy.ts'

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const paceMs = Number(process.env.PACE_MS ?? 150)
const loops = Number(process.env.LOOPS ?? 2)
const drainSeconds = 3
const root = resolve(import.meta.dirname, '..')
const citizenForce = 'kent'
const ingestForces = ['essex', 'norfolk']
const keys = Object.fromEntries(
  ingestForces.map((f) => [
    f,
    {
      serviceId: randomUUID(),
      secret: randomUUID(),
      templates: [{ id: randomUUID(), type: 'sms' as const }],
    },
  ]),
)

const name = `waypoint_bench_rolling_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: server })
await admin.connect()
await admin.query(`create database ${name}`)
const dbUrl = new URL(server)
dbUrl.pathname = `/${name}`
const notify = new FakeNotifyServer({ keys: Object.values(keys), rateLimitPerMinute: 1_000_000 })
await notify.listen()
// A second host that is down: every process reads a URL with several hosts and finds the
// writable one, as in a deployment with a standby (decision 0039).
const downPort = await freePort()
const multiHostUrl = `postgres://postgres@127.0.0.1:${dbUrl.port || 5432},127.0.0.1:${downPort}/${name}?target_session_attrs=read-write`
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  SEED_DEMO: 'false',
  SIMULATOR: 'false',
  INBOUND_EMAIL_PORT: 'off',
  SESSION_SECRET: 'rolling-restart-bench-session-secret-0123456789',
  API_RATE_LIMIT_MAX: '10000000',
  SHUTDOWN_DRAIN_SECONDS: String(drainSeconds),
  DATABASE_URL: multiHostUrl,
  NOTIFY_BASE_URL: notify.url,
  NOTIFY_API_KEYS: ingestForces.map((f) => `${f}=${notifyApiKey('bench', keys[f]!)}`).join(','),
  NOTIFY_SMS_TEMPLATE_IDS: ingestForces.map((f) => `${f}=${keys[f]!.templates[0]!.id}`).join(','),
  NOTIFY_RATE_LIMIT_PER_MINUTE: '600000',
  MESSAGING_RECONCILE_AFTER_SECONDS: '2',
}
const workDir = mkdtempSync(join(tmpdir(), 'waypoint-rolling-'))
const children = new Map<string, ChildProcess>()
let haproxy: ChildProcess | undefined

try {
  // --- Set-up: the schema, people with portal sessions, a member of staff, API clients ---------
  const migrating = await openDatabase({ databaseUrl: dbUrl.toString() })
  await migrate(migrating)
  await migrating.close()
  const setup = await createApp(loadConfig({ ...env, LOG_LEVEL: 'warn' }), {
    testRoutes: (http, seams) => {
      http.get<{ Params: { sub: string } }>(
        '/bench/sign-in/:sub',
        { config: { access: { custom: 'benchmark sign-in' } } },
        async (request, reply) => {
          await seams.citizenSessions.signIn(request, reply, {
            subject: request.params.sub,
            forceId: citizenForce,
            provider: 'one-login',
          })
          return reply.code(204).send()
        },
      )
    },
  })
  const setupUrl = (await setup.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')
  await setup.services.portal.installDefaults(citizenForce)
  for (const forceId of ingestForces) {
    await setup.services.journeys.installDefaults(forceId)
    await setup.db.withForce(forceId, (tx) =>
      setup.services.messaging.settings.saveSettings(
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
  const citizens: { cookie: string; caseId: string }[] = []
  for (let i = 0; i < 4; i += 1)
    citizens.push(await benchCitizen(setup, setupUrl, citizenForce, 'rolling', 700000, i))
  const officer = await setup.services.staff.create(
    {
      forceId: citizenForce,
      email: 'rolling.officer@waypoint.example.org',
      displayName: 'Rolling Officer',
      roles: ['investigating_officer'],
    },
    null,
  )
  const { token: staffToken } = await setup.services.sessions.start(
    { subjectKind: 'staff', subjectId: officer.id, forceId: citizenForce },
    {},
    { ip: '127.0.0.1' },
  )
  const staffCookie = `${SESSION_COOKIE}=${setup.http.signCookie(staffToken)}`
  const tokens = new Map<string, string>()
  for (const forceId of ingestForces)
    tokens.set(
      forceId,
      await issueClientToken({ app: setup } as TestApp, { forceId, scopes: ['sources:write'] }),
    )
  await setup.stop()

  // --- The deployment: two web, two workers, HAProxy -------------------------------------------
  const webPorts = [await freePort(), await freePort()]
  const lbPort = await freePort()
  const start = (role: 'web' | 'worker', label: string, port?: number) => {
    const child = spawn(process.execPath, ['src/main.ts', role], {
      cwd: root,
      env: { ...env, ...(port ? { PORT: String(port) } : {}) },
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    children.set(label, child)
    return child
  }
  const ready = async (port: number) =>
    (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200
  // One after another: four processes starting at once on a shared machine take minutes.
  start('web', 'web1', webPorts[0])
  await until(() => ready(webPorts[0]!), 300_000, 'web1 ready')
  start('web', 'web2', webPorts[1])
  await until(() => ready(webPorts[1]!), 300_000, 'web2 ready')
  start('worker', 'worker1')
  start('worker', 'worker2')
  haproxy = startHaproxy(workDir, lbPort, [webPorts[0]!, webPorts[1]!])
  await until(
    async () => (await ready(webPorts[0]!)) && (await ready(webPorts[1]!)),
    120_000,
    'web processes ready',
  )
  // Workers have no port: a worker is up once it has taken a job; give them their start-up time.
  await sleep(8000)
  const lb = `http://127.0.0.1:${lbPort}`
  await until(
    async () => (await fetch(`${lb}/health/ready`).catch(() => undefined))?.status === 200,
    30_000,
    'HAProxy up',
  )

  // --- The load ----------------------------------------------------------------------------------
  const run = randomUUID().slice(0, 8)
  const stats = { citizen: { n: 0, failed: 0 }, console: { n: 0, failed: 0 }, ingest: { n: 0, failed: 0 } }
  const failures: string[] = []
  const acknowledged = new Set<string>()
  let loading = true
  let eventNo = 0
  const request = async (
    kind: keyof typeof stats,
    ask: () => Promise<Response>,
    ok: (status: number) => boolean,
  ) => {
    stats[kind].n += 1
    try {
      const response = await ask()
      const body = await response.text()
      if (!ok(response.status)) {
        stats[kind].failed += 1
        failures.push(`${kind} ${response.status} ${body.slice(0, 120)}`)
      }
      return response.status
    } catch (error) {
      stats[kind].failed += 1
      failures.push(`${kind} no answer: ${(error as Error).message} ${String((error as Error).cause ?? '')}`)
      return 0
    }
  }
  const loop = async (work: (i: number) => Promise<void>) => {
    for (let i = 0; loading; i += 1) {
      await work(i)
      await sleep(paceMs)
    }
  }
  const citizenLoop = (k: number) =>
    loop(async (i) => {
      const person = citizens[(i + k) % citizens.length]!
      const path = i % 2 ? `/portal/cases/${person.caseId}` : '/portal'
      await request(
        'citizen',
        () => fetch(`${lb}${path}`, { headers: { cookie: person.cookie }, redirect: 'manual' }),
        (s) => s === 200,
      )
    })
  const consoleLoop = () =>
    loop(async (i) => {
      const path =
        i % 2 ? '/console/cases?q=Rolling' : `/console/cases?q=${encodeURIComponent('KT/700001/26')}`
      await request(
        'console',
        () => fetch(`${lb}${path}`, { headers: { cookie: staffCookie }, redirect: 'manual' }),
        (s) => s === 200,
      )
    })
  const ingestLoop = () =>
    loop(async () => {
      const i = eventNo++
      const forceId = ingestForces[i % ingestForces.length]!
      const eventId = `${run}-${i}`
      const status = await request(
        'ingest',
        () =>
          fetch(`${lb}/api/v1/sources/${forceId}/storm`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tokens.get(forceId)}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              eventId,
              eventType: 'LOG_CREATED',
              timestamp: new Date().toISOString(),
              log: {
                reference: `${run}-LOG-${i}`,
                grading: 'IMM',
                incidentType: 'Burglary - residential',
                location: `${i} High Street`,
                persons: [
                  {
                    nominalId: `${run}-N-${i}`,
                    name: `Person ${i}`,
                    role: 'VIC',
                    phone: `07700 9${String(i).padStart(5, '0')}`,
                    preferredContact: 'SMS',
                  },
                ],
              },
            }),
          }),
        (s) => s === 202,
      )
      if (status === 202) acknowledged.add(eventId)
    })
  const running = [
    ...Array.from({ length: loops }, (_, k) => citizenLoop(k)),
    ...Array.from({ length: loops }, () => consoleLoop()),
    ...Array.from({ length: loops }, () => ingestLoop()),
  ]
  const started = Date.now()
  const cpuAtStart = process.cpuUsage()
  await sleep(5000)

  // --- The rolling restart -------------------------------------------------------------------------
  const restarts: string[] = []
  for (const label of ['web1', 'web2', 'worker1', 'worker2']) {
    const child = children.get(label)!
    const t0 = Date.now()
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    const code = await exited
    const stoppedIn = Date.now() - t0
    const port = label === 'web1' ? webPorts[0] : label === 'web2' ? webPorts[1] : undefined
    start(label.startsWith('web') ? 'web' : 'worker', label, port)
    if (port) await until(() => ready(port), 300_000, `${label} ready again`)
    else await sleep(15_000)
    // HAProxy takes a web process back after two good checks.
    await sleep(2000)
    restarts.push(
      `${label}: exit code ${code}, stopped in ${(stoppedIn / 1000).toFixed(1)} s, back in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    )
    console.log(restarts.at(-1))
  }
  await sleep(5000)
  loading = false
  await Promise.all(running)
  const loadSeconds = (Date.now() - started) / 1000
  const cpu = process.cpuUsage(cpuAtStart)

  // --- Counting ---------------------------------------------------------------------------------------
  const counter = new pg.Client({ connectionString: dbUrl.toString() })
  await counter.connect()
  const countEvents = async () =>
    (
      await counter.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from source_events where source_event_id = any($1) group by status`,
        [[...acknowledged]],
      )
    ).rows
  // Every acknowledged event applied (or quarantined) and every message it led to handed to Notify.
  const settled = async () => {
    const byStatus = await countEvents()
    const done = byStatus
      .filter((r) => r.status === 'applied' || r.status === 'quarantined')
      .reduce((a, r) => a + r.n, 0)
    const waiting = (
      await counter.query<{ n: number }>(
        `select count(*)::int as n from messages where force_id = any($1) and status in ('scheduled', 'sending')`,
        [ingestForces],
      )
    ).rows[0]!.n
    return done === acknowledged.size && waiting === 0
  }
  await until(settled, 120_000, 'events applied and messages sent').catch((error) =>
    console.log(String(error)),
  )
  const byStatus = Object.fromEntries((await countEvents()).map((r) => [r.status, r.n]))
  const applied = byStatus.applied ?? 0
  const quarantined = byStatus.quarantined ?? 0
  const messages = (
    await counter.query<{
      reference: string
      status: string
      recipient: string
      template_key: string | null
    }>(`select reference, status, recipient, template_key from messages where force_id = any($1)`, [
      ingestForces,
    ])
  ).rows
  await counter.end()
  const atNotify = new Map<string, number>()
  for (const n of notify.notifications.values())
    atNotify.set(n.reference ?? '', (atNotify.get(n.reference ?? '') ?? 0) + 1)
  const sentTwice = [...atNotify.values()].filter((c) => c > 1).length
  const perRecipientStep = new Map<string, number>()
  for (const m of messages) {
    const k = `${m.recipient}|${m.template_key}`
    perRecipientStep.set(k, (perRecipientStep.get(k) ?? 0) + 1)
  }
  const madeTwice = [...perRecipientStep.values()].filter((c) => c > 1).length
  const sentMessages = messages.filter((m) => atNotify.has(m.reference)).length
  const total = stats.citizen.n + stats.console.n + stats.ingest.n
  const failed = stats.citizen.failed + stats.console.failed + stats.ingest.failed

  console.log(`\nRolling restart of 2 web + 2 worker processes behind HAProxy, PostgreSQL 15 (${name})`)
  console.log(
    `load: ${loops} loop(s) each of citizen pages, console pages and source events, ${paceMs} ms apart, ${loadSeconds.toFixed(0)} s`,
  )
  for (const line of restarts) console.log(`  ${line}`)
  console.log(
    `requests:            ${total}  (citizen ${stats.citizen.n}, console ${stats.console.n}, ingest ${stats.ingest.n})`,
  )
  console.log(
    `failed requests:     ${failed}  (citizen ${stats.citizen.failed}, console ${stats.console.failed}, ingest ${stats.ingest.failed})  target 0`,
  )
  for (const f of failures.slice(0, 5)) console.log(`    ${f}`)
  console.log(
    `source events:       ${acknowledged.size} acknowledged, ${applied} applied, ${quarantined} quarantined, ${acknowledged.size - applied - quarantined} lost  target 0 lost`,
  )
  console.log(
    `messages:            ${messages.length} made, ${sentMessages} accepted by Notify, ${sentTwice} sent twice, ${madeTwice} made twice for one person and step  target 0`,
  )
  console.log(`load generator CPU:  ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`)
  const ok =
    failed === 0 && acknowledged.size - applied - quarantined === 0 && sentTwice === 0 && madeTwice === 0
  console.log(ok ? 'targets met' : 'TARGETS MISSED')
  process.exitCode = ok ? 0 : 1
} finally {
  for (const child of children.values()) child.kill('SIGTERM')
  await Promise.all(
    [...children.values()].map((c) =>
      c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined,
    ),
  )
  haproxy?.kill('SIGTERM')
  await notify.close()
  await admin.query(`drop database if exists ${name} with (force)`).catch(() => {})
  await admin.end()
  rmSync(workDir, { recursive: true, force: true })
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await sleep(250)
  }
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((r) => probe.close(() => r()))
  return port
}
