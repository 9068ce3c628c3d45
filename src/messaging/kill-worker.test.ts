// Fault test: a Waypoint worker is killed with SIGKILL ten times while it sends 2,000 SMS through
// GOV.UK Notify, and restarted each time, until everything is sent.
//
// - The worker is the production entry, `src/main.ts worker`, in a child process of its own,
//   configured only through environment variables. It runs the real dispatch jobs (pg-boss),
//   the real Notify channel and the real reconciliation by reference (decision 0005).
// - The fake GOV.UK Notify runs in this test's process, so it outlives every kill and records
//   every request it accepted, with our reference.
// - Each kill comes at a random moment while sending: after a random number of messages that
//   this worker got accepted, plus up to 250 ms. So kills land inside the claim transaction,
//   between Notify's acceptance and the transaction that records it, and in between.
// - The next worker starts as soon as the killed one has exited. It reconciles the dead worker's
//   messages in `sending` once they are older than MESSAGING_RECONCILE_AFTER_SECONDS (1 s here),
//   at its start-up or on one of its runs soon after (it looks every half of that): a worker
//   cannot tell a crashed peer's message from a live peer's slow one any sooner.
// - Database: with DATABASE_URL (the PostgreSQL run) the worker connects to this test's own
//   database. Without it (PGlite, the default run) the worker owns a file-backed PGlite data
//   directory, since PGlite is single-process: this test writes the messages, closes the
//   directory, and opens it again only after the last worker has stopped. Every restart opens
//   a directory whose owner was killed with SIGKILL mid-transaction, so each one also checks
//   that PGlite recovers (it replays its write-ahead log like PostgreSQL).
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomInt, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { eq, inArray } from 'drizzle-orm'
import { createTestDatabase } from '../../test/support/test-database.ts'
import { createApp } from '../app.ts'
import { loadConfig } from '../platform/config.ts'
import { type Database, openDatabase } from '../platform/db/database.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'
import { messageEvents, messages } from './schema.ts'

const total = 2000
const kills = 10
const reconcileAfterSeconds = 1
const repoRoot = resolve(import.meta.dirname, '../..')
const node = resolve(repoRoot, 'node_modules/.bin/node')
const key = {
  serviceId: randomUUID(),
  secret: randomUUID(),
  templates: [{ id: '33333333-3333-4333-8333-333333333333', type: 'sms' as const }],
}

