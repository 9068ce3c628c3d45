// A separate, real warehouse database for tests: a second PGlite data directory in the default
// run, a second database on the PostgreSQL server when DATABASE_URL is set.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { blankPgliteCluster } from '../../../test/support/test-database.ts'
import { closeEmbeddedWarehouse, embeddedWarehouse } from '../warehouse-query.ts'

export interface TestWarehouse {
  /** The connection string Waypoint is given. */
  url: string
  run(sql: string, values?: unknown[]): Promise<void>
  drop(): Promise<void>
}

export async function createTestWarehouse(label: string): Promise<TestWarehouse> {
  const server = process.env.DATABASE_URL
  if (server) {
    const name = `waypoint_${label}_${process.pid}`
    const admin = new pg.Client({ connectionString: server })
    await admin.connect()
    await admin.query(`drop database if exists ${name}`)
    await admin.query(`create database ${name}`)
    await admin.end()
    const url = new URL(server)
    url.pathname = `/${name}`
    return {
      url: url.toString(),
      run: async (sql, values = []) => {
        const c = new pg.Client({ connectionString: url.toString() })
        await c.connect()
        try {
          await c.query(sql, values)
        } finally {
          await c.end()
        }
      },
      drop: async () => {
        const c = new pg.Client({ connectionString: server })
        await c.connect()
        await c.query(`drop database if exists ${name} with (force)`)
        await c.end()
      },
    }
  }
  const dir = mkdtempSync(join(tmpdir(), `waypoint-${label}-`))
  // The directory starts as initdb would leave it, from a cached copy (blankPgliteCluster), and
  // stays open in the instance Waypoint's reads of it share (embeddedWarehouse).
  await embeddedWarehouse(dir, { loadDataDir: await blankPgliteCluster() })
  return {
    url: `pglite:${dir}`,
    run: async (sql, values = []) => {
      const db = await embeddedWarehouse(dir)
      await (values.length ? db.query(sql, values) : db.exec(sql))
    },
    drop: async () => {
      await closeEmbeddedWarehouse(dir)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
