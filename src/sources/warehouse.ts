// The interim route to Athena data while direct access awaits governance approval (facts §7):
// each force's data warehouse holds read-only copies, so Waypoint polls it with the force's own
// read-only SELECT past a watermark column and feeds every new row through the same inbox as the
// live sources. Reading happens outside any Waypoint transaction (no network I/O inside one);
// the rows read are then received together in one transaction, so a failed poll resumes from
// the last watermark. Force administrators set all of this on /console/sources/warehouse.
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { EmptyPayload, defineJob } from '../platform/jobs.ts'
import type { Logger } from '../platform/logger.ts'
import type { IngestResult, SourceService } from './service.ts'
import {
  checkWarehouseQuery,
  isColumnName,
  readWarehouse,
  rowsPastWatermark,
  WarehouseError,
  type WarehouseLimits,
} from './warehouse-query.ts'
import type { WarehouseRepository, WarehouseSourceRow } from './warehouse-repository.ts'

const BATCH = 500
/** The schedule runs every 5 minutes; a poll a little early for its interval still counts as due. */
const SCHEDULE_SLACK_MS = 60_000
/** Far longer than a batch takes; a claim this old belongs to a worker that stopped mid-poll. */
const POLL_LEASE_MS = 10 * 60_000

export interface WarehousePollResult {
  forceId: string
  rows: number
  results: IngestResult[]
  watermark: string | null
  error?: string
  /** Another poll of this warehouse was running, so this one read nothing. */
  busy?: boolean
}

export class WarehousePoller {
  readonly #db: Database
  readonly #repo: WarehouseRepository
  readonly #sources: SourceService
  readonly #clock: Clock
  readonly #log: Logger
  readonly #cipher: CredentialKeys
  readonly limits: WarehouseLimits

  constructor(deps: {
    db: Database
    repo: WarehouseRepository
    sources: SourceService
    clock: Clock
    log: Logger
    cipher: CredentialKeys
    limits: WarehouseLimits
  }) {
    this.limits = deps.limits
    this.#db = deps.db
    this.#repo = deps.repo
    this.#sources = deps.sources
    this.#clock = deps.clock
    this.#log = deps.log
    this.#cipher = deps.cipher
  }

  /** Every 5 minutes, as a pg-boss job (singleton per schedule across workers). */
  readonly job = defineJob({
    name: 'sources.warehouse-poll',
    payload: EmptyPayload,
    cron: '*/5 * * * *',
    retryLimit: 0,
    handle: async () => {
      await this.pollDue()
    },
  })

