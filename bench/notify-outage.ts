// The Notify-outage drill (issue 17): one `waypoint web` and two `waypoint worker` processes on a
// fresh PostgreSQL 15 database, a fake GOV.UK Notify behind a gate this script controls, and a
// steady flow of STORM events, each victim asking for a text message or an email. After a warm-up
// GOV.UK Notify fails the ways it really does, one after another, for every call Waypoint makes
// (sends, look-ups by reference, status polls):
//
//   500    every call answered `500 Exception: Internal server error`;
//   timeout no answer at all (Waypoint gives up after NOTIFY_TIMEOUT_MS); every second send is
//          passed on to Notify first, so Notify holds a message whose answer was lost;
//   refused nothing listens on Notify's address (connection refused);
//   429    every call answered `429 RateLimitError` (Notify's rolling-minute limit);
//
// then Notify answers again. Throughout, the script reads what an operator sees: each process's
// /health/ready, /metrics (waypoint_dispatch_lag_seconds, the alert WaypointDispatchLag's
// source; waypoint_messaging_provider_rate_limited_total), the messages' statuses and the reasons
// on their timelines, and the console's page of a message held by the outage. At the end it counts:
//
//   events acknowledged (202) and lost (target 0);
//   messages made, accepted by Notify, references Notify holds twice (target 0), messages neither
//   at Notify nor failed with a visible reason (lost; target 0);
//   messages failed during the outage, with their reasons (target 0 before their retry limit);
//   how long after Notify recovered every message due before it was at Notify (the backlog).
//
//   nice node_modules/.bin/node bench/notify-outage.ts
//   (PostgreSQL at 127.0.0.1:5432 with trust, or DATABASE_URL; WARM_UP_S=30, PHASE_S=60 (each of
//   the four failures), AFTER_S=60 of flow after recovery, RATE=1 events a second,
//   SETTLE_LIMIT_S=900; Waypoint's messaging settings are production's unless
//   MESSAGING_RECONCILE_AFTER_SECONDS, NOTIFY_TIMEOUT_MS, NOTIFY_RATE_LIMIT_PAUSE_SECONDS or
//   MESSAGING_RECONCILE_GIVE_UP_HOURS are set)
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import pg from 'pg'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { openDatabase } from '../src/platform/db/database.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { SESSION_COOKIE } from '../src/platform/http/server.ts'
import { FakeNotifyServer, notifyApiKey } from '../src/simulator/fake-notify/server.ts'
import { issueClientToken } from '../test/support/api-client.ts'
import type { TestApp } from '../test/support/test-app.ts'

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const warmUpS = Number(process.env.WARM_UP_S ?? 30)
const phaseS = Number(process.env.PHASE_S ?? 60)
const afterS = Number(process.env.AFTER_S ?? 60)
const rate = Number(process.env.RATE ?? 1)
const settleLimitS = Number(process.env.SETTLE_LIMIT_S ?? 900)
const root = resolve(import.meta.dirname, '..')
const force = 'essex'
const metricsToken = 'notify-outage-drill-metrics-token-0123456789'
const callbackToken = 'notify-outage-drill-callback-token-0123456789'

type Mode = 'up' | '500' | 'timeout' | 'refused' | '429'
const phases: Exclude<Mode, 'up'>[] = ['500', 'timeout', 'refused', '429']

const key = {
  serviceId: randomUUID(),
  secret: randomUUID(),
  templates: [
    { id: randomUUID(), type: 'sms' as const },
    { id: randomUUID(), type: 'email' as const },
  ],
}

/**
 * GOV.UK Notify as Waypoint reaches it: passes every call to the fake Notify, or fails it the
 * chosen way. Counts what it did in each mode.
 */
class NotifyGate {
  mode: Mode = 'up'
  readonly counts: Record<string, number> = {}
  /** References of sends passed on to Notify whose answer was then withheld. */
  readonly answerLost = new Set<string>()
  #server: Server | undefined
  #port = 0
  readonly #held = new Set<ServerResponse>()
  readonly #target: string
  #timeoutSends = 0

