// Named prepared statements on PGlite (pglite-statements.ts, decision 0069): each answer is the one
// PGlite's own query() gives, on the statement's first run and on later ones, and errors, locks,
// transactions and deallocated statements behave as they do there.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { PGlite } from '@electric-sql/pglite'
import { blankPgliteCluster } from '../../../test/support/test-database.ts'
import { openPgliteClient } from './database.ts'
import { type PreparedPglite, withPreparedStatements } from './pglite-statements.ts'

let client: PGlite
let prepared: PreparedPglite
before(async () => {
  client = await openPgliteClient('memory://', await blankPgliteCluster(), { shared_buffers: '16MB' })
  prepared = withPreparedStatements(client)
  await client.exec(`create table people (id uuid primary key, name text not null, tags text[], data jsonb,
    born date, seen timestamptz, active boolean, photo bytea, score numeric, visits int8)`)
})
after(async () => {
  await client?.close()
})

const insert = `insert into people (id, name, tags, data, born, seen, active, photo, score, visits)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning *`

/** The insert's values for a person with only an id and a name. */
function named(id: string, name: string): unknown[] {
  return [id, name, null, null, null, null, null, null, null, null]
}

/** How many named statements PostgreSQL holds for this session. */
async function statementsHeld(): Promise<number> {
  const { rows } = await client.query<{ n: number }>('select count(*)::int as n from pg_prepared_statements')
  return rows[0]!.n
}

test('a statement run through a name answers as PGlite’s own query() does, the first time and after', async () => {
  const values = [
    '9a1b5f8e-2c6d-4e0f-8a3b-1c2d3e4f5a6b',
    'O\'Brien, "Ann" \\ {x}',
    ['a', 'b c', '{}', 'NULL', ''],
    { nested: [1, { deep: 'é' }], none: null },
    new Date('2026-01-02T00:00:00Z'),
    new Date('2026-03-04T05:06:07.089Z'),
    true,
    new Uint8Array([0, 1, 254, 255]),
    '12.50',
    9007199254740993n,
  ]
  const first = await prepared.query(insert, values)
  assert.equal(first.affectedRows, 1)
  const select = 'select * from people where id = $1'
  const expected = await client.query(select, [values[0]])
  for (let run = 0; run < 7; run++) {
    const ours = await prepared.query(select, [values[0]])
    assert.deepEqual(ours.rows, expected.rows)
    assert.deepEqual(ours.fields, expected.fields)
  }
  assert.deepEqual(first.rows, expected.rows)
  const row = expected.rows[0] as Record<string, unknown>
  assert.equal(row.name, values[1])
  assert.deepEqual(row.tags, values[2])
  assert.deepEqual(row.data, values[3])
  assert.deepEqual(row.photo, values[8 - 1])
  assert.equal(row.visits, 9007199254740993n)
  // Rows as arrays with a query's own parsers (Drizzle's way), and nulls.
  const options = { rowMode: 'array' as const, parsers: { 1184: (value: string) => `at ${value}` } }
  const arrays = await prepared.query(
    'select seen, null::text as nothing, $1::int as n from people',
    [null],
    options,
  )
  assert.deepEqual(
    arrays.rows,
    (await client.query('select seen, null::text as nothing, $1::int as n from people', [null], options))
      .rows,
  )
  assert.match(String((arrays.rows[0] as unknown[])[0]), /^at 2026-03-04/)
  // Each text was prepared once: the insert, the select and the array query.
  assert.equal(await statementsHeld(), 3)
})

