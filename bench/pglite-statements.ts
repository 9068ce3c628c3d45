// PGlite statements benchmark: the CPU per statement through PGlite's own `query()` (the baseline,
// as Waypoint ran before decision 0069) and through named prepared statements
// (src/platform/db/pglite-statements.ts), measured in the same run, alternating, after a warm-up
// of each. Three kinds of statement, each as Waypoint sends them: a select of one row by its key,
// a Drizzle-style select of a dozen columns with a filter, and a transaction as a request makes
// one (BEGIN, the five set_config of the tenant context, a select, an insert, COMMIT). Prints the
// median microseconds of CPU per statement (per transaction for the last) of each.
//
//   node --liftoff-only bench/pglite-statements.ts [--rounds 9] [--runs 400]
//
// (--liftoff-only as the tests run PGlite; without it the figures include TurboFan's compiling.)
import type { PGlite } from '@electric-sql/pglite'
import { blankPgliteCluster } from '../test/support/test-database.ts'
import { openPgliteClient } from '../src/platform/db/database.ts'
import { type PreparedPglite, withPreparedStatements } from '../src/platform/db/pglite-statements.ts'

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 9
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 400

const client = await openPgliteClient('memory://', await blankPgliteCluster(), { shared_buffers: '16MB' })
await client.exec(`
  create table cases (id uuid primary key default gen_random_uuid(), force_id text not null, ref text not null,
    kind text, status text, opened_at timestamptz, closed_at timestamptz, officer text, notes jsonb,
    priority int, updated_at timestamptz default now(), version int default 1);
  create index on cases (force_id, status);
  insert into cases (force_id, ref, kind, status, opened_at, officer, notes, priority)
    select 'kent', 'REF' || g, 'theft', case when g % 3 = 0 then 'open' else 'closed' end, now() - g * interval '1 hour',
           'PC ' || g % 50, jsonb_build_object('n', g), g % 5 from generate_series(1, 5000) g;
  create table events (id bigint generated always as identity primary key, case_id uuid, at timestamptz, detail text);`)
const ids = (await client.query<{ id: string }>('select id from cases')).rows.map((r) => r.id)

type Runner = Pick<PGlite | PreparedPglite, 'query' | 'transaction'>
const kinds: Record<string, (db: Runner, i: number) => Promise<unknown>> = {
  'select by key': (db, i) =>
    db.query('select "id", "ref", "status" from "cases" where "cases"."id" = $1', [ids[i % ids.length]]),
  'select of 12 columns': (db, i) =>
    db.query(
      'select "id", "force_id", "ref", "kind", "status", "opened_at", "closed_at", "officer", "notes", "priority", "updated_at", "version" from "cases" where ("cases"."force_id" = $1 and "cases"."status" = $2 and "cases"."priority" = $3) order by "cases"."opened_at" desc limit $4',
      ['kent', 'open', i % 5, 10],
      { rowMode: 'array' },
    ),
  'a request’s transaction': (db, i) =>
    db.transaction(async (tx) => {
      await tx.query(
        `select set_config('app.role', $1, true), set_config('app.force_id', $2, true), set_config('app.force_seal', $3, true), set_config('app.user_id', $4, true), set_config('app.correlation_id', $5, true)`,
        ['waypoint_app', 'kent', 'seal', `user-${i}`, `corr-${i}`],
      )
      await tx.query('select "id", "ref", "status" from "cases" where "cases"."id" = $1', [
        ids[i % ids.length],
      ])
      await tx.query('insert into events (case_id, at, detail) values ($1, $2, $3) returning id', [
        ids[i % ids.length],
        new Date(),
        'viewed',
      ])
    }),
}

function cpuMicros(): number {
  const used = process.cpuUsage()
  return used.user + used.system
}

async function measure(db: Runner, kind: (db: Runner, i: number) => Promise<unknown>): Promise<number> {
  const started = cpuMicros()
  for (let i = 0; i < runs; i++) await kind(db, i)
  return (cpuMicros() - started) / runs
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

console.log(`${runs} runs a round, ${rounds} rounds alternating; median µs of CPU each`)
for (const [name, kind] of Object.entries(kinds)) {
  const own: number[] = []
  const named: number[] = []
  // A new handle each round: its statements are prepared again, as each test database's are.
  await measure(client, kind)
  await measure(withPreparedStatements(client), kind)
  for (let round = 0; round < rounds; round++) {
    own.push(await measure(client, kind))
    named.push(await measure(withPreparedStatements(client), kind))
  }
  const a = median(own)
  const b = median(named)
  console.log(
    `${name.padEnd(26)} PGlite query() ${a.toFixed(0).padStart(5)} µs   named statements ${b.toFixed(0).padStart(5)} µs   (${((1 - b / a) * 100).toFixed(0)}% less)`,
  )
}
await client.close()
