// Reports at a year's data: a fresh PostgreSQL database, migrated, loaded set-based with a year
// of Kent-sized data (165,000 crimes, victims and enrolments with their Victims' Code deadlines,
// 825,000 messages with the statuses and times a year leaves), then the Victims' Code report's
// default period (the last 30 days and the next 14), the deadlines page's first page and the
// outbox's first page (held back, with its total) timed through reporting's and messaging's own
// code, as the app runs them: in a tenancy transaction as the force, row-level security on. Each
// figure is the median of RUNS runs, printed next to a baseline timed in the same run (the force's
// messages counted as the owner, without row-level security), because the machine is shared.
//
//   node_modules/.bin/node bench/reports.ts   (PostgreSQL at 127.0.0.1:5432; DATABASE_URL to
//   name another server; CRIMES=165000, RUNS=5; KEEP=1 keeps the database for EXPLAIN)
//
// Measured 5 Dec 2026, 2 shared cores at load average 3–6, PostgreSQL 15, medians of 3–5 runs,
// 15,300 deadlines in the default period (decision 0015). Baseline (the force's 825,000 messages
// counted as the owner) 118–257 ms in every run.
//   Before: Victims' Code report (every deadline read in full, counts in Node) 31–41 s (×92–181
//           the baseline); deadlines page, first page, the same query: 26–40 s (×144–155);
//           outbox held back, first page and total: 3.9–4.9 s (×14–29).
//   After:  report or deadlines page, counts and first page: 0.73–0.92 s (×4–6); last page
//           0.49–0.70 s (×3–6); the CSV (every deadline in full) 1.1–1.6 s (×6–13); outbox held
//           back, first page and total: 28–50 ms (×0.2). The counts agree with the CSV's rows.
import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { MessageRepository } from '../src/messaging/message-repository.ts'
import { systemClock } from '../src/platform/clock.ts'
import { openDatabase, rows } from '../src/platform/db/database.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import type { AuditService } from '../src/platform/audit/audit-service.ts'
import { ReportingRepository } from '../src/reporting/repository.ts'
import { ReportingService } from '../src/reporting/service.ts'
import { load, sizes } from './year-of-kent.ts'

const crimes = Number(process.env.CRIMES ?? 165_000)
const runs = Number(process.env.RUNS ?? 5)
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const force = 'kent'

const name = `waypoint_bench_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: server })
await admin.connect()
await admin.query(`create database ${name}`)
const url = new URL(server)
url.pathname = `/${name}`
const db = await openDatabase({ databaseUrl: url.toString() })
const owner = new pg.Client({ connectionString: url.toString() })

try {
  await migrate(db)
  await owner.connect()
  const loadStarted = performance.now()
  await load(owner, force, crimes)
  console.log(`loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s: ${await sizes(owner)}`)

  // Reporting as the app builds it; recording access (the audit) is not part of what is timed.
  const reporting = new ReportingService({
    db,
    repo: new ReportingRepository(),
    audit: {} as AuditService,
    clock: systemClock,
    odataPageSize: 1000,
  })
  const messaging = new MessageRepository(db)
  const fallback = reporting.defaultVcopPeriod()
  const period = reporting.parsePeriod(fallback.from, fallback.to)

  const timed = async (label: string, fn: () => Promise<string>) => {
    const times: number[] = []
    const baselines: number[] = []
    let detail = ''
    for (let i = 0; i < runs; i += 1) {
      baselines.push(
        await time(() => owner.query(`select count(*) from messages where force_id = '${force}'`)),
      )
      times.push(
        await time(async () => {
          detail = await fn()
        }),
      )
    }
    const [t, b] = [median(times), median(baselines)]
    console.log(
      `${label.padEnd(44)} ${ms(t).padStart(9)}   baseline ${ms(b).padStart(8)}   ×${(t / b).toFixed(1).padStart(5)}   ${detail}`,
    )
  }

  console.log(`engine: postgres, ${runs} runs each, median; baseline: the force's messages counted`)
  // The report page and the deadlines page read the same: the period's counts and one page.
  await timed("Victims' Code report, counts and first page", async () => {
    const { counts, total, rows } = await reporting.vcopPage(force, period, 1, 100)
    return `${rows.length} of ${total} deadlines: ${counts.met} met, ${counts.missed} missed, ${counts.due} due`
  })
  await timed('Deadlines page, last page', async () => {
    const { total, rows, page } = await reporting.vcopPage(force, period, 1_000_000, 100)
    return `page ${page}, ${rows.length} rows of ${total}`
  })
  await timed("Victims' Code CSV (every deadline, 44 days)", async () => {
    const rows = await reporting.vcopReport(force, period)
    return `${rows.length} deadlines: ${rows.filter((r) => r.outcome === 'met').length} met`
  })
  await timed('Outbox, held back, first page and total', async () => {
    const [page, total] = await db.withForce(force, async (tx) => [
      await messaging.messages(tx, { forceId: force, status: 'suppressed', limit: 50 }),
      // The outbox shows no total yet: the count a total would need, under the same policies.
      (
        await rows<{ n: number }>(
          tx,
          sql`select count(*)::int as n from messages where force_id = ${force} and status = 'suppressed'`,
        )
      )[0]!.n,
    ])
    return `${page.length} of ${total}`
  })
} finally {
  await owner.end().catch(() => {})
  await db.close()
  // KEEP=1 leaves the database for EXPLAIN (drop it by hand afterwards).
  if (process.env.KEEP) console.log(`kept database ${name}`)
  else await admin.query(`drop database if exists ${name} with (force)`)
  await admin.end()
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

function ms(t: number): string {
  return `${t.toFixed(t < 10 ? 1 : 0)} ms`
}
