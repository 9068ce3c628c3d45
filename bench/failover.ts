// Database fail-over drill (issue 17 item 3, CP-48): a PostgreSQL 15 primary and a streaming
// standby made with `pg_basebackup -R`, commits waiting for the standby
// (synchronous_standby_names = 'ANY 1 (waypoint_standby)'); Waypoint migrated on the primary and
// one `waypoint all` process (web and worker) started with a DATABASE_URL naming both servers,
// target_session_attrs=read-write (decision 0039). STORM events are posted over HTTP, each making
// SMS that go to a fake GOV.UK Notify. During sending the primary is killed
// (`pg_ctlcluster 15 <primary> stop -m immediate`) and the standby promoted
// (`pg_ctlcluster 15 <standby> promote`); the load goes on, then the queues empty and the run is
// counted on the promoted server and at Notify:
//
//   source events acknowledged (2xx) against present after the fail-over (lost; target 0),
//   messages sent twice at Notify (by our reference; target 0),
//   seconds from the kill until sending resumes (target ≤ 60 s), and the requests refused meanwhile.
//
//   node_modules/.bin/node bench/failover.ts   (as root, on Debian with postgresql-15 and
//   postgresql-common; PRIMARY_PORT=5441 and the standby on the next port, free ports if unset;
//   LOOPS=2 loops of events PACE_MS=100 apart; WARM_UP_S=20 before the kill, PROMOTE_AFTER_S=10
//   from the kill to the promotion, AFTER_S=40 of load after the promotion)
//
// Both clusters are made with pg_createcluster and dropped at the end, also when the drill fails
// or is interrupted. The machine's main cluster is not touched.
import type { ChildProcess } from 'node:child_process'
import pg from 'pg'
import {
  DrillCluster,
  freePort,
  ingestLoad,
  run,
  setUpWaypoint,
  sleep,
  startNotify,
  startWaypoint,
  stopWaypoint,
  until,
  waypointEnv,
  waypointReady,
} from './support/drill.ts'

const primaryPort = Number(process.env.PRIMARY_PORT ?? 0)
const loops = Number(process.env.LOOPS ?? 2)
const paceMs = Number(process.env.PACE_MS ?? 100)
const warmUpSeconds = Number(process.env.WARM_UP_S ?? 20)
const afterSeconds = Number(process.env.AFTER_S ?? 40)
// How long the old primary is down before the standby is promoted: the time a person or a
// fail-over manager takes to see it and fence it. Meanwhile no server takes writes.
const promoteAfterSeconds = Number(process.env.PROMOTE_AFTER_S ?? 10)
const resumeTargetSeconds = 60

