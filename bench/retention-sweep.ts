// The retention-sweep drill (issue 17, UJ-3, CP-4, CRM-4): a fresh PostgreSQL 15 database with
// MONTHS of one force's records loaded set-based (CRIMES crimes over that span, so a year of Kent,
// about 165,000 crimes, is CRIMES=165000 MONTHS=12; the default, 20,000 over 36 months, is a scaled
// volume), with a tail of crimes closed more than six years ago, each kind of record on both sides
// of its retention period under the default rules (src/retention/README.md):
//
//   crimes closed with no further action (deleted 24 months after closure), closed and charged
//   crimes (reviewed at 72 months), incidents that never became a crime (deleted at 12 months),
//   incidents linked to a crime, people on no case (deleted 12 months after their last activity),
//   victims, timelines, messages and their events (finished messages deleted at 24 months), and raw
//   STORM/Athena payloads (deleted 3 months after they were applied);
//
// then runs the sweep as the worker's job `retention.sweep` does (RetentionService.sweep for every
// force, in a process of its own), SIGKILLs it part-way, runs it again to the end, then once more.
// It prints, per kind, the rows older and younger than the period before and after, and checks:
// everything older and deletable is gone, nothing younger was touched, records due for review are
// queued and kept, `waypoint audit verify` passes, the run after the kill finished the work and the
// last run found nothing to do.
//
//   nice node_modules/.bin/node bench/retention-sweep.ts
//   (PostgreSQL at 127.0.0.1:5432 with trust, or DATABASE_URL; CRIMES=20000 MONTHS=36)
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import pg from 'pg'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/platform/config.ts'
import { openDatabase } from '../src/platform/db/database.ts'
import { migrate } from '../src/platform/db/migrate.ts'

const root = resolve(import.meta.dirname, '..')
const force = 'kent'

if (process.argv[2] === '--sweep') {
  // The child: the job's handler, on the database named, its clock stopped at the drill's instant.
  const started = Date.now()
  const at = new Date(process.argv[4]!)
  const app = await createApp(
    loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      SIMULATOR: 'false',
      DATABASE_URL: process.argv[3]!,
    }),
    { clock: { now: () => new Date(at) } },
  )
  const totals: Record<string, number> = { queued: 0, deleted: 0 }
  try {
    const forces = await app.db.asSystem(async (tx) => {
      const { rows } = await import('../src/platform/db/database.ts')
      const { sql } = await import('drizzle-orm')
      return (await rows<{ id: string }>(tx, sql`select id from forces order by id`)).map((f) => f.id)
    })
    for (const forceId of forces) {
      const result = await app.services.retention.sweep(forceId)
      totals.queued! += result.queued
      totals.deleted! += result.deleted
      for (const [table, n] of Object.entries(result.batches)) totals[table] = (totals[table] ?? 0) + n
    }
  } finally {
    await app.stop()
  }
  console.log(JSON.stringify({ seconds: (Date.now() - started) / 1000, ...totals }))
  process.exit(0)
}

const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const crimes = Number(process.env.CRIMES ?? 20_000)
const months = Number(process.env.MONTHS ?? 36)
const name = `waypoint_bench_retention_${randomBytes(4).toString('hex')}`
const admin = new pg.Client({ connectionString: server })
await admin.connect()
await admin.query(`create database ${name}`)
const dbUrl = new URL(server)
dbUrl.pathname = `/${name}`
let child: ChildProcess | undefined

