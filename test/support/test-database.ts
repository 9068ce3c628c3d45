// A fresh, migrated database for one test file: PGlite in memory by default (loaded from a
// cached, already-migrated template, under 1 s of CPU instead of ~5 s; in a batch process the one
// PGlite its files take turns on, reset to that template, shared-pglite.ts), or a new database on the server
// named by DATABASE_URL (the CI run against PostgreSQL 15), copied from a migrated template
// database (`create database … template …`) instead of running every migration again.
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { loadConfig } from '../../src/platform/config.ts'
import {
  type Database,
  openDatabase,
  openPgliteClient,
  pgliteDatabase,
} from '../../src/platform/db/database.ts'
import { migrate, migrationsFingerprint } from '../../src/platform/db/migrate.ts'
import { sharedPglite } from './shared-pglite.ts'

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
  // In a batch process, the one PGlite the batch's test databases take turns on (shared-pglite.ts).
  const shared = await sharedPglite.take(async () => {
    const client = await openPgliteClient('memory://', await pgliteTemplate(), pgliteSettings)
    // Nothing to apply to the template; this checks it is current and complete.
    await migrate(pgliteDatabase(client, async () => undefined))
    return client
  })
  if (shared) {
    const db = pgliteDatabase(shared.client, shared.giveBack)
    return { db, url: undefined, close: () => db.close() }
  }
  const db = await openDatabase({ loadDataDir: await pgliteTemplate(), pgliteSettings })
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
  try {
    const template = await serverTemplate(admin, serverUrl)
    await admin.query(`create database ${name} template ${template}`)
  } finally {
    await admin.end()
  }
  const url = databaseUrl(serverUrl, name)
  const db = await openDatabase({ databaseUrl: url })
  // Nothing to apply after the copy; this checks the template is current and complete.
  await migrate(db)
  return {
    db,
    url,
    close: async () => {
      await db.close()
      const cleanup = new pg.Client({ connectionString: serverUrl })
      await cleanup.connect()
      await cleanup.query(`drop database if exists ${name} with (force)`)
      await cleanup.end()
    },
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Serialises template builds of every test process on one server (pg_advisory_lock's key). */
const templateLock = 0x77617970

/**
 * The name of a database on the server with every migration applied, named by the migrations'
 * fingerprint and built once (the first test process to need it builds it while the others on
 * the same database wait). Copying it takes a fraction of a second; migrating a new database
 * takes several.
 */
async function serverTemplate(admin: pg.Client, serverUrl: string): Promise<string> {
  const name = `waypoint_template_${migrationsFingerprint()}_v${templateVersion}`
  const ready = async () =>
    (await admin.query('select 1 from pg_database where datname = $1 and datistemplate', [name])).rowCount ===
    1
  if (await ready()) return name
  await admin.query('select pg_advisory_lock($1)', [templateLock])
  try {
    if (await ready()) return name
    const building = `${name}_${process.pid}_${randomBytes(2).toString('hex')}`
    await admin.query(`create database ${building}`)
    try {
      const db = await openDatabase({ databaseUrl: databaseUrl(serverUrl, building) })
      try {
        await prepareTemplate(db)
      } finally {
        await db.close()
      }
      await admin.query(`comment on database ${building} is 'built ${Date.now()}'`)
      await admin.query(`alter database ${building} rename to ${name}`)
      await admin.query(`alter database ${name} is_template true`)
    } catch (error) {
      await admin.query(`drop database if exists ${building} with (force)`)
      // A test process connected to another database of this server built it first.
      if (await ready()) return name
      throw error
    }
    await dropStaleTemplates(admin, name)
    return name
  } finally {
    await admin.query('select pg_advisory_unlock($1)', [templateLock])
  }
}

/** How long a template of other migrations is kept: other checkouts may share the server. */
const staleAfterMs = 24 * 60 * 60 * 1000

/** Drops templates of other migrations built more than a day ago and not being copied now. */
async function dropStaleTemplates(admin: pg.Client, current: string): Promise<void> {
  const stale = await admin.query<{ datname: string; comment: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as comment from pg_database
      where datistemplate and datname like 'waypoint\\_template\\_%' and datname <> $1`,
    [current],
  )
  for (const { datname, comment } of stale.rows) {
    const built = Number(/^built (\d+)$/.exec(comment ?? '')?.[1] ?? 0)
    if (Date.now() - built < staleAfterMs) continue
    try {
      await admin.query(`alter database ${datname} is_template false`)
      await admin.query(`drop database ${datname}`)
    } catch {
      // Being copied at this moment: left for a later run.
      await admin.query(`alter database ${datname} is_template true`).catch(() => undefined)
    }
  }
}

/** Bump when what a template holds changes other than by a migration. */
const templateVersion = 4

/**
 * Settings of every test PGlite. PGlite zeroes its whole buffer pool at start, 128 MB by default,
 * which took about half the CPU of opening a test database; a test's data fits in 16 MB many
 * times over. A new WAL segment is not written full of zeros first, only its last byte.
 */
const pgliteSettings = { shared_buffers: '16MB', wal_init_zero: 'off' }

/**
 * Settings of the PGlite that builds the template: an old WAL segment is removed at a checkpoint
 * instead of kept for reuse, so the template holds the one segment it needs.
 */
const templateBuildSettings = { ...pgliteSettings, min_wal_size: '32MB', wal_recycle: 'off' }

/**
 * What every template holds: every migration, and the job queue as an app's start leaves it: its
 * own tables, every queue and every schedule (a second of DDL and some thirty statements that
 * each test's app would otherwise repeat). The rows the app's start seeds for a force (its source
 * mapping profiles) and the starting app's own instance row are removed, so a test's app seeds
 * and registers as it would on a new database. A template older than the app's jobs is still
 * right: an app's start creates or updates any queue or schedule that differs.
 */
async function prepareTemplate(db: Database): Promise<void> {
  await migrate(db)
  const { createApp } = await import('../../src/app.ts')
  const config = loadConfig({ NODE_ENV: 'test' })
  const app = await createApp(config, { db })
  await app.stop()
  await db.execAsOwner(`delete from mapping_profile_publications; delete from mapping_profiles;
    delete from ${config.jobs.schema}.instance;`)
}

/**
 * Leaves the template smaller and ready to open: without the template databases (template0,
 * template1), which no test copies, and checkpointed in a fresh WAL segment, so that opening it
 * replays no WAL and writes no new segment.
 */
async function compactPgliteTemplate(db: Database): Promise<void> {
  for (const name of ['template0', 'template1']) {
    await db.execAsOwner(`alter database ${name} is_template false`)
    await db.execAsOwner(`drop database ${name}`)
  }
  await db.execAsOwner('checkpoint')
  await db.execAsOwner('select pg_switch_wal()')
  await db.execAsOwner('checkpoint')
}

/**
 * The migrated PGlite data directory as an uncompressed tar (quicker to load than gzip), cached
 * under node_modules/.cache by the migrations' fingerprint.
 */
async function pgliteTemplate(): Promise<Blob> {
  const file = join(cacheDir, `pglite-${migrationsFingerprint()}-v${templateVersion}.tar`)
  if (existsSync(file)) {
    const bytes = readFileSync(file)
    // Its modification time says when a test last used it (pruneStaleTemplates).
    const now = new Date()
    utimesSync(file, now, now)
    return tarball(bytes)
  }
  const db = await openDatabase({ pgliteSettings: templateBuildSettings })
  await prepareTemplate(db)
  await compactPgliteTemplate(db)
  const dump = await db.dumpDataDir!('none')
  await db.close()
  await cacheDump(file, dump)
  pruneStaleTemplates(file)
  return dump
}

/** Writes a dump to the cache whole or not at all: a partial file is renamed into place. */
async function cacheDump(file: string, dump: Blob): Promise<void> {
  mkdirSync(cacheDir, { recursive: true })
  const partial = `${file}.${process.pid}.tmp`
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()))
  renameSync(partial, file)
}

/**
 * PGlite's empty cluster, as its initdb leaves it, as an uncompressed tar: a test's second
 * database (a warehouse, test-support/warehouse-database.ts) starts its directory from it in
 * about 0.5 s of CPU where initdb took about 2 s. Cached under node_modules/.cache by PGlite's
 * version, since it holds nothing of ours.
 */
export async function blankPgliteCluster(): Promise<Blob> {
  const { version } = JSON.parse(
    readFileSync(
      resolve(import.meta.dirname, '../../node_modules/@electric-sql/pglite/package.json'),
      'utf8',
    ),
  ) as { version: string }
  const file = join(cacheDir, `blank-cluster-pglite-${version}.tar`)
  if (existsSync(file)) return tarball(readFileSync(file))
  const db = new PGlite()
  await db.waitReady
  const dump = await db.dumpDataDir('none')
  await db.close()
  await cacheDump(file, dump)
  return dump
}

/**
 * Removes cached PGlite templates of other migrations (about 45 MB each) that no test has used
 * for a day, and partial files left by a process that stopped while writing one. Checkouts that
 * share node_modules may still use another's template; one of theirs unused for a day is rebuilt
 * when next needed.
 */
export function pruneStaleTemplates(current: string, dir = cacheDir): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (path === current || !/^pglite-.*\.tar(\.\d+\.tmp)?$/.test(name)) continue
    try {
      if (Date.now() - statSync(path).mtimeMs > staleAfterMs) rmSync(path, { force: true })
    } catch {
      // Removed by another test process at the same moment.
    }
  }
}

/**
 * The template's bytes as PGlite reads a data directory dump: it asks only for `type` and
 * `arrayBuffer()`. A `Blob` of the file would copy its 45 MB through Node's blob reader in
 * chunks first, about a tenth of the CPU of opening the database.
 */
function tarball(bytes: Buffer): Blob {
  // A file this size is read into a buffer of its own: handed over as it is, not copied again.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
  const buffer = (
    whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  ) as ArrayBuffer
  return { type: 'application/x-tar', arrayBuffer: async () => buffer } as unknown as Blob
}
