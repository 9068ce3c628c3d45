// Backup and point-in-time restore drill (issue 17 item 4, CP-48): a PostgreSQL 15 cluster with
// WAL archiving (archive_command copying each segment to a directory), Waypoint migrated on it
// and one `waypoint all` process taking STORM events over HTTP and sending their SMS to a fake
// GOV.UK Notify. Under that load:
//
//   1. a base backup is taken (`pg_basebackup -X stream -c fast`);
//   2. the load goes on, and a moment is noted: for one second the key tables take no writes
//      (LOCK … IN SHARE MODE waits for the writers in progress and holds off new ones), their
//      rows are counted and the server's clock_timestamp() read inside that second, so every
//      commit touching them is either before the moment (and counted) or after it;
//   3. the load goes on past the moment; the last WAL segment is archived;
//   4. the base backup is copied into a fresh cluster with recovery.signal, restore_command
//      (copying from the archive), recovery_target_time = the moment and
//      recovery_target_action = promote, and started; the restore time runs from the copy to
//      the server's promotion;
//   5. `waypoint audit verify` runs against the restored database (exit code 0: every chain
//      intact) and the key tables' rows are counted: they must equal the counts at the moment.
//
//   node_modules/.bin/node bench/restore.ts   (as root, on Debian with postgresql-15 and
//   postgresql-common; PORT_BASE=5443 for the drill cluster and the next for the restored one,
//   free ports if unset;
//   CRIMES=0 crimes of a year of Kent loaded set-based first (bench/year-of-kent.ts; 165000 is a
//   year); LOOPS=2 loops of events PACE_MS=100 apart; PHASE_S=10 s of load between the steps)
//
// Both clusters and the archive are dropped at the end, also when the drill fails or is
// interrupted. The machine's main cluster is not touched.
import type { ChildProcess } from 'node:child_process'
import { spawnSync } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import {
  asPostgres,
  DrillCluster,
  freePort,
  ingestLoad,
  root,
  run,
  runNow,
  setUpWaypoint,
  sleep,
  startNotify,
  startWaypoint,
  stopWaypoint,
  until,
  waypointEnv,
  waypointReady,
} from './support/drill.ts'
import { load as loadYear, sizes } from './year-of-kent.ts'

const portBase = Number(process.env.PORT_BASE ?? 0)
const crimes = Number(process.env.CRIMES ?? 0)
const loops = Number(process.env.LOOPS ?? 2)
const paceMs = Number(process.env.PACE_MS ?? 100)
const phaseSeconds = Number(process.env.PHASE_S ?? 10)
/** The tables whose rows must come back exactly as they were at the moment. */
const keyTables = [
  'source_events',
  'incidents',
  'crimes',
  'people',
  'enrolments',
  'messages',
  'message_events',
  'audit_events',
] as const

// Names of this run's own (two drills at once never share a cluster), ports given or free ones.
const drill = new DrillCluster(`wpdrill_${process.pid}_archive`, portBase || (await freePort()))
const restored = new DrillCluster(
  `wpdrill_${process.pid}_restored`,
  portBase ? portBase + 1 : await freePort(),
)
const workDir = mkdtempSync('/var/tmp/waypoint-restore-drill-')
const archive = join(workDir, 'wal')
const base = join(workDir, 'base')
let waypoint: ChildProcess | undefined
const cleanUp = () => {
  for (const cluster of [drill, restored]) {
    try {
      cluster.drop()
    } catch (error) {
      console.error(`could not drop ${cluster.name}: ${(error as Error).message}`)
    }
  }
  rmSync(workDir, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    waypoint?.kill('SIGKILL')
    cleanUp()
    process.exit(130)
  })

