// Fault test: Waypoint (`src/main.ts all`, web and worker, configured only through environment
// variables) is killed with SIGKILL while its `messaging.dispatch-now` job is running, and started
// again. The dead process's job stays `active` in the database until it expires; new events must
// not wait for it: each new event's first message reaches GOV.UK Notify within 5 s.
//
// The run: a STORM event over HTTP enrols a victim in "Immediate response", whose first message
// goes to the fake Notify, which is answering after 60 s, so the dispatch run is still waiting for
// it when the process is killed. Then Waypoint starts again and three new events are posted, 3 s
// apart: a new message waiting for the once-a-minute dispatch could not meet 5 s for all three.
// On PGlite (the default run) the process owns a file-backed data directory; with DATABASE_URL it
// connects to this test's own PostgreSQL database.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { issueClientToken } from '../../test/support/api-client.ts'
import type { TestApp } from '../../test/support/test-app.ts'
import { createTestDatabase } from '../../test/support/test-database.ts'
import { createApp } from '../app.ts'
import { loadConfig } from '../platform/config.ts'
import { type Database, openDatabase } from '../platform/db/database.ts'
import { FakeNotifyServer, notifyApiKey } from '../simulator/fake-notify/server.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const node = resolve(repoRoot, 'node_modules/.bin/node')
const key = {
  serviceId: randomUUID(),
  secret: randomUUID(),
  templates: [{ id: randomUUID(), type: 'sms' as const }],
}

