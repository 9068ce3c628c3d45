// The demo as a new user runs it, with messages going to a GOV.UK Notify fake: Waypoint (`all`,
// PGlite in a fresh data directory, the built-in simulator feed) for DEMO_MINUTES, then counts
// at the fake and in the database whether any victim got the same step or text twice.
// It also checks the other invariants of a running demo: every source input ended applied or
// quarantined (or set aside as a duplicate or superseded), every held-back message carries its
// reason, and, with DEMO_LOG=<file>, that the log (written at info level) holds no 5xx answer, no
// statement parameters and none of the names, phone numbers or email addresses in the database.
//   node bench/demo-once.ts   (PORT, DEMO_MINUTES, DEMO_DATA_DIR, DEMO_LOG, OPEN_WINDOWS=true to send at any hour)
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { openSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import { FakeNotifyServer, notifyApiKey } from '../src/simulator/fake-notify/server.ts'

const port = process.env.PORT ?? '3107'
const minutes = Number(process.env.DEMO_MINUTES ?? 5)
const dataDir = process.env.DEMO_DATA_DIR ?? `/tmp/waypoint-demo-${process.pid}`
const forces = ['bedfordshire', 'cambridgeshire', 'essex', 'hertfordshire', 'kent', 'norfolk', 'suffolk']
const keys = Object.fromEntries(
  forces.map((f) => [
    f,
    {
      serviceId: randomUUID(),
      secret: randomUUID(),
      templates: [
        { id: randomUUID(), type: 'sms' as const },
        { id: randomUUID(), type: 'email' as const },
      ],
    },
  ]),
)
const notify = new FakeNotifyServer({ keys: Object.values(keys) })
await notify.listen()
await rm(dataDir, { recursive: true, force: true })
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  PORT: port,
  WAYPOINT_DATA_DIR: dataDir,
  LOG_LEVEL: process.env.DEMO_LOG ? 'info' : 'warn',
  MESSAGING_SMS_CHANNEL: 'notify',
  MESSAGING_EMAIL_CHANNEL: 'notify',
  NOTIFY_BASE_URL: notify.url,
  NOTIFY_API_KEYS: forces.map((f) => `${f}=${notifyApiKey('demo', keys[f]!)}`).join(','),
  NOTIFY_SMS_TEMPLATE_IDS: forces.map((f) => `${f}=${keys[f]!.templates[0]!.id}`).join(','),
  NOTIFY_EMAIL_TEMPLATE_IDS: forces.map((f) => `${f}=${keys[f]!.templates[1]!.id}`).join(','),
}

const logFile = process.env.DEMO_LOG ? openSync(process.env.DEMO_LOG, 'w') : undefined

function start(extra: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['src/main.ts', 'all'], {
    env: { ...env, ...extra },
    stdio: logFile === undefined ? ['ignore', 'ignore', 'inherit'] : ['ignore', logFile, logFile],
  })
  console.log(`Waypoint started, pid ${child.pid}`)
  return child
}

async function ready(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error('Waypoint did not become ready')
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

if (process.env.OPEN_WINDOWS === 'true') {
  // First start: migrate and seed, no feed. Then open every force's sending windows (the run is
  // at night) so that ordinary messages reach the fake too, not only urgent ones.
  const first = start({ SIMULATOR: 'false' })
  await ready()
  await stop(first)
  const db = new PGlite(dataDir)
  const always = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '23:59', sendOnBankHolidays: true }
  for (const f of forces)
    await db.query(
      `insert into messaging_settings (force_id, sms_channel, email_channel, sending_windows)
       values ($1, 'notify', 'notify', $2)
       on conflict (force_id) do update set sending_windows = excluded.sending_windows`,
      [f, JSON.stringify({ sms: always, email: always })],
    )
  await db.close()
}
const demo = start({})
await ready()
console.log(`feed running for ${minutes} minutes`)
await new Promise((r) => setTimeout(r, minutes * 60_000))
await stop(demo)
await notify.close()

const atFake = [...notify.notifications.values()]
const byText = Map.groupBy(atFake, (n) => `${n.to}|${JSON.stringify(n.personalisation)}`)
const twice = [...byText.values()].filter((list) => list.length > 1)
console.log(
  `fake Notify: ${atFake.length} messages accepted, ${new Set(atFake.map((n) => n.to)).size} recipients`,
)
console.log(`fake Notify: ${twice.length} recipient+text pairs received more than once`)
for (const list of twice.slice(0, 5))
  console.log('  e.g.', list[0]!.to, JSON.stringify(list[0]!.personalisation).slice(0, 120))

