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
import { MessagingRepository } from '../src/messaging/repository.ts'
import { systemClock } from '../src/platform/clock.ts'
import { openDatabase, rows } from '../src/platform/db/database.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import type { AuditService } from '../src/platform/audit/audit-service.ts'
import { ReportingRepository } from '../src/reporting/repository.ts'
import { ReportingService } from '../src/reporting/service.ts'

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
  await load(owner)
  console.log(`loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s: ${await sizes(owner)}`)

  // Reporting as the app builds it; recording access (the audit) is not part of what is timed.
  const reporting = new ReportingService({
    db,
    repo: new ReportingRepository(),
    audit: {} as AuditService,
    clock: systemClock,
    odataPageSize: 1000,
  })
  const messaging = new MessagingRepository(db)
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

async function sizes(client: pg.Client): Promise<string> {
  const { rows } = await client.query(`select
    (select count(*) from crimes)::int as crimes, (select count(*) from enrolments)::int as enrolments,
    (select count(*) from enrolment_steps)::int as steps, (select count(*) from messages)::int as messages`)
  const r = rows[0]
  return `${r.crimes} crimes, ${r.enrolments} enrolments, ${r.steps} journey steps, ${r.messages} messages`
}

/**
 * A year of one force, set-based. Crimes are recorded evenly over the last 365 days (so about
 * 450 a day, 20,000 deadlines in the default period); each has one victim and one enrolment
 * (10% enhanced rights: deadline 1 day, otherwise 5), and one in twenty also an incident's
 * enrolment merged into it. Each enrolment wrote five messages a few days apart: those due
 * are delivered, sent, failed, held back or cancelled in realistic shares; the first is handed
 * over within hours (a few after the deadline); those still ahead are scheduled. Ids are derived
 * from the row number so rows refer to each other without joins.
 */