test('UJ-1: after Waypoint is killed with SIGKILL mid-dispatch and restarted, each new event’s message reaches GOV.UK Notify within 5 s', {
  timeout: 360_000,
}, async (t) => {
  const notify = new FakeNotifyServer({ keys: [key] })
  await notify.listen()
  const template = await createTestDatabase()
  let dataDir: string | undefined
  let db: Database
  if (template.url) db = template.db
  else {
    dataDir = mkdtempSync(join(tmpdir(), 'waypoint-restart-'))
    const dump = await template.db.dumpDataDir!()
    await template.close()
    db = await openDatabase({ dataDir, loadDataDir: dump })
  }
  const port = await freePort()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    SIMULATOR: 'false',
    PORT: String(port),
    NOTIFY_BASE_URL: notify.url,
    NOTIFY_API_KEYS: `norfolk=${notifyApiKey('waypoint_test', key)}`,
    NOTIFY_SMS_TEMPLATE_IDS: `norfolk=${key.templates[0]!.id}`,
    // Longer than the test waits: the killed process is still waiting for Notify when it dies.
    NOTIFY_TIMEOUT_MS: '60000',
    MESSAGING_RECONCILE_AFTER_SECONDS: '1',
    ...(template.url ? { DATABASE_URL: template.url } : { WAYPOINT_DATA_DIR: dataDir as string }),
  }
  const children: ChildProcess[] = []
  const output: string[] = []
  try {
    const app = await createApp(loadConfig(env), { db })
    await app.services.journeys.installDefaults('norfolk')
    await app.db.withForce('norfolk', (tx) =>
      app.services.messaging.settings.saveSettings(
        tx,
        'norfolk',
        {
          smsChannel: 'notify',
          sendingWindows: {
            sms: { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00', sendOnBankHolidays: true },
          },
          sendOnChristmasDays: true,
        },
        null,
      ),
    )
    const token = await issueClientToken({ app } as TestApp, {
      forceId: 'norfolk',
      scopes: ['sources:write'],
    })
    await app.stop()
    if (dataDir) await db.close()

    const url = `http://127.0.0.1:${port}`
    const start = async () => {
      // V8's baseline code only for PGlite's WebAssembly, as the test processes and the kill
      // drill's workers (decision 0063): this drill's processes live for seconds. Alone, two
      // alternating pairs: 28.5 and 29.3 s of the machine's CPU without it, 24.6 and 26.3 s with it.
      const child = spawn(node, ['--liftoff-only', 'src/main.ts', 'all'], {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      for (const stream of [child.stdout, child.stderr])
        stream?.on('data', (chunk: Buffer) => output.push(chunk.toString()))
      children.push(child)
      await waitUntil(
        async () => (await fetch(`${url}/health/live`).catch(() => undefined))?.ok === true,
        'Waypoint to start',
        child,
      )
      return child
    }
    const waitUntil = async (check: () => Promise<boolean> | boolean, what: string, child: ChildProcess) => {
      // A bound, not a time to meet: at a load of 30-40 a first start took over 60 s.
      const deadline = Date.now() + 150_000
      while (!(await check())) {
        if (child.exitCode !== null)
          assert.fail(`Waypoint exited (${child.exitCode}) before ${what}:\n${output.join('').slice(-3000)}`)
        if (Date.now() > deadline)
          assert.fail(`timed out waiting for ${what}:\n${output.join('').slice(-3000)}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    let sequence = 0
    const postEvent = async () => {
      sequence += 1
      // 07700 900100 on: the fake's test numbers 900001–900003 end in failures.
      const phone = `07700 9${String(100 + sequence).padStart(5, '0')}`
      const response = await fetch(`${url}/api/v1/sources/norfolk/storm`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          eventId: `restart-${sequence}`,
          eventType: 'LOG_CREATED',
          timestamp: new Date().toISOString(),
          log: {
            reference: `RESTART-LOG-${sequence}`,
            grading: 'IMM',
            incidentType: 'Burglary - residential',
            location: `${sequence} High Street`,
            persons: [
              {
                nominalId: `RESTART-N-${sequence}`,
                name: `Person ${sequence}`,
                role: 'VIC',
                phone,
                preferredContact: 'SMS',
              },
            ],
          },
        }),
      })
      assert.equal(response.status, 202, await response.text())
      return phone.replace(/\D/g, '').slice(-10)
    }
    const atNotify = (phone: string) =>
      [...notify.notifications.values()].some((n) => n.to.replace(/\D/g, '').endsWith(phone))

    // The first process: its dispatch run is waiting for a slow Notify when it is killed.
    const first = await start()
    notify.slow(60_000)
    await postEvent()
    await waitUntil(() => notify.requests.send >= 1, 'the dispatch run to call Notify', first)
    first.kill('SIGKILL')
    await new Promise<void>((done) =>
      first.exitCode !== null || first.signalCode ? done() : first.once('exit', () => done()),
    )
    assert.equal(first.signalCode, 'SIGKILL')
    notify.slow(0)

    // Started again: each new event's message reaches Notify within 5 s.
    t.diagnostic(`killed; at Notify: ${notify.notifications.size}`)
    const restarted = performance.now()
    const second = await start()
    t.diagnostic(`restarted in ${((performance.now() - restarted) / 1000).toFixed(1)} s`)
    const latencies: number[] = []
    for (let i = 0; i < 3; i += 1) {
      if (i > 0) await new Promise((r) => setTimeout(r, 3000))
      const posted = performance.now()
      const phone = await postEvent()
      await waitUntil(
        () => atNotify(phone) || performance.now() - posted > 10_000,
        `event ${sequence}'s message at Notify`,
        second,
      )
      latencies.push(atNotify(phone) ? (performance.now() - posted) / 1000 : Number.POSITIVE_INFINITY)
    }
    t.diagnostic(`event → Notify after the restart: ${latencies.map((s) => s.toFixed(2)).join(', ')} s`)
    assert.ok(
      latencies.every((s) => s < 5),
      `every new event's message at Notify within 5 s: ${latencies.join(', ')} s\n${output.join('').slice(-4000)}`,
    )
    second.kill('SIGTERM')
    await new Promise<void>((done) => (second.exitCode !== null ? done() : second.once('exit', () => done())))
  } finally {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    if (template.url) await template.close()
    else await db!.close().catch(() => {})
    await notify.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise((done) => server.close(done))
  return port
}
