// The short-lived settings cache and the transaction endings it relies on, against a real
// database (PGlite here, PostgreSQL 15 in CI): a change is seen at once by the process that made
// it, nothing uncommitted or rolled back is ever served to others, and held values are frozen.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.ts'
import { HeldValues, SettingsCache } from './cache.ts'
import { rows, type Tx } from './db/database.ts'

let database: TestDatabase

before(async () => {
  database = await createTestDatabase()
})
after(() => database.close())

const nameOf = async (tx: Tx, id: string) =>
  (await rows<{ name: string }>(tx, sql`select name from forces where id = ${id}`))[0]?.name ?? ''
const rename = (tx: Tx, id: string, name: string) =>
  tx.execute(sql`update forces set name = ${name} where id = ${id}`)

test('work after a transaction runs once it has ended: told it committed, or that it rolled back', async () => {
  const db = database.db
  const endings: string[] = []
  await db.asSystem(async (tx) => {
    db.afterTransaction(tx, (committed) => {
      endings.push(`outer ${committed}`)
    })
    // Registered inside a savepoint: runs when the outermost transaction ends, not the savepoint.
    await tx.transaction(async (sp) => {
      db.afterTransaction(sp as Tx, (committed) => {
        endings.push(`savepoint ${committed}`)
      })
    })
    assert.deepEqual(endings, [], 'nothing runs before the transaction ends')
  })
  assert.deepEqual(endings, ['outer true', 'savepoint true'])
  await assert.rejects(
    db.asSystem(async (tx) => {
      db.afterTransaction(tx, (committed) => {
        endings.push(`failed ${committed}`)
      })
      throw new Error('rolled back')
    }),
    /rolled back/,
  )
  assert.deepEqual(endings.at(-1), 'failed false')
})

test('a held setting is read once; the process that changes it sees the change at once', async () => {
  const db = database.db
  const cache = new SettingsCache<string>(db, { ttlMs: 60_000 })
  let reads = 0
  const read = (tx: Tx) => {
    reads += 1
    return nameOf(tx, 'kent')
  }
  const original = await db.asSystem((tx) => cache.get(tx, 'kent', read))
  assert.equal(await db.asSystem((tx) => cache.get(tx, 'kent', read)), original)
  assert.equal(reads, 1, 'the second reader is served from the cache')

  await db.asSystem(async (tx) => {
    cache.forget(tx, 'kent')
    await rename(tx, 'kent', 'Kent Police (renamed)')
    // The writing transaction reads past the cache and sees its own change...
    assert.equal(await cache.get(tx, 'kent', read), 'Kent Police (renamed)')
  })
  // ...and after it commits, everyone reads the committed value.
  assert.equal(await db.asSystem((tx) => cache.get(tx, 'kent', read)), 'Kent Police (renamed)')
  await db.asSystem((tx) => rename(tx, 'kent', original))
})

test('a change that rolls back is never served from the cache', async () => {
  const db = database.db
  const cache = new SettingsCache<string>(db, { ttlMs: 60_000 })
  const original = await db.asSystem((tx) => cache.get(tx, 'essex', (t) => nameOf(t, 'essex')))
  await assert.rejects(
    db.asSystem(async (tx) => {
      cache.forget(tx, 'essex')
      await rename(tx, 'essex', 'Never committed')
      assert.equal(await cache.get(tx, 'essex', (t) => nameOf(t, 'essex')), 'Never committed')
      throw new Error('the save failed')
    }),
    /the save failed/,
  )
  assert.equal(await db.asSystem((tx) => cache.get(tx, 'essex', (t) => nameOf(t, 'essex'))), original)
})

test('forgetting a prefix drops every key under it; held values are frozen', async () => {
  const db = database.db
  const cache = new SettingsCache<{ names: string[] }>(db, { ttlMs: 60_000 })
  let reads = 0
  const load = async () => {
    reads += 1
    return { names: ['a', 'b'] }
  }
  const held = await db.asSystem(async (tx) => {
    await cache.get(tx, 'kent|sms', load)
    return cache.get(tx, 'kent|email', load)
  })
  assert.equal(reads, 2)
  assert.throws(() => held.names.push('c'), TypeError, 'a reader cannot change what others are served')
  await db.asSystem(async (tx) => cache.forget(tx, 'kent|*'))
  await db.asSystem(async (tx) => {
    await cache.get(tx, 'kent|sms', load)
    await cache.get(tx, 'kent|email', load)
  })
  assert.equal(reads, 4, 'both keys were read again')
})

test('a held setting expires: a change made by another process is seen within the time to live', async () => {
  const db = database.db
  let now = 0
  const cache = new SettingsCache<string>(db, { ttlMs: 50, now: () => now })
  const original = await db.asSystem((tx) => cache.get(tx, 'norfolk', (t) => nameOf(t, 'norfolk')))
  // Another process's change: made without this cache knowing.
  await db.asSystem((tx) => rename(tx, 'norfolk', 'Norfolk (changed elsewhere)'))
  now = 49
  assert.equal(await db.asSystem((tx) => cache.get(tx, 'norfolk', (t) => nameOf(t, 'norfolk'))), original)
  now = 51
  assert.equal(
    await db.asSystem((tx) => cache.get(tx, 'norfolk', (t) => nameOf(t, 'norfolk'))),
    'Norfolk (changed elsewhere)',
  )
  await db.asSystem((tx) => rename(tx, 'norfolk', original))
})

test('held values outside a transaction: what is not worth holding is read every time; a writer drops what it changed', async () => {
  let now = 0
  let reads = 0
  const tokens = new HeldValues<{ client: string } | undefined>({
    ttlMs: 50,
    now: () => now,
    holdIf: (found) => found !== undefined,
  })
  const find = (hash: string) =>
    tokens.fetch(hash, async () => {
      reads += 1
      return hash === 'unknown' ? undefined : { client: hash.split('-')[0] as string }
    })
  await find('unknown')
  await find('unknown')
  assert.equal(reads, 2, 'an unknown token is never held, so one issued elsewhere works at once')
  await find('a-1')
  await find('a-2')
  await find('b-1')
  await find('a-1')
  assert.equal(reads, 5, 'a recognised token is held')
  tokens.dropWhere((found) => found?.client === 'a')
  await find('a-1')
  await find('a-2')
  await find('b-1')
  assert.equal(reads, 7, "a disabled client's tokens are dropped at once, and only theirs")
  tokens.drop('a-*')
  await find('a-1')
  assert.equal(reads, 8, 'a prefix drops every key under it')
  now = 51
  await find('b-1')
  assert.equal(reads, 9, 'a held value expires after its time to live')
})

test('at most maxEntries values are held: the oldest goes first', async () => {
  let reads = 0
  const held = new HeldValues<number>({ maxEntries: 2 })
  const read = (key: string) =>
    held.fetch(key, async () => {
      reads += 1
      return reads
    })
  await read('a')
  await read('b')
  await read('c')
  assert.equal(reads, 3)
  await read('c')
  await read('b')
  assert.equal(reads, 3, 'the two newest are held')
  await read('a')
  assert.equal(reads, 4, 'the oldest was let go')
})
