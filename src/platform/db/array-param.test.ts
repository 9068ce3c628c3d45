// `arrayParam` (database.ts): a list bound as one PostgreSQL array parameter, the way repositories
// pass ids and words to `= any(…)` and to functions. Each element reaches PostgreSQL as written,
// whatever it holds, on PGlite and on PostgreSQL 15.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestDatabase } from '../../../test/support/test-database.ts'
import { arrayParam, rows } from './database.ts'

test('a list bound as one array parameter arrives element by element, quotes, backslashes, commas and braces included', async () => {
  const database = await createTestDatabase()
  try {
    const texts = ['plain', 'two words', 'O"Brien', 'back\\slash', 'a,b', '{braces}', 'NULL', '', "o'neill"]
    const ids = ['9a1b5f8e-2c6d-4e0f-8a3b-1c2d3e4f5a6b', '00000000-0000-4000-8000-000000000001']
    const found = await database.db.asSystem(async (tx) => ({
      texts: await rows<{ value: string | null }>(
        tx,
        sql`select unnest(${arrayParam(texts, 'text')}) as value`,
      ),
      ids: await rows<{ value: string }>(tx, sql`select unnest(${arrayParam(ids, 'uuid')})::text as value`),
      numbers: await rows<{ value: string }>(
        tx,
        sql`select unnest(${arrayParam([1, 9007199254740993n], 'bigint')})::text as value`,
      ),
      none: await rows<{ count: number }>(
        tx,
        sql`select count(*)::int as count from unnest(${arrayParam([], 'uuid')})`,
      ),
    }))
    // The word NULL stays a word, not a missing value.
    assert.deepEqual(
      found.texts.map((r) => r.value),
      texts,
    )
    assert.deepEqual(
      found.ids.map((r) => r.value),
      ids,
    )
    assert.deepEqual(
      found.numbers.map((r) => r.value),
      ['1', '9007199254740993'],
    )
    assert.equal(found.none[0]?.count, 0)
  } finally {
    await database.close()
  }
})
