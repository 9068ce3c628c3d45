// Live push across processes: two `waypoint web` processes (the production entry, configured
// only through environment variables) share a fresh PostgreSQL 15 database. Chromium shows the
// outbox from process A; GOV.UK Notify's delivery receipt reaches process B; the page on A shows
// the news without reloading, carried by PostgreSQL NOTIFY from B to A and by server-sent events
// to the page. On PGlite runs (no DATABASE_URL) the test makes its own database on the local
// PostgreSQL 15 server, so it runs in every suite.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { after, before, test } from 'node:test'
import fastifyCookie from '@fastify/cookie'
import { sql } from 'drizzle-orm'
import { FixedClock } from '../../src/platform/clock.ts'
import { loadConfig } from '../../src/platform/config.ts'
import { SESSION_COOKIE } from '../../src/platform/http/server.ts'
import { SessionRepository } from '../../src/platform/http/session-repository.ts'
import { SessionService } from '../../src/platform/http/session-service.ts'
import { StaffRepository } from '../../src/platform/auth/staff-repository.ts'
import { StaffService } from '../../src/platform/auth/staff-service.ts'
import { checkAccessibility, launchChromium } from '../support/browser.ts'
import { createPostgresTestDatabase, type TestDatabase } from '../support/test-database.ts'

const repoRoot = resolve(import.meta.dirname, '../..')
const node = resolve(repoRoot, 'node_modules/.bin/node')
const sessionSecret = randomBytes(32).toString('hex')
const callbackToken = randomBytes(24).toString('hex')

let database: TestDatabase
const processes: { child: ChildProcess; output: string[] }[] = []

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

/** Starts `waypoint web` on its own port and waits until it answers. */
async function startWeb(name: string): Promise<string> {
  const port = await freePort()
  const output: string[] = []
  const child = spawn(node, ['src/main.ts', 'web'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      SIMULATOR: 'false',
      DATABASE_URL: database.url!,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SESSION_SECRET: sessionSecret,
      NOTIFY_CALLBACK_TOKEN: callbackToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (c: Buffer) => output.push(c.toString()))
  processes.push({ child, output })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120_000
  for (;;) {
    if (child.exitCode !== null) assert.fail(`web ${name} exited: ${output.join('').slice(-3000)}`)
    if (Date.now() > deadline) assert.fail(`web ${name} did not start: ${output.join('').slice(-3000)}`)
    const live = await fetch(`${url}/health/live`).catch(() => undefined)
    if (live?.ok) return url
    await new Promise((r) => setTimeout(r, 200))
  }
}

before(async () => {
  database = await createPostgresTestDatabase()
})

after(async () => {
  for (const { child } of processes) if (child.exitCode === null) child.kill('SIGTERM')
  await Promise.all(
    processes.map(
      ({ child }) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done()
          const force = setTimeout(() => child.kill('SIGKILL'), 10_000)
          child.once('exit', () => {
            clearTimeout(force)
            done()
          })
        }),
    ),
  )
  await database?.close()
})

test('CP-51: the outbox on web process A shows, without reloading, a delivery receipt that reached web process B (PostgreSQL 15)', {
  timeout: 240_000,
}, async () => {
  const db = database.db
  const version = (await db.asSystem((tx) => tx.execute(sql`show server_version_num`))) as unknown as {
    rows: { server_version_num: string }[]
  }
  assert.equal(version.rows[0]!.server_version_num.slice(0, 2), '15', 'runs on PostgreSQL 15')

  // A member of staff of Kent, signed in (session row and signed cookie as the processes make them).
  const clock = new FixedClock(new Date())
  const staff = await new StaffService(new StaffRepository(db), clock).create(
    {
      forceId: 'kent',
      email: `push.${process.pid}@waypoint.example.org`,
      displayName: 'Push Test',
      roles: ['force_admin'],
    },
    null,
  )
  const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: sessionSecret })
  const sessions = new SessionService(new SessionRepository(db), config.session, sessionSecret, clock)
  const { token } = await sessions.start(
    { subjectKind: 'staff', subjectId: staff.id, forceId: 'kent' },
    {},
    {},
  )
  const cookieValue = new fastifyCookie.Signer(sessionSecret).sign(token)

  // A text message Notify has accepted, waiting for its receipt.
  const providerRef = randomUUID()
  const reference = `push-${randomUUID()}`
  await db.asSystem((tx) =>
    tx.execute(sql`
      insert into messages (force_id, reference, channel, provider, recipient, recipient_key, body, due_at,
        send_after, status, provider_ref, sent_at)
      values ('kent', ${reference}, 'sms', 'notify', '07700 900123', '447700900123', 'Your crime has been recorded.',
        now(), now(), 'sent', ${providerRef}, now())`),
  )

  const a = await startWeb('A')
  const b = await startWeb('B')

  const browser = await launchChromium()
  try {
    const context = await browser.newContext({ baseURL: a })
    await context.addCookies([
      { name: SESSION_COOKIE, value: cookieValue, url: a, httpOnly: true, sameSite: 'Lax' },
    ])
    const page = await context.newPage()
    const cspErrors: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') cspErrors.push(m.text())
    })
    await page.goto('/console/outbox')
    await page.getByRole('heading', { name: 'Outbox' }).waitFor()
    await page.locator('html[data-push-ready="true"]').waitFor({ timeout: 15_000 })
    const notice = page.locator('[data-push-topic="outbox"]')
    assert.equal(await notice.isVisible(), false, 'no notice before anything happens')
    await page.evaluate(() => {
      ;(window as unknown as { notReloaded: boolean }).notReloaded = true
    })

    // GOV.UK Notify's delivery receipt, to process B.
    const receipt = await fetch(`${b}/callbacks/notify/kent/receipts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${callbackToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: providerRef, reference, status: 'delivered' }),
    })
    assert.equal(receipt.status, 204)

    await notice.waitFor({ state: 'visible', timeout: 10_000 })
    assert.match((await notice.textContent()) ?? '', /There is news in the outbox/)
    assert.equal(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
      true,
      'the page was not reloaded',
    )
    assert.deepEqual(cspErrors, [], 'no script was refused by the content security policy')
    assert.deepEqual(await checkAccessibility(page), [], 'the page with its notice meets WCAG 2.2 AA')

    // Following the notice's link shows the news itself.
    await notice.getByRole('link', { name: 'Reload the outbox' }).click()
    await page.locator('.govuk-summary-card .govuk-tag', { hasText: 'Delivered' }).waitFor()
    assert.equal(await notice.isVisible(), false, 'the reloaded page starts without the notice')
  } finally {
    await browser.close()
  }
})