const notify = await startNotify()
const timings: string[] = []
const step = async <T>(what: string, fn: () => T | Promise<T>): Promise<T> => {
  const t0 = performance.now()
  const result = await fn()
  timings.push(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return result
}
const counts = async (client: pg.Client) => {
  const { rows } = await client.query<Record<string, number>>(
    `select ${keyTables.map((t) => `(select count(*) from ${t})::int as ${t}`).join(', ')}`,
  )
  return rows[0]!
}
const show = (c: Record<string, number>) => keyTables.map((t) => `${t} ${c[t]}`).join(', ')

try {
  mkdirSync(archive)
  chownSync(workDir, ...postgresIds())
  chownSync(archive, ...postgresIds())
  // --- The drill cluster, archiving every WAL segment ---------------------------------------------
  await step('cluster created and started', async () => {
    await drill.create({
      max_connections: 200,
      timezone: 'UTC',
      wal_level: 'replica',
      archive_mode: 'on',
      archive_command: `test ! -f ${archive}/%f && cp %p ${archive}/%f`,
      archive_timeout: '60s',
    })
    await drill.ctl('start')
    await drill.ready()
  })
  const port = await freePort()
  const env = waypointEnv(drill.url('waypoint'), notify, port)
  const token = await step('Waypoint migrated and set up', () => setUpWaypoint(drill, env))
  const owner = new pg.Client({ connectionString: drill.url('waypoint') })
  await owner.connect()
  if (crimes > 0)
    await step(`a year of Kent loaded set-based (CRIMES=${crimes})`, () => loadYear(owner, 'kent', crimes))
  const dataSet = `${await sizes(owner)}; database ${await drill.psql(`select pg_size_pretty(pg_database_size('waypoint'))`)}`
  waypoint = startWaypoint(env)
  await step('waypoint all ready', () => waypointReady(port))

  // --- Under load: the base backup, the moment, more load ---------------------------------------------
  const load = ingestLoad(`http://127.0.0.1:${port}`, token, loops, paceMs)
  await sleep(phaseSeconds * 1000)
  const atNotifyBeforeBackup = notify.notifications.size
  await step('base backup under load (pg_basebackup -X stream -c fast)', () =>
    asPostgres('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(drill.port),
      '-U',
      'postgres',
      '-D',
      base,
      '-X',
      'stream',
      '-c',
      'fast',
    ]),
  )
  const backupSize = (await run('du', ['-sh', base])).split('\t')[0]
  await sleep(phaseSeconds * 1000)
  const moment = await noteMoment(owner)
  console.log(`the moment: ${moment.at}; ${show(moment.counts)}`)
  await sleep(phaseSeconds * 1000)
  await load.stop()
  const atNotify = notify.notifications.size
  await stopWaypoint(waypoint)
  const atEnd = await counts(owner)
  // The WAL past the moment is in the archive: recovery must find a commit after it to stop.
  const lastSegment = (await owner.query<{ f: string }>(`select pg_walfile_name(pg_switch_wal()) as f`))
    .rows[0]!.f
  await until(
    async () =>
      (await drill.psql(`select coalesce(last_archived_wal, '') from pg_stat_archiver`)) >= lastSegment,
    60_000,
    'the last WAL segment archived',
  )
  await owner.end()
  const segments = readdirSync(archive).filter((f) => /^[0-9A-F]{24}$/.test(f)).length
  await drill.ctl('stop')

  // --- The restore into a fresh cluster ------------------------------------------------------------
  const restoreStarted = performance.now()
  await restored.create({
    max_connections: 200,
    timezone: 'UTC',
    restore_command: `cp ${archive}/%f %p`,
    recovery_target_time: moment.at,
    recovery_target_action: 'promote',
  })
  await run('find', [restored.dataDir, '-mindepth', '1', '-delete'])
  await asPostgres('/bin/cp', ['-a', `${base}/.`, restored.dataDir])
  await asPostgres('/usr/bin/touch', [join(restored.dataDir, 'recovery.signal')])
  const copied = performance.now()
  await restored.ctl('start')
  await until(
    async () => {
      try {
        return (await restored.psql('select pg_is_in_recovery()')) === 'f'
      } catch {
        return false
      }
    },
    1_800_000,
    'the restored server promoted',
  )
  const restoreSeconds = (performance.now() - restoreStarted) / 1000
  const copySeconds = (copied - restoreStarted) / 1000
  const stoppedAt = (
    await run('grep', ['-h', 'recovery stopping', `/var/log/postgresql/postgresql-15-${restored.name}.log`])
  )
    .trim()
    .replace(/^.*LOG:\s*/, '')

  // --- Verification -----------------------------------------------------------------------------------
  const reader = new pg.Client({ connectionString: restored.url('waypoint') })
  await reader.connect()
  const after = await counts(reader)
  await reader.end()
  const verify = spawnSync(process.execPath, ['src/main.ts', 'audit', 'verify'], {
    cwd: root,
    env: { ...env, DATABASE_URL: restored.url('waypoint') },
    encoding: 'utf8',
  })
  const equal = keyTables.every((t) => after[t] === moment.counts[t])

  // What the restored database does not know: SMS Notify accepted after the moment. Waypoint is
  // started on it with the same Notify, as a force would after the restore, until every message
  // due is handed over; each reference Notify then holds twice was sent again.
  const references = new Set([...notify.notifications.values()].map((n) => n.reference))
  const restoredReader = new pg.Client({ connectionString: restored.url('waypoint') })
  await restoredReader.connect()
  const notMarkedSent = (
    await restoredReader.query<{ status: string; reference: string }>(
      `select status, reference from messages where status in ('scheduled', 'sending')`,
    )
  ).rows.filter((m) => references.has(m.reference))
  const atNotifyBefore = notify.notifications.size
  // Before any worker: due messages are asked of Notify by reference before they are sent
  // (`waypoint messages after-restore`, src/messaging/restore-fence.ts). FENCE=0 leaves it out,
  // to show what it prevents.
  const fence =
    process.env.FENCE === '0'
      ? { stdout: 'left out (FENCE=0)', status: 0 }
      : spawnSync(process.execPath, ['src/main.ts', 'messages', 'after-restore'], {
          cwd: root,
          env: { ...env, DATABASE_URL: restored.url('waypoint') },
          encoding: 'utf8',
        })
  waypoint = startWaypoint({ ...env, DATABASE_URL: restored.url('waypoint') })
  await waypointReady(port)
  await until(
    async () =>
      (
        await restoredReader.query<{ n: number }>(
          `select count(*)::int as n from messages where status in ('scheduled', 'sending') and send_after <= now()`,
        )
      ).rows[0]!.n === 0,
    120_000,
    'every due message handed over after the restore',
  ).catch((error) => console.log(String(error)))
  await stopWaypoint(waypoint)
  await restoredReader.end()
  const perReference = new Map<string, number>()
  for (const n of notify.notifications.values())
    perReference.set(n.reference ?? '', (perReference.get(n.reference ?? '') ?? 0) + 1)
  const sentAgain = [...perReference.values()].filter((c) => c > 1).length

  console.log(
    `\nBackup and point-in-time restore drill: PostgreSQL 15 with WAL archiving (${drill.port}), restored into a fresh cluster (${restored.port})`,
  )
  for (const line of timings) console.log(`  ${line}`)
  console.log(`data set before the load: ${dataSet}`)
  console.log(
    `load: ${loops} loop(s) of STORM events ${paceMs} ms apart, ${phaseSeconds} s before the backup, between it and the moment, and after; ` +
      `${load.acknowledged().length} events acknowledged, ${atNotify} SMS at Notify (${atNotifyBeforeBackup} before the backup)`,
  )
  console.log(`base backup: ${backupSize}; ${segments} WAL segments archived`)
  console.log(`at the moment (${moment.at}, writers held ${moment.heldMs} ms): ${show(moment.counts)}`)
  console.log(`at the end of the load:                ${show(atEnd)}`)
  console.log(`restored:                              ${show(after)}`)
  console.log(`recovery: ${stoppedAt}`)
  console.log(`row counts equal the moment's: ${equal ? 'yes' : 'NO'}`)
  console.log(`waypoint audit verify (exit code ${verify.status}):`)
  for (const line of `${verify.stdout}${verify.stderr}`.trim().split('\n').slice(-12))
    console.log(`  ${line}`)
  console.log(
    `restore time: ${restoreSeconds.toFixed(1)} s (cluster made and base backup copied ${copySeconds.toFixed(1)} s, WAL replayed to the moment and promoted ${(restoreSeconds - copySeconds).toFixed(1)} s)`,
  )
  console.log(
    `before the workers: waypoint messages after-restore: ${String(fence.stdout).trim()} (exit ${fence.status})`,
  )
  console.log(
    `after the restore: ${notMarkedSent.length} SMS accepted by Notify after the moment were not marked sent ` +
      `(${notMarkedSent.filter((m) => m.status === 'sending').length} sending, ${notMarkedSent.filter((m) => m.status === 'scheduled').length} scheduled); ` +
      `Waypoint started on the restored database sent ${notify.notifications.size - atNotifyBefore}, ${sentAgain} of them a second time`,
  )
  const ok =
    equal && verify.status === 0 && atEnd.source_events > moment.counts.source_events! && sentAgain === 0
  console.log(ok ? 'targets met' : 'TARGETS MISSED')
  process.exitCode = ok ? 0 : 1
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  await stopWaypoint(waypoint)
  await notify.close()
  cleanUp()
}

/**
 * The moment to restore to, with the key tables' rows then: the tables are locked against writes
 * (SHARE mode waits for transactions writing them to end and holds off new writers), counted,
 * the server's clock read, and the lock held one more second, so no commit that changes them has
 * a timestamp near the moment. Retried if the lock is refused (a deadlock with a writer).
 */
async function noteMoment(
  client: pg.Client,
): Promise<{ at: string; counts: Record<string, number>; heldMs: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await client.query('begin')
      await client.query(`set local lock_timeout = '20s'`)
      const locking = performance.now()
      await client.query(`lock table ${keyTables.join(', ')} in share mode`)
      const found = await counts(client)
      const at = (await client.query<{ at: string }>(`select clock_timestamp()::text as at`)).rows[0]!.at
      await client.query('select pg_sleep(1)')
      await client.query('commit')
      return { at, counts: found, heldMs: Math.round(performance.now() - locking) }
    } catch (error) {
      await client.query('rollback').catch(() => {})
      if (attempt >= 5) throw error
    }
  }
}

function postgresIds(): [number, number] {
  return [Number(runNow('id', ['-u', 'postgres'])), Number(runNow('id', ['-g', 'postgres']))]
}