  constructor(target: string) {
    this.#target = target
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`
  }

  async listen(port = 0): Promise<void> {
    this.#server = createHttpServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy())
    })
    await new Promise<void>((r) => this.#server!.listen(port, '127.0.0.1', r))
    this.#port = (this.#server.address() as { port: number }).port
  }

  async set(mode: Mode): Promise<void> {
    const was = this.mode
    this.mode = mode
    for (const res of this.#held) res.destroy()
    this.#held.clear()
    if (mode === 'refused') await this.#close()
    if (was === 'refused' && mode !== 'refused') await this.listen(this.#port)
  }

  async close(): Promise<void> {
    for (const res of this.#held) res.destroy()
    await this.#close()
  }

  async #close(): Promise<void> {
    const s = this.#server
    this.#server = undefined
    if (!s) return
    const closed = new Promise<void>((r) => s.close(() => r()))
    s.closeAllConnections()
    await closed
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const isSend = req.method === 'POST'
    const count = `${this.mode} ${isSend ? 'send' : 'look-up'}`
    this.counts[count] = (this.counts[count] ?? 0) + 1
    const json = (status: number, error: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ status_code: status, errors: [{ error, message }] }))
    }
    if (this.mode === '500') return json(500, 'Exception', 'Internal server error')
    if (this.mode === '429')
      return json(
        429,
        'RateLimitError',
        'Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds',
      )
    if (this.mode === 'timeout') {
      this.#held.add(res)
      // Every second send reaches Notify, which accepts it; its answer never comes back.
      if (isSend && this.#timeoutSends++ % 2 === 1) {
        const answer = await this.#forward(req, body)
        if (answer.status === 201) {
          const reference = (JSON.parse(answer.text) as { reference?: string }).reference
          if (reference) this.answerLost.add(reference)
        }
      }
      return
    }
    const answer = await this.#forward(req, body)
    if (res.destroyed) return
    res.writeHead(answer.status, { 'content-type': 'application/json' })
    res.end(answer.text)
  }

  async #forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; text: string }> {
    const response = await fetch(`${this.#target}${req.url}`, {
      method: req.method,
      headers: {
        authorization: String(req.headers.authorization ?? ''),
        'content-type': 'application/json',
      },
      ...(req.method === 'POST' ? { body: body.toString('utf8') } : {}),
    })
    return { status: response.status, text: await response.text() }
  }
}

const name = `waypoint_bench_outage_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: server })
await admin.connect()
await admin.query(`create database ${name}`)
const dbUrl = new URL(server)
dbUrl.pathname = `/${name}`
const notify = new FakeNotifyServer({ keys: [key], rateLimitPerMinute: 1_000_000 })
await notify.listen()
const gate = new NotifyGate(notify.url)
await gate.listen()
const ports = { web: await freePort(), worker1: await freePort(), worker2: await freePort() }
notify.receipts = {
  url: `http://127.0.0.1:${ports.web}/callbacks/notify/${force}/receipts`,
  bearerToken: callbackToken,
  delayMs: 200,
}
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  SEED_DEMO: 'false',
  SIMULATOR: 'false',
  INBOUND_EMAIL_PORT: 'off',
  SESSION_SECRET: 'notify-outage-drill-session-secret-0123456789',
  API_RATE_LIMIT_MAX: '10000000',
  METRICS_TOKEN: metricsToken,
  DATABASE_URL: dbUrl.toString(),
  NOTIFY_BASE_URL: gate.url,
  NOTIFY_CALLBACK_TOKEN: callbackToken,
  NOTIFY_API_KEYS: `${force}=${notifyApiKey('drill', key)}`,
  NOTIFY_SMS_TEMPLATE_IDS: `${force}=${key.templates[0]!.id}`,
  NOTIFY_EMAIL_TEMPLATE_IDS: `${force}=${key.templates[1]!.id}`,
  ...(process.env.MESSAGING_RECONCILE_AFTER_SECONDS
    ? { MESSAGING_RECONCILE_AFTER_SECONDS: process.env.MESSAGING_RECONCILE_AFTER_SECONDS }
    : {}),
  ...(process.env.NOTIFY_TIMEOUT_MS ? { NOTIFY_TIMEOUT_MS: process.env.NOTIFY_TIMEOUT_MS } : {}),
  ...(process.env.NOTIFY_RATE_LIMIT_PAUSE_SECONDS
    ? { NOTIFY_RATE_LIMIT_PAUSE_SECONDS: process.env.NOTIFY_RATE_LIMIT_PAUSE_SECONDS }
    : {}),
  ...(process.env.MESSAGING_RECONCILE_GIVE_UP_HOURS
    ? { MESSAGING_RECONCILE_GIVE_UP_HOURS: process.env.MESSAGING_RECONCILE_GIVE_UP_HOURS }
    : {}),
}
const children = new Map<string, ChildProcess>()
let stopping = false