test('a failed statement throws PGlite’s error with the query on it, and a statement that does not parse is not kept', async () => {
  const held = await statementsHeld()
  await assert.rejects(
    prepared.query('select * from nowhere where id = $1', [1]),
    (error: Error & { code?: string; query?: string }) => {
      assert.equal(error.code, '42P01')
      assert.equal(error.query, 'select * from nowhere where id = $1')
      return true
    },
  )
  assert.equal(await statementsHeld(), held)
  // A kept statement failing on its value (not a uuid) is still kept and runs again.
  const select = 'select name from people where id = $1'
  await prepared.query(select, ['9a1b5f8e-2c6d-4e0f-8a3b-1c2d3e4f5a6b'])
  await assert.rejects(prepared.query(select, ['not a uuid']), { code: '22P02' })
  const again = await prepared.query<{ name: string }>(select, ['9a1b5f8e-2c6d-4e0f-8a3b-1c2d3e4f5a6b'])
  assert.equal(again.rows.length, 1)
})

test('a transaction’s statements go by name too, commit and roll back as before, and nothing runs inside another’s transaction', async () => {
  const count = 'select count(*)::int as n from people'
  const before = (await prepared.query<{ n: number }>(count)).rows[0]!.n
  let release!: () => void
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const inside = prepared.transaction(async (tx) => {
    await tx.query(insert, named('11111111-2c6d-4e0f-8a3b-1c2d3e4f5a6b', 'Inside'))
    await held
    await tx.rollback()
  })
  // A statement outside waits for the transaction: it never sees its row.
  const outside = prepared.query<{ n: number }>(count)
  await new Promise((resolve) => setTimeout(resolve, 20))
  release()
  await inside
  assert.equal((await outside).rows[0]!.n, before)
  await prepared.transaction(async (tx) => {
    await tx.query(insert, named('22222222-2c6d-4e0f-8a3b-1c2d3e4f5a6b', 'Kept'))
  })
  assert.equal((await prepared.query<{ n: number }>(count)).rows[0]!.n, before + 1)
  // An error inside rolls the whole transaction back.
  await assert.rejects(
    prepared.transaction(async (tx) => {
      await tx.query(insert, named('33333333-2c6d-4e0f-8a3b-1c2d3e4f5a6b', 'Lost'))
      await tx.query(insert, named('33333333-2c6d-4e0f-8a3b-1c2d3e4f5a6b', 'Twice'))
    }),
    { code: '23505' },
  )
  assert.equal((await prepared.query<{ n: number }>(count)).rows[0]!.n, before + 1)
  assert.equal(client.isInTransaction(), false)
})

test('a statement deallocated under the handle, or whose result changed type, is prepared again outside a transaction', async () => {
  const select = 'select * from people order by name limit 1'
  const first = await prepared.query<Record<string, unknown>>(select)
  await client.exec('deallocate all')
  assert.deepEqual((await prepared.query(select)).rows, first.rows)
  const held = await statementsHeld()
  await client.exec('alter table people add column note text')
  const widened = await prepared.query<Record<string, unknown>>(select)
  assert.ok('note' in widened.rows[0]!)
  // The statement PostgreSQL refused (its result changed type) is closed as its new one is made.
  assert.equal(await statementsHeld(), held)
  await client.exec('alter table people drop column note')
})

test('a handle keeps its most recently used statements up to its limit, closing the least recently used', async () => {
  await client.exec('deallocate all')
  const small = withPreparedStatements(client, { mostKept: 3 })
  const texts = [1, 2, 3, 4, 5].map(
    (n) => `select ${n} as n, count(*)::int as people from people where name <> $1`,
  )
  for (const text of texts.slice(0, 3)) await small.query(text, ['x'])
  // The first is used again, so the second is now the least recently used.
  await small.query(texts[0]!, ['x'])
  await small.query(texts[3]!, ['x'])
  const held = async () =>
    (await client.query<{ statement: string }>('select statement from pg_prepared_statements')).rows
      .map((r) => r.statement)
      .sort()
  assert.deepEqual(await held(), [texts[0], texts[2], texts[3]].sort())
  await small.query(texts[4]!, ['x'])
  assert.deepEqual(await held(), [texts[0], texts[3], texts[4]].sort())
  // A closed statement is prepared again when it comes back, and answers as before.
  const again = await small.query<{ n: number }>(texts[1]!, ['x'])
  assert.equal(again.rows[0]!.n, 2)
  assert.equal((await held()).length, 3)
})
