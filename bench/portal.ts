// The Portal under load (CP-184): PEOPLE signed-in citizens at once on PostgreSQL 15, each going
// round their dashboard, one of their cases, its messages, and sending a message to their
// officer, for DURATION seconds with autocannon (one connection a person, each with its own
// session cookie and CSRF token). Beside it, in the same process and the same run, a static
// GOV.UK page (the sign-in page rendered once, then served from memory) with the same number of
// connections: the baseline. Prints p50/p95/p99 latency and throughput of both, the ratio, the
// process's CPU time in each run and the load average: the flat-out runs measure capacity, and
// are not targets (decision 0059). First, the same people at a person's pace for PACED seconds
// (each reads a page for THINK seconds on average, exponential, so about PEOPLE ÷ THINK pages a
// second arrive as independent people's do; bench/support/paced-people.ts, in a worker thread),
// with each page of the round timed apart. Target: p95 ≤ 300 ms with no error at a person's pace
// (CP-184 as decision 0059 defines it, and why).
//
//   node_modules/.bin/node bench/portal.ts   (PostgreSQL at 127.0.0.1:5432; DATABASE_URL to name
//   another server; PEOPLE=500, DURATION=20, PACED=60, THINK=10; KEEP=1 keeps the database)
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { Worker } from 'node:worker_threads'
import autocannon from 'autocannon'
import pg from 'pg'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { openDatabase } from '../src/platform/db/database.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import type { PacedInput, PacedResult } from './support/paced-people.ts'
import { benchCitizen } from './support/portal-citizen.ts'

const people = Number(process.env.PEOPLE ?? 500)
const duration = Number(process.env.DURATION ?? 20)
const think = Number(process.env.THINK ?? 10)
const pacedDuration = Number(process.env.PACED ?? 60)
const targetP95 = 300
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const force = 'kent'

// Every statement the tenant and system logins send (the owner's, pg-boss's, are left out), to
// count what one page costs: statements, and transactions (`begin`).
const counted = { statements: 0, transactions: 0 }
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown
pg.Client.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  if (/^waypoint_(tenant|system)_login$/.test(this.user ?? '')) {
    const text = typeof config === 'string' ? config : ((config as { text?: string })?.text ?? '')
    counted.statements += 1
    if (/^\s*begin\b/i.test(text)) counted.transactions += 1
  }
  return query.call(this, config, ...rest)
} as typeof pg.Client.prototype.query

