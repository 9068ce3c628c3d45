// The staff console at a year's volume, over HTTP, signed in. A fresh PostgreSQL database is
// migrated and loaded set-based (bench/year-of-kent.ts: 165,000 crimes, their incidents and
// victims, 825,000 messages with their receipts, and a year's audit trail), then Waypoint is
// started on it as deployed (tenant and system logins, row-level security on) and each page is
// fetched REQUESTS times in turn by one member of staff holding the roles the pages need. Each
// page's p50 and p95 are printed beside /health/live measured in the same rounds, because the
// machine is shared. Target: every page p95 ≤ 300 ms. The pages: the home page's attention
// counts, the outbox (first page, searches, filters), a message, case search, a case page, the
// Journeys and Victims' Code reports, and the audit trail's searches.
//
//   node_modules/.bin/node bench/console.ts   (PostgreSQL at 127.0.0.1:5432; DATABASE_URL to
//   name another server; CRIMES=165000, REQUESTS=30; KEEP=1 keeps the database for EXPLAIN;
//   REUSE=<database> measures a database a KEEP=1 run left, migrated to the current code, without
//   loading it again)
//
// Figures: docs/decisions/0022-console-pages-at-a-years-volume.md. REUSE vacuums and analyses the
// database first, as autovacuum keeps a year-old one (the index-only reads need its visibility map).
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { SESSION_COOKIE } from '../src/platform/http/server.ts'
import { openDatabase } from '../src/platform/db/database.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { load, loadConsoleYear, sizes } from './year-of-kent.ts'

const crimes = Number(process.env.CRIMES ?? 165_000)
const requests = Number(process.env.REQUESTS ?? 30)
const targetP95 = 300
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const force = 'kent'

const reuse = process.env.REUSE
const name = reuse ?? `waypoint_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: server })
await admin.connect()
if (!reuse) await admin.query(`create database ${name}`)
const url = new URL(server)
url.pathname = `/${name}`
const owner = new pg.Client({ connectionString: url.toString() })
let app: Awaited<ReturnType<typeof createApp>> | undefined

try {
  const migrating = await openDatabase({ databaseUrl: url.toString() })
  await migrate(migrating)
  await migrating.close()
  await owner.connect()
  const started = performance.now()
  if (!reuse) {
    await load(owner, force, crimes)
    await loadConsoleYear(owner, force, crimes)
  } else await owner.query('vacuum analyze')
  console.log(`loaded in ${((performance.now() - started) / 1000).toFixed(0)} s: ${await sizes(owner)}`)
  const extra = await owner.query(`select (select count(*) from incidents)::int as incidents,
    (select count(*) from message_events)::int as events, (select count(*) from audit_events)::int as audit`)
  const e = extra.rows[0]
  console.log(`  and ${e.incidents} incidents, ${e.events} message events, ${e.audit} audit events`)

  app = await createApp(loadConfig({ NODE_ENV: 'test', DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' }), {})
  const user = await app.services.staff.create(
    {
      forceId: force,
      email: `bench.admin.${randomBytes(4).toString('hex')}@kent.example.org`,
      displayName: 'Bench Admin',
      roles: ['force_admin', 'supervisor', 'analyst', 'auditor', 'investigating_officer'],
    },
    null,
  )
  const { token } = await app.services.sessions.start(
    { subjectKind: 'staff', subjectId: user.id, forceId: force },
    {},
    { ip: '127.0.0.1' },
  )
  const cookie = `${SESSION_COOKIE}=${app.http.signCookie(token)}`
  const base = (await app.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')

  const ids = await owner.query(`select
      (select id::text from crimes where crime_ref = 'KT/' || lpad('${Math.floor(crimes / 2)}', 6, '0') || '/26') as crime,
      (select crime_ref from crimes where crime_ref = 'KT/' || lpad('${Math.floor(crimes / 3)}', 6, '0') || '/26') as ref,
      (select recipient from messages where reference = 'bench-${Math.floor(crimes / 4)}-2') as phone,
      (select id::text from messages order by created_at desc limit 1) as message`)
  const { crime, ref, phone, message } = ids.rows[0]
  const pages: [string, string][] = [
    // The home page: every attention tile the bench's roles may open, each a bounded count.
    ['Home page (attention counts)', '/console'],
    ['Outbox, first page', '/console/outbox'],
    ['Outbox, search by phone', `/console/outbox?q=${encodeURIComponent(phone)}`],
    ['Outbox, search by name', `/console/outbox?q=${encodeURIComponent(`Victim ${Math.floor(crimes / 5)}`)}`],
    ['Outbox, search by crime reference', `/console/outbox?q=${encodeURIComponent(ref)}`],
    ['Outbox, filter: not delivered, number', '/console/outbox?status=permanent-failure'],
    ['Outbox, filter: template and email', '/console/outbox?template=step-3&channel=email'],
    ['A message', `/console/outbox/${message}`],
    ['Case search by reference', `/console/cases?q=${encodeURIComponent(ref)}`],
    ['A case page (crime)', `/console/cases/crimes/${crime}`],
    ['Reports', '/console/reports'],
    ["Victims' Code report", '/console/reports/victims-code'],
    ['Audit, who published a journey', '/console/audit?action=journey.published'],
    ['Audit, by person and words', '/console/audit?actor=Officer%2017&action=viewed'],
    ['Audit, first page', '/console/audit'],
  ]
  const fetchTimed = async (path: string): Promise<number> => {
    const t0 = performance.now()
    const response = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' })
    await response.arrayBuffer()
    const elapsed = performance.now() - t0
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`)
    return elapsed
  }
  // Warm-up: each page once (plans, caches, JIT of the Node code).
  for (const [, path] of pages) await fetchTimed(path)
  await fetchTimed('/health/live')
  const times = new Map<string, number[]>([
    ['/health/live', []],
    ...pages.map(([, p]) => [p, []] as [string, number[]]),
  ])
  // Rounds: every page once a round, and the baseline beside each page.
  for (let round = 0; round < requests; round += 1) {
    for (const [, path] of pages) {
      times.get('/health/live')!.push(await fetchTimed('/health/live'))
      times.get(path)!.push(await fetchTimed(path))
    }
  }
  const health = times.get('/health/live')!
  console.log(
    `engine: PostgreSQL, ${requests} requests a page, one at a time; target p95 ≤ ${targetP95} ms\n` +
      `${'/health/live (baseline)'.padEnd(40)} p50 ${ms(pct(health, 50))}  p95 ${ms(pct(health, 95))}`,
  )
  let missed = 0
  for (const [label, path] of pages) {
    const t = times.get(path)!
    const p95 = pct(t, 95)
    if (p95 > targetP95) missed += 1
    console.log(
      `${label.padEnd(40)} p50 ${ms(pct(t, 50))}  p95 ${ms(p95)}  ${p95 <= targetP95 ? 'met' : 'MISSED'}`,
    )
  }
  console.log(missed === 0 ? 'every page met the target' : `${missed} page(s) missed the target`)
} finally {
  await app?.stop().catch(() => {})
  await owner.end().catch(() => {})
  if (process.env.KEEP || reuse) console.log(`kept database ${name}`)
  else await admin.query(`drop database if exists ${name} with (force)`)
  await admin.end()
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

function ms(t: number): string {
  return `${t.toFixed(0).padStart(5)} ms`
}
