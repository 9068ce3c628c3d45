// What Waypoint passes on when a statement fails: the server's error code, message and the names
// of the objects involved, never the statement's text, its parameter values or the server's
// `detail` (which repeats row values, e.g. "Key (email)=(…) already exists"). Logs, quarantine
// reasons and error pages therefore cannot carry personal data from a failed statement.
import { PgPreparedQuery } from 'drizzle-orm/pg-core'

/** Connection-level failures: the database is unreachable or going away, not refusing the data. */
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
])

export class DatabaseError extends Error {
  /** SQLSTATE (e.g. 23505) or, for a connection failure, Node's code (e.g. ECONNREFUSED). */
  readonly code: string | undefined
  readonly constraint: string | undefined
  readonly table: string | undefined
  readonly column: string | undefined
  readonly routine: string | undefined
  /** True when the database could not be reached or the connection failed: worth retrying later. */
  readonly unavailable: boolean

  constructor(
    message: string,
    fields: Partial<Omit<DatabaseError, 'unavailable' | 'name' | 'message'>> = {},
  ) {
    super(message)
    this.name = 'DatabaseError'
    this.code = fields.code
    this.constraint = fields.constraint
    this.table = fields.table
    this.column = fields.column
    this.routine = fields.routine
    const code = this.code ?? ''
    this.unavailable =
      code.startsWith('08') || // connection exception
      code.startsWith('53') || // insufficient resources
      code.startsWith('57P') || // admin/crash shutdown, cannot connect now
      UNAVAILABLE_NODE_CODES.has(code) ||
      /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)
  }
}

/** The DatabaseError, or the pg/PGlite error, that `error` is or wraps (Drizzle's, a savepoint's). */
function databaseErrorIn(
  error: unknown,
): { code?: string; constraint?: string; unavailable?: boolean } | undefined {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 5; depth += 1) {
    const found = e instanceof DatabaseError ? e : toDatabaseErrorIfPg(e)
    if (found) return found
    e = e.cause as typeof e
  }
  return undefined
}

/** True for a failure of the database itself (unreachable, shutting down), as opposed to a refusal. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const found = databaseErrorIn(error)
  return found instanceof DatabaseError && found.unavailable
}

/** True when `error` (or what it wraps) is a unique violation of the index or constraint named. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const found = databaseErrorIn(error)
  return found?.code === '23505' && found.constraint === constraint
}

/** The SQLSTATE of the failed statement `error` is or wraps (e.g. 55P03, lock not available). */
export function sqlStateOf(error: unknown): string | undefined {
  return databaseErrorIn(error)?.code
}

/** A pg or PGlite error as thrown, before Waypoint wrapped it (it has a SQLSTATE `code`). */
function toDatabaseErrorIfPg(e: unknown): { code?: string; constraint?: string } | undefined {
  const raw = e as { code?: unknown; constraint?: unknown; severity?: unknown }
  return typeof raw?.code === 'string' && /^[0-9A-Z]{5}$/.test(raw.code) && raw.severity !== undefined
    ? { code: raw.code, constraint: typeof raw.constraint === 'string' ? raw.constraint : undefined }
    : undefined
}

/**
 * The error a failed statement raised (Drizzle's wrapper, the pg/PGlite error beneath it), as a
 * DatabaseError that carries no statement text, parameters or row values.
 */
export function toDatabaseError(error: unknown): DatabaseError {
  if (error instanceof DatabaseError) return error
  const outer = error as { cause?: unknown; message?: string; code?: unknown }
  const server = (outer?.cause && typeof outer.cause === 'object' ? outer.cause : outer) as {
    message?: string
    code?: unknown
    constraint?: string
    table?: string
    column?: string
    routine?: string
  }
  const code = typeof server.code === 'string' ? server.code : undefined
  const raw = typeof server.message === 'string' && server.message ? server.message : 'database error'
  const wrapped = new DatabaseError(withoutValues(stripStatement(raw), code), {
    code,
    constraint: server.constraint,
    table: server.table,
    column: server.column,
    routine: server.routine,
  })
  // A sanitised copy as the cause, for code that reads `error.cause.code` / `.message`.
  Object.defineProperty(wrapped, 'cause', {
    value: Object.assign(new Error(wrapped.message), {
      code,
      constraint: wrapped.constraint,
      table: wrapped.table,
      column: wrapped.column,
    }),
    enumerable: false,
  })
  return wrapped
}

/** Drops the statement and parameters Drizzle writes into its messages ("Failed query: …\nparams: …"). */
function stripStatement(message: string): string {
  return message.startsWith('Failed query:') ? 'Failed query' : message
}

/** Data exceptions (class 22) quote the value refused: `invalid input syntax for type uuid: "…"`. */
function withoutValues(message: string, code: string | undefined): string {
  if (!code?.startsWith('22')) return message
  return message.replace(/: ".*"$/s, ': (value withheld)')
}

let installed = false

/**
 * Makes every statement Drizzle runs, on PGlite and PostgreSQL alike, fail with a DatabaseError
 * instead of Drizzle's error (whose message and `params` carry every value of the statement).
 */
export function installDatabaseErrorSanitiser(): void {
  if (installed) return
  installed = true
  const proto = PgPreparedQuery.prototype as unknown as {
    queryWithCache(queryString: string, params: unknown[], query: () => Promise<unknown>): Promise<unknown>
  }
  const original = proto.queryWithCache
  proto.queryWithCache = async function queryWithCache(queryString, params, query) {
    try {
      return await original.call(this, queryString, params, query)
    } catch (error) {
      throw toDatabaseError(error)
    }
  }
}