test('UJ-1, UJ-4: a worker killed with SIGKILL 10 times while sending 2,000 SMS through GOV.UK Notify; every message reaches Notify exactly once and ends sent', {
  timeout: 600_000,
}, async (t) => {
  // No rolling-minute limit worth the name: the test is about crashes, not about waiting.
  const notify = new FakeNotifyServer({ keys: [key], rateLimitPerMinute: 10_000_000 })
  await notify.listen()
  const onPostgres = Boolean(process.env.DATABASE_URL)
  const template = await createTestDatabase()
  let dataDir: string | undefined
  let db: Database
  if (template.url) {
    db = template.db
  } else {
    // A file-backed copy of the migrated in-memory template, for the worker to own.
    dataDir = mkdtempSync(join(tmpdir(), 'waypoint-kill-'))
    const dump = await template.db.dumpDataDir!()
    await template.close()
    db = await openDatabase({ dataDir, loadDataDir: dump })
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    SIMULATOR: 'false',
    NOTIFY_BASE_URL: notify.url,
    NOTIFY_API_KEYS: `kent=${notifyApiKey('waypoint_test', key)}`,
    NOTIFY_SMS_TEMPLATE_ID: '33333333-3333-4333-8333-333333333333',
    NOTIFY_EMAIL_TEMPLATE_ID: '44444444-4444-4444-8444-444444444444',
    // About 400 a second (the shared bucket holds 200): on a quiet PostgreSQL 15 a worker sent the
    // last share of 2,000 within one look between kills, so the last kills found nothing left to
    // send. Paced, each share takes a few tenths of a second and every kill lands while sending.
    NOTIFY_RATE_LIMIT_PER_MINUTE: '24000',
    MESSAGING_RECONCILE_AFTER_SECONDS: String(reconcileAfterSeconds),
    ...(template.url ? { DATABASE_URL: template.url } : { WAYPOINT_DATA_DIR: dataDir as string }),
  }
  const workers: ChildProcess[] = []
  try {
    // 2,000 messages, each through schedule() as a journey step would write it. Urgent, so
    // quiet hours never hold them back whatever time of day the test runs.
    const app = await createApp(loadConfig(env), { db })
    const messaging = app.services.messaging
    await app.db.withForce('kent', async (tx) => {
      await messaging.settings.saveSettings(tx, 'kent', { smsChannel: 'notify' }, null)
      await messaging.templates.addTemplateVersion(tx, {
        forceId: 'kent',
        key: 'crime-recorded',
        title: 'Crime recorded',
        channel: 'sms',
        body: 'Dear ((first_name)), your crime ((crime_ref)) has been recorded.',
      })
    })
    const seeding = performance.now()
    for (let batch = 0; batch < total / 100; batch += 1) {
      await app.db.withForce('kent', async (tx) => {
        for (let i = batch * 100; i < (batch + 1) * 100; i += 1) {
          await messaging.scheduling.schedule(tx, {
            forceId: 'kent',
            personId: `p-${i}`,
            channel: 'sms',
            to: `07700 9${String(i).padStart(5, '0')}`,
            templateKey: 'crime-recorded',
            personalisation: { first_name: `Person ${i}`, crime_ref: `46/${i}/26` },
            urgent: true,
          })
        }
      })
    }
    t.diagnostic(`${total} messages scheduled in ${((performance.now() - seeding) / 1000).toFixed(1)} s`)
    await app.stop()
    if (dataDir) await db.close()

    const referencesAtNotify = () => new Set([...notify.notifications.values()].map((n) => n.reference))
    const output: string[] = []
    const startWorker = () => {
      // V8's baseline code only for PGlite's WebAssembly, as the test processes (run-lanes.ts): a
      // worker killed within seconds never earns back TurboFan's compiling (decision 0063).
      const child = spawn(node, ['--liftoff-only', 'src/main.ts', 'worker'], {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      for (const stream of [child.stdout, child.stderr])
        stream?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
      workers.push(child)
      return child
    }
    const exited = (child: ChildProcess) =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) done()
        else child.once('exit', () => done())
      })
    const waitUntil = async (check: () => boolean, what: string, child: ChildProcess) => {
      const deadline = Date.now() + 180_000
      while (!check()) {
        if (child.exitCode !== null)
          assert.fail(
            `the worker exited (${child.exitCode}) before ${what}:\n${output.join('').slice(-3000)}`,
          )
        if (Date.now() > deadline)
          assert.fail(`timed out waiting for ${what}:\n${output.join('').slice(-3000)}`)
        await new Promise((r) => setTimeout(r, 5))
      }
    }

    const started = performance.now()
    const killedWith: number[] = []
    const firstSendAfter: number[] = []
    for (let k = 0; k < kills; k += 1) {
      const spawnedAt = performance.now()
      const child = startWorker()
      const before = notify.notifications.size
      // Leave enough unsent for the kills still to come, so every one lands while sending.
      const remaining = total - referencesAtNotify().size
      const share = Math.max(1, Math.floor(remaining / (kills - k + 1)))
      const target = before + 1 + randomInt(share)
      // Never more than one more share: on a fast database a worker sends hundreds a second, and
      // between two looks of this loop it once sent the last of them before the tenth kill. So
      // Notify itself stops accepting at the ceiling, and leaves later sends unanswered until the
      // kill (a kill then also lands with requests in flight).
      const ceiling = Math.min(total - 1, target + share)
      notify.holdAfter = ceiling
      await waitUntil(() => notify.notifications.size > before, `worker ${k + 1} sending`, child)
      firstSendAfter.push((performance.now() - spawnedAt) / 1000)
      await waitUntil(() => notify.notifications.size >= target, `worker ${k + 1} sending`, child)
      // A random moment after that, within the batch in hand.
      const pauseUntil = performance.now() + randomInt(250)
      await waitUntil(
        () => performance.now() >= pauseUntil || notify.notifications.size >= ceiling,
        `worker ${k + 1} sending`,
        child,
      )
      const atNotify = referencesAtNotify().size
      assert.ok(atNotify < total, `kill ${k + 1} comes while messages are still to send`)
      child.kill('SIGKILL')
      await exited(child)
      assert.equal(child.signalCode, 'SIGKILL')
      notify.holdAfter = undefined
      killedWith.push(atNotify)
    }
    t.diagnostic(`killed at ${killedWith.join(', ')} of ${total} accepted by Notify`)
    t.diagnostic(`first send after each start: ${firstSendAfter.map((s) => s.toFixed(1)).join(', ')} s`)
    const last = startWorker()
    await waitUntil(() => referencesAtNotify().size === total, 'every message at Notify', last)
    const seconds = (performance.now() - started) / 1000
    // A graceful stop lets the batch in hand finish recording, as on a deployment.
    last.kill('SIGTERM')
    await exited(last)
    assert.equal(last.exitCode, 0, output.join('').slice(-3000))
    t.diagnostic(`all ${total} accepted by Notify ${seconds.toFixed(1)} s after the first worker started`)

    if (dataDir) db = await openDatabase({ dataDir })
    const rows = await db.asSystem((tx) =>
      tx
        .select({
          id: messages.id,
          reference: messages.reference,
          status: messages.status,
          providerRef: messages.providerRef,
        })
        .from(messages)
        .where(eq(messages.forceId, 'kent')),
    )
    assert.equal(rows.length, total)
    // Exactly once at Notify, by our reference: none lost, none duplicated.
    const byReference = new Map<string, string[]>()
    for (const n of notify.notifications.values())
      byReference.set(n.reference ?? '', [...(byReference.get(n.reference ?? '') ?? []), n.id])
    const lost = rows.filter((r) => !byReference.has(r.reference))
    const duplicated = [...byReference.values()].filter((ids) => ids.length > 1)
    assert.deepEqual(
      { lost: lost.length, duplicated: duplicated.length, requests: notify.notifications.size },
      { lost: 0, duplicated: 0, requests: total },
    )
    // Every row ends sent (or delivered) and points at the one notification Notify holds.
    const unfinished = rows.filter((r) => !['sent', 'delivered'].includes(r.status))
    assert.deepEqual(
      unfinished.map((r) => `${r.reference}: ${r.status}`),
      [],
    )
    for (const row of rows) assert.deepEqual([row.providerRef], byReference.get(row.reference))
    // The kills did hit messages in flight, and reconciliation, not a resend, settled them.
    const reconciled = await db.asSystem((tx) =>
      tx
        .select({ detail: messageEvents.detail })
        .from(messageEvents)
        .where(
          inArray(messageEvents.detail, [
            'Reconciled: the provider holds this reference',
            'Reconciled: not at the provider; sending again',
          ]),
        ),
    )
    const found = reconciled.filter((r) => r.detail?.includes('holds')).length
    t.diagnostic(
      `${onPostgres ? 'PostgreSQL' : 'PGlite'}: reconciled after kills: ${found} found at Notify (not resent), ` +
        `${reconciled.length - found} not at Notify (sent again)`,
    )
    assert.ok(found > 0, 'some kills came after Notify accepted a message and before it was recorded')
  } finally {
    for (const child of workers)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    if (template.url) await template.close()
    else await db!.close().catch(() => {})
    await notify.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
})
