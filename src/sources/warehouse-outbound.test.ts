// Where the warehouse poller may connect (decision 0016): only to hosts the deployment allows,
// never to Waypoint's own database under any name, read-only with a statement timeout, and with
// one message for every way of not connecting so the page cannot scan a network.
import assert from 'node:assert/strict'
import { type AddressInfo, createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { after, before, test } from 'node:test'
import { and, eq } from 'drizzle-orm'
import { pino } from 'pino'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { auditEvents } from '../platform/audit/schema.ts'
import { createTestWarehouse, type TestWarehouse } from './test-support/warehouse-database.ts'

const PAGE = '/console/sources/warehouse'
// These checks are about a warehouse and a Waypoint database on a PostgreSQL server, so this file
// always runs on one: the machine's PostgreSQL 15 when no DATABASE_URL is given (each run creates
// and drops its own databases there).
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test'
const logged: Record<string, unknown>[] = []
let t: TestApp
let warehouse: TestWarehouse

before(async () => {
  // Short limits, so the tests of them take a second, not the default half-minute.
  t = await createTestApp(
    { warehouse: { connectTimeoutMs: 1000, statementTimeoutMs: 1000 } },
    { log: pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) }) },
  )
  warehouse = await createTestWarehouse('dw_outbound')
  await warehouse.run(`create schema dw;
    create table dw.crime_changes (event_id text primary key, changed_at timestamptz);
    insert into dw.crime_changes values ('DW-1', '2026-06-01T10:00:00Z')`)
})

after(async () => {
  await t?.close()
  await warehouse?.drop()
})

const settings = (overrides: Record<string, string> = {}) => ({
  connection: warehouse.url,
  query: 'select * from dw.crime_changes',
  watermarkColumn: 'changed_at',
  pollIntervalMinutes: '15',
  enabled: 'yes',
  ...overrides,
})

async function warehouseEvents(forceId: string): Promise<string[]> {
  const events = await t.app.services.sources.events(forceId, { sourceSystem: 'warehouse', limit: 100 })
  return events.map((e) => e.sourceEventId).sort()
}

async function audited(forceId: string, action: string) {
  return t.app.db.withForce(forceId, (tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, action), eq(auditEvents.forceId, forceId))),
  )
}

/** The message under "The test did not work" on the settings page. */
function trialError(body: string): string | undefined {
  return /The test did not work<\/h3>\s*<div class="govuk-error-summary__body"><p class="govuk-body">([^<]*)<\/p>/.exec(
    body,
  )?.[1]
}

async function listening(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))

test('CP-157: a force admin cannot read Waypoint’s own database: refused on saving, through another address on trying and on polling, and nothing from it is shown', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  const staffEmail = `victim-of-the-attack-${process.pid}@waypoint.example.org`
  await t.app.services.staff.create(
    { forceId: 'essex', email: staffEmail, displayName: 'Essex Staff', roles: ['force_admin'] },
    null,
  )
  const attack = {
    query:
      "select email, password_hash, totp_secret, now() as changed_at from staff_users where force_id <> 'kent'",
    watermarkColumn: 'changed_at',
  }
  const own = new URL(t.database.url!)
  for (const host of ['127.0.0.1', 'localhost']) {
    own.hostname = host
    const saved = await admin.post(PAGE, settings({ connection: own.toString(), ...attack }))
    assert.equal(saved.statusCode, 400, host)
    assert.match(
      saved.body,
      /Waypoint may not connect to .*:5432. The warehouses Waypoint may connect to are set when it is deployed/,
    )
  }
  assert.equal((await audited('kent', 'warehouse-source.changed')).length, 0)

  // A port forward to the same server hides the address; the server's identity gives it away.
  const forward = createServer((socket: Socket) => {
    const upstream = tcpConnect(Number(own.port || 5432), '127.0.0.1')
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
    socket.pipe(upstream).pipe(socket)
  })
  const alias = new URL(own)
  alias.hostname = '127.0.0.1'
  alias.port = String(await listening(forward))
  try {
    assert.equal(
      (await admin.post(PAGE, settings({ connection: alias.toString(), ...attack }))).statusCode,
      303,
    )
    const tried = await admin.post(`${PAGE}/try`)
    assert.equal(trialError(tried.body), 'Waypoint could not connect to the warehouse')
    assert.ok(!tried.body.includes(staffEmail))
    const polled = await t.app.services.warehouse.pollForce('kent')
    assert.equal(polled?.error, 'Waypoint could not connect to the warehouse')
    assert.equal(polled?.rows, 0)
    assert.deepEqual(await warehouseEvents('kent'), [])
    const reasons = logged.filter((l) => l.forceId === 'kent' && typeof l.reason === 'string')
    assert.ok(reasons.some((l) => /own-database/.test(l.reason as string)))
    assert.ok(!JSON.stringify(logged).includes(alias.toString()))
  } finally {
    await closeServer(forward)
  }
})

