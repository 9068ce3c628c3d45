// Applies the SQL migrations that each capability keeps in its own `migrations/` folder, in
// the global order of their file names (docs/decisions/0002-sql-migrations.md). The same files
// run unchanged on PGlite and PostgreSQL 15; each runs once, in its own transaction.
import { createHash } from 'node:crypto'
import { globSync, readFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import type { Database } from './database.ts'

const sourceRoot = resolve(import.meta.dirname, '../..')

export interface Migration {
  name: string
  path: string
  sql: string
  checksum: string
}

/** The migrations, read once a process: they are part of the code, and a test process asked twice. */
let listed: readonly Migration[] | undefined

export function listMigrations(): readonly Migration[] {
  listed ??= readMigrations()
  return listed
}

function readMigrations(): Migration[] {
  const files = globSync('**/migrations/*.sql', { cwd: sourceRoot }).map((file) => join(sourceRoot, file))
  const migrations = files.map((path) => {
    const text = readFileSync(path, 'utf8')
    return { name: basename(path, '.sql'), path, sql: text, checksum: sha256(text) }
  })
  migrations.sort((a, b) => a.name.localeCompare(b.name))
  const seen = new Set<string>()
  for (const m of migrations) {
    if (seen.has(m.name)) throw new Error(`Two migrations are named ${m.name}`)
    seen.add(m.name)
  }
  return migrations
}

/** A fingerprint of every migration, so a cached test template is rebuilt when one changes. */
export function migrationsFingerprint(): string {
  return sha256(
    listMigrations()
      .map((m) => `${m.name}:${m.checksum}`)
      .join('\n'),
  ).slice(0, 16)
}

export async function migrate(db: Database, log: (line: string) => void = () => {}): Promise<string[]> {
  await db.execAsOwner(`create table if not exists waypoint_migrations (
    name text primary key, checksum text not null, applied_at timestamptz not null default now())`)
  const applied = await appliedMigrations(db)
  const done: string[] = []
  for (const m of listMigrations()) {
    const previous = applied.get(m.name)
    if (previous) {
      if (previous !== m.checksum) throw new Error(`Migration ${m.name} was changed after it was applied`)
      continue
    }
    await db.execAsOwner(
      `begin;\n${m.sql}\n;insert into waypoint_migrations (name, checksum) values ('${m.name}', '${m.checksum}');\ncommit;`,
    )
    log(`applied migration ${m.name}`)
    done.push(m.name)
  }
  return done
}

async function appliedMigrations(db: Database): Promise<Map<string, string>> {
  const result = new Map<string, string>()
  for (const row of await db.execAsOwner('select name, checksum from waypoint_migrations')) {
    result.set(String(row.name), String(row.checksum))
  }
  return result
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
