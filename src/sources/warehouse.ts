// The interim route to Athena data while direct access awaits governance approval (facts §7):
// each force's data warehouse holds read-only copies, so Waypoint polls it with read-only SQL
// past a watermark column and feeds every new row through the same inbox as the live sources.
// Reading happens outside any Waypoint transaction (no network I/O inside one); each row is
// then received in its own transaction, so a failed poll resumes from the last watermark.
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { Database } from '../platform/db/database.ts'
import { EmptyPayload, defineJob } from '../platform/jobs.ts'
import type { Clock } from '../platform/clock.ts'
import type { Logger } from '../platform/logger.ts'
import type { SourceRepository, WarehouseSourceRow } from './repository.ts'
import type { IngestResult, SourceService } from './service.ts'

const identifier = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/
const BATCH = 500

export interface WarehousePollResult {
  forceId: string
  rows: number
  results: IngestResult[]
  watermark: string | null
  error?: string
}

export class WarehousePoller {
  readonly #db: Database
  readonly #repo: SourceRepository
  readonly #sources: SourceService
  readonly #clock: Clock
  readonly #log: Logger

  constructor(deps: {
    db: Database
    repo: SourceRepository
    sources: SourceService
    clock: Clock
    log: Logger
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#sources = deps.sources
    this.#clock = deps.clock
    this.#log = deps.log
  }

  /** Every 5 minutes, as a pg-boss job (singleton per schedule across workers). */
  readonly job = defineJob({
    name: 'sources.warehouse-poll',
    payload: EmptyPayload,
    cron: '*/5 * * * *',
    retryLimit: 0,
    handle: async () => {
      await this.pollAll()
    },
  })

  /** Sets where a force's warehouse is and which table and columns to read. */
  async configure(
    source: Omit<WarehouseSourceRow, 'lastPolledAt' | 'lastError' | 'watermark'>,
  ): Promise<void> {
    for (const name of [source.sourceTable, source.watermarkColumn, source.eventIdColumn]) {
      if (!identifier.test(name)) throw new Error(`"${name}" is not a plain SQL identifier`)
    }
    await this.#db.withForce(source.forceId, (tx) =>
      this.#repo.saveWarehouseSource(tx, { ...source, watermark: null }, this.#clock.now()),
    )
  }

  async pollAll(): Promise<WarehousePollResult[]> {
    const sources = await this.#db.asSystem((tx) => this.#repo.warehouseSources(tx))
    const results: WarehousePollResult[] = []
    for (const source of sources.filter((s) => s.enabled)) results.push(await this.poll(source))
    return results
  }

  async poll(source: WarehouseSourceRow): Promise<WarehousePollResult> {
    const { forceId } = source
    try {
      const found = await readSince(source)
      const results: IngestResult[] = []
      let watermark = source.watermark
      for (const row of found) {
        results.push(
          await this.#sources.receive(forceId, 'warehouse', JSON.stringify(row), 'application/json'),
        )
        watermark = text(row[source.watermarkColumn])
        await this.#db.withForce(forceId, (tx) =>
          this.#repo.recordPoll(tx, forceId, {
            watermark: watermark ?? undefined,
            error: null,
            now: this.#clock.now(),
          }),
        )
      }
      if (!found.length) {
        await this.#db.withForce(forceId, (tx) =>
          this.#repo.recordPoll(tx, forceId, { error: null, now: this.#clock.now() }),
        )
      }
      return { forceId, rows: found.length, results, watermark }
    } catch (error) {
      const message = (error as Error).message
      this.#log.warn({ forceId, err: error }, 'warehouse poll failed; it resumes from the last watermark')
      await this.#db.withForce(forceId, (tx) =>
        this.#repo.recordPoll(tx, forceId, { error: message, now: this.#clock.now() }),
      )
      return { forceId, rows: 0, results: [], watermark: source.watermark, error: message }
    }
  }
}

/** Read-only SQL on the warehouse: rows past the watermark, oldest first. */
async function readSince(source: WarehouseSourceRow): Promise<Record<string, unknown>[]> {
  for (const name of [source.sourceTable, source.watermarkColumn]) {
    if (!identifier.test(name)) throw new Error(`"${name}" is not a plain SQL identifier`)
  }
  const query = `select * from ${source.sourceTable}
    where ($1::text is null or ${source.watermarkColumn} > $1::timestamptz)
    order by ${source.watermarkColumn} limit ${BATCH}`
  const values = [source.watermark]
  if (source.connectionUrl.startsWith('pglite:')) {
    // An embedded warehouse (demo and tests): a PGlite data directory.
    const warehouse = new PGlite(source.connectionUrl.slice('pglite:'.length))
    try {
      await warehouse.exec('begin transaction read only')
      const result = await warehouse.query<Record<string, unknown>>(query, values)
      await warehouse.exec('rollback')
      return result.rows
    } finally {
      await warehouse.close()
    }
  }
  const client = new pg.Client({ connectionString: source.connectionUrl })
  await client.connect()
  try {
    await client.query('begin transaction read only')
    const result = await client.query(query, values)
    await client.query('rollback')
    return result.rows
  } finally {
    await client.end()
  }
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null
  return value instanceof Date ? value.toISOString() : String(value)
}
