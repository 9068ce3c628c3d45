// A force administrator's settings for the warehouse poller (CP-157): where the warehouse is, the
// SELECT that reads it, the watermark column, how often to poll and whether to. The connection
// string carries the warehouse account's password, so it is sealed with the credential key and
// never shown again; the page shows only its host and database. Trying the query shows what the
// next poll would read, mapped by the force's profile; those rows name people, so it is audited.
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { type FieldError, ValidationError } from '../platform/errors.ts'
import { normaliseHost } from '../platform/outbound.ts'
import { mapPayload, parsePayload } from './mapping.ts'
import type { SourceService } from './service.ts'
import { describeConnection, text, type WarehousePoller, type WarehousePollResult } from './warehouse.ts'
import {
  checkWarehouseQuery,
  isColumnName,
  readWarehouse,
  rowsPastWatermark,
  warehouseAddress,
} from './warehouse-query.ts'
import type { WarehouseRepository, WarehouseSourceRow } from './warehouse-repository.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'

export const TRY_ROWS = 5

export interface Acting {
  actor: { kind: 'staff' | 'client' | 'citizen' | 'system'; id?: string | null; name?: string | null }
  ip?: string | null
  correlationId?: string | null
}

export interface WarehouseSettingsView {
  configured: boolean
  connectionSet: boolean
  /** Saved by Waypoint before connection strings were sealed; saving the page seals it. */
  connectionInClear: boolean
  connectionHost: string
  connectionDatabase: string
  query: string
  watermarkColumn: string
  watermark: string | null
  pollIntervalMinutes: number
  enabled: boolean
  lastPolledAt: Date | null
  lastRows: number | null
  lastError: string | null
  updatedAt: Date | null
}

export interface WarehouseSettingsInput {
  /** Blank keeps the stored connection. */
  connection?: string
  query?: string
  watermarkColumn?: string
  /** Blank keeps the watermark; a date and time makes the next poll read rows changed after it. */
  startAfter?: string
  pollIntervalMinutes?: string
  enabled?: boolean
}

export interface TriedRow {
  values: { column: string; value: string }[]
  mapped: { ok: true; event: string } | { ok: false; errors: string[] }
}

export type QueryTrial = { ok: true; columns: string[]; rows: TriedRow[] } | { ok: false; error: string }

export interface WarehouseSettingsDeps {
  db: Database
  repo: WarehouseRepository
  poller: WarehousePoller
  sources: SourceService
  audit: AuditService
  clock: Clock
  cipher: CredentialKeys
  /** Embedded `pglite:` warehouses are for demonstration and tests, never production. */
  allowEmbedded: boolean
}

export class WarehouseSettings {
  readonly #deps: WarehouseSettingsDeps

  constructor(deps: WarehouseSettingsDeps) {
    this.#deps = deps
  }

