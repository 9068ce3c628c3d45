// Dispatch benchmark against the fake GOV.UK Notify (real HTTP, real JWTs, real rolling-minute
// limit of 3,000 per key). Prints figures beside a bare pg-boss enqueue baseline from the same run.
//
//   node bench/dispatch.ts                 # embedded PGlite
//   DATABASE_URL=postgres://… node bench/dispatch.ts
//
// (a) Sustained rate: two dispatchers (two workers) share one Notify key for WINDOW_SECONDS
//     (default 30, a scaled stand-in for a full hour); target ≥ 95% of 3,000/min, zero 429s.
// (b) Morning release: 50,000 messages held by quiet hours, all due at one instant T0 that
//     stands in for 08:00 (wall-clock time, not scaled: T0 is a few seconds after the backlog
//     is written). A pg-boss dispatch job with startAfter T0 (what schedule() enqueues for each
//     second with messages due) releases them through the same shared bucket; we report how soon after T0 the first is handed to Notify and the
//     rate over RELEASE_SECONDS (default 20). Sending all 50,000 at 3,000/min takes ~17 minutes
//     by design; the rate is the figure that matters.
import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { createApp } from '../src/app.ts'
import { OutboxChannel, NotifyChannel } from '../src/messaging/channels.ts'
import { MessageDispatcher } from '../src/messaging/dispatch.ts'
import { WAKE_EARLY_MS } from '../src/messaging/jobs.ts'
import { messagingRepositories } from '../src/messaging/messaging-services.ts'
import { UnsubscribeLinks } from '../src/messaging/unsubscribe-links.ts'
import { loadConfig } from '../src/platform/config.ts'
import { defineJob, EmptyPayload } from '../src/platform/jobs.ts'
import { FakeNotifyServer, notifyApiKey } from '../src/simulator/fake-notify/server.ts'

const windowSeconds = Number(process.env.WINDOW_SECONDS ?? 30)
const releaseSeconds = Number(process.env.RELEASE_SECONDS ?? 20)
const backlog = Number(process.env.BACKLOG ?? 50_000)
const limitPerMinute = 3000
const smsTemplateId = randomUUID()
const key = {
  serviceId: randomUUID(),
  secret: randomUUID(),
  templates: [{ id: smsTemplateId, type: 'sms' as const }],
}

const notify = new FakeNotifyServer({ keys: [key], rateLimitPerMinute: limitPerMinute })
await notify.listen()
const defaults = loadConfig({
  NODE_ENV: 'test',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
})
const config = loadConfig(
  { NODE_ENV: 'test', ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) },
  {
    dataDir: 'memory://',
    messaging: {
      ...defaults.messaging,
      notify: {
        ...defaults.messaging.notify,
        baseUrl: notify.url,
        apiKeys: { kent: notifyApiKey('bench', key) },
        smsTemplateId,
        emailTemplateId: randomUUID(),
        rateLimitPerMinute: limitPerMinute,
      },
    },
  },
)
const baselineJob = defineJob({ name: 'bench.baseline', payload: EmptyPayload, async handle() {} })
const app = await createApp(config, {})
app.jobs.register(baselineJob)
await app.jobs.boss.createQueue(baselineJob.name)
const messaging = app.services.messaging
await app.db.withForce('kent', async (tx) => {
  await messaging.settings.saveSettings(tx, 'kent', { smsChannel: 'notify' }, null)
  await messaging.templates.addTemplateVersion(tx, {
    forceId: 'kent',
    key: 'bench',
    title: 'Bench',
    channel: 'sms',
    body: 'Dear ((name)), an update on your report ((ref)).',
  })
})
console.log(`engine: ${app.db.kind}; Notify limit ${limitPerMinute}/min per key`)

// Baseline: a bare pg-boss enqueue, one job per transaction, and Waypoint's schedule() likewise.
const baselineCount = 1000
let started = performance.now()
for (let i = 0; i < baselineCount; i += 1) await app.jobs.send(baselineJob, {})
const bossPerSecond = baselineCount / ((performance.now() - started) / 1000)
started = performance.now()
for (let i = 0; i < baselineCount; i += 1) {
  await app.db.withForce('kent', (tx) =>
    messaging.scheduling.schedule(tx, {
      forceId: 'kent',
      channel: 'sms',
      to: '07700900123',
      templateKey: 'bench',
      personalisation: { name: 'Sam', ref: `R${i}` },
      dueAt: new Date(Date.now() + 3_600_000),
      urgent: true,
    }),
  )
}
const schedulePerSecond = baselineCount / ((performance.now() - started) / 1000)
await app.db.asSystem((tx) =>
  tx.execute(sql`update messages set status = 'cancelled' where status = 'scheduled'`),
)
started = performance.now()
await app.jobs.drain([baselineJob.name])
const fetchPerSecond = baselineCount / ((performance.now() - started) / 1000)
console.log(`baseline: pg-boss fetch+complete ${fetchPerSecond.toFixed(0)} jobs/s`)
console.log(
  `baseline: pg-boss enqueue ${bossPerSecond.toFixed(0)} jobs/s; schedule() ${schedulePerSecond.toFixed(0)} messages/s (render, checks, events, wake-up) = ${(schedulePerSecond / bossPerSecond).toFixed(2)}× the bare enqueue`,
)