async function load(client: pg.Client): Promise<void> {
  const n = crimes
  await client.query(`
    set synchronous_commit = off;
    insert into journeys (id, force_id, key, name, kind, draft, published_version)
      values (md5('journey-standard')::uuid, '${force}', 'bench-standard', 'Standard', 'standard', '{}', 1),
             (md5('journey-enhanced')::uuid, '${force}', 'bench-enhanced', 'Enhanced', 'enhanced', '{}', 1);
    insert into journey_versions (id, force_id, journey_id, version, definition, published_at)
      select md5(k || '-v1')::uuid, '${force}', md5(k)::uuid, 1, '{}', now() - interval '400 days'
      from unnest(array['journey-standard', 'journey-enhanced']) k;

    create temporary table bench_crime as
      select g as n,
        md5('crime-' || g)::uuid as crime_id, md5('person-' || g)::uuid as person_id,
        md5('enrolment-' || g)::uuid as enrolment_id,
        now() - interval '365 days' + (g * interval '365 days' / ${n}) as recorded_at,
        (g % 10 = 0) as enhanced
      from generate_series(1, ${n}) g;

    insert into people (id, force_id, display_name, created_at, updated_at)
      select person_id, '${force}', 'Victim ' || n, recorded_at, recorded_at from bench_crime;
    insert into crimes (id, force_id, crime_ref, crime_type, status, vcop_category, recorded_at,
        occurrence_id, created_at, updated_at)
      select crime_id, '${force}', 'KT/' || lpad(n::text, 6, '0') || '/26',
        (array['Burglary', 'Theft', 'Assault', 'Criminal damage', 'Fraud', 'Stalking'])[1 + n % 6],
        case when recorded_at < now() - interval '60 days' then 'closed' else 'open' end,
        case when enhanced then 'enhanced' else 'standard' end, recorded_at, crime_id, recorded_at, recorded_at
      from bench_crime;

    insert into enrolments (id, force_id, journey_id, version_id, case_id, crime_id, person_id, status,
        step_index, vcop_due_at, enrolled_at, updated_at, occurrence_id)
      select enrolment_id, '${force}',
        md5(case when enhanced then 'journey-enhanced' else 'journey-standard' end)::uuid,
        md5(case when enhanced then 'journey-enhanced-v1' else 'journey-standard-v1' end)::uuid,
        crime_id, crime_id, person_id,
        case when recorded_at < now() - interval '30 days' then 'completed' else 'active' end, 0,
        recorded_at + case when enhanced then interval '1 day' else interval '5 days' end,
        recorded_at, recorded_at, crime_id
      from bench_crime;
    -- The incident's journey, started before the crime was raised, merged into the crime's.
    insert into enrolments (id, force_id, journey_id, version_id, case_id, incident_id, person_id, status,
        step_index, vcop_due_at, enrolled_at, updated_at, occurrence_id, merged_into, end_reason)
      select md5('incident-enrolment-' || n)::uuid, '${force}', md5('journey-standard')::uuid,
        md5('journey-standard-v1')::uuid, md5('incident-' || n)::uuid, md5('incident-' || n)::uuid,
        person_id, 'cancelled', 0, recorded_at + interval '5 days', recorded_at - interval '2 hours',
        recorded_at, crime_id, enrolment_id, 'the same journey already runs for this person on this occurrence'
      from bench_crime where n % 20 = 0;

    create temporary table bench_message as
      select c.n, k, c.crime_id, c.person_id, c.enrolment_id, c.enhanced,
        md5('message-' || c.n || '-' || k)::uuid as message_id,
        -- The first message within hours (1 in 25 after its deadline), the rest days apart.
        c.recorded_at + case when k = 1
          then case when c.n % 25 = 0 then interval '6 days' else (c.n % 180) * interval '1 minute' end
          else (k - 1) * interval '7 days' + (c.n % 600) * interval '1 minute' end as send_after,
        c.n % 100 as r
      from bench_crime c cross join generate_series(1, 5) k;

    insert into messages (id, force_id, reference, person_id, case_id, channel, provider, recipient,
        recipient_key, template_key, template_version, body, due_at, send_after, status, status_reason,
        provider_ref, attempts, last_error, sent_at, completed_at, created_at, updated_at)
      select message_id, '${force}', 'bench-' || n || '-' || k, person_id::text, crime_id::text,
        case when r < 85 then 'sms' else 'email' end, 'notify',
        case when r < 85 then '+447700' || lpad((n % 1000000)::text, 6, '0') else 'victim' || n || '@example.com' end,
        case when r < 85 then '+447700' || lpad((n % 1000000)::text, 6, '0') else 'victim' || n || '@example.com' end,
        'step-' || k, 1, case when status = 'suppressed' then '' else 'Message ' || k || ' about your crime' end,
        send_after, send_after, status,
        case status when 'suppressed' then 'The victim''s phone is not confirmed as safe to contact'
          when 'cancelled' then 'The case was closed' end,
        case when status in ('sent', 'delivered', 'permanent-failure', 'temporary-failure') then 'ref-' || n || '-' || k end,
        case when status = 'scheduled' then 0 else 1 end,
        case when status = 'technical-failure' then 'Notify answered 500' end,
        case when status in ('sent', 'delivered', 'permanent-failure', 'temporary-failure') then send_after + interval '4 seconds' end,
        case when status in ('delivered', 'permanent-failure', 'temporary-failure', 'technical-failure', 'cancelled', 'suppressed')
          then send_after + interval '40 seconds' end,
        send_after - interval '1 minute', send_after
      from (select m.*, case
          when m.send_after > now() then 'scheduled'
          when r < 78 then 'delivered'
          when r < 82 then 'sent'
          when r < 85 then 'permanent-failure'
          when r < 87 then 'temporary-failure'
          when r < 88 then 'technical-failure'
          when r < 94 then 'suppressed'
          else 'cancelled' end as status
        from bench_message m) m;

    insert into enrolment_steps (force_id, enrolment_id, step_index, outcome, template, channel,
        recipient_person_id, send_after, message_id, recorded_at)
      select '${force}', enrolment_id, k - 1, 'message', 'step-' || k, case when r < 85 then 'sms' else 'email' end,
        person_id, send_after, message_id, send_after - interval '1 minute'
      from bench_message order by enrolment_id, k;

    drop table bench_message;
    drop table bench_crime;
  `)
  // As a year-old database is: vacuumed (hint bits and visibility map set) and analysed.
  await client.query('vacuum analyze')
}
