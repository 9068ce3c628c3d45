// Two Waypoint processes starting together on a new PostgreSQL database (a web and a worker
// process of a first deployment) both install the default journeys at start-up: on PostgreSQL 15,
// since PGlite has one connection and nothing there runs at once.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createPostgresTestDatabase, type TestDatabase } from '../../test/support/test-database.ts'
import { type App, createApp } from '../app.ts'
import { loadConfig } from '../platform/config.ts'
import { rows } from '../platform/db/database.ts'
import { defaultJourneys } from './default-journeys.ts'

let database: TestDatabase
const apps: App[] = []

before(async () => {
  database = await createPostgresTestDatabase()
  for (let i = 0; i < 2; i++)
    apps.push(await createApp(loadConfig({ NODE_ENV: 'test' }), { db: database.db }))
})
after(async () => {
  for (const app of apps) await app.stop()
  await database?.close()
})

test('two processes installing the default journeys at once install each once, and neither fails', async () => {
  const installed = await Promise.all(
    [...apps, ...apps].map((app) => app.services.journeys.installDefaults('kent')),
  )
  assert.equal(
    installed.reduce((sum, n) => sum + n, 0),
    defaultJourneys.length,
    'the first installs them all; the others find them there',
  )
  const [counted] = await apps[0]!.db.withForce('kent', (tx) =>
    rows<{ journeys: number; keys: number }>(
      tx,
      sql`select count(*)::int as journeys, count(distinct key)::int as keys from journeys`,
    ),
  )
  assert.deepEqual(counted, { journeys: defaultJourneys.length, keys: defaultJourneys.length })
})