const workers = [1, 2].map(
  () =>
    new MessageDispatcher({
      db: app.db,
      repos: messagingRepositories(app.db),
      channels: [new OutboxChannel(), new NotifyChannel(config.messaging.notify)],
      clock: app.clock,
      config: config.messaging,
      links: new UnsubscribeLinks(config.messaging.linkSecret, config.http.publicUrl),
      log: app.log,
    }),
)

// (a) Sustained rate.
const dueNow = Math.ceil((limitPerMinute / 60) * windowSeconds * 1.3)
await fillBacklog(dueNow, new Date())
const accepted = () => notify.acceptedAt.get(key.serviceId) ?? []
const before = accepted().length
const windowStart = Date.now()
await Promise.all(workers.map((w) => w.dispatchDue({ budgetMs: windowSeconds * 1000 })))
const windowMs = Date.now() - windowStart
const inWindow = accepted().length - before
const steady = accepted().filter((t) => t >= windowStart + 5000 && t < windowStart + windowMs).length
const steadyPerMinute = (steady / ((windowMs - 5000) / 1000)) * 60
console.log(
  `(a) ${windowSeconds}s, 2 workers: ${inWindow} accepted = ${((inWindow / windowMs) * 60_000).toFixed(0)}/min overall, ` +
    `${steadyPerMinute.toFixed(0)}/min after the first 5 s (${((steadyPerMinute / limitPerMinute) * 100).toFixed(1)}% of ${limitPerMinute}); 429s: ${notify.rateLimited}`,
)
await app.db.asSystem((tx) =>
  tx.execute(sql`update messages set status = 'cancelled' where status = 'scheduled'`),
)

// (c) Dispatch without a provider limit: due messages about crimes, claimed, handed to the dev
// outbox and recorded sent and delivered by one worker, with the report triggers on `messages`
// (migrations 1000-1003, 1021: per-day counts, Victims' Code contacts, the case type read under a
// key-share lock) and, in the same run, without them; alternated (OUTBOX_ROUNDS, default 4) to
// share the machine's load.
await app.db.asSystem((tx) =>
  tx.execute(sql`update messages set status = 'cancelled' where status in ('scheduled', 'sending')`),
)
const reportTriggers = [
  'messages_counted_insert',
  'messages_counted_update',
  'messages_enrolment_contacts_insert',
  'messages_enrolment_contacts_update',
]
const triggers = (on: boolean) =>
  app.db.execAsOwner(
    reportTriggers
      .map((name) => `alter table messages ${on ? 'enable' : 'disable'} trigger ${name};`)
      .join('\n'),
  )
const crimeIds: string[] = []
for (let i = 0; i < 20; i += 1) {
  const result = await app.db.withForce('kent', (tx) =>
    app.services.cases.applySourceChange(
      tx,
      'kent',
      {
        kind: 'crime.recorded',
        crime: {
          crimeRef: `BENCH/${i}/${process.pid}`,
          crimeType: i % 2 ? 'Burglary' : 'Robbery',
          status: 'open',
          recordedAt: new Date(),
        },
        people: [],
      },
      { sourceSystem: 'athena', occurredAt: new Date() },
    ),
  )
  crimeIds.push(result.crimeId!)
}
const outboxWorker = new MessageDispatcher({
  db: app.db,
  repos: messagingRepositories(app.db),
  channels: [new OutboxChannel()],
  clock: app.clock,
  config: config.messaging,
  links: new UnsubscribeLinks(config.messaging.linkSecret, config.http.publicUrl),
  log: app.log,
})
await app.db.withForce('kent', (tx) =>
  messaging.settings.saveSettings(tx, 'kent', { smsChannel: 'outbox' }, null),
)
const perRound = Number(process.env.OUTBOX_MESSAGES ?? 2000)
const rates: Record<'on' | 'off', number[]> = { on: [], off: [] }
for (let round = 0; round < Number(process.env.OUTBOX_ROUNDS ?? 4); round += 1) {
  const on = round % 2 === 0
  await triggers(on)
  await fillBacklog(perRound, new Date(Date.now() - 1000), 'outbox')
  await app.db.asSystem((tx) =>
    tx.execute(
      sql`update messages m set case_id = (${`{${crimeIds.join(',')}}`}::text[])[1 + (abs(hashtext(m.reference)) % ${crimeIds.length})]
          where status = 'scheduled'`,
    ),
  )
  const cpu = process.cpuUsage()
  const began = performance.now()
  const result = await outboxWorker.dispatchDue({ budgetMs: 600_000 })
  const seconds = (performance.now() - began) / 1000
  const used = process.cpuUsage(cpu)
  rates[on ? 'on' : 'off'].push(result.sent / seconds)
  console.log(
    `(c) round ${round + 1}, report triggers ${on ? 'on ' : 'off'}: ${result.sent} sent in ${seconds.toFixed(1)} s = ${(result.sent / seconds).toFixed(0)}/s; Node CPU ${((used.user + used.system) / 1000 / result.sent).toFixed(2)} ms a message`,
  )
}
await triggers(true)
await app.db.withForce('kent', (tx) =>
  messaging.settings.saveSettings(tx, 'kent', { smsChannel: 'notify' }, null),
)
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
console.log(
  `(c) dispatch through the dev outbox: ${mean(rates.on).toFixed(0)}/s with the report triggers, ${mean(rates.off).toFixed(0)}/s without (baseline, same run) = ${(mean(rates.on) / mean(rates.off)).toFixed(2)}×`,
)