const db = new PGlite(dataDir)
const one = async (text: string) => (await db.query<{ n: number }>(text)).rows[0]!.n
console.log(
  `database: ${await one('select count(*)::int as n from incidents')} incidents, ${await one('select count(*)::int as n from crimes')} crimes, ${await one('select count(*)::int as n from enrolments')} enrolments, ${await one('select count(*)::int as n from messages')} messages (${await one(`select count(*)::int as n from messages where status in ('sent', 'delivered', 'sending')`)} sent)`,
)
console.log(
  `database: enrolments of one person in one journey for one occurrence, more than once: ${await one(
    `select count(*)::int as n from (select 1 from enrolments where merged_into is null
       group by journey_id, occurrence_id, person_id having count(*) > 1) d`,
  )}`,
)
console.log(
  `database: the same step (template) to one person for one occurrence, more than once: ${await one(
    `select count(*)::int as n from (select 1 from enrolment_steps s join enrolments e on e.id = s.enrolment_id
       join messages m on m.id = s.message_id where s.outcome = 'send' and m.status not in ('cancelled', 'suppressed')
       group by e.occurrence_id, s.recipient_person_id, s.template having count(*) > 1) d`,
  )}`,
)
console.log(
  `database: the same text to one person and address, more than once: ${await one(
    `select count(*)::int as n from (select 1 from messages where status not in ('cancelled', 'suppressed')
       group by person_id, recipient, body having count(*) > 1) d`,
  )}`,
)
console.log(
  `database: messages sent in quiet hours (default window 08:00-21:00 London, not urgent): ${await one(
    `select count(*)::int as n from messages where sent_at is not null and not urgent
       and extract(hour from sent_at at time zone 'Europe/London') not between 8 and 20`,
  )}${process.env.OPEN_WINDOWS === 'true' ? " (expected: OPEN_WINDOWS=true opened every force's sending windows for this run)" : ''}`,
)
const sourceStatuses = (
  await db.query<{ status: string; n: number }>(
    'select status, count(*)::int as n from source_events group by status order by status',
  )
).rows
console.log(
  `database: source events by status: ${sourceStatuses.map((r) => `${r.status} ${r.n}`).join(', ')}`,
)
console.log(
  `database: source events not ended (still received): ${await one(
    `select count(*)::int as n from source_events where status = 'received'`,
  )}`,
)
console.log(
  `database: held-back or failed messages without a reason: ${await one(
    `select count(*)::int as n from messages where status in ('suppressed', 'cancelled', 'permanent-failure', 'technical-failure', 'temporary-failure') and coalesce(status_reason, '') = ''`,
  )} (of ${await one(`select count(*)::int as n from messages where status = 'suppressed'`)} suppressed)`,
)
if (process.env.DEMO_LOG) {
  const log = await readFile(process.env.DEMO_LOG, 'utf8')
  const lines = log.split('\n').filter((l) => l.trim() !== '')
  const serverErrors = lines.filter((l) => /"statusCode":5\d\d/.test(l))
  const parameters = lines.filter((l) => /"parameters"|"params":\[|\$1\b/.test(l))
  const personal = new Set<string>()
  for (const row of (
    await db.query<{ v: string }>(
      `select distinct v from (
         select display_name as v from people union all select value from contact_points
         union all select recipient from messages) x where v is not null and length(v) >= 6`,
    )
  ).rows)
    personal.add(row.v)
  // The log is the JSON lines. The plain lines are the start-up banner, which prints the demo's
  // sign-ins on purpose (the demo citizen is one of the simulated victims), counted apart.
  const mentions = (l: string) => [...personal].some((v) => l.includes(v))
  const leaks = lines.filter((l) => l.startsWith('{') && mentions(l))
  const banner = lines.filter((l) => !l.startsWith('{') && mentions(l))
  console.log(
    `log: ${lines.length} lines, ${serverErrors.length} 5xx answers, ${parameters.length} lines with statement parameters, ${leaks.length} log lines with a name, phone number or email address from the database (the banner's demo sign-ins: ${banner.length} lines)`,
  )
  for (const l of [...serverErrors, ...parameters, ...leaks].slice(0, 5))
    console.log('  e.g.', l.slice(0, 200))
}
await db.close()
process.exit(0)
