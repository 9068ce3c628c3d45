// The web chat's start limit shared by web processes (decision 0047): two Waypoint apps on one
// PostgreSQL 15 database, as two web processes behind a load balancer, count the same starts
// from an address, so the limit stays 10 a minute in all instead of 10 in each. PGlite has one
// connection and cannot be shared by two apps, so this always runs on the PostgreSQL server.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createPostgresTestDatabase, type TestDatabase } from '../../test/support/test-database.ts'
import { type App, createApp } from '../app.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { type Database, openDatabase, rows } from '../platform/db/database.ts'
import { CHAT_STARTS_PER_MINUTE } from './chat-start-limit.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let database: TestDatabase
let secondDb: Database
let first: App
let second: App

before(async () => {
  database = await createPostgresTestDatabase()
  const config = loadConfig({ NODE_ENV: 'test' })
  first = await createApp(config, { db: database.db, clock })
  secondDb = await openDatabase({ databaseUrl: database.url! })
  second = await createApp(config, { db: secondDb, clock })
})
after(async () => {
  await first?.stop()
  await second?.stop()
  await secondDb?.close()
  await database?.close()
})

/** The plain chat form's session cookie and CSRF token, from `app`. */
async function formSession(app: App, remoteAddress: string) {
  const form = await app.http.inject({ method: 'GET', url: '/chat/essex/message', remoteAddress })
  assert.equal(form.statusCode, 200)
  const cookie = String(form.headers['set-cookie'] ?? '').split(';')[0]!
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
  return { cookie, csrf }
}

let sent = 0
async function send(app: App, remoteAddress: string) {
  const { cookie, csrf } = await formSession(app, remoteAddress)
  sent += 1
  return app.http.inject({
    method: 'POST',
    url: '/chat/essex/message',
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    payload: new URLSearchParams({
      _csrf: csrf,
      email: `person${sent}@example.org`,
      message: 'My bike was stolen',
    }).toString(),
  })
}

test('CRM-16: two web processes on one database share the chat start limit: 10 a minute from an address in all, not 10 in each', async () => {
  const address = '203.0.113.7'
  const statuses: number[] = []
  for (let n = 0; n < CHAT_STARTS_PER_MINUTE; n++)
    statuses.push((await send(n % 2 === 0 ? first : second, address)).statusCode)
  assert.deepEqual(statuses, Array(CHAT_STARTS_PER_MINUTE).fill(200))
  // Each process has taken only 5, but the address has used the minute's 10 between them.
  for (const app of [first, second]) {
    const refused = await send(app, address)
    assert.equal(refused.statusCode, 429)
    assert.match(refused.body, /govuk-error-summary[\s\S]*Too many chats started from here/)
  }
  // Another address is not held back.
  assert.equal((await send(second, '198.51.100.20')).statusCode, 200)

  // Starting at once from both processes cannot pass the limit either.
  clock.advance(61_000)
  const racing = await Promise.all(
    Array.from({ length: 16 }, (_, n) => send(n % 2 === 0 ? first : second, address)),
  )
  assert.equal(racing.filter((r) => r.statusCode === 200).length, CHAT_STARTS_PER_MINUTE)
  assert.equal(racing.filter((r) => r.statusCode === 429).length, 6)

  // The address is kept as a digest only, and older rows go as new ones come.
  const kept = await first.db.withForce('essex', (tx) =>
    rows<{ hash: string; n: number }>(
      tx,
      sql`select address_hash as hash, count(*)::int as n from contact_chat_starts group by 1 order by 2 desc`,
    ),
  )
  assert.equal(kept[0]!.n, CHAT_STARTS_PER_MINUTE)
  assert.equal(kept.length, 1)
  assert.equal(kept[0]!.hash, createHash('sha256').update(address).digest('hex'))
  // Row-level security: another force reads none of them.
  const kent = await first.db.withForce('kent', (tx) => rows(tx, sql`select 1 from contact_chat_starts`))
  assert.equal(kent.length, 0)
})