// (b) Morning release of a quiet-hours backlog.
const writeStart = performance.now()
const t0 = new Date(Date.now() + 60_000)
await fillBacklog(backlog, t0)
const writeSeconds = (performance.now() - writeStart) / 1000
const releaseAt = new Date(Date.now() + 4000)
await app.db.asSystem((tx) =>
  tx.execute(
    sql`update messages set send_after = ${releaseAt.toISOString()}, due_at = ${releaseAt.toISOString()} where status = 'scheduled'`,
  ),
)
// The wake-up job schedule() plans: due WAKE_EARLY_MS before T0, carrying T0.
await app.jobs.boss.send(
  'messaging.dispatch-due',
  { at: releaseAt.toISOString() },
  { startAfter: new Date(releaseAt.getTime() - WAKE_EARLY_MS) },
)
console.log(
  `(b) ${backlog} messages held for T0 written in ${writeSeconds.toFixed(1)} s; T0 = ${releaseAt.toISOString()}`,
)
const beforeRelease = accepted().length
const limitedBefore = notify.rateLimited
app.jobs.startWorking(100)
await new Promise((resolve) => setTimeout(resolve, releaseAt.getTime() - Date.now() + releaseSeconds * 1000))
const released = accepted().slice(beforeRelease)
const first = released[0]
const firstAfterMs = first === undefined ? Number.NaN : first - releaseAt.getTime()
console.log(
  `(b) first handed to Notify ${firstAfterMs.toFixed(0)} ms after T0; ${released.length} in ${releaseSeconds} s = ${((released.length / releaseSeconds) * 60).toFixed(0)}/min; 429s: ${notify.rateLimited - limitedBefore}`,
)
console.log(
  `peak accepted in any rolling 60 s over the whole run: ${notify.peakPerMinute(key.serviceId)} (limit ${limitPerMinute})`,
)
console.log(`duplicates by reference at Notify: ${countDuplicates()}`)

await app.stop()
await notify.close()

/** Writes `count` rendered messages due at `at`: one through schedule(), the rest copied in bulk. */
async function fillBacklog(count: number, at: Date, provider: 'notify' | 'outbox' = 'notify'): Promise<void> {
  const first = await app.db.withForce('kent', (tx) =>
    messaging.scheduling.schedule(tx, {
      forceId: 'kent',
      channel: 'sms',
      to: '07700900123',
      templateKey: 'bench',
      personalisation: { name: 'Sam', ref: 'R0' },
      dueAt: at,
      urgent: true,
    }),
  )
  await app.db.asSystem((tx) =>
    tx.execute(sql`insert into messages (force_id, reference, person_id, channel, provider, recipient, recipient_key, template_id, template_key, template_version, language, body, due_at, send_after, urgent, status)
      select force_id, reference || '-' || n, 'p-' || n, channel, ${provider}, recipient, recipient_key, template_id, template_key, template_version, language, body, due_at, send_after, urgent, status
      from messages, generate_series(1, ${count - 1}) as n where id = ${first.id}`),
  )
}

function countDuplicates(): number {
  const seen = new Set<string>()
  let duplicates = 0
  for (const n of notify.notifications.values()) {
    if (n.reference && seen.has(n.reference)) duplicates += 1
    if (n.reference) seen.add(n.reference)
  }
  return duplicates
}