test('CP-157: an embedded warehouse directory that holds a Waypoint database is refused', async () => {
  const admin = await t.signInAs(['force_admin'], 'norfolk', 'Norfolk Admin')
  const copy = await createTestWarehouse('waypoint_copy')
  try {
    await copy.run(`create table waypoint_migrations (name text primary key);
      create table staff_users (email text, changed_at timestamptz);
      insert into staff_users values ('someone@waypoint.example.org', now())`)
    await admin.post(PAGE, settings({ connection: copy.url, query: 'select * from staff_users' }))
    const tried = await admin.post(`${PAGE}/try`)
    assert.equal(trialError(tried.body), 'Waypoint could not connect to the warehouse')
    assert.ok(!tried.body.includes('someone@waypoint.example.org'))
  } finally {
    await copy.drop()
  }
})

test('CP-157: a warehouse on a host the deployment has not allowed is refused on saving, and nothing is stored', async () => {
  const admin = await t.signInAs(['force_admin'], 'cambridgeshire', 'Cambridgeshire Admin')
  for (const connection of [
    'postgres://reader:pw@warehouse.example.net:5432/dw',
    'postgres://reader:pw@10.0.0.8/dw',
    'postgres://reader:pw@169.254.169.254:80/dw',
  ]) {
    const saved = await admin.post(PAGE, settings({ connection }))
    assert.equal(saved.statusCode, 400, connection)
    assert.match(
      saved.body,
      /Waypoint may not connect to [^ ]+\. The warehouses Waypoint may connect to are set when it is deployed/,
    )
  }
  // Settings that would send the connection somewhere else (a socket, a file on this server).
  for (const connection of [
    'postgres://reader:pw@127.0.0.1/dw?host=/var/run/postgresql',
    'postgres://reader:pw@127.0.0.1/dw?sslrootcert=/etc/shadow',
  ]) {
    const saved = await admin.post(PAGE, settings({ connection }))
    assert.equal(saved.statusCode, 400, connection)
    assert.match(saved.body, /Enter a connection string like postgres:\/\/user:password@host:5432\/database/)
  }
  assert.equal((await audited('cambridgeshire', 'warehouse-source.changed')).length, 0)
  assert.equal(await t.app.services.warehouse.pollForce('cambridgeshire'), undefined)
})

test('CP-181: a refused port, an open port that is not PostgreSQL and a port that never answers give the administrator the same message; why goes to the log', async () => {
  const admin = await t.signInAs(['force_admin'], 'bedfordshire', 'Bedfordshire Admin')
  const closed = createServer()
  const closedPort = await listening(closed)
  await closeServer(closed)
  const held: Socket[] = []
  const notPostgres = createServer((socket) => {
    held.push(socket)
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')
  })
  const silent = createServer((socket) => {
    held.push(socket)
  })
  const ports = [closedPort, await listening(notPostgres), await listening(silent)]
  try {
    const messages: (string | undefined)[] = []
    for (const port of ports) {
      logged.length = 0
      await admin.post(PAGE, settings({ connection: `postgres://reader:secret-pw@127.0.0.1:${port}/dw` }))
      const tried = await admin.post(`${PAGE}/try`)
      messages.push(trialError(tried.body))
      const reason = logged.find((l) => l.forceId === 'bedfordshire' && typeof l.reason === 'string')
      assert.match(String(reason?.reason), /connection failed/, JSON.stringify(logged.slice(-3)))
      assert.ok(!JSON.stringify(logged).includes('secret-pw'))
    }
    assert.deepEqual(messages, Array(3).fill('Waypoint could not connect to the warehouse'))
  } finally {
    const closing = Promise.all([closeServer(notPostgres), closeServer(silent)])
    for (const socket of held) socket.destroy()
    await closing
  }
})

test('CP-157: a slow warehouse query is stopped by the statement timeout', async () => {
  const admin = await t.signInAs(['force_admin'], 'hertfordshire', 'Hertfordshire Admin')
  await admin.post(PAGE, settings({ query: 'select *, pg_sleep(60) as slept from dw.crime_changes' }))
  const started = Date.now()
  const tried = await admin.post(`${PAGE}/try`)
  assert.equal(trialError(tried.body), 'The query took longer than 1 second, so the warehouse stopped it')
  // Stopped, not run to its end (a minute), however loaded the machine.
  assert.ok(Date.now() - started < 30_000)
})