// Names of this run's own (two drills at once never share a cluster), ports given or free ones.
const primary = new DrillCluster(`wpdrill_${process.pid}_primary`, primaryPort || (await freePort()))
const standby = new DrillCluster(
  `wpdrill_${process.pid}_standby`,
  primaryPort ? primaryPort + 1 : await freePort(),
)
let waypoint: ChildProcess | undefined
let ending = false
const dropClusters = () => {
  for (const cluster of [primary, standby]) {
    try {
      cluster.drop()
    } catch (error) {
      console.error(`could not drop ${cluster.name}: ${(error as Error).message}`)
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    waypoint?.kill('SIGKILL')
    dropClusters()
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

try {
  // --- The primary and its synchronous standby -------------------------------------------------
  // Both clusters are made (initdb) at once; once the primary is up, the standby is copied from it
  // while Waypoint is migrated and started on it (a commit there waits for the standby, as it will
  // under load). The load starts only when both are done: the standby streaming as the
  // synchronous standby and Waypoint ready.
  const common = { max_connections: 200, timezone: 'UTC', wal_level: 'replica', hot_standby: 'on' }
  await step('primary and standby clusters created, the primary started', async () => {
    await Promise.all([
      primary.create({
        ...common,
        synchronous_commit: 'on',
        synchronous_standby_names: 'ANY 1 (waypoint_standby)',
        max_wal_senders: 10,
        wal_keep_size: '512MB',
        wal_log_hints: 'on',
      }),
      standby.create(common),
    ])
    await primary.ctl('start')
    await primary.ready()
  })
  const port = await freePort()
  const copyStandby = step('standby copied (pg_basebackup -R) and started', async () => {
    // Its data directory stays (owned by postgres, mode 0700); what initdb put in it goes.
    await run('find', [standby.dataDir, '-mindepth', '1', '-delete'])
    await run('runuser', [
      '-u',
      'postgres',
      '--',
      '/usr/lib/postgresql/15/bin/pg_basebackup',
      '-d',
      `host=127.0.0.1 port=${primary.port} user=postgres application_name=waypoint_standby`,
      '-D',
      standby.dataDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ])
    await standby.ctl('start')
    await standby.ready()
    await until(
      async () =>
        (await primary.psql(
          `select sync_state from pg_stat_replication where application_name = 'waypoint_standby'`,
        )) === 'quorum',
      60_000,
      'the standby streaming as the synchronous standby',
    )
  })

  // --- Waypoint on the primary, started with both servers in its URL ------------------------------
  const databaseUrl = `postgres://postgres@127.0.0.1:${primary.port},127.0.0.1:${standby.port}/waypoint?target_session_attrs=read-write`
  const env = waypointEnv(databaseUrl, notify, port)
  const startWaypointOnPrimary = (async () => {
    const token = await step('Waypoint migrated and set up on the primary', () => setUpWaypoint(primary, env))
    // The standby failed meanwhile and the drill is ending: no process is started after its clean-up.
    if (ending) throw new Error('the drill ended before Waypoint was started')
    waypoint = startWaypoint(env)
    await step('waypoint all ready', () => waypointReady(port))
    return token
  })()
  const [, token] = await Promise.all([copyStandby, startWaypointOnPrimary])
  const pid = waypoint!.pid

  // --- Load, the kill and the promotion -----------------------------------------------------------
  const load = ingestLoad(`http://127.0.0.1:${port}`, token, loops, paceMs)
  await sleep(warmUpSeconds * 1000)
  await until(
    async () => notify.notifications.size >= 10,
    120_000,
    'messages reaching Notify before the kill',
  )
  const syncState = await primary.psql(
    `select sync_state from pg_stat_replication where application_name = 'waypoint_standby'`,
  )
  const atNotifyBeforeKill = notify.notifications.size
  const ackedBeforeKill = load.acknowledged().length
  const killedAt = Date.now()
  await primary.ctl('stop', '-m', 'immediate')
  const stoppedAt = Date.now()
  await sleep(promoteAfterSeconds * 1000)
  await standby.ctl('promote')
  const promotedAt = Date.now()
  const inRecovery = await standby.psql('select pg_is_in_recovery()')
  console.log(
    `primary killed (${syncState} standby, ${ackedBeforeKill} events acknowledged, ${atNotifyBeforeKill} messages at Notify); ` +
      `stopped in ${((stoppedAt - killedAt) / 1000).toFixed(1)} s, standby promoted ${((promotedAt - killedAt) / 1000).toFixed(1)} s after the kill`,
  )
  await sleep(afterSeconds * 1000)
  await load.stop()

  // --- Counting on the promoted server ---------------------------------------------------------------
  const counter = new pg.Client({ connectionString: standby.url('waypoint') })
  await counter.connect()
  const acknowledged = load.acknowledged().map((p) => p.eventId)
  const present = async () =>
    (
      await counter.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from source_events where source_event_id = any($1) group by status`,
        [acknowledged],
      )
    ).rows
  const settled = async () => {
    const done = (await present())
      .filter((r) => r.status === 'applied' || r.status === 'quarantined')
      .reduce((a, r) => a + r.n, 0)
    const waiting = (
      await counter.query<{ n: number }>(
        `select count(*)::int as n from messages where status in ('scheduled', 'sending')`,
      )
    ).rows[0]!.n
    return done === acknowledged.length && waiting === 0
  }
  let settledIn = 'not within 180 s'
  const settling = Date.now()
  await until(settled, 180_000, 'events applied and messages sent')
    .then(() => {
      settledIn = `${((Date.now() - settling) / 1000).toFixed(0)} s`
    })
    .catch((error) => console.log(String(error)))
  const byStatus = Object.fromEntries((await present()).map((r) => [r.status, r.n]))
  const presentCount = Object.values(byStatus).reduce((a: number, n) => a + (n as number), 0)
  const applied = (byStatus.applied ?? 0) + (byStatus.quarantined ?? 0)
  const messages = (
    await counter.query<{
      reference: string
      status: string
      recipient: string
      template_key: string | null
    }>(`select reference, status, recipient, template_key from messages`)
  ).rows
  await counter.end()

  const atNotify = new Map<string, number>()
  for (const n of notify.notifications.values())
    atNotify.set(n.reference ?? '', (atNotify.get(n.reference ?? '') ?? 0) + 1)
  const sentTwice = [...atNotify.values()].filter((c) => c > 1).length
  const perPersonStep = new Map<string, number>()
  for (const m of messages) {
    const k = `${m.recipient}|${m.template_key}`
    perPersonStep.set(k, (perPersonStep.get(k) ?? 0) + 1)
  }
  const madeTwice = [...perPersonStep.values()].filter((c) => c > 1).length
  const unsent = messages.filter((m) => !atNotify.has(m.reference)).length

  // Sending resumed: the first message Notify accepted after the kill for an event first posted
  // after the kill (new work through the promoted server, not a request already in flight).
  const digits = (phone: string) => phone.replace(/\D/g, '').slice(-6)
  const postedAfterKill = new Set(
    load.posted.filter((p) => p.postedAt > killedAt).map((p) => digits(p.phone)),
  )
  const accepted = [...notify.notifications.values()]
    .map((n) => ({ at: Date.parse(n.createdAt), phone: digits(n.to) }))
    .sort((a, b) => a.at - b.at)
  const resumed = accepted.find((n) => n.at > killedAt && postedAfterKill.has(n.phone))
  const resumeSeconds = resumed ? (resumed.at - killedAt) / 1000 : Number.POSITIVE_INFINITY
  let longestPause = 0
  for (let i = 1; i < accepted.length; i += 1)
    if (accepted[i]!.at > killedAt - 5000)
      longestPause = Math.max(longestPause, accepted[i]!.at - accepted[i - 1]!.at)
  const firstAckAfterKill = load.posted.find((p) => p.postedAt > killedAt && p.status === 202)
  const refused = load.posted.filter((p) => p.status !== 202)
  const refusedStatuses = Object.entries(
    refused.reduce<Record<string, number>>((a, p) => {
      a[p.status || 'no answer'] = (a[p.status || 'no answer'] ?? 0) + 1
      return a
    }, {}),
  )
    .map(([s, n]) => `${n} × ${s}`)
    .join(', ')
  const sameProcess = waypoint!.exitCode === null && waypoint!.pid === pid

  console.log(
    `\nDatabase fail-over drill: PostgreSQL 15 primary (${primary.port}) killed with stop -m immediate, synchronous standby (${standby.port}) promoted`,
  )
  for (const line of timings) console.log(`  ${line}`)
  console.log(
    `load: ${loops} loop(s) of STORM events ${paceMs} ms apart, ${warmUpSeconds} s before the kill, ${afterSeconds} s after the promotion`,
  )
  console.log(
    `promotion:            ${((promotedAt - killedAt) / 1000).toFixed(1)} s after the kill (PROMOTE_AFTER_S=${promoteAfterSeconds})`,
  )
  console.log(`standby at the kill:  ${syncState}; after promotion pg_is_in_recovery = ${inRecovery}`)
  console.log(
    `source events:        ${load.posted.length} posted, ${acknowledged.length} acknowledged (202), ${presentCount} of them present after, ${applied} applied, ${acknowledged.length - presentCount} lost  target 0`,
  )
  console.log(
    `refused meanwhile:    ${refused.length}${refused.length ? ` (${refusedStatuses})` : ''}; a source system sends these again`,
  )
  console.log(
    `messages:             ${messages.length} made, ${messages.length - unsent} accepted by Notify, ${sentTwice} sent twice, ${madeTwice} made twice for one person and step  target 0`,
  )
  console.log(
    `sending resumed:      ${resumeSeconds.toFixed(1)} s after the kill (first SMS at Notify for an event posted after it)  target ≤ ${resumeTargetSeconds} s`,
  )
  console.log(
    `ingest resumed:       ${firstAckAfterKill ? `${((firstAckAfterKill.answeredAt - killedAt) / 1000).toFixed(1)} s` : 'never'} after the kill (first 202 for an event posted after it)`,
  )
  console.log(
    `longest pause at Notify: ${(longestPause / 1000).toFixed(1)} s; queues empty ${settledIn} after the load stopped`,
  )
  console.log(`Waypoint process:     ${sameProcess ? 'the same process throughout (no restart)' : 'EXITED'}`)
  const ok =
    acknowledged.length === presentCount &&
    sentTwice === 0 &&
    madeTwice === 0 &&
    unsent === 0 &&
    resumeSeconds <= resumeTargetSeconds &&
    sameProcess
  console.log(ok ? 'targets met' : 'TARGETS MISSED')
  process.exitCode = ok ? 0 : 1
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  ending = true
  await stopWaypoint(waypoint)
  await notify.close()
  // Both clusters at once.
  await Promise.all(
    [primary, standby].map((cluster) =>
      cluster
        .remove()
        .catch((error) => console.error(`could not drop ${cluster.name}: ${(error as Error).message}`)),
    ),
  )
}