const name = `waypoint_bench_portal_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: server })
await admin.connect()
await admin.query(`create database ${name}`)
const url = new URL(server)
url.pathname = `/${name}`
let app: Awaited<ReturnType<typeof createApp>> | undefined
let staticPage = ''

try {
  const migrating = await openDatabase({ databaseUrl: url.toString() })
  await migrate(migrating)
  await migrating.close()
  app = await createApp(loadConfig({ NODE_ENV: 'test', DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' }), {
    testRoutes: (http, seams) => {
      // Signing in is not what is measured: a person's session is made through the seam every
      // identity provider uses, as One Login's callback does.
      http.get<{ Params: { sub: string } }>(
        '/bench/sign-in/:sub',
        { config: { access: { custom: 'benchmark sign-in' } } },
        async (request, reply) => {
          await seams.citizenSessions.signIn(request, reply, {
            subject: request.params.sub,
            forceId: force,
            provider: 'one-login',
          })
          return reply.code(204).send()
        },
      )
      http.get('/bench/static', { config: { access: 'public' } }, async (_request, reply) =>
        reply.type('text/html; charset=utf-8').send(staticPage),
      )
    },
  })
  const base = (await app.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')
  staticPage = await (await fetch(`${base}/portal/sign-in`)).text()
  if (!staticPage.includes('govuk-template')) throw new Error('the sign-in page is not a GOV.UK page')

  // The people: a burglary each, recorded by the RMS, invited and registered (as the national
  // front-end does after One Login), signed in, with the messages page read once for its token.
  await app.services.portal.installDefaults(force)
  const started = performance.now()
  const users: { cookie: string; caseId: string; csrf: string }[] = []
  const running = app
  const seedPerson = async (i: number) => {
    const { cookie, caseId } = await benchCitizen(running, base, force, 'bench', 600000, i)
    const opened = await fetch(`${base}/portal/cases/${caseId}/messages`, {
      headers: { cookie },
      redirect: 'manual',
    })
    if (opened.status !== 200) throw new Error(`person ${i}: their messages page answered ${opened.status}`)
    const page = await opened.text()
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1]
    if (!csrf) throw new Error(`person ${i}: no message form on their case`)
    users.push({ cookie, caseId, csrf })
  }
  // Eight at a time: arranging 500 people one by one takes minutes on a loaded machine.
  for (let i = 0; i < people; i += 8)
    await Promise.all(Array.from({ length: Math.min(8, people - i) }, (_, k) => seedPerson(i + k)))
  console.log(
    `${people} people with a case, an account and a session in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  )

  // What each page costs the database, asked for one at a time by ten of the people.
  const pages: { label: string; ask: (user: (typeof users)[number]) => Promise<Response> }[] = [
    { label: 'GET /portal', ask: (u) => fetch(`${base}/portal`, { headers: { cookie: u.cookie } }) },
    {
      label: 'GET /portal/cases/:id',
      ask: (u) => fetch(`${base}/portal/cases/${u.caseId}`, { headers: { cookie: u.cookie } }),
    },
    {
      label: 'GET /portal/cases/:id/messages',
      ask: (u) => fetch(`${base}/portal/cases/${u.caseId}/messages`, { headers: { cookie: u.cookie } }),
    },
    {
      label: 'POST /portal/cases/:id/messages',
      ask: (u) =>
        fetch(`${base}/portal/cases/${u.caseId}/messages`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: u.cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            message: 'Is there any news about my bicycle?',
            _csrf: u.csrf,
          }).toString(),
        }),
    },
  ]
  for (const page of pages) {
    const per: { statements: number; transactions: number }[] = []
    for (const user of users.slice(0, 10)) {
      const before = { ...counted }
      const answer = await page.ask(user)
      await answer.arrayBuffer()
      per.push({
        statements: counted.statements - before.statements,
        transactions: counted.transactions - before.transactions,
      })
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]
    console.log(
      `${page.label.padEnd(34)} ${median(per.map((p) => p.statements))} statements in ${median(per.map((p) => p.transactions))} transactions (median of ${per.length})`,
    )
  }

  const load = async (label: string, options: autocannon.Options) => {
    const times: number[] = []
    const statuses = new Map<number, number>()
    const cpu = process.cpuUsage()
    const instance = autocannon({ connections: people, duration, pipelining: 1, timeout: 30, ...options })
    instance.on('response', (_client, status, _bytes, responseTime) => {
      times.push(responseTime)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    })
    const result = await instance
    const used = process.cpuUsage(cpu)
    times.sort((a, b) => a - b)
    const at = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? 0
    const summary = {
      label,
      requests: times.length,
      perSecond: times.length / duration,
      p50: at(50),
      p95: at(95),
      p99: at(99),
      errors: result.errors + result.timeouts,
      statuses: [...statuses].map(([s, n]) => `${s}×${n}`).join(' '),
      cpuSeconds: (used.user + used.system) / 1e6,
    }
    console.log(
      `${label.padEnd(34)} ${summary.perSecond.toFixed(0).padStart(5)} req/s  p50 ${summary.p50.toFixed(0)} ms  ` +
        `p95 ${summary.p95.toFixed(0)} ms  p99 ${summary.p99.toFixed(0)} ms  (${summary.requests} answers: ${summary.statuses}; ` +
        `${summary.errors} errors/timeouts; process CPU ${summary.cpuSeconds.toFixed(1)} s; load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')})`,
    )
    return summary
  }

  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${people} connections, ${duration} s each`,
  )
  const baseline = await load('static GOV.UK page (baseline)', { url: `${base}/bench/static` })
  let next = 0
  const round = (): Pick<autocannon.Options, 'url' | 'initialContext' | 'requests'> => ({
    url: base,
    initialContext: {},
    requests: [
      {
        setupRequest: (request, context) => {
          context.user ??= next++ % users.length
          return {
            ...request,
            method: 'GET',
            path: '/portal',
            headers: { cookie: users[context.user as number]!.cookie },
          }
        },
      },
      {
        setupRequest: (request, context) => {
          const user = users[context.user as number]!
          return {
            ...request,
            method: 'GET',
            path: `/portal/cases/${user.caseId}`,
            headers: { cookie: user.cookie },
          }
        },
      },
      {
        setupRequest: (request, context) => {
          const user = users[context.user as number]!
          return {
            ...request,
            method: 'GET',
            path: `/portal/cases/${user.caseId}/messages`,
            headers: { cookie: user.cookie },
          }
        },
      },
      {
        setupRequest: (request, context) => {
          const user = users[context.user as number]!
          return {
            ...request,
            method: 'POST',
            path: `/portal/cases/${user.caseId}/messages`,
            headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              message: 'Thank you for the update. Is there any news about my stolen bicycle?',
              _csrf: user.csrf,
            }).toString(),
          }
        },
      },
    ],
  })
  // First the people at a person's pace (before the flat-out run, whose backlog would otherwise
  // still be in the server's queue): every one of the PEOPLE reads a page for THINK seconds on
  // average (exponential) before the next, so the Portal is offered about PEOPLE ÷ THINK pages a
  // second, arriving as independent people's do. The people run in a worker thread
  // (bench/support/paced-people.ts); each page of the round is timed apart.
  const pacedLoad = loadavg()
  const pacedCpu = process.cpuUsage()
  const pacedRun = await new Promise<PacedResult>((resolve, reject) => {
    const worker = new Worker(new URL('./support/paced-people.ts', import.meta.url), {
      workerData: {
        base,
        people: users,
        thinkSeconds: think,
        durationSeconds: pacedDuration,
      } satisfies PacedInput,
    })
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  const pacedCpuUsed = process.cpuUsage(pacedCpu)
  const percentile = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0
  const everyPaced = pacedRun.pages.flatMap((p) => p.latencies).sort((a, b) => a - b)
  const pacedErrors = pacedRun.pages.reduce((sum, p) => sum + p.errors, 0)
  const pacedRefused = pacedRun.pages.reduce(
    (sum, p) => sum + Object.entries(p.statuses).reduce((n, [s, c]) => n + (Number(s) >= 400 ? c : 0), 0),
    0,
  )
  console.log(
    `${people} people at a person's pace (a page every ${think} s on average, exponential): ${pacedRun.perSecond.toFixed(0)} pages/s, ` +
      `process CPU ${((pacedCpuUsed.user + pacedCpuUsed.system) / 1e6).toFixed(1)} s, load before ${pacedLoad
        .map((l) => l.toFixed(1))
        .join(' ')}`,
  )
  for (const page of pacedRun.pages)
    console.log(
      `  ${page.label.padEnd(32)} ${String(page.latencies.length).padStart(5)} asked  p50 ${percentile(page.latencies, 50).toFixed(0)} ms  ` +
        `p95 ${percentile(page.latencies, 95).toFixed(0)} ms  p99 ${percentile(page.latencies, 99).toFixed(0)} ms  ` +
        `max ${(page.latencies.at(-1) ?? 0).toFixed(0)} ms  (${Object.entries(page.statuses)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}; ${page.errors} errors)`,
    )
  const paced = {
    perSecond: pacedRun.perSecond,
    p50: percentile(everyPaced, 50),
    p95: percentile(everyPaced, 95),
    p99: percentile(everyPaced, 99),
    errors: pacedErrors + pacedRefused,
  }
  console.log(
    `  ${'every page'.padEnd(32)} ${String(everyPaced.length).padStart(5)} asked  p50 ${paced.p50.toFixed(0)} ms  ` +
      `p95 ${paced.p95.toFixed(0)} ms  p99 ${paced.p99.toFixed(0)} ms  (${pacedErrors} errors, ${pacedRefused} refused)`,
  )
  const portal = await load('portal: dashboard, case, messages, send', round())
  // Let the requests autocannon left in flight finish before the database closes.
  await new Promise((resolve) => setTimeout(resolve, 15_000))
  const ratio = portal.perSecond / baseline.perSecond
  console.log(
    `flat out (capacity, not a target: decision 0059): ${portal.perSecond.toFixed(0)} rounds' pages a second, ` +
      `${(ratio * 100).toFixed(0)}% of the static page's; p95 ${portal.p95.toFixed(0)} ms with ${people} requests always waiting`,
  )
  console.log(
    `at a person's pace: ${paced.perSecond.toFixed(0)} pages/s asked by ${people} people, p95 ${paced.p95.toFixed(0)} ms ` +
      `(target ≤ ${targetP95} ms: ${paced.p95 <= targetP95 && paced.errors === 0 ? 'met' : 'MISSED'}; decision 0059)`,
  )
} finally {
  await app?.stop().catch(() => {})
  if (!process.env.KEEP) await admin.query(`drop database if exists ${name} with (force)`).catch(() => {})
  else console.log(`kept database ${name}`)
  await admin.end()
}
