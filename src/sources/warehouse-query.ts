// Reading a force's data warehouse (facts §7): only ever a single SELECT the force administrator
// wrote, always inside a read-only transaction with a statement timeout, so neither a mistaken
// query nor a slow warehouse can change data or hold a poll open. The check here refuses what a
// read-only transaction would not (SELECT INTO, row locks, data-changing CTEs, admin functions)
// with a message the administrator can act on, before anything reaches the warehouse.
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import {
  IDENTITY_SQL,
  isOwnDatabase,
  normaliseHost,
  type OutboundPolicy,
  type OwnDatabase,
  SYSTEM_IDENTIFIER_SQL,
} from '../platform/outbound.ts'

export const MAX_QUERY_LENGTH = 10_000
const columnName = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Words that make a SELECT write or lock, wherever they appear outside quotes. */
const writingWords = new Set(['insert', 'update', 'delete', 'merge', 'truncate', 'into'])
/** Functions that act on the server rather than read data; a read-only transaction allows them. */
const serverFunctions = new Set([
  'pg_terminate_backend',
  'pg_cancel_backend',
  'pg_reload_conf',
  'pg_rotate_logfile',
  'pg_read_file',
  'pg_read_binary_file',
  'pg_ls_dir',
  'pg_stat_file',
  'set_config',
])

export type QueryCheck = { ok: true; query: string } | { ok: false; message: string }

/** Accepts one SELECT (or WITH … SELECT) that only reads; a trailing semicolon is dropped. */
export function checkWarehouseQuery(text: string): QueryCheck {
  const query = text.trim()
  if (!query) return { ok: false, message: 'Enter the SELECT query that reads the warehouse' }
  if (query.length > MAX_QUERY_LENGTH)
    return {
      ok: false,
      message: `The query must be ${MAX_QUERY_LENGTH.toLocaleString('en-GB')} characters or fewer`,
    }
  const lexed = codeOutsideQuotes(query)
  if (!lexed.ok) return lexed
  let code = lexed.code.trimEnd()
  let end = query.length
  if (code.endsWith(';')) {
    code = code.slice(0, -1).trimEnd()
    end = lexed.lastSemicolon
  }
  if (code.includes(';'))
    return {
      ok: false,
      message: 'Enter a single SELECT statement: remove everything after the first semicolon',
    }
  const words = (code.match(/[A-Za-z_][A-Za-z0-9_$]*/g) ?? []).map((w) => w.toLowerCase())
  if (words[0] !== 'select' && words[0] !== 'with')
    return { ok: false, message: 'The query must be a single SELECT statement, starting with SELECT or WITH' }
  if (!words.includes('select'))
    return { ok: false, message: 'The query must be a single SELECT statement, starting with SELECT or WITH' }
  for (const [i, word] of words.entries()) {
    if (writingWords.has(word))
      return {
        ok: false,
        message: `The query must only read: remove ${word.toUpperCase()} (put a column of that name in double quotes)`,
      }
    if (word === 'for' && (words[i + 1] === 'share' || words[i + 1] === 'key' || words[i + 1] === 'no'))
      return { ok: false, message: 'The query must only read: remove the FOR SHARE row lock' }
    if (
      serverFunctions.has(word) ||
      word.startsWith('dblink') ||
      word.startsWith('lo_') ||
      word.startsWith('pg_advisory')
    )
      return { ok: false, message: `The query must only read data: remove ${word}` }
  }
  return { ok: true, query: query.slice(0, end).trimEnd() }
}

export function isColumnName(name: string): boolean {
  return columnName.test(name)
}

/**
 * The rows after the watermark, oldest first, from the administrator's query. The query sits on
 * its own lines so a trailing `--` comment in it cannot swallow the wrapper.
 */
export function rowsPastWatermark(query: string, watermarkColumn: string, limit: number): string {
  if (!isColumnName(watermarkColumn)) throw new Error(`"${watermarkColumn}" is not a plain column name`)
  const column = `warehouse_rows."${watermarkColumn}"`
  return `select * from (\n${query}\n) as warehouse_rows
    where ($1::text is null or ${column} > $1::timestamptz)
    order by ${column} limit ${Math.trunc(limit)}`
}

