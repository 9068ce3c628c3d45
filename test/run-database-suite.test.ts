// The PostgreSQL suite's choice of files (test/run-database-suite.ts): every test file whose run
// follows DATABASE_URL, and none that would run exactly as in the PGlite lanes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { databaseSuiteFiles, usesDatabaseUrl } from './run-database-suite.ts'

test('files that open a database following DATABASE_URL, or read it, are in the PostgreSQL suite', () => {
  const files = databaseSuiteFiles()
  // Through createTestApp (test/support/test-app.ts calls createTestDatabase).
  assert.ok(files.includes('src/platform/service-status/service-status.test.ts'))
  // Calling createTestDatabase itself.
  assert.ok(files.includes('src/platform/cache.test.ts'))
  // Reading DATABASE_URL to decide what its worker process connects to.
  assert.ok(files.includes('src/messaging/kill-worker.test.ts'))
  assert.ok(files.every((file) => file.startsWith('src/') && file.endsWith('.test.ts')))
})

test('unit tests and tests that always use the PostgreSQL server are left out', () => {
  // Opens no database at all.
  assert.equal(usesDatabaseUrl('src/platform/calendar.test.ts'), false)
  // Imports only a support file that opens none (production-settings.ts).
  assert.equal(usesDatabaseUrl('src/platform/config.test.ts'), false)
  // Always on the server (createPostgresTestDatabase), with or without DATABASE_URL.
  assert.equal(usesDatabaseUrl('src/platform/push/listen-reconnect.test.ts'), false)
})