  async view(forceId: string): Promise<WarehouseSettingsView> {
    return toView(await this.#source(forceId))
  }

  async save(forceId: string, input: WarehouseSettingsInput, acting: Acting): Promise<void> {
    const { db, repo, audit, clock, cipher } = this.#deps
    await db.withForce(forceId, async (tx) => {
      const current = await repo.source(tx, forceId)
      const errors: FieldError[] = []
      const connectionText = (input.connection ?? '').trim()
      let connection: { sealed: string; host: string; database: string } | undefined
      if (connectionText) {
        const problem = await this.#connectionProblem(connectionText)
        if (problem) errors.push({ field: 'connection', message: problem })
        else connection = { sealed: cipher.encrypt(connectionText), ...describeConnection(connectionText) }
      } else if (!current) {
        errors.push({ field: 'connection', message: 'Enter the connection string for the warehouse' })
      }
      const query = checkWarehouseQuery(input.query ?? '')
      if (!query.ok) errors.push({ field: 'query', message: query.message })
      const watermarkColumn = (input.watermarkColumn ?? '').trim()
      if (!isColumnName(watermarkColumn) || watermarkColumn.length > 63)
        errors.push({
          field: 'watermarkColumn',
          message:
            'Enter the name of the column that says when a row last changed, such as changed_at, using only letters, digits and underscores',
        })
      const startAfterText = (input.startAfter ?? '').trim()
      const startAfter = startAfterText ? londonTime(startAfterText) : undefined
      if (startAfter === null)
        errors.push({
          field: 'startAfter',
          message: 'Enter the date and time as year-month-day hours:minutes, such as 2026-06-01 09:30',
        })
      const intervalText = (input.pollIntervalMinutes ?? '').trim()
      const pollIntervalMinutes = intervalText ? Number(intervalText) : 5
      if (!Number.isInteger(pollIntervalMinutes) || pollIntervalMinutes < 5 || pollIntervalMinutes > 1440)
        errors.push({
          field: 'pollIntervalMinutes',
          message: 'Enter a whole number of minutes from 5 to 1440',
        })
      if (errors.length > 0 || !query.ok) throw new ValidationError(errors)

      const enabled = input.enabled ?? false
      await repo.save(
        tx,
        {
          forceId,
          connection,
          query: query.query,
          watermarkColumn,
          watermark: startAfter ? startAfter.toISOString() : undefined,
          pollIntervalMinutes,
          enabled,
        },
        acting.actor.kind === 'staff' ? (acting.actor.id ?? null) : null,
        clock.now(),
      )
      await audit.record(
        {
          action: 'warehouse-source.changed',
          forceId,
          ...acting,
          recordType: 'warehouse_source',
          recordId: forceId,
          detail: {
            host: connection?.host ?? current?.connectionHost ?? null,
            database: connection?.database ?? current?.connectionDatabase ?? null,
            connectionChanged: !!connection,
            queryChanged: query.query !== current?.query,
            watermarkColumn,
            watermarkMovedTo: startAfter?.toISOString() ?? null,
            pollIntervalMinutes,
            enabled,
          },
        },
        tx,
      )
    })
  }

  /**
   * Runs the saved query against the saved warehouse for the first rows the next poll would read,
   * in a read-only transaction, and maps each with the force's current warehouse profile.
   */
  async tryQuery(forceId: string, acting: Acting): Promise<QueryTrial> {
    const source = await this.#source(forceId)
    if (!source) return { ok: false, error: 'Save the warehouse settings before trying them' }
    let trial: QueryTrial
    try {
      const read = await readWarehouse(
        this.#deps.poller.connectionOf(source),
        rowsPastWatermark(source.query, source.watermarkColumn, TRY_ROWS),
        [source.watermark],
        this.#deps.poller.limits,
      )
      const profile = await this.#deps.sources.currentProfile(forceId, 'warehouse')
      trial = {
        ok: true,
        columns: read.columns,
        rows: read.rows.map((row) => ({
          values: read.columns.map((column) => ({ column, value: text(row[column]) ?? '' })),
          mapped: mapRow(profile?.document, row),
        })),
      }
    } catch (error) {
      trial = { ok: false, error: this.#deps.poller.describeFailure(forceId, error) }
    }
    // Rows from the warehouse name victims and officers, so looking at them is recorded.
    await this.#deps.audit.record({
      action: 'warehouse-source.query-tried',
      forceId,
      ...acting,
      recordType: 'warehouse_source',
      recordId: forceId,
      detail: trial.ok ? { rows: trial.rows.length } : { rows: 0, failed: true },
    })
    return trial
  }