export interface WarehouseRead {
  columns: string[]
  rows: Record<string, unknown>[]
}

export interface WarehouseLimits {
  outbound: OutboundPolicy
  connectTimeoutMs: number
  statementTimeoutMs: number
}

/** What the administrator sees when Waypoint cannot reach the warehouse, whatever the cause. */
export const COULD_NOT_CONNECT = 'Waypoint could not connect to the warehouse'

/**
 * A warehouse read that failed. `message` is safe to show the administrator; `detail` says why
 * for the log and holds no secret, statement parameter or value read from a row.
 */
export class WarehouseError extends Error {
  readonly detail: string
  readonly stage: 'connect' | 'query'
  constructor(stage: 'connect' | 'query', message: string, detail: string) {
    super(message)
    this.stage = stage
    this.detail = detail
  }
}

const ALLOWED_PARAMETERS = new Set(['sslmode', 'application_name'])
const SSL_MODES = new Set(['disable', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full'])

export interface WarehouseAddress {
  host: string
  port: number
  database: string
}

/** Where a postgres:// connection string points, or why Waypoint will not use it. */
export function warehouseAddress(
  connection: string,
): { ok: true; address: WarehouseAddress } | { ok: false } {
  let url: URL
  try {
    url = new URL(connection)
  } catch {
    // Expected: text that is not a URL is not a warehouse address.
    return { ok: false }
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return { ok: false }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  if (!url.hostname || !database || database.includes('/')) return { ok: false }
  for (const [name, value] of url.searchParams) {
    // Parameters such as host= (a socket), sslcert= (a file on this server) or options= would
    // take the connection somewhere the allow-list does not see.
    if (!ALLOWED_PARAMETERS.has(name)) return { ok: false }
    if (name === 'sslmode' && !SSL_MODES.has(value)) return { ok: false }
  }
  const port = url.port ? Number(url.port) : 5432
  return { ok: true, address: { host: normaliseHost(url.hostname), port, database } }
}

/**
 * Runs one query in a read-only transaction with a statement timeout, on a warehouse the
 * deployment allows that is not Waypoint's own database; `pglite:<dir>` is an embedded
 * warehouse (demo, tests).
 */
export async function readWarehouse(
  connection: string,
  query: string,
  values: unknown[],
  limits: WarehouseLimits,
): Promise<WarehouseRead> {
  const own = await limits.outbound.ownDatabase()
  if (connection.startsWith('pglite:'))
    return readEmbedded(connection.slice('pglite:'.length), own, query, values)
  const parsed = warehouseAddress(connection)
  if (!parsed.ok)
    throw new WarehouseError('connect', COULD_NOT_CONNECT, 'the connection string is not one Waypoint uses')
  const { host, port, database } = parsed.address
  const allowed = await limits.outbound.check('warehouse', host, port, database)
  if (!allowed.ok)
    throw new WarehouseError('connect', COULD_NOT_CONNECT, `${allowed.reason}: ${allowed.detail}`)
  const url = new URL(connection)
  const sslmode = url.searchParams.get('sslmode')
  const ssl =
    !sslmode || sslmode === 'disable'
      ? false
      : {
          rejectUnauthorized: sslmode === 'verify-ca' || sslmode === 'verify-full',
          ...(isIP(host) ? {} : { servername: host }),
        }
  // The address checked is the address connected to: the name is not looked up again.
  const client = new pg.Client({
    host: allowed.addresses[0]!.address,
    port,
    database,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    ssl,
    application_name: url.searchParams.get('application_name') ?? 'waypoint-warehouse-poller',
    connectionTimeoutMillis: limits.connectTimeoutMs,
  })
  // A dropped connection is reported by the query that was waiting on it, not as a crash.
  client.on('error', () => undefined)
  try {
    await client.connect()
    const [seen] = (await client.query<{ database: string; holds_waypoint: boolean }>(IDENTITY_SQL)).rows
    const system = await client
      .query<{ system_identifier: string }>(SYSTEM_IDENTIFIER_SQL)
      .then((r) => r.rows[0]?.system_identifier ?? null)
      // A warehouse login may not read its server's identifier; name and address still compare.
      .catch(() => null)
    if (
      !seen ||
      isOwnDatabase(own, {
        database: seen.database,
        systemIdentifier: system,
        holdsWaypoint: seen.holds_waypoint,
      })
    )
      throw new WarehouseError(
        'connect',
        COULD_NOT_CONNECT,
        "own-database: the server is Waypoint's own database",
      )
  } catch (error) {
    // Closing after the answer (or the error thrown above) cannot change either.
    await client.end().catch(() => undefined)
    throw asConnectError(error)
  }
  try {
    await client.query('begin transaction read only')
    await client.query(`set local statement_timeout = ${Math.trunc(limits.statementTimeoutMs)}`)
    const result = await client.query<Record<string, unknown>>(query, values)
    await client.query('rollback')
    return { columns: result.fields.map((f) => f.name), rows: result.rows }
  } catch (error) {
    throw asQueryError(error, limits.statementTimeoutMs)
  } finally {
    // Closing after the answer (or the error thrown above) cannot change either.
    await client.end().catch(() => undefined)
  }
}

/**
 * The embedded warehouses (`pglite:<dir>`) this process has open, one PGlite per directory.
 * PGlite is single-process, so a second instance on a directory beside the first would corrupt
 * it; and opening one costs about 0.7 s of CPU, which every poll and every tried query paid when
 * each read opened and closed its own.
 */
const embedded = new Map<string, Promise<PGlite>>()

/**
 * The open PGlite for an embedded warehouse's directory, opened by the first caller (`options`
 * apply only then). Everything in this process that reads or writes the directory goes through
 * it; `closeEmbeddedWarehouse` closes it.
 */
export function embeddedWarehouse(dir: string, options: { loadDataDir?: Blob } = {}): Promise<PGlite> {
  const key = resolve(dir)
  let open = embedded.get(key)
  if (!open) {
    open = PGlite.create(key, options)
    embedded.set(key, open)
    // A directory that would not open is tried again by the next read, not remembered.
    open.catch(() => embedded.delete(key))
  }
  return open
}

/** Closes an embedded warehouse's PGlite, if this process has it open. */
export async function closeEmbeddedWarehouse(dir: string): Promise<void> {
  const key = resolve(dir)
  const open = embedded.get(key)
  embedded.delete(key)
  await (await open?.catch(() => undefined))?.close()
}

async function readEmbedded(
  dir: string,
  own: OwnDatabase,
  query: string,
  values: unknown[],
): Promise<WarehouseRead> {
  if (own.dataDir && resolve(dir) === resolve(own.dataDir))
    throw new WarehouseError(
      'connect',
      COULD_NOT_CONNECT,
      "own-database: the directory is Waypoint's own database",
    )
  let warehouse: PGlite
  try {
    warehouse = await embeddedWarehouse(dir)
    const seen = await warehouse.query<{ holds_waypoint: boolean }>(IDENTITY_SQL)
    if (seen.rows[0]?.holds_waypoint)
      throw new WarehouseError(
        'connect',
        COULD_NOT_CONNECT,
        'own-database: the directory holds a Waypoint database',
      )
  } catch (error) {
    throw asConnectError(error)
  }
  try {
    // One transaction, so no other use of the shared instance runs inside it; always rolled back.
    return await warehouse.transaction(async (tx) => {
      await tx.exec('set transaction read only')
      const result = await tx.query<Record<string, unknown>>(query, values)
      await tx.rollback()
      return { columns: result.fields.map((f) => f.name), rows: result.rows }
    })
  } catch (error) {
    throw asQueryError(error, 0)
  }
}

function seconds(ms: number): string {
  const n = Math.round(ms / 100) / 10
  return n === 1 ? '1 second' : `${n.toLocaleString('en-GB')} seconds`
}

function asConnectError(error: unknown): WarehouseError {
  if (error instanceof WarehouseError) return error
  const e = error as { code?: string; message?: string }
  // Refused, reset, timed out, wrong password or not PostgreSQL at all: one message, so the page
  // cannot be used to tell an open port from a closed one.
  return new WarehouseError(
    'connect',
    COULD_NOT_CONNECT,
    `connection failed: ${e.code ?? e.message ?? 'unknown'}`,
  )
}

function asQueryError(error: unknown, timeoutMs: number): WarehouseError {
  if (error instanceof WarehouseError) return error
  const e = error as { code?: string; message?: string }
  const code = e.code ?? 'unknown'
  if (code === '25006')
    return new WarehouseError(
      'query',
      'The query tried to change the warehouse. Waypoint only reads warehouses, so nothing was changed',
      `query refused: ${code}`,
    )
  if (code === '57014')
    return new WarehouseError(
      'query',
      `The query took longer than ${seconds(timeoutMs)}, so the warehouse stopped it`,
      `query cancelled: ${code}`,
    )
  // Syntax and naming errors name only tables and columns; other errors can quote a value read.
  if (/^42[0-9A-Z]{3}$/.test(code) && e.message)
    return new WarehouseError(
      'query',
      `The warehouse could not run the query: ${e.message}`,
      `query failed: ${code}`,
    )
  return new WarehouseError(
    'query',
    /^[0-9A-Z]{5}$/.test(code)
      ? `The warehouse could not run the query (PostgreSQL error ${code})`
      : COULD_NOT_CONNECT,
    `query failed: ${code}`,
  )
}

/** The query with quoted text, quoted names and comments blanked out, so only SQL words remain. */
function codeOutsideQuotes(
  query: string,
): { ok: true; code: string; lastSemicolon: number } | { ok: false; message: string } {
  let code = ''
  let lastSemicolon = -1
  let i = 0
  const unclosed = (what: string) => ({
    ok: false as const,
    message: `The query has ${what} that is never closed`,
  })
  while (i < query.length) {
    const c = query[i]!
    const next = query[i + 1]
    if (c === '-' && next === '-') {
      const end = query.indexOf('\n', i)
      i = end === -1 ? query.length : end
      code += ' '
    } else if (c === '/' && next === '*') {
      let depth = 1
      let j = i + 2
      while (j < query.length && depth > 0) {
        const pair = query.slice(j, j + 2)
        if (pair === '/*' || pair === '*/') {
          depth += pair === '/*' ? 1 : -1
          j += 2
        } else {
          j += 1
        }
      }
      if (depth > 0) return unclosed('a /* comment')
      i = j
      code += ' '
    } else if (c === "'" || c === '"') {
      // E'…' strings may escape a quote with a backslash; others double it.
      const backslashes =
        c === "'" && /[Ee]$/.test(query.slice(0, i)) && !/[A-Za-z0-9_][Ee]$/.test(query.slice(0, i))
      let j = i + 1
      for (;;) {
        if (j >= query.length) return unclosed(c === "'" ? 'a quoted value' : 'a quoted name')
        if (backslashes && query[j] === '\\') j += 2
        else if (query[j] === c && query[j + 1] === c) j += 2
        else if (query[j] === c) break
        else j += 1
      }
      i = j + 1
      code += ' '
    } else if (c === '$') {
      if (next !== undefined && /[0-9]/.test(next))
        return { ok: false, message: 'The query cannot take parameters: remove the $ placeholder' }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(query.slice(i))?.[0]
      if (tag && !/[A-Za-z0-9_]$/.test(query.slice(0, i))) {
        const end = query.indexOf(tag, i + tag.length)
        if (end === -1) return unclosed('a $-quoted value')
        i = end + tag.length
        code += ' '
      } else {
        code += c
        i += 1
      }
    } else {
      if (c === ';') lastSemicolon = i
      code += c
      i += 1
    }
  }
  return { ok: true, code, lastSemicolon }
}
