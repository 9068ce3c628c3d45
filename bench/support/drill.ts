// What the database drills share (bench/failover.ts, bench/restore.ts; issue 17, CP-48): PostgreSQL
// 15 clusters of their own made with Debian's pg_createcluster beside the machine's main one (on
// other ports, dropped at the end), Waypoint migrated and set up on one, a `waypoint all` process
// started as deployed (environment only), a fake GOV.UK Notify that outlives every failure and
// records what it accepted, and a load of STORM events posted over HTTP, each leading to SMS.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/platform/config.ts'
import { openDatabase } from '../../src/platform/db/database.ts'
import { migrate } from '../../src/platform/db/migrate.ts'
import { FakeNotifyServer, notifyApiKey } from '../../src/simulator/fake-notify/server.ts'
import { issueClientToken } from '../../test/support/api-client.ts'
import type { TestApp } from '../../test/support/test-app.ts'

export const root = resolve(import.meta.dirname, '../..')
const version = '15'
const bin = `/usr/lib/postgresql/${version}/bin`

/**
 * Runs a command and gives its output; a failure rejects with its stderr. Asynchronous, so the
 * fake Notify and the load in this process go on meanwhile.
 */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { message: `${error.message}\n${stderr}` }))
      else resolve(stdout)
    })
  })
}