try {
  const t0 = Date.now()
  const migrating = await openDatabase({ databaseUrl: dbUrl.toString() })
  await migrate(migrating)
  await migrating.close()
  const db = new pg.Client({ connectionString: dbUrl.toString() })
  await db.connect()
  const one = async (sql: string) => Number(Object.values((await db.query(sql)).rows[0] ?? { n: 0 })[0] ?? 0)
  const loadStarted = Date.now()
  await load(db, crimes, months)
  const loadSeconds = (Date.now() - loadStarted) / 1000
  // One instant for the whole drill, taken once the records are loaded: every count reads "older"
  // and "younger" from it, and each sweep runs with its clock stopped at it. With the real clock,
  // a year of Kent took eight minutes to sweep three times, and records within those minutes of a
  // period's end crossed it between runs (a person or two, a few raw events): counted as missed,
  // though each run had done right by its own time.
  const at = new Date().toISOString()
  const asOf = `'${at}'::timestamptz`

  // --- Each kind, older and younger than its period, as the rules read them -------------------
  const kinds: { kind: string; period: string; older: string; younger: string; goes: boolean }[] = [
    {
      kind: 'crimes, no further action',
      period: 'deleted 24 months after closure',
      older: `crimes where status = 'no-further-action' and closed_at < ${asOf} - interval '24 months'`,
      younger: `crimes where status = 'no-further-action' and closed_at >= ${asOf} - interval '24 months'`,
      goes: true,
    },
    {
      kind: 'crimes, closed or charged',
      period: 'reviewed 72 months after closure',
      older: `crimes where status in ('closed', 'charged') and closed_at < ${asOf} - interval '72 months'`,
      younger: `crimes where status in ('closed', 'charged') and (closed_at >= ${asOf} - interval '72 months' or closed_at is null)`,
      goes: false,
    },
    {
      kind: 'crimes, open',
      period: 'kept',
      older: `crimes where status = 'open' and false`,
      younger: `crimes where status = 'open'`,
      goes: false,
    },
    {
      kind: 'incidents, never a crime',
      period: 'deleted 12 months after closure',
      older: `incidents i where closed_at < ${asOf} - interval '12 months' and cad_ref like 'NC-%'`,
      younger: `incidents i where closed_at >= ${asOf} - interval '12 months' and cad_ref like 'NC-%'`,
      goes: true,
    },
    {
      kind: 'incidents, linked to a crime',
      period: 'with the crime',
      older: `incidents i where cad_ref like 'LK-%' and exists (select 1 from bench_ages a where a.incident_id = i.id and a.crime_goes)`,
      younger: `incidents i where cad_ref like 'LK-%' and not exists (select 1 from bench_ages a where a.incident_id = i.id and a.crime_goes)`,
      goes: true,
    },
    {
      kind: 'people on no case',
      period: 'deleted 12 months after last activity',
      older: `people p where display_name like 'Former %' and updated_at < ${asOf} - interval '12 months'`,
      younger: `people p where display_name like 'Former %' and updated_at >= ${asOf} - interval '12 months'`,
      goes: true,
    },
    {
      kind: 'victims and callers',
      period: 'with their case',
      older: `people p where display_name not like 'Former %' and exists (select 1 from bench_ages a where a.person_id = p.id and a.case_goes)`,
      younger: `people p where display_name not like 'Former %' and not exists (select 1 from bench_ages a where a.person_id = p.id and a.case_goes)`,
      goes: true,
    },
    {
      kind: 'case timelines',
      period: 'with their case',
      older: `case_timeline t where exists (select 1 from bench_ages a where a.timeline_ref = coalesce(t.crime_id, t.incident_id) and a.case_goes)`,
      younger: `case_timeline t where not exists (select 1 from bench_ages a where a.timeline_ref = coalesce(t.crime_id, t.incident_id) and a.case_goes)`,
      goes: true,
    },
    {
      kind: 'messages, finished',
      period: 'deleted 24 months after made',
      older: `messages where created_at < ${asOf} - interval '24 months'`,
      younger: `messages where created_at >= ${asOf} - interval '24 months' and not exists (select 1 from bench_ages a where a.timeline_ref::text = messages.case_id and a.case_goes)`,
      goes: true,
    },
    {
      kind: 'message events',
      period: 'with their message',
      older: `message_events e where exists (select 1 from messages m where m.id = e.message_id and m.created_at < ${asOf} - interval '24 months')`,
      younger: `message_events e where exists (select 1 from messages m where m.id = e.message_id and m.created_at >= ${asOf} - interval '24 months' and not exists (select 1 from bench_ages a where a.timeline_ref::text = m.case_id and a.case_goes))`,
      goes: true,
    },
    {
      kind: 'raw source events, applied',
      period: 'deleted 3 months after applied',
      older: `source_events where processed_at < ${asOf} - interval '3 months'`,
      younger: `source_events where processed_at >= ${asOf} - interval '3 months'`,
      goes: true,
    },
  ]
  const countAll = async () => {
    const out: { older: number; younger: number }[] = []
    for (const k of kinds)
      out.push({
        older: await one(`select count(*)::int from ${k.older}`),
        younger: await one(`select count(*)::int from ${k.younger}`),
      })
    return out
  }
  const before = await countAll()
  const reviewsDue = before[1]!.older
  const youngBefore = await db.query(`select md5(string_agg(x, ',' order by x)) as h from (
      select 'c' || id || status || coalesce(closed_at::text, '') as x from crimes
        where not exists (select 1 from bench_ages a where a.timeline_ref = crimes.id and a.case_goes)
      union all select 'm' || id || status || updated_at::text from messages where created_at >= ${asOf} - interval '24 months'
        and not exists (select 1 from bench_ages a where a.timeline_ref::text = messages.case_id and a.case_goes)
      union all select 's' || id || status from source_events where processed_at >= ${asOf} - interval '3 months') f`)
  const size = await one(`select pg_database_size(current_database())::bigint`)
  console.log(
    `loaded ${crimes} crimes over ${months} months (+ ${Math.round(crimes / 100)} closed over six years ago) in ${loadSeconds.toFixed(0)} s; database ${(size / 1e6).toFixed(0)} MB; set-up ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  )
  console.log(
    `  ${await one('select count(*)::int from crimes')} crimes, ${await one('select count(*)::int from incidents')} incidents, ${await one('select count(*)::int from people')} people, ${await one('select count(*)::int from messages')} messages, ${await one('select count(*)::int from message_events')} message events, ${await one('select count(*)::int from source_events')} source events, ${await one('select count(*)::int from case_timeline')} timeline entries`,
  )

  // --- Run 1, killed part-way; run 2 to the end; run 3 again -------------------------------------
  const toDelete = before[0]!.older + before[3]!.older + before[5]!.older
  const tombstones = () => one(`select count(*)::int from audit_events where action = 'record.deleted'`)
  const sweepOnce = (killWhen?: () => Promise<boolean>) =>
    new Promise<{ killed: boolean; seconds: number; result?: Record<string, number> }>((done, fail) => {
      const started = Date.now()
      let out = ''
      child = spawn(process.execPath, ['bench/retention-sweep.ts', '--sweep', dbUrl.toString(), at], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      const running = child
      running.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
      })
      let killed = false
      const watch = killWhen
        ? setInterval(async () => {
            if (!killed && running.exitCode === null && (await killWhen())) {
              killed = true
              running.kill('SIGKILL')
            }
          }, 250)
        : undefined
      running.once('exit', (code, signal) => {
        if (watch) clearInterval(watch)
        const seconds = (Date.now() - started) / 1000
        if (signal === 'SIGKILL') return done({ killed: true, seconds })
        if (code !== 0) return fail(new Error(`the sweep exited ${code}: ${out.slice(-2000)}`))
        const line = out
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('{"seconds"'))
          .at(-1)
        done({ killed: false, seconds, result: line ? JSON.parse(line) : undefined })
      })
    })
  const run1 = await sweepOnce(async () => (await tombstones()) >= toDelete / 2)
  const afterKill = await countAll()
  const tombstonesAtKill = await tombstones()
  const run2 = await sweepOnce()
  const after = await countAll()
  const queued = await one(`select count(*)::int from retention_reviews where status = 'pending'`)
  const run3 = await sweepOnce()
  const afterAgain = await countAll()
  const youngAfter = await db.query(`select md5(string_agg(x, ',' order by x)) as h from (
      select 'c' || id || status || coalesce(closed_at::text, '') as x from crimes
        where not exists (select 1 from bench_ages a where a.timeline_ref = crimes.id and a.case_goes)
      union all select 'm' || id || status || updated_at::text from messages where created_at >= ${asOf} - interval '24 months'
        and not exists (select 1 from bench_ages a where a.timeline_ref::text = messages.case_id and a.case_goes)
      union all select 's' || id || status from source_events where processed_at >= ${asOf} - interval '3 months') f`)
  const queuedAgain = await one(`select count(*)::int from retention_reviews where status = 'pending'`)
  const tombstoneCount = await tombstones()
  await db.end()
  const verify = await new Promise<{ code: number; output: string }>((done) =>
    execFile(
      process.execPath,
      ['src/main.ts', 'audit', 'verify'],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          DATABASE_URL: dbUrl.toString(),
        },
        encoding: 'utf8',
      },
      (error, stdout, stderr) =>
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    ),
  )

  console.log(
    `\nRetention sweep drill: PostgreSQL 15 (${name}), the default rules, the sweep as the worker runs it`,
  )
  console.log(
    `run 1: killed (SIGKILL) after ${run1.seconds.toFixed(1)} s with ${tombstonesAtKill} of about ${toDelete} records' tombstones written`,
  )
  console.log(`run 2: to the end in ${run2.seconds.toFixed(1)} s: ${JSON.stringify(run2.result)}`)
  console.log(`run 3: again in ${run3.seconds.toFixed(1)} s: ${JSON.stringify(run3.result)}`)
  console.log(
    'kind                           period                               older: before  at kill  after  again | younger: before  after  again',
  )
  let ok = true
  for (const [i, k] of kinds.entries()) {
    const b = before[i]!
    const a = after[i]!
    const g = afterAgain[i]!
    const olderOk = k.goes ? a.older === 0 && g.older === 0 : a.older === b.older && g.older === b.older
    const youngerOk = a.younger === b.younger && g.younger === b.younger
    if (!olderOk || !youngerOk) ok = false
    console.log(
      `${k.kind.padEnd(30)} ${k.period.padEnd(36)} ${String(b.older).padStart(13)} ${String(afterKill[i]!.older).padStart(8)} ${String(a.older).padStart(6)} ${String(g.older).padStart(6)} | ${String(b.younger).padStart(15)} ${String(a.younger).padStart(6)} ${String(g.younger).padStart(6)}${olderOk && youngerOk ? '' : '  MISSED'}`,
    )
  }
  const youngUntouched = youngBefore.rows[0].h === youngAfter.rows[0].h
  console.log(`younger rows unchanged (crimes, messages, source events, by id and status): ${youngUntouched}`)
  console.log(
    `reviews queued: ${queued} of ${reviewsDue} closed or charged crimes past 72 months; after run 3 still ${queuedAgain} (none twice)`,
  )
  console.log(
    `audit: ${tombstoneCount} tombstones (record.deleted); waypoint audit verify exit ${verify.code}: ${verify.output.trim().split('\n').at(-1)}`,
  )
  const idempotent =
    (run3.result?.deleted ?? -1) === 0 &&
    Object.entries(run3.result ?? {}).every(([k, v]) => k === 'seconds' || k === 'queued' || v === 0)
  console.log(`run 3 found nothing to do: ${idempotent}`)
  ok =
    ok &&
    youngUntouched &&
    queued === reviewsDue &&
    queuedAgain === queued &&
    verify.code === 0 &&
    idempotent &&
    run1.killed
  console.log(ok ? 'targets met' : 'TARGETS MISSED')
  process.exitCode = ok ? 0 : 1
} finally {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  await admin.query(`drop database if exists ${name} with (force)`).catch(() => {})
  await admin.end()
}

