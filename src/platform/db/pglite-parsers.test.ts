// PGlite's result parsers after `trimParserMap` (database.ts): an instance keeps only the parsers
// that differ from one database to another, and the arrays of built-in types are parsed from
// PGlite's defaults. What a query returns is the same as before, through Drizzle (which brings its
// own parsers for dates and times) and through PGlite's own query path (the job queue's and
// `execAsOwner`'s).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestDatabase } from '../../../test/support/test-database.ts'
import { rows } from './database.ts'

const query = `select array[1, 2]::int4[] as ints, array[3]::int2[] as smalls, array['a', 'b c']::text[] as texts,
  array[true, false] as bools, array['{"a": 1}']::jsonb[] as jsons, array[1.5]::float8[] as floats,
  array['9a1b5f8e-2c6d-4e0f-8a3b-1c2d3e4f5a6b']::uuid[] as uuids, array[null, 4]::int4[] as holes,
  array['2026-01-02 03:04:05+00']::timestamptz[] as stamps, '2026-01-02 03:04:05+00'::timestamptz as stamp,
  array['2026-01-02']::date[] as dates, array[2.25]::numeric[] as numerics,
  array[array[1, 2], array[3, 4]]::int4[] as grid, '{}'::text[] as empty`

test('a query returns the same values through PGlite’s own path once its parser map is trimmed', async () => {
  const database = await createTestDatabase()
  try {
    if (database.db.kind !== 'pglite') return
    const [row] = await database.db.execAsOwner(query)
    assert.ok(row)
    assert.deepEqual(row.ints, [1, 2])
    assert.deepEqual(row.smalls, [3])
    assert.deepEqual(row.texts, ['a', 'b c'])
    assert.deepEqual(row.bools, [true, false])
    assert.deepEqual(row.jsons, [{ a: 1 }])
    assert.deepEqual(row.floats, [1.5])
    assert.deepEqual(row.uuids, ['9a1b5f8e-2c6d-4e0f-8a3b-1c2d3e4f5a6b'])
    assert.deepEqual(row.holes, [null, 4])
    assert.deepEqual(row.stamps, [new Date('2026-01-02T03:04:05Z')])
    assert.deepEqual(row.stamp, new Date('2026-01-02T03:04:05Z'))
    assert.deepEqual(row.dates, [new Date('2026-01-02T00:00:00Z')])
    // PGlite has no parser for numeric: it stays text, as it always did.
    assert.deepEqual(row.numerics, ['2.25'])
    assert.deepEqual(row.grid, [
      [1, 2],
      [3, 4],
    ])
    assert.deepEqual(row.empty, [])
  } finally {
    await database.close()
  }
})

test('a query returns the same values through Drizzle once PGlite’s parser map is trimmed', async () => {
  const database = await createTestDatabase()
  try {
    const [row] = await database.db.asSystem((tx) => rows<Record<string, unknown>>(tx, sql.raw(query)))
    assert.ok(row)
    assert.deepEqual(row.ints, [1, 2])
    assert.deepEqual(row.texts, ['a', 'b c'])
    assert.deepEqual(row.bools, [true, false])
    assert.deepEqual(row.jsons, [{ a: 1 }])
    assert.deepEqual(row.uuids, ['9a1b5f8e-2c6d-4e0f-8a3b-1c2d3e4f5a6b'])
    assert.deepEqual(row.holes, [null, 4])
    if (database.db.kind !== 'pglite') return
    // Drizzle's own parsers keep dates, times and numerics, and arrays of them, as PostgreSQL's text.
    assert.equal(row.stamps, '{"2026-01-02 03:04:05+00"}')
    assert.equal(row.stamp, '2026-01-02 03:04:05+00')
    assert.equal(row.dates, '{2026-01-02}')
    assert.equal(row.numerics, '{2.25}')
  } finally {
    await database.close()
  }
})
