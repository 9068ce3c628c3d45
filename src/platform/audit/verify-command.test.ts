// `waypoint audit verify` run as the operator runs it: a separate process on the same database.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { FixedClock } from '../clock.ts'
import { type Database, openDatabase } from '../db/database.ts'
import { migrate } from '../db/migrate.ts'
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts'
import { AuditRepository } from './audit-repository.ts'
import { AuditService } from './audit-service.ts'

const root = resolve(import.meta.dirname, '../../..')
const serverUrl = process.env.DATABASE_URL
let dataDir: string | undefined
let server: TestDatabase | undefined
let db: Database

/** Opens the database the child process will use: a PGlite directory, or a fresh server database. */
async function openShared(): Promise<Database> {
  if (server) return openDatabase({ databaseUrl: server.url })
  const opened = await openDatabase({ dataDir })
  await migrate(opened)
  return opened
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' }
  if (server) env.DATABASE_URL = server.url
  else {
    delete env.DATABASE_URL
    env.WAYPOINT_DATA_DIR = dataDir
  }
  return new Promise((done) => {
    execFile(
      join(root, 'node_modules/.bin/node'),
      [join(root, 'src/main.ts'), ...args],
      { cwd: root, env, timeout: 120_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
}

before(async () => {
  if (serverUrl) server = await createTestDatabase()
  else dataDir = mkdtempSync(join(tmpdir(), 'waypoint-verify-'))
  db = server ? server.db : await openShared()
})
after(async () => {
  if (server) await server.close()
  else {
    await db.close()
    rmSync(dataDir!, { recursive: true, force: true })
  }
})

test('CP-176: `waypoint audit verify` reports every chain OK and exits 0 on an untouched trail', async () => {
  const audit = new AuditService(new AuditRepository(db), db, new FixedClock())
  const actor = { kind: 'staff' as const, id: 'u-1', name: 'Ola Auditor' }
  for (const forceId of ['kent', 'kent', 'kent', 'suffolk']) {
    await audit.record({ action: 'case.viewed', forceId, actor, recordType: 'case', recordId: 'C-1' })
  }
  if (!server) await db.close()
  const result = await runCli(['audit', 'verify'])
  assert.equal(result.code, 0, result.stderr)
  // Each force's trail is kept in 32 chains (decision 0031); one after another, events go to the first.
  assert.match(result.stdout, /^kent: OK \(3 events in 32 chains\)$/m)
  assert.match(result.stdout, /^suffolk: OK \(1 events in 32 chains\)$/m)
  assert.match(result.stdout, /^region: OK \(\d+ events in 32 chains\)$/m)
  assert.match(result.stdout, /All \d+ trails verify\./)
  if (!server) db = await openShared()
})

test('CP-176: `waypoint audit verify` names the broken chain and sequence and exits 1 after tampering', async () => {
  await db.execAsOwner(
    `set session_replication_role = replica;
     update audit_events set record_id = 'C-TAMPERED' where chain = 'kent' and seq = 2;
     set session_replication_role = origin;`,
  )
  if (!server) await db.close()
  const result = await runCli(['audit', 'verify'])
  assert.equal(result.code, 1)
  assert.match(result.stdout, /^kent: BROKEN at seq 2: the row was changed after it was written$/m)
  assert.match(result.stdout, /^suffolk: OK/m)
  assert.doesNotMatch(result.stdout, /^kent: OK/m)
  assert.match(result.stdout, /1 of \d+ trails are broken\./)
  if (!server) db = await openShared()
})

test('CP-176: an unknown audit subcommand is refused with usage and exit code 2', async () => {
  const result = await runCli(['audit', 'repair'])
  assert.equal(result.code, 2)
  assert.match(result.stderr, /Unknown audit command: repair/)
})