/** `run`, blocking: for set-up before the load and clean-up on the way out only. */
export function runNow(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Runs a PostgreSQL program as the postgres user (the owner of every cluster's files). */
export function asPostgres(program: string, args: string[]): Promise<string> {
  return run('runuser', [
    '-u',
    'postgres',
    '--',
    program.includes('/') ? program : `${bin}/${program}`,
    ...args,
  ])
}

/** A cluster of this machine's PostgreSQL 15 made for a drill (Debian's postgresql-common). */
export class DrillCluster {
  readonly name: string
  readonly port: number

  constructor(name: string, port: number) {
    this.name = name
    this.port = port
  }

  get dataDir(): string {
    return `/var/lib/postgresql/${version}/${this.name}`
  }

  get confDir(): string {
    return `/etc/postgresql/${version}/${this.name}`
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  /**
   * pg_createcluster with trust on loopback, then these settings (and listening on 127.0.0.1
   * only) in conf.d/drill.conf, as deploy/postgresql/waypoint.conf goes into conf.d.
   * Asynchronous: a drill's clusters are made (initdb) side by side.
   */
  async create(settings: Record<string, string | number>): Promise<void> {
    await this.remove()
    await run('pg_createcluster', [
      version,
      this.name,
      '--port',
      String(this.port),
      '--start-conf',
      'manual',
      '--',
      '--auth=trust',
    ])
    const lines = Object.entries({ listen_addresses: '127.0.0.1', ...settings }).map(
      ([k, v]) => `${k} = '${String(v).replaceAll("'", "''")}'`,
    )
    writeFileSync(`${this.confDir}/conf.d/drill.conf`, `${lines.join('\n')}\n`)
  }

  ctl(action: 'start' | 'stop' | 'promote', ...extra: string[]): Promise<string> {
    return run('pg_ctlcluster', ['--skip-systemctl-redirect', version, this.name, action, ...extra])
  }

  /** pg_dropcluster --stop; nothing when it does not exist. Never the machine's main cluster. */
  drop(): void {
    if (this.name === 'main') throw new Error('a drill never drops the main cluster')
    if (!existsSync(this.confDir) && !existsSync(this.dataDir)) return
    try {
      runNow('pg_dropcluster', ['--stop', version, this.name])
    } catch {
      // A half-made cluster (its configuration or data only): remove what is left.
      runNow('rm', ['-rf', this.confDir, this.dataDir])
    }
  }

  /** `drop`, asynchronously: a drill's clusters go side by side at its end. */
  async remove(): Promise<void> {
    if (this.name === 'main') throw new Error('a drill never drops the main cluster')
    if (!existsSync(this.confDir) && !existsSync(this.dataDir)) return
    try {
      await run('pg_dropcluster', ['--stop', version, this.name])
    } catch {
      await run('rm', ['-rf', this.confDir, this.dataDir])
    }
  }

  async psql(sql: string, database = 'postgres'): Promise<string> {
    const args = ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', database]
    return (await run(`${bin}/psql`, [...args, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql])).trim()
  }

  /** Waits until the server accepts connections (a primary or a hot standby). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await until(
      async () => {
        try {
          await this.psql('select 1')
          return true
        } catch {
          return false
        }
      },
      timeoutMs,
      `${this.name} accepting connections`,
    )
  }
}

export const force = 'essex'
export const notifyKey = {
  serviceId: randomUUID(),
  secret: randomUUID(),
  templates: [{ id: randomUUID(), type: 'sms' as const }],
}

/** A fake GOV.UK Notify for the drill, in this process, so it outlives every failure. */
export async function startNotify(): Promise<FakeNotifyServer> {
  const notify = new FakeNotifyServer({ keys: [notifyKey], rateLimitPerMinute: 10_000_000 })
  await notify.listen()
  return notify
}

/** The environment of a `waypoint all` process on `databaseUrl`, as a deployment sets it. */
export function waypointEnv(
  databaseUrl: string,
  notify: FakeNotifyServer,
  port: number,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    SIMULATOR: 'false',
    INBOUND_EMAIL_PORT: 'off',
    PORT: String(port),
    SESSION_SECRET: 'database-drill-session-secret-0123456789abcdef',
    API_RATE_LIMIT_MAX: '10000000',
    DATABASE_URL: databaseUrl,
    NOTIFY_BASE_URL: notify.url,
    NOTIFY_API_KEYS: `${force}=${notifyApiKey('drill', notifyKey)}`,
    NOTIFY_SMS_TEMPLATE_IDS: `${force}=${notifyKey.templates[0]!.id}`,
    NOTIFY_RATE_LIMIT_PER_MINUTE: '600000',
    MESSAGING_RECONCILE_AFTER_SECONDS: '2',
  }
}

/**
 * Creates the database `waypoint` on `cluster`, migrates it, installs the force's default journeys
 * and SMS through Notify at all hours, and gives a bearer token for posting source events.
 */
export async function setUpWaypoint(cluster: DrillCluster, env: Record<string, string>): Promise<string> {
  await cluster.psql('create database waypoint')
  const migrating = await openDatabase({ databaseUrl: cluster.url('waypoint') })
  await migrate(migrating)
  await migrating.close()
  const setup = await createApp(loadConfig({ ...env, DATABASE_URL: cluster.url('waypoint') }))
  try {
    await setup.services.journeys.installDefaults(force)
    await setup.db.withForce(force, (tx) =>
      setup.services.messaging.settings.saveSettings(
        tx,
        force,
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
    return await issueClientToken({ app: setup } as TestApp, { forceId: force, scopes: ['sources:write'] })
  } finally {
    await setup.stop()
  }
}

/** Starts `node src/main.ts all` with `env`; its output goes to this process's. */
export function startWaypoint(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['src/main.ts', 'all'], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
}

export async function waypointReady(port: number, timeoutMs = 300_000): Promise<void> {
  await until(
    async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200,
    timeoutMs,
    'Waypoint ready',
  )
}

export async function stopWaypoint(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(timer)
}

/** One posted source event: its id, the victim's phone (as Notify sees it) and the answer. */
export interface PostedEvent {
  eventId: string
  phone: string
  postedAt: number
  answeredAt: number
  status: number
}

/**
 * Loops posting STORM `LOG_CREATED` events (a victim who wants SMS) to `baseUrl` until `stop()`
 * is called; `loops` loops in parallel, `paceMs` apart. Each answer is recorded: a 202 is an
 * event the source system may forget (acknowledged).
 */
export function ingestLoad(baseUrl: string, token: string, loops: number, paceMs: number) {
  const run = randomUUID().slice(0, 8)
  const posted: PostedEvent[] = []
  let loading = true
  let n = 0
  const loop = async () => {
    while (loading) {
      const i = n++
      const eventId = `${run}-${i}`
      const phone = `07700 9${String(i % 100_000).padStart(5, '0')}`
      const postedAt = Date.now()
      let status = 0
      try {
        const response = await fetch(`${baseUrl}/api/v1/sources/${force}/storm`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
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
                  phone,
                  preferredContact: 'SMS',
                },
              ],
            },
          }),
          signal: AbortSignal.timeout(30_000),
        })
        await response.text()
        status = response.status
      } catch {
        status = 0
      }
      posted.push({ eventId, phone, postedAt, answeredAt: Date.now(), status })
      await sleep(paceMs)
    }
  }
  const running = Array.from({ length: loops }, loop)
  return {
    posted,
    acknowledged: () => posted.filter((p) => p.status >= 200 && p.status < 300),
    stop: async () => {
      loading = false
      await Promise.all(running)
    },
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await sleep(200)
  }
}

export async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((r) => probe.close(() => r()))
  return port
}
