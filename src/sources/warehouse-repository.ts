// The only SQL over `warehouse_sources`: each force's warehouse poller settings, its watermark and
// what the last poll did. The connection string is stored sealed (see warehouse-settings.ts).
import { sql } from 'drizzle-orm'
import { rowsWithDates as rows } from '../cases/repository.ts'
import type { Tx } from '../platform/db/database.ts'

export interface WarehouseSourceRow {
  forceId: string
  /** The connection string sealed with the credential key. */
  connectionSealed: string | null
  /** Stored in clear by Waypoint before 0210; read until the settings are next saved. */
  connectionLegacy: string | null
  connectionHost: string | null
  connectionDatabase: string | null
  query: string
  watermarkColumn: string
  watermark: string | null
  pollIntervalMinutes: number
  enabled: boolean
  lastPolledAt: Date | null
  lastRows: number | null
  lastError: string | null
  updatedAt: Date
}

export interface WarehouseSettingsChange {
  forceId: string
  /** Undefined keeps the stored connection. */
  connection?: { sealed: string; host: string; database: string }
  query: string
  watermarkColumn: string
  /** `undefined` keeps the watermark; `null` reads from the start again. */
  watermark?: string | null
  pollIntervalMinutes: number
  enabled: boolean
}

const columns = sql.raw(`force_id as "forceId", connection_url_encrypted as "connectionSealed",
  connection_url as "connectionLegacy", connection_host as "connectionHost",
  connection_database as "connectionDatabase", query, watermark_column as "watermarkColumn", watermark,
  poll_interval_minutes as "pollIntervalMinutes", enabled, last_polled_at as "lastPolledAt",
  last_rows as "lastRows", last_error as "lastError", updated_at as "updatedAt"`)

export class WarehouseRepository {
  async source(tx: Tx, forceId: string): Promise<WarehouseSourceRow | undefined> {
    const [row] = await rows<WarehouseSourceRow>(
      tx,
      sql`select ${columns} from warehouse_sources where force_id = ${forceId}`,
    )
    return row
  }

  /** Every force's enabled source (system role: the scheduled poll spans forces). */
  async enabledSources(tx: Tx): Promise<WarehouseSourceRow[]> {
    return rows<WarehouseSourceRow>(
      tx,
      sql`select ${columns} from warehouse_sources where enabled order by force_id`,
    )
  }

  /** Inserts a force's first settings (with a connection) or updates them. */
  async save(tx: Tx, change: WarehouseSettingsChange, staffId: string | null, now: Date): Promise<void> {
    const c = change.connection
    const updated = await rows<{ forceId: string }>(
      tx,
      sql`update warehouse_sources set
            connection_url = case when ${!!c}::boolean then null else connection_url end,
            connection_url_encrypted = coalesce(${c?.sealed ?? null}, connection_url_encrypted),
            connection_host = coalesce(${c?.host ?? null}, connection_host),
            connection_database = coalesce(${c?.database ?? null}, connection_database),
            query = ${change.query}, watermark_column = ${change.watermarkColumn},
            watermark = case when ${change.watermark === undefined}::boolean then watermark else ${change.watermark ?? null} end,
            poll_interval_minutes = ${change.pollIntervalMinutes}, enabled = ${change.enabled},
            updated_by = ${staffId}, updated_at = ${now}
          where force_id = ${change.forceId} returning force_id as "forceId"`,
    )
    if (updated.length > 0) return
    if (!c) throw new Error('A warehouse source needs a connection when it is first saved')
    await tx.execute(
      sql`insert into warehouse_sources (force_id, connection_url_encrypted, connection_host, connection_database,
            query, watermark_column, watermark, poll_interval_minutes, enabled, updated_by, updated_at)
          values (${change.forceId}, ${c.sealed}, ${c.host}, ${c.database}, ${change.query}, ${change.watermarkColumn},
            ${change.watermark ?? null}, ${change.pollIntervalMinutes}, ${change.enabled}, ${staffId}, ${now})`,
    )
  }

  /**
   * Claims the source for one poll, unless another poll holds it (since after `staleBefore`).
   * Returns the source as it stands once claimed, watermark included.
   */
  async claimPoll(
    tx: Tx,
    forceId: string,
    now: Date,
    staleBefore: Date,
  ): Promise<WarehouseSourceRow | undefined> {
    const [row] = await rows<WarehouseSourceRow>(
      tx,
      sql`update warehouse_sources set poll_started_at = ${now}
          where force_id = ${forceId} and (poll_started_at is null or poll_started_at < ${staleBefore})
          returning ${columns}`,
    )
    return row
  }

  /** Moves the watermark past a row once that row is in the inbox. */
  async advanceWatermark(tx: Tx, forceId: string, watermark: string): Promise<void> {
    await tx.execute(sql`update warehouse_sources set watermark = ${watermark} where force_id = ${forceId}`)
  }

  async recordPoll(
    tx: Tx,
    forceId: string,
    poll: { rows: number; error: string | null; now: Date },
  ): Promise<void> {
    await tx.execute(
      sql`update warehouse_sources set last_polled_at = ${poll.now}, last_rows = ${poll.rows},
            last_error = ${poll.error}, poll_started_at = null where force_id = ${forceId}`,
    )
  }
}