/**
 * One force's records, set-based: `crimes` crimes recorded evenly over the last `months` months,
 * and a tail of a hundredth as many closed over six years ago. Each crime has a victim, a timeline
 * entry built from a raw Athena event, and five messages a week apart (finished, or scheduled if
 * still ahead); it closes 30 days after it was recorded: half with no further action, a third
 * closed, the rest charged. One crime in four has the STORM incident it came from (same victim),
 * one in four a separate incident that never became a crime (a caller of its own), and one in
 * ten a former witness now on no case. `bench_ages` says which case each row belongs to and
 * whether its rule deletes it now.
 */
async function load(client: pg.Client, n: number, months: number): Promise<void> {
  const tail = Math.round(n / 100)
  await client.query(`
    set synchronous_commit = off;
    create table bench_crime as
      select g as n, md5('crime-' || g)::uuid as crime_id, md5('person-' || g)::uuid as person_id,
        md5('incident-' || g)::uuid as incident_id, md5('caller-' || g)::uuid as caller_id,
        md5('nc-' || g)::uuid as nc_id, md5('former-' || g)::uuid as former_id,
        md5('athena-' || g)::uuid as athena_id, md5('storm-' || g)::uuid as storm_id,
        case when g <= ${n}
          then now() - interval '${months} months' + ((g - 0.5) * interval '${months} months' / ${n})
          else now() - interval '90 months' + ((g - ${n}) * interval '12 months' / ${Math.max(1, tail)}) end as recorded_at,
        (array['no-further-action', 'no-further-action', 'no-further-action', 'closed', 'closed', 'charged'])[1 + g % 6] as outcome
      from generate_series(1, ${n + tail}) g;
    insert into people (id, force_id, display_name, created_at, updated_at)
      select person_id, '${force}', 'Victim ' || n, recorded_at, recorded_at + interval '30 days' from bench_crime;
    insert into people (id, force_id, display_name, created_at, updated_at)
      select caller_id, '${force}', 'Caller ' || n, recorded_at, recorded_at from bench_crime where n % 4 = 1;
    insert into people (id, force_id, display_name, created_at, updated_at)
      select former_id, '${force}', 'Former witness ' || n, recorded_at, recorded_at from bench_crime where n % 10 = 3;
    insert into crimes (id, force_id, crime_ref, crime_type, status, vcop_category, recorded_at, closed_at, created_at, updated_at)
      select crime_id, '${force}', 'KT/' || lpad(n::text, 7, '0'), 'Burglary',
        case when recorded_at + interval '30 days' < now() then outcome else 'open' end, 'standard', recorded_at,
        case when recorded_at + interval '30 days' < now() then recorded_at + interval '30 days' end,
        recorded_at, least(now(), recorded_at + interval '30 days')
      from bench_crime;
    insert into case_parties (force_id, person_id, crime_id, role, added_at)
      select '${force}', person_id, crime_id, 'victim', recorded_at from bench_crime;
    -- The STORM incident a crime came from: closed a day later, linked, the victim on it too.
    insert into incidents (id, force_id, cad_ref, opened_at, closed_at, grading, incident_type, created_at, updated_at)
      select incident_id, '${force}', 'LK-' || n, recorded_at - interval '2 hours', recorded_at + interval '1 day',
        'Prompt', 'Crime report', recorded_at, recorded_at + interval '1 day'
      from bench_crime where n % 4 = 0;
    insert into crime_incidents (force_id, crime_id, incident_id, linked_at)
      select '${force}', crime_id, incident_id, recorded_at from bench_crime where n % 4 = 0;
    insert into case_parties (force_id, person_id, incident_id, role, added_at)
      select '${force}', person_id, incident_id, 'victim', recorded_at from bench_crime where n % 4 = 0;
    -- An incident that never became a crime, with its caller.
    insert into incidents (id, force_id, cad_ref, opened_at, closed_at, grading, incident_type, created_at, updated_at)
      select nc_id, '${force}', 'NC-' || n, recorded_at, recorded_at + interval '1 day', 'Scheduled', 'Concern for safety',
        recorded_at, recorded_at + interval '1 day'
      from bench_crime where n % 4 = 1;
    insert into case_parties (force_id, person_id, incident_id, role, added_at)
      select '${force}', caller_id, nc_id, 'victim', recorded_at from bench_crime where n % 4 = 1;
    -- Raw events: the Athena event of each crime, the STORM event of each incident.
    insert into source_events (id, force_id, source_system, source_event_id, event_type, content_type, payload,
        occurred_at, received_at, processed_at, status, updated_at)
      select athena_id, '${force}', 'athena', 'ATH-' || n, 'INVESTIGATION_CREATED', 'application/json',
        json_build_object('crimeRef', 'KT/' || n, 'persons', json_build_array(json_build_object('name', 'Victim ' || n, 'phone', '07700 900' || lpad((n % 1000)::text, 3, '0'))))::text,
        recorded_at, recorded_at, recorded_at, 'applied', recorded_at
      from bench_crime;
    insert into source_events (id, force_id, source_system, source_event_id, event_type, content_type, payload,
        occurred_at, received_at, processed_at, status, updated_at)
      select storm_id, '${force}', 'storm', 'STORM-' || n, 'LOG_CREATED', 'application/json',
        json_build_object('log', 'NC-' || n, 'caller', 'Caller ' || n)::text,
        recorded_at, recorded_at, recorded_at, 'applied', recorded_at
      from bench_crime where n % 4 = 1;
    insert into case_timeline (force_id, crime_id, person_id, event_type, summary, source_system, source_event_id, occurred_at, recorded_at)
      select '${force}', crime_id, person_id, 'crime.recorded', 'Crime recorded', 'athena', athena_id, recorded_at, recorded_at
      from bench_crime;
    insert into case_timeline (force_id, incident_id, person_id, event_type, summary, source_system, source_event_id, occurred_at, recorded_at)
      select '${force}', nc_id, caller_id, 'incident.opened', 'Incident opened', 'storm', storm_id, recorded_at, recorded_at
      from bench_crime where n % 4 = 1;
    -- Five messages a crime, a week apart: finished once due (delivered, failed, held back).
    create table bench_message as
      select c.n, k, c.crime_id, c.person_id, md5('message-' || c.n || '-' || k)::uuid as id,
        c.recorded_at + (k - 1) * interval '7 days' as at
      from bench_crime c cross join generate_series(1, 5) k;
    insert into messages (id, force_id, reference, person_id, case_id, channel, provider, recipient, recipient_key,
        template_key, body, due_at, send_after, status, status_reason, provider_ref, attempts, sent_at, completed_at,
        created_at, updated_at)
      select id, '${force}', 'ret-' || n || '-' || k, person_id::text, crime_id::text, 'sms', 'notify',
        '+447700' || lpad((n % 1000000)::text, 6, '0'), '+447700' || lpad((n % 1000000)::text, 6, '0'),
        'step-' || k, 'Message ' || k || ' about your crime, Victim ' || n, at, at,
        case when at > now() then 'scheduled' when (n + k) % 20 = 0 then 'permanent-failure'
          when (n + k) % 20 = 1 then 'suppressed' else 'delivered' end,
        case when at <= now() and (n + k) % 20 = 1 then 'Not confirmed as safe to contact' end,
        case when at <= now() and (n + k) % 20 <> 1 then 'ref-' || n || '-' || k end,
        case when at > now() then 0 else 1 end,
        case when at <= now() and (n + k) % 20 <> 1 then at + interval '4 seconds' end,
        case when at <= now() then at + interval '40 seconds' end,
        at - interval '1 minute', least(now(), at + interval '40 seconds')
      from bench_message;
    insert into message_events (force_id, message_id, from_status, to_status, at)
      select '${force}', id, null, 'scheduled', at - interval '1 minute' from bench_message;
    insert into message_events (force_id, message_id, from_status, to_status, at)
      select '${force}', id, 'sending', 'delivered', at + interval '40 seconds' from bench_message where at <= now();
    -- Which case each row belongs to, and whether its rule deletes that case now.
    create table bench_ages as
      select crime_id as timeline_ref, person_id, case when n % 4 = 0 then incident_id end as incident_id,
        (outcome = 'no-further-action' and recorded_at + interval '30 days' < now() - interval '24 months') as crime_goes,
        (outcome = 'no-further-action' and recorded_at + interval '30 days' < now() - interval '24 months') as case_goes
      from bench_crime
      union all
      select nc_id, caller_id, null, false, recorded_at + interval '1 day' < now() - interval '12 months'
      from bench_crime where n % 4 = 1;
    drop table bench_message;
  `)
  await client.query('vacuum analyze')
}
