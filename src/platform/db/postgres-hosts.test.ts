// A DATABASE_URL naming a primary and its standbys (target_session_attrs=read-write), read as
// libpq reads it, and a fail-over: the primary gone, a standby promoted, Waypoint's pools and
// listener reach the new primary without a restart. On the machine's PostgreSQL 15 the two
// "servers" are two TCP proxies in front of it; the standby's proxy makes its sessions
// read-only (default_transaction_read_only in the start-up packet, which is what a hot standby
// reports) until it is "promoted".
import assert from 'node:assert/strict'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import { createPostgresTestDatabase } from '../../../test/support/test-database.ts'
import { DatabaseError, isDatabaseUnavailable } from './database-error.ts'
import { openDatabase, rows } from './database.ts'
import { parsePostgresUrl, withLogin } from './postgres-hosts.ts'

test('a URL with several hosts is read as libpq reads it', () => {
  const target = parsePostgresUrl(
    'postgres://waypoint:s%40cret@db1.example:5433,[::1],db3.example/waypoint?target_session_attrs=read-write&sslmode=require',
  )
  assert.deepEqual(target.hosts, [
    { host: 'db1.example', port: 5433 },
    { host: '::1', port: 5432 },
    { host: 'db3.example', port: 5432 },
  ])
  assert.equal(target.targetSessionAttrs, 'read-write')
  // Each host's own URL, without the parameter node-postgres does not know.
  assert.equal(
    target.urlFor({ host: '::1', port: 5432 }),
    'postgres://waypoint:s%40cret@[::1]:5432/waypoint?sslmode=require',
  )
  assert.equal(parsePostgresUrl('postgresql://u@h/db').targetSessionAttrs, 'any')
  assert.throws(
    () => parsePostgresUrl('postgres://u@h1,h2/db?target_session_attrs=prefer-standby'),
    /not supported/,
  )
  assert.throws(() => parsePostgresUrl('postgres://u@h1:99999/db'), /port/)
  assert.throws(() => parsePostgresUrl('mysql://u@h1/db'), /postgres:\/\//)
  // The tenant and system logins keep every host and drop the owner's password.
  assert.equal(
    withLogin(
      'postgres://owner:pw@h1:5432,h2:5432/db?target_session_attrs=read-write',
      'waypoint_tenant_login',
    ),
    'postgres://waypoint_tenant_login@h1:5432,h2:5432/db?target_session_attrs=read-write',
  )
})

test('CP-48: after a fail-over, new connections and the listener reach the promoted server without a restart', async () => {
  const database = await createPostgresTestDatabase()
  const server = parsePostgresUrl(database.url as string)
  const upstream = server.hosts[0] as { host: string; port: number }
  const primary = await startProxy(upstream, false)
  const standby = await startProxy(upstream, true)
  // Nothing listens on a port just closed: the first host refuses, as a server that is down.
  const down = await closedPort()
  const path = new URL(database.url as string).pathname
  const url = `postgres://postgres@127.0.0.1:${down},127.0.0.1:${standby.port},127.0.0.1:${primary.port}${path}?target_session_attrs=read-write`
  const db = await openDatabase({ databaseUrl: url })
  const heard: string[] = []
  const stopListening = await db.listen('waypoint_failover_test', (payload) => heard.push(payload))
  const readOnly = async () =>
    (
      await db.asSystem((tx) =>
        rows<{ read_only: string }>(tx, sql`select current_setting('transaction_read_only') as read_only`),
      )
    )[0]?.read_only
  const notifyUntilHeard = async (prefix: string) => {
    const deadline = Date.now() + 15_000
    for (let n = 0; !heard.some((p) => p.startsWith(prefix)); n += 1) {
      if (Date.now() > deadline) assert.fail(`the listener heard nothing after ${prefix}`)
      await db
        .asSystem((tx) => tx.execute(sql`select pg_notify('waypoint_failover_test', ${`${prefix}${n}`})`))
        .catch(() => {})
      await sleep(100)
    }
  }
  try {
    assert.equal(await readOnly(), 'off', 'the writable server was chosen, past the one down and the standby')
    await db.withForce('kent', (tx) => tx.execute(sql`select 1`))
    await notifyUntilHeard('before-')
    assert.ok(primary.open() > 0, 'connections go to the primary')
    assert.equal(standby.open(), 0, 'the standby was asked and left')

    // Fail-over: the primary goes away with its connections; the standby is promoted.
    primary.kill()
    standby.promote()
    // Each pool's connection to the old primary fails when next used, and at most one new
    // connection per pool tries the old primary before the new one is found.
    const failed =
      (await eventually(async () => assert.equal(await readOnly(), 'off'))) +
      (await eventually(() => db.withForce('kent', (tx) => tx.execute(sql`select 1`))))
    assert.ok(failed <= 4, `statements failed after the fail-over: ${failed}`)
    await notifyUntilHeard('after-')
    assert.ok(standby.open() > 0, 'connections go to the promoted server')
  } finally {
    await stopListening()
    await db.close()
    primary.kill()
    standby.kill()
    await database.close()
  }
})

test('CP-48: while no server takes writes (the primary down, the standby not yet promoted), a transaction fails as the database unavailable (503, retried), not as an internal error', async () => {
  const database = await createPostgresTestDatabase()
  const server = parsePostgresUrl(database.url as string)
  const standby = await startProxy(server.hosts[0] as { host: string; port: number }, true)
  const down = await closedPort()
  const path = new URL(database.url as string).pathname
  const failed = async (url: string) => {
    const db = await openDatabase({ databaseUrl: url })
    try {
      return await db
        .withForce('kent', (tx) => tx.execute(sql`select 1`))
        .then(
          () => assert.fail('a transaction with no writable server'),
          (error: unknown) => error,
        )
    } finally {
      await db.close()
    }
  }
  try {
    // The drill's window (bench/failover.ts): the old primary refuses, the standby is read-only.
    const noWritable = await failed(
      `postgres://postgres@127.0.0.1:${down},127.0.0.1:${standby.port}${path}?target_session_attrs=read-write`,
    )
    assert.ok(noWritable instanceof DatabaseError)
    assert.equal(noWritable.code, '08001')
    assert.match(noWritable.message, /No writable PostgreSQL server answered/)
    assert.equal(isDatabaseUnavailable(noWritable), true, 'the HTTP layer answers 503 for it')
    // One server, down: the pool's connection fails the same way.
    const refused = await failed(`postgres://postgres@127.0.0.1:${down}${path}`)
    assert.ok(refused instanceof DatabaseError)
    assert.equal(refused.code, 'ECONNREFUSED')
    assert.equal(isDatabaseUnavailable(refused), true)
  } finally {
    standby.kill()
    await database.close()
  }
})

/** Runs `fn` until it succeeds (15 s at most); resolves to how many times it failed. */
async function eventually(fn: () => Promise<unknown>): Promise<number> {
  const started = Date.now()
  for (let failed = 0; ; failed += 1) {
    try {
      await fn()
      return failed
    } catch (error) {
      if (Date.now() - started > 15_000) throw error
      await sleep(50)
    }
  }
}

interface Proxy {
  port: number
  /** Connections open through the proxy now. */
  open(): number
  /** From now on, sessions are writable (a standby promoted). */
  promote(): void
  /** Stops listening and cuts every connection (a server gone). */
  kill(): void
}

/** A TCP proxy to PostgreSQL; while `readOnly`, each session starts read-only. */
async function startProxy(target: { host: string; port: number }, readOnly: boolean): Promise<Proxy> {
  const sockets = new Set<Socket>()
  let promoted = !readOnly
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(target.port, target.host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {})
    }
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    upstream.pipe(client)
    if (promoted) {
      client.pipe(upstream)
      return
    }
    // The start-up packet (length, protocol, name\0value\0 … \0): add the session setting.
    let head = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk])
      if (head.length < 4 || head.length < head.readInt32BE(0)) return
      client.off('data', onData)
      const length = head.readInt32BE(0)
      const extra = Buffer.from('options\0-c default_transaction_read_only=on\0')
      const packet = Buffer.concat([head.subarray(0, length - 1), extra, Buffer.from([0])])
      packet.writeInt32BE(packet.length, 0)
      upstream.write(packet)
      upstream.write(head.subarray(length))
      client.pipe(upstream)
    }
    client.on('data', onData)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    open: () => [...sockets].filter((s) => s.remoteAddress === '127.0.0.1' && !s.destroyed).length / 2,
    promote: () => {
      promoted = true
    },
    kill: () => {
      server.close()
      for (const socket of sockets) socket.destroy()
    },
  }
}

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
