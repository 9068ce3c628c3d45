// The Drizzle schema (every `schema.ts`) describes the tables the SQL migrations make: applied to
// a fresh database, the migrations give each table Drizzle declares exactly the columns it declares,
// with the same types and nullability. Repositories are typed by the Drizzle schema and the
// database is made by the migrations, so a difference between them is a bug waiting to happen.
import assert from 'node:assert/strict'
import { globSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { is, sql } from 'drizzle-orm'
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core'
import { createTestDatabase } from '../../../test/support/test-database.ts'
import { rows } from './database.ts'

const sourceRoot = resolve(import.meta.dirname, '../..')

/** Every table any `schema.ts` exports, by name. */
async function drizzleTables(): Promise<Map<string, { file: string; table: PgTable }>> {
  const tables = new Map<string, { file: string; table: PgTable }>()
  for (const file of globSync('**/schema.ts', { cwd: sourceRoot }).sort()) {
    const module = (await import(join(sourceRoot, file))) as Record<string, unknown>
    for (const value of Object.values(module)) {
      if (!is(value, PgTable)) continue
      const name = getTableConfig(value).name
      const seen = tables.get(name)
      assert.ok(!seen || seen.table === value, `${name} is declared in both ${seen?.file} and ${file}`)
      tables.set(name, { file, table: value })
    }
  }
  return tables
}

/** A column type as both sides can spell it: PostgreSQL's own names, arrays as `type[]`. */
function canonical(type: string): string {
  const aliases: Record<string, string> = {
    serial: 'integer',
    bigserial: 'bigint',
    smallserial: 'smallint',
    int: 'integer',
    int4: 'integer',
    int8: 'bigint',
    int2: 'smallint',
    bool: 'boolean',
    float8: 'double precision',
    float4: 'real',
    timestamptz: 'timestamp with time zone',
    timestamp: 'timestamp without time zone',
    'timestamp with time zone': 'timestamp with time zone',
    'timestamp without time zone': 'timestamp without time zone',
    varchar: 'character varying',
    char: 'character',
    bpchar: 'character',
    time: 'time without time zone',
    timetz: 'time with time zone',
  }
  const trimmed = type.trim().toLowerCase()
  const array = trimmed.endsWith('[]')
  const base = array ? trimmed.slice(0, -2) : trimmed
  const [, name = base, size = ''] = /^([a-z0-9_ ]+?)\s*(\(.*\))?$/.exec(base) ?? []
  const spelled = `${aliases[name] ?? name}${size.replace(/\s/g, '')}`
  return array ? `${spelled}[]` : spelled
}

interface DbColumn {
  table_name: string
  column_name: string
  data_type: string
  udt_name: string
  character_maximum_length: number | null
  is_nullable: 'YES' | 'NO'
}

function dbType(c: DbColumn): string {
  if (c.data_type === 'ARRAY') return canonical(`${c.udt_name.replace(/^_/, '')}[]`)
  if (c.data_type === 'USER-DEFINED') return canonical(c.udt_name)
  const size = c.character_maximum_length ? `(${c.character_maximum_length})` : ''
  return canonical(`${c.data_type}${size}`)
}

test('the Drizzle schema matches the SQL migrations: every declared table has the same columns, types and nullability', async () => {
  // Migrated from nothing by the migrations alone (through the test template of the same files).
  const database = await createTestDatabase()
  const db = database.db
  try {
    const declared = await drizzleTables()
    assert.ok(declared.size > 20, `found ${declared.size} Drizzle tables`)
    const columns = await db.asSystem((tx) =>
      rows<DbColumn>(
        tx,
        sql`select table_name, column_name, data_type, udt_name, character_maximum_length, is_nullable
            from information_schema.columns where table_schema = 'public'`,
      ),
    )
    const drift: string[] = []
    for (const [name, { file, table }] of declared) {
      const inDb = new Map(columns.filter((c) => c.table_name === name).map((c) => [c.column_name, c]))
      if (inDb.size === 0) {
        drift.push(`${file}: table ${name} is not made by any migration`)
        continue
      }
      const config = getTableConfig(table)
      for (const column of config.columns) {
        const found = inDb.get(column.name)
        if (!found) {
          drift.push(`${file}: ${name}.${column.name} is not in the database`)
          continue
        }
        inDb.delete(column.name)
        const want = canonical(column.getSQLType())
        const have = dbType(found)
        if (want !== have)
          drift.push(`${file}: ${name}.${column.name} is ${have} in the database, ${want} in Drizzle`)
        const nullable = found.is_nullable === 'YES'
        if (nullable === column.notNull)
          drift.push(
            `${file}: ${name}.${column.name} is ${nullable ? 'nullable' : 'not null'} in the database, ${column.notNull ? 'not null' : 'nullable'} in Drizzle`,
          )
      }
      for (const extra of inDb.keys())
        drift.push(`${file}: ${name}.${extra} is in the database but not in Drizzle`)
    }
    assert.deepEqual(drift, [], `The Drizzle schema and the migrations differ:\n${drift.join('\n')}`)
  } finally {
    await database.close()
  }
})
