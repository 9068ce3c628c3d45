// A fresh, migrated database for one test file: PGlite in memory by default (loaded from a
// cached, already-migrated template, ~1 s instead of ~5 s), or a new database on the server
// named by DATABASE_URL (the CI run against PostgreSQL 15).
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { type Database, openDatabase } from '../../src/platform/db/database.ts'
import { migrate, migrationsFingerprint } from '../../src/platform/db/migrate.ts'

const cacheDir = resolve(import.meta.dirname, '../../node_modules/.cache/waypoint')

export interface TestDatabase {
  db: Database
  /** The connection string of this test's own database (PostgreSQL runs only). */
  url: string | undefined
  close(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL
  if (serverUrl) return createServerDatabase(serverUrl)
  const db = await openDatabase({ loadDataDir: await pgliteTemplate() })
  await migrate(db)
  return { db, url: undefined, close: () => db.close() }
}

/** The PostgreSQL 15 server every machine and CI run has, for tests that need one on any run. */
export const defaultPostgresServer = 'postgres://postgres@127.0.0.1:5432/postgres'

/**
 * A fresh, migrated database on PostgreSQL (DATABASE_URL's server, or the local one), even in a
 * PGlite run: for tests of several processes sharing a database.
 */
export function createPostgresTestDatabase(): Promise<TestDatabase> {
  return createServerDatabase(process.env.DATABASE_URL ?? defaultPostgresServer)
}

async function createServerDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `waypoint_t_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const db = await openDatabase({ databaseUrl: url.toString() })
  await migrate(db)
  return {
    db,
    url: url.toString(),
    close: async () => {
      await db.close()
      const cleanup = new pg.Client({ connectionString: serverUrl })
      await cleanup.connect()
      await cleanup.query(`drop database if exists ${name} with (force)`)
      await cleanup.end()
    },
  }
}

async function pgliteTemplate(): Promise<Blob> {
  const file = join(cacheDir, `pglite-${migrationsFingerprint()}.tar.gz`)
  if (existsSync(file)) return new Blob([readFileSync(file)])
  const db = await openDatabase({})
  await migrate(db)
  const dump = await db.dumpDataDir!()
  await db.close()
  mkdirSync(cacheDir, { recursive: true })
  const partial = `${file}.${process.pid}.tmp`
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
  renameSync(partial, file)
  return dump
}