  /**
   * Sets a force's warehouse to read a whole table from the start, with the default interval
   * (demo set-up and tests; staff use the settings page, which is audited).
   */
  async configure(source: {
    forceId: string
    connectionUrl: string
    sourceTable: string
    watermarkColumn: string
    /** Not stored: the force's mapping profile says which column holds the event id. */
    eventIdColumn?: string
    enabled: boolean
  }): Promise<void> {
    const query = checkWarehouseQuery(`select * from ${source.sourceTable}`)
    if (!query.ok || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(source.sourceTable))
      throw new Error(`"${source.sourceTable}" is not a plain table name`)
    if (!isColumnName(source.watermarkColumn))
      throw new Error(`"${source.watermarkColumn}" is not a plain column name`)
    await this.#db.withForce(source.forceId, (tx) =>
      this.#repo.save(
        tx,
        {
          forceId: source.forceId,
          connection: {
            sealed: this.#cipher.encrypt(source.connectionUrl),
            ...describeConnection(source.connectionUrl),
          },
          query: query.query,
          watermarkColumn: source.watermarkColumn,
          watermark: null,
          pollIntervalMinutes: 5,
          enabled: source.enabled,
        },
        null,
        this.#clock.now(),
      ),
    )
  }

  /** The scheduled poll: each enabled force whose interval has passed since its last poll. */
  async pollDue(): Promise<WarehousePollResult[]> {
    const now = this.#clock.now().getTime()
    const due = (await this.#enabledSources()).filter(
      (s) =>
        !s.lastPolledAt ||
        now - s.lastPolledAt.getTime() >= s.pollIntervalMinutes * 60_000 - SCHEDULE_SLACK_MS,
    )
    return this.#pollEach(due)
  }

  /** Every enabled force, whatever its interval. */
  async pollAll(): Promise<WarehousePollResult[]> {
    return this.#pollEach(await this.#enabledSources())
  }

  /** One force's warehouse now ("poll now"), enabled or not. */
  async pollForce(forceId: string): Promise<WarehousePollResult | undefined> {
    const source = await this.#db.withForce(forceId, (tx) => this.#repo.source(tx, forceId))
    return source ? this.poll(source) : undefined
  }

  /** The connection string in clear, for reading only; never logged or shown. */
  connectionOf(source: WarehouseSourceRow): string {
    if (source.connectionSealed) return this.#cipher.decrypt(source.connectionSealed)
    if (source.connectionLegacy) return source.connectionLegacy
    throw new Error('No warehouse connection is set')
  }

  async poll(listed: WarehouseSourceRow): Promise<WarehousePollResult> {
    const { forceId } = listed
    const now = this.#clock.now()
    const source = await this.#db.withForce(forceId, (tx) =>
      this.#repo.claimPoll(tx, forceId, now, new Date(now.getTime() - POLL_LEASE_MS)),
    )
    if (!source) return { forceId, rows: 0, results: [], watermark: listed.watermark, busy: true }
    let watermark = source.watermark
    const results: IngestResult[] = []
    try {
      const found = await readWarehouse(
        this.connectionOf(source),
        rowsPastWatermark(source.query, source.watermarkColumn, BATCH),
        [source.watermark],
        this.limits,
      )
      // The rows read are received together (one transaction, set-based), then the watermark
      // moves past them; a stop in between re-reads them and the inbox drops the repeats.
      results.push(
        ...(await this.#sources.receiveBatch(
          forceId,
          'warehouse',
          found.rows.map((row) => ({ payload: JSON.stringify(row), contentType: 'application/json' })),
        )),
      )
      const last = found.rows.map((row) => text(row[source.watermarkColumn])).findLast((v) => v)
      if (last) {
        watermark = last
        await this.#db.withForce(forceId, (tx) => this.#repo.advanceWatermark(tx, forceId, last))
      }
      await this.#sources.deliverCaseEvents(forceId)
      await this.#db.withForce(forceId, (tx) =>
        this.#repo.recordPoll(tx, forceId, { rows: results.length, error: null, now: this.#clock.now() }),
      )
      return { forceId, rows: results.length, results, watermark }
    } catch (error) {
      const message = this.describeFailure(forceId, error)
      await this.#db.withForce(forceId, (tx) =>
        this.#repo.recordPoll(tx, forceId, { rows: results.length, error: message, now: this.#clock.now() }),
      )
      return { forceId, rows: results.length, results, watermark, error: message }
    }
  }

  /**
   * What the administrator is shown for a failed read; the log gets the reason, never the
   * connection string, a statement parameter or a value read.
   */
  describeFailure(forceId: string, error: unknown): string {
    if (error instanceof WarehouseError) {
      this.#log.warn({ forceId, stage: error.stage, reason: error.detail }, 'warehouse read failed')
      return error.message
    }
    // A database error's text can carry statement parameters (people's details): name and code only.
    const e = error as { name?: string; code?: string; cause?: { code?: string } }
    this.#log.warn(
      { forceId, errorName: e.name ?? 'Error', code: e.code ?? e.cause?.code ?? null },
      'warehouse poll failed; it resumes from the last watermark',
    )
    return 'Waypoint could not finish the poll; it resumes from the last watermark'
  }

  async #enabledSources(): Promise<WarehouseSourceRow[]> {
    return this.#db.asSystem((tx) => this.#repo.enabledSources(tx))
  }

  async #pollEach(sources: WarehouseSourceRow[]): Promise<WarehousePollResult[]> {
    const results: WarehousePollResult[] = []
    for (const source of sources) results.push(await this.poll(source))
    return results
  }
}

/** What the settings page may show of a connection string: where it points, never who signs in. */
export function describeConnection(connection: string): { host: string; database: string } {
  if (connection.startsWith('pglite:'))
    return { host: 'Embedded on this server', database: connection.slice('pglite:'.length) }
  const url = new URL(connection)
  return {
    host: url.port ? `${url.hostname}:${url.port}` : url.hostname,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
  }
}

export function text(value: unknown): string | null {
  if (value === null || value === undefined) return null
  return value instanceof Date ? value.toISOString() : String(value)
}