  /** Polls the force's warehouse now, whatever its interval or whether it is switched on. */
  async pollNow(forceId: string, acting: Acting): Promise<WarehousePollResult | undefined> {
    const result = await this.#deps.poller.pollForce(forceId)
    if (!result) return undefined
    await this.#deps.audit.record({
      action: 'warehouse-source.polled',
      forceId,
      ...acting,
      recordType: 'warehouse_source',
      recordId: forceId,
      detail: { rows: result.rows, failed: !!result.error, busy: !!result.busy, watermark: result.watermark },
    })
    return result
  }

  #source(forceId: string): Promise<WarehouseSourceRow | undefined> {
    return this.#deps.db.withForce(forceId, (tx) => this.#deps.repo.source(tx, forceId))
  }

  async #connectionProblem(connection: string): Promise<string | undefined> {
    const example =
      'Enter a connection string like postgres://user:password@host:5432/database, with no settings after the database other than sslmode and application_name'
    if (connection.length > 1000) return 'The connection string must be 1,000 characters or fewer'
    if (connection.startsWith('pglite:'))
      return this.#deps.allowEmbedded && connection.length > 'pglite:'.length ? undefined : example
    const parsed = warehouseAddress(connection)
    if (!parsed.ok) return example
    const { host, port, database } = parsed.address
    const outbound = this.#deps.poller.limits.outbound
    const own = await outbound.ownDatabase()
    const local = (h: string) => h === 'localhost' || h === '::1' || h.startsWith('127.')
    const ownHosts = [own.host, own.serverAddress].filter((h): h is string => !!h).map(normaliseHost)
    const ownPorts = [own.port, own.serverPort].filter((p): p is number => !!p)
    const isOwn =
      database === own.database &&
      ownPorts.includes(port) &&
      ownHosts.some((h) => h === host || (local(h) && local(host)))
    // Both answers depend only on the deployment's settings, never on the network.
    if (isOwn || !outbound.listed('warehouse', host, port))
      return `Waypoint may not connect to ${host}:${port}. The warehouses Waypoint may connect to are set when it is deployed: ask the team that runs Waypoint to allow this one`
    return undefined
  }
}

/** The row as the poller hands it to the inbox (JSON), through the force's profile. */
function mapRow(profile: Parameters<typeof mapPayload>[0] | undefined, row: Record<string, unknown>) {
  if (!profile) return { ok: false as const, errors: ['This force has no warehouse mapping profile'] }
  const parsed = parsePayload(JSON.stringify(row), 'application/json')
  if (!parsed.ok) return { ok: false as const, errors: [parsed.error] }
  const outcome = mapPayload(profile, parsed.value)
  return outcome.ok
    ? { ok: true as const, event: JSON.stringify(outcome.event, null, 2) }
    : { ok: false as const, errors: outcome.errors }
}

/**
 * "2026-06-01 09:30" as the time in the UK (what staff mean), or an ISO time with its own offset;
 * null when it is neither.
 */
export function londonTime(value: string): Date | null {
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value)
  if (!local) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null
    const date = new Date(value)
    return Number.isNaN(date.getTime()) ? null : date
  }
  const [, y, mo, d, h, mi, s] = local.map(Number) as number[]
  const asUtc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s || 0)
  const check = new Date(asUtc)
  if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d! || h! > 23 || mi! > 59) return null
  // The UK is UTC or one hour ahead; take the offset London has at that moment.
  const offsetAt = (t: number) => {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      hour: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(t))
    return ((Number(parts) - new Date(t).getUTCHours() + 24) % 24) * 3_600_000
  }
  return new Date(asUtc - offsetAt(asUtc - offsetAt(asUtc)))
}

function hostOf(row: WarehouseSourceRow | undefined): { host: string; database: string } {
  if (row?.connectionHost) return { host: row.connectionHost, database: row.connectionDatabase ?? '' }
  try {
    return row?.connectionLegacy ? describeConnection(row.connectionLegacy) : { host: '', database: '' }
  } catch {
    // Expected: a stored connection that cannot be read shows no host rather than failing the page.
    return { host: '', database: '' }
  }
}

function toView(row: WarehouseSourceRow | undefined): WarehouseSettingsView {
  return {
    configured: !!row,
    connectionSet: !!(row?.connectionSealed || row?.connectionLegacy),
    connectionInClear: !!row?.connectionLegacy && !row.connectionSealed,
    connectionHost: hostOf(row).host,
    connectionDatabase: hostOf(row).database,
    query: row?.query ?? '',
    watermarkColumn: row?.watermarkColumn ?? '',
    watermark: row?.watermark ?? null,
    pollIntervalMinutes: row?.pollIntervalMinutes ?? 5,
    enabled: row?.enabled ?? false,
    lastPolledAt: row?.lastPolledAt ?? null,
    lastRows: row?.lastRows ?? null,
    lastError: row?.lastError ?? null,
    updatedAt: row?.updatedAt ?? null,
  }
}