try {
  // --- Set-up: schema, journeys, sending at all hours by Notify, an API client, an administrator --
  const t0 = Date.now()
  const migrating = await openDatabase({ databaseUrl: dbUrl.toString() })
  await migrate(migrating)
  await migrating.close()
  const setup = await createApp(loadConfig({ ...env }))
  const always = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59', sendOnBankHolidays: true }
  await setup.services.journeys.installDefaults(force)
  await setup.db.withForce(force, (tx) =>
    setup.services.messaging.settings.saveSettings(
      tx,
      force,
      { smsChannel: 'notify', emailChannel: 'notify', sendingWindows: { sms: always, email: always } },
      null,
    ),
  )
  const token = await issueClientToken({ app: setup } as TestApp, {
    forceId: force,
    scopes: ['sources:write'],
  })
  const administrator = await setup.services.staff.create(
    {
      forceId: force,
      email: 'outage.admin@waypoint.example.org',
      displayName: 'Outage Administrator',
      roles: ['force_admin'],
    },
    null,
  )
  const { token: staffToken } = await setup.services.sessions.start(
    { subjectKind: 'staff', subjectId: administrator.id, forceId: force },
    {},
    { ip: '127.0.0.1' },
  )
  const staffCookie = `${SESSION_COOKIE}=${setup.http.signCookie(staffToken)}`
  await setup.stop()

  // --- The deployment: one web process, two workers ---------------------------------------------
  const start = (label: keyof typeof ports) => {
    const role = label === 'web' ? 'web' : 'worker'
    const child = spawn(process.execPath, ['src/main.ts', role], {
      cwd: root,
      env: {
        ...env,
        ...(role === 'web' ? { PORT: String(ports[label]) } : { OPERATIONS_PORT: String(ports[label]) }),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    children.set(label, child)
    child.once('exit', (code, signal) => {
      if (!stopping) console.log(`${label} exited (${code ?? signal}) during the drill`)
    })
  }
  const get = (port: number, path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers, signal: AbortSignal.timeout(10_000) }).catch(
      () => undefined,
    )
  for (const label of Object.keys(ports) as (keyof typeof ports)[]) {
    start(label)
    await until(
      async () => (await get(ports[label], '/health/ready'))?.status === 200,
      300_000,
      `${label} ready`,
    )
  }
  console.log(`set-up ${((Date.now() - t0) / 1000).toFixed(0)} s (${name})`)

  const counter = new pg.Client({ connectionString: dbUrl.toString() })
  await counter.connect()
  const one = async (sql: string, params: unknown[] = []) =>
    Number(Object.values((await counter.query(sql, params)).rows[0] ?? { n: 0 })[0] ?? 0)

  // --- What an operator sees, every 5 s ------------------------------------------------------------
  interface Look {
    at: number
    mode: Mode
    lag: number | undefined
    rateLimited: number
    ready: Record<string, number | undefined>
    statuses: Record<string, number>
  }
  const looks: Look[] = []
  const metric = (text: string | undefined, pattern: RegExp) => {
    const m = text?.match(pattern)
    return m ? Number(m[1]) : undefined
  }
  const look = async (): Promise<Look> => {
    const auth = { authorization: `Bearer ${metricsToken}` }
    const webMetrics = await (await get(ports.web, '/metrics', auth))?.text()
    let rateLimited = 0
    for (const port of [ports.worker1, ports.worker2]) {
      const text = await (await get(port, '/metrics', auth))?.text()
      rateLimited +=
        metric(text, /^waypoint_messaging_provider_rate_limited_total\{provider="notify"\} (\S+)/m) ?? 0
    }
    const ready: Record<string, number | undefined> = {}
    for (const [label, port] of Object.entries(ports))
      ready[label] = (await get(port, '/health/ready'))?.status
    const statuses = Object.fromEntries(
      (
        await counter.query<{ status: string; n: number }>(
          `select status, count(*)::int as n from messages where send_after <= now() group by status`,
        )
      ).rows.map((r) => [r.status, r.n]),
    )
    return {
      at: Date.now(),
      mode: gate.mode,
      // No series for the force: nothing of it waits (0); no metrics at all: unknown.
      lag: webMetrics
        ? (metric(webMetrics, /^waypoint_dispatch_lag_seconds\{force="essex"\} (\S+)/m) ?? 0)
        : undefined,
      rateLimited,
      ready,
      statuses,
    }
  }
  let looking = true
  const watcher = (async () => {
    while (looking) {
      looks.push(await look())
      await sleep(5000)
    }
  })()

  // --- The flow ----------------------------------------------------------------------------------
  const run = randomUUID().slice(0, 8)
  const acknowledged: string[] = []
  let requests = 0
  let refused = 0
  const notAcknowledged = new Map<string, number>()
  let flowing = true
  let n = 0
  const post = async (i: number) => {
    const email = i % 3 === 2
    requests += 1
    try {
      const response = await fetch(`http://127.0.0.1:${ports.web}/api/v1/sources/${force}/storm`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
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
              {
                nominalId: `${run}-N-${i}`,
                name: `Person ${i}`,
                role: 'VIC',
                ...(email
                  ? { email: `victim${i}@example.org`, preferredContact: 'EMAIL' }
                  : { phone: `07700 9${String(i % 100_000).padStart(5, '0')}`, preferredContact: 'SMS' }),
              },
            ],
          },
        }),
        signal: AbortSignal.timeout(30_000),
      })
      const text = await response.text()
      if (response.status === 202) acknowledged.push((JSON.parse(text) as { id: string }).id)
      else {
        refused += 1
        notAcknowledged.set(String(response.status), (notAcknowledged.get(String(response.status)) ?? 0) + 1)
      }
    } catch (error) {
      refused += 1
      const why = `no answer (${(error as Error).name})`
      notAcknowledged.set(why, (notAcknowledged.get(why) ?? 0) + 1)
    }
  }
  const inFlight = new Set<Promise<void>>()
  const flow = (async () => {
    let next = Date.now()
    while (flowing) {
      const p = post(n++)
      inFlight.add(p)
      void p.finally(() => inFlight.delete(p))
      next += 1000 / rate
      await sleep(Math.max(0, next - Date.now()))
    }
  })()

  // --- Warm-up, the outage, the recovery -------------------------------------------------------
  const started = Date.now()
  await sleep(warmUpS * 1000)
  const outageStart = Date.now()
  const phaseLog: string[] = []
  const heldMessage: { id?: string; page?: string } = {}
  for (const phase of phases) {
    await gate.set(phase)
    const phaseStart = Date.now()
    await sleep(phaseS * 1000)
    if (phase === '500' && !heldMessage.id) {
      // A message the outage holds, as an operator would open it from the console's outbox.
      const found = await counter.query<{ id: string }>(
        `select id from messages where status = 'sending' order by sending_since limit 1`,
      )
      heldMessage.id = found.rows[0]?.id
    }
    const during = looks.filter((l) => l.at >= phaseStart)
    const lastLook = during.at(-1)
    phaseLog.push(
      `${phase.padEnd(8)} ${phaseS} s: Notify calls ${
        Object.entries(gate.counts)
          .filter(([k]) => k.startsWith(`${phase} `))
          .map(([k, v]) => `${k.slice(phase.length + 1)} ${v}`)
          .join(', ') || 'none reached it'
      }; lag ${fmt(Math.max(...during.map((l) => l.lag ?? 0)))} s at most; readiness ${Object.entries(
        lastLook?.ready ?? {},
      )
        .map(([k, v]) => `${k} ${v ?? 'no answer'}`)
        .join(', ')}; messages ${Object.entries(lastLook?.statuses ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    )
  }
  // The console's page of a held message, and the reasons on the held messages' timelines.
  if (heldMessage.id) {
    const page = await get(ports.web, `/console/outbox/${heldMessage.id}`, { cookie: staffCookie })
    heldMessage.page = page?.status === 200 ? await page.text() : `HTTP ${page?.status}`
  }
  const reasonsDuring = (
    await counter.query<{ to_status: string; detail: string; n: number }>(
      `select to_status, regexp_replace(regexp_replace(detail, '[0-9a-f-]{36}|\\d{4}-\\d\\d-\\d\\dT[^ )]*', '…', 'g'), 'reference \\S+', 'reference …') as detail,
              count(*)::int as n
         from message_events where at >= $1 and detail is not null group by 1, 2 order by 3 desc limit 8`,
      [new Date(outageStart)],
    )
  ).rows
  const backlogAtRecovery = await one(
    `select count(*)::int from messages where status in ('scheduled', 'sending') and send_after <= now()`,
  )
  await gate.set('up')
  const recoveredAt = Date.now()
  const outageSeconds = (recoveredAt - outageStart) / 1000

  // The backlog: every message due before the recovery, at Notify (or finished otherwise).
  let backlogClearedAt: number | undefined
  const backlogWatch = (async () => {
    const limit = recoveredAt + settleLimitS * 1000
    while (Date.now() < limit) {
      const left = await one(
        `select count(*)::int from messages where status in ('scheduled', 'sending') and send_after < $1`,
        [new Date(recoveredAt)],
      )
      if (left === 0) {
        backlogClearedAt = Date.now()
        return
      }
      await sleep(1000)
    }
  })()
  await sleep(afterS * 1000)
  flowing = false
  await flow
  await Promise.all([...inFlight])
  await backlogWatch
  // Then everything due now at Notify.
  const settled = async () =>
    (await one(
      `select count(*)::int from source_events where id = any($1::uuid[]) and status in ('applied', 'quarantined', 'superseded', 'duplicate')`,
      [acknowledged],
    )) === acknowledged.length &&
    (await one(
      `select count(*)::int from messages where status in ('scheduled', 'sending') and send_after <= now()`,
    )) === 0
  await until(settled, settleLimitS * 1000, 'events applied and messages sent').catch((e) =>
    console.log(String(e)),
  )
  await notify.settled()
  await sleep(2000)
  looking = false
  await watcher

  // --- Counting -------------------------------------------------------------------------------
  const eventsDone = await one(
    `select count(*)::int from source_events where id = any($1::uuid[]) and status in ('applied', 'quarantined', 'superseded', 'duplicate')`,
    [acknowledged],
  )
  const made = (
    await counter.query<{
      id: string
      reference: string
      channel: string
      status: string
      status_reason: string | null
      last_error: string | null
      attempts: number
      sending_since: Date | null
      created_at: Date
    }>(
      `select id, reference, channel, status, status_reason, last_error, attempts, sending_since, created_at
         from messages where send_after <= now()`,
    )
  ).rows
  const atNotify = new Map<string, number>()
  for (const m of notify.notifications.values())
    atNotify.set(m.reference ?? '', (atNotify.get(m.reference ?? '') ?? 0) + 1)
  const twice = [...atNotify.values()].filter((c) => c > 1).length
  // What only a message Notify accepted can be (a technical failure may also be Waypoint's own
  // "needs a person" after MESSAGING_RECONCILE_GIVE_UP_HOURS).
  const sentStatuses = new Set(['sent', 'delivered', 'permanent-failure', 'temporary-failure'])
  const notAtNotify = made.filter((m) => !atNotify.has(m.reference))
  const failedBecause = made.filter(
    (m) => ['technical-failure', 'permanent-failure'].includes(m.status) && !atNotify.has(m.reference),
  )
  const failedWithoutReason = failedBecause.filter((m) => !(m.status_reason ?? m.last_error))
  // Lost: neither at Notify, nor deliberately not sent (suppressed or cancelled, with a reason),
  // nor failed with a visible reason.
  const lost = notAtNotify.filter(
    (m) =>
      !(['suppressed', 'cancelled'].includes(m.status) && m.status_reason) &&
      !(failedBecause.includes(m) && (m.status_reason ?? m.last_error)),
  )
  const recordedAsSentButAbsent = made.filter((m) => sentStatuses.has(m.status) && !atNotify.has(m.reference))
  const answerLostRecorded = [...gate.answerLost].filter((ref) =>
    made.some((m) => m.reference === ref && sentStatuses.has(m.status)),
  ).length
  const byStatus = new Map<string, number>()
  for (const m of made) byStatus.set(m.status, (byStatus.get(m.status) ?? 0) + 1)
  const byChannel = new Map<string, number>()
  for (const m of made) byChannel.set(m.channel, (byChannel.get(m.channel) ?? 0) + 1)
  const outageLooks = looks.filter((l) => l.at >= outageStart && l.at <= recoveredAt)
  const maxLag = Math.max(0, ...outageLooks.map((l) => l.lag ?? 0))
  const lagAfter = looks.at(-1)?.lag
  const notReady = outageLooks.filter((l) => Object.values(l.ready).some((s) => s !== 200)).length
  const rateLimitedCount = looks.at(-1)?.rateLimited ?? 0
  const page = heldMessage.page ?? ''
  const pageShows = {
    status: />Sending</.test(page),
    lastError: /Last error<\/dt><dd[^>]*>500 Exception: Internal server error/.test(page),
    reason: /No certain answer from the provider/.test(page),
  }
  await counter.end()

  console.log(
    `\nNotify outage drill: 1 web + 2 worker processes, PostgreSQL 15 (${name}), fake GOV.UK Notify`,
  )
  console.log(
    `flow:                ${rate} events/s for ${((recoveredAt - started) / 1000 + afterS).toFixed(0)} s (every third victim by email); ${requests} posted, ${acknowledged.length} acknowledged, ${refused} not (${[...notAcknowledged].map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'}; a source sends those again)`,
  )
  console.log(
    `outage:              ${outageSeconds.toFixed(0)} s after ${warmUpS} s of warm-up, four failures in turn:`,
  )
  for (const line of phaseLog) console.log(`  ${line}`)
  console.log(
    `  sends Notify accepted while their answer was lost (timeouts): ${gate.answerLost.size}; recorded as sent once the reference was looked up: ${answerLostRecorded}`,
  )
  console.log(
    `watching:            waypoint_dispatch_lag_seconds{force="${force}"} at most ${fmt(maxLag)} s during the outage (WaypointDispatchLag pages above 600 s for 5 min), ${fmt(lagAfter ?? Number.NaN)} s at the end; waypoint_messaging_provider_rate_limited_total ${rateLimitedCount}; /health/ready not 200 in ${notReady} of ${outageLooks.length} looks`,
  )
  console.log('  reasons on the messages’ timelines during the outage (console: Outbox → the message):')
  for (const r of reasonsDuring) console.log(`    ${String(r.n).padStart(5)} → ${r.to_status}: ${r.detail}`)
  console.log(
    `  the console's page of a message held by the 500s: ${heldMessage.page?.startsWith('HTTP') ? heldMessage.page : `status "Sending" shown ${pageShows.status}, "Last error: 500 Exception: Internal server error" shown ${pageShows.lastError}, the reason on its timeline shown ${pageShows.reason}`}`,
  )
  console.log(
    `backlog:             ${backlogAtRecovery} messages due and not at Notify at the recovery; cleared ${backlogClearedAt ? `${((backlogClearedAt - recoveredAt) / 1000).toFixed(1)} s after it` : `NOT within ${settleLimitS} s`}`,
  )
  console.log(
    `events in:           ${acknowledged.length} acknowledged, ${eventsDone} applied, lost ${acknowledged.length - eventsDone}  target 0`,
  )
  console.log(
    `messages:            ${made.length} made (${[...byChannel].map(([k, v]) => `${k} ${v}`).join(', ')}); ${[
      ...byStatus,
    ]
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  )
  console.log(
    `  at Notify ${atNotify.size} references, held twice ${twice}  target 0; recorded as sent but not at Notify ${recordedAsSentButAbsent.length}  target 0; lost ${lost.length}  target 0`,
  )
  console.log(
    `  failed without reaching Notify ${failedBecause.length}  target 0 (retry limit: MESSAGING_RECONCILE_GIVE_UP_HOURS, default 24 h), without a visible reason ${failedWithoutReason.length}`,
  )
  for (const m of failedBecause.slice(0, 3))
    console.log(`    ${m.status}: ${m.status_reason ?? m.last_error}`)
  const ok =
    acknowledged.length === eventsDone &&
    twice === 0 &&
    lost.length === 0 &&
    recordedAsSentButAbsent.length === 0 &&
    failedWithoutReason.length === 0 &&
    (failedBecause.length === 0 || process.env.MESSAGING_RECONCILE_GIVE_UP_HOURS !== undefined) &&
    backlogClearedAt !== undefined &&
    maxLag > 0
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
  await gate.close()
  await notify.close()
  await admin.query(`drop database if exists ${name} with (force)`).catch(() => {})
  await admin.end()
}

function fmt(seconds: number): string {
  return Number.isFinite(seconds) ? seconds.toFixed(0) : 'n/a'
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
