// One database handle for the whole process, over either embedded PGlite or PostgreSQL 15.
// Tenant data is only ever touched through `withForce`, which runs the transaction as the
// non-superuser role `waypoint_app` with `app.force_id` set, so row-level security applies
// (UJ-5, CP-5, CRM-5). `asSystem` runs as `waypoint_system` (BYPASSRLS) for region-wide work:
// sign-in look-ups, schedulers that scan every force, system administration.
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { PGlite, types } from '@electric-sql/pglite'
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { type SQL, sql } from 'drizzle-orm'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { fromPglite } from 'pg-boss'
import { installDatabaseErrorSanitiser, toDatabaseError } from './database-error.ts'
import { withPreparedStatements } from './pglite-statements.ts'
import { postgresSettings, withLogin } from './postgres-hosts.ts'

export type Tx = PgTransaction<PgQueryResultHKT, any, any>
export type Executor = PgDatabase<PgQueryResultHKT, any>

export interface RequestContext {
  userId?: string
  correlationId?: string
}

export interface JobDatabaseOptions {
  db?: { executeSql(text: string, values?: unknown[]): Promise<{ rows: any[] }> }
  connectionString?: string
  /** A URL with several hosts: the client class that finds the writable one (postgres-hosts.ts). */
  Client?: typeof pg.Client
}

export interface Database {
  readonly kind: 'pglite' | 'postgres'
  /** Runs `fn` in a transaction confined by row-level security to one force. */
  withForce<T>(forceId: string, fn: (tx: Tx) => Promise<T>, context?: RequestContext): Promise<T>
  /**
   * Runs `fn` in a transaction confined to one force, as the role that may also delete from the
   * append-only tables (PIRM deletion only). It runs on the system pool's login, since the tenant
   * pool's login may become no role but waypoint_app (decision 0019); row-level security still
   * confines it to the force.
   */
  withForceDeleting<T>(forceId: string, fn: (tx: Tx) => Promise<T>, context?: RequestContext): Promise<T>
  /** Runs `fn` in a transaction that may see every force (system role, BYPASSRLS). */
  asSystem<T>(fn: (tx: Tx) => Promise<T>, context?: RequestContext): Promise<T>
  /**
   * Runs `fn` once the outermost transaction `tx` belongs to has ended, committed or rolled back
   * (at once when `tx` is not one this handle began), before `withForce`/`asSystem` returns. For
   * work that must see the outcome: waking a worker for a job sent in `tx`, forgetting a cached
   * value `tx` changed, asking for a run once what `tx` wrote is visible. `fn` handles its own
   * errors: the transaction's outcome is not changed by them.
   */
  afterTransaction(tx: Tx, fn: (committed: boolean) => void | Promise<void>): void
  /** Runs multi-statement SQL as the owner (migrations only); returns the last statement's rows. */
  execAsOwner(text: string): Promise<Record<string, unknown>[]>
  /** Connection settings for pg-boss. */
  jobDatabase(): JobDatabaseOptions
  /**
   * Calls `onPayload` with each PostgreSQL notification on `channel` (`pg_notify`), from any
   * process using the same database, once the notifying transaction has committed. On PostgreSQL
   * a dedicated connection listens and connects again after a drop. Resolves to a stop function.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>
  close(): Promise<void>
  /** PGlite only: a copy of the data directory, gzipped unless told (tests cache a template). */
  dumpDataDir?(compression?: 'gzip' | 'none'): Promise<Blob>
}

export interface OpenDatabaseOptions {
  /** The owner's connection: migrations and the job queue (PostgreSQL). */
  databaseUrl?: string
  /**
   * The tenant pool's login (PostgreSQL): a member of waypoint_app only (decision 0019). Defaults
   * to `databaseUrl` with the user waypoint_tenant_login and no password (trust or cert auth).
   */
  tenantUrl?: string
  /** The system pool's login (PostgreSQL); defaults to waypoint_system_login likewise. */
  systemUrl?: string
  /** PostgreSQL: connections the tenant and system pools may hold (default 20 and 10). */
  pool?: { tenant?: number; system?: number }
  dataDir?: string
  /** A PGlite data directory dump to start from (tests load a migrated template). */
  loadDataDir?: Blob
  /**
   * PGlite only: server settings for this instance (`shared_buffers`, `min_wal_size`…), on top of
   * PGlite's own start parameters. Tests use a small buffer pool: PGlite zeroes all of it at start.
   */
  pgliteSettings?: Record<string, string>
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  // A failed statement raises an error without the statement's values (database-error.ts).
  installDatabaseErrorSanitiser()
  if (options.databaseUrl)
    return openPostgres(
      options.databaseUrl,
      options.tenantUrl ?? loginUrl(options.databaseUrl, TENANT_LOGIN),
      options.systemUrl ?? loginUrl(options.databaseUrl, SYSTEM_LOGIN),
      { tenant: options.pool?.tenant ?? 20, system: options.pool?.system ?? 10 },
    )
  return openPglite(options.dataDir ?? 'memory://', options.loadDataDir, options.pgliteSettings)
}

export const TENANT_LOGIN = 'waypoint_tenant_login'
export const SYSTEM_LOGIN = 'waypoint_system_login'

/** `url` logging in as `user` instead, without the owner's password (every host kept). */
export function loginUrl(url: string, user: string): string {
  return withLogin(url, user)
}

/** Rows of a raw SQL statement, for the few queries Drizzle's builder does not express. */
export async function rows<T>(tx: Executor, query: SQL): Promise<T[]> {
  const result = (await tx.execute(query)) as unknown as { rows: T[] }
  return result.rows
}

async function openPglite(
  dataDir: string,
  loadDataDir?: Blob,
  settings: Record<string, string> = {},
): Promise<Database> {
  const client = await openPgliteClient(dataDir, loadDataDir, settings)
  return pgliteDatabase(client, () => client.close())
}

/**
 * A PGlite instance, started and ready: in memory (`memory://`) or in a directory, from a data
 * directory dump when given one, with these server settings on top of PGlite's own.
 */
export async function openPgliteClient(
  dataDir: string,
  loadDataDir?: Blob,
  settings: Record<string, string> = {},
): Promise<PGlite> {
  installDatabaseErrorSanitiser()
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true })
  const startParams = Object.entries(settings).length
    ? [
        ...PGlite.defaultStartParams,
        ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ]
    : undefined
  // pg_trgm: the trigram indexes of staff search (cases migration 1001); with fuzzystrmatch, the
  // Contact single view's identity matching (contact migration 1200).
  const client = new PGlite(dataDir, {
    extensions: { pg_trgm, fuzzystrmatch },
    ...(loadDataDir ? { loadDataDir } : {}),
    ...(startParams ? { startParams } : {}),
  })
  await client.waitReady
  await trimParserMap(client)
  return client
}

/**
 * PGlite keeps a result parser for every array type in the database, and copies that whole map
 * for each query that brings parsers of its own, as every query Drizzle sends does (its own for
 * dates and times): with the 86 parsers left once the arrays of row types were dropped, the copy
 * still cost about as much CPU as a small query itself. A parser PGlite finds in neither map it
 * takes from its defaults (`types.parsers`, one table for the process), so the instance's map
 * keeps only what differs from one database to another:
 * - arrays of composite types, one for each table's row type (359 of 445), are dropped: no query
 *   of ours selects one, and parsed, such an array would only be split into each row's text;
 * - a parser the same as the default (the 23 scalar types) is dropped: PGlite falls back to it;
 * - an array of a built-in type (an oid below 16384, the same in every PostgreSQL database)
 *   moves to the defaults, parsed as PGlite parses it, each element by its type's default;
 * - arrays of our own types (enums) stay with the instance, since their oids are this database's.
 * What any query returns is unchanged (pglite-parsers.test.ts).
 */
async function trimParserMap(client: PGlite): Promise<void> {
  const { rows } = await client.query<{ oid: number; element: number; composite: boolean }>(
    `select a.oid, a.typelem as element, e.typtype = 'c' as composite
       from pg_catalog.pg_type a join pg_catalog.pg_type e on e.oid = a.typelem
      where a.typcategory = 'A'`,
  )
  // A missing element parser leaves each element as text, as PGlite's own array parsers do.
  const defaults = types.parsers as Record<string, types.Parser | undefined>
  const drop = new Set<string>()
  for (const { oid, element, composite } of rows) {
    if (composite) drop.add(String(oid))
    else if (oid < firstNormalObjectId && element < firstNormalObjectId) {
      defaults[oid] ??= (value) => types.arrayParser(value, defaults[element] as types.Parser, oid)
      drop.add(String(oid))
    }
  }
  client.parsers = Object.fromEntries(
    Object.entries(client.parsers).filter(([oid, parser]) => !drop.has(oid) && parser !== defaults[oid]),
  )
}

/** PostgreSQL's first oid for objects a database creates; below it, built-in and the same in all. */
const firstNormalObjectId = 16384

/**
 * The database handle over an open PGlite instance; its `close()` calls `onClose`, which closes
 * the instance or, in tests that hand one instance to one test file after another
 * (test/support/shared-pglite.ts), gives it back.
 */
export function pgliteDatabase(client: PGlite, onClose: () => Promise<void>): Database {
  // Drizzle's and the job queue's statements go to PostgreSQL by name, each parsed once.
  const prepared = withPreparedStatements(client)
  const orm = drizzlePglite(prepared as PGlite) as unknown as Executor
  // PGlite has one user: the tenant and system work share its connection (decision 0019).
  return buildDatabase(
    'pglite',
    { tenant: orm, system: orm },
    {
      execAsOwner: async (text) => {
        try {
          const results = await client.exec(text)
          return (results.at(-1)?.rows ?? []) as Record<string, unknown>[]
        } catch (error) {
          // Ends a transaction the failed script left open; the script's own error is thrown below.
          await client.exec('rollback').catch(() => {})
          throw error
        }
      },
      jobDatabase: () => ({ db: fromPglite(prepared) }),
      listen: async (channel, onPayload) => {
        const stop = await client.listen(channel, onPayload)
        return async () => {
          if (!client.closed) await stop()
        }
      },
      close: onClose,
      dumpDataDir: async (compression = 'gzip') => (await client.dumpDataDir(compression)) as Blob,
    },
  )
}

async function openPostgres(
  url: string,
  tenantUrl: string,
  systemUrl: string,
  sizes: { tenant: number; system: number },
): Promise<Database> {
  const statements = new StatementNames()
  // A URL may name several hosts (a primary and its standbys): postgres-hosts.ts.
  const open = (connectionString: string, max: number) => {
    const pool = new ReleasingPool({ ...postgresSettings(connectionString), max })
    pool.on('error', () => {
      // A dropped idle connection is replaced on next use; /health/ready reports a real outage.
    })
    pool.on('connect', (client) => statements.prepareRepeats(client))
    return pool
  }
  // Three logins: the owner (migrations), the tenant pool (no way to another force or to the
  // system role) and the system pool (region-wide work), decision 0019.
  const owner = open(url, 2)
  // Every page and API call holds a tenant connection for each of its transactions: too few
  // connections and requests queue for them while the process and the server sit idle.
  const tenant = open(tenantUrl, sizes.tenant)
  const system = open(systemUrl, sizes.system)
  return buildDatabase(
    'postgres',
    {
      tenant: drizzlePg(tenant) as unknown as Executor,
      system: drizzlePg(system) as unknown as Executor,
    },
    {
      execAsOwner: async (text) => {
        const result = (await owner.query(text)) as unknown as pg.QueryResult | pg.QueryResult[]
        const last = Array.isArray(result) ? result.at(-1) : result
        return (last?.rows ?? []) as Record<string, unknown>[]
      },
      jobDatabase: () => {
        const { connectionString, Client } = postgresSettings(url)
        return { connectionString, ...(Client ? { Client: Client as typeof pg.Client } : {}) }
      },
      // LISTEN needs no privilege: the least-privileged login that is not tied to a force.
      listen: (channel, onPayload) => listenOnPostgres(systemUrl, channel, onPayload),
      close: async () => {
        await Promise.all([owner.end(), tenant.end(), system.end()])
      },
    },
  )
}

/**
 * A pool whose connections are given back when they break while checked out. Without it, a
 * connection that breaks under Drizzle's `begin` (the server gone in a fail-over, between the
 * connection's last use and its next) is never released: Drizzle releases only once `begin` has
 * succeeded, and a pool that loses a connection each time ends with none, so every request waits
 * for ever. A broken connection's 'error' event gives it back with the error (the pool drops it),
 * and a second release (Drizzle's own, later) does nothing. The listener also keeps the event
 * from ending the process: the pool listens for it only while a connection is idle.
 *
 * A connection that cannot be made (the server down, no server taking writes during a fail-over)
 * fails as a DatabaseError, like a failed statement: `unavailable`, so a request answers 503 and
 * is retried by its client, and a source batch is not quarantined for it (decision 0045).
 */
class ReleasingPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>
  override connect(callback: PoolCallback): void
  override connect(callback?: PoolCallback): Promise<pg.PoolClient> | undefined {
    if (callback) {
      // pool.query's path (the owner's scripts): the same error for a connection not made.
      super.connect((error, client, done) =>
        callback(error ? toDatabaseError(error) : undefined, client, done),
      )
      return undefined
    }
    return super.connect().then(
      (client) => this.#releasing(client),
      (error: unknown) => {
        throw toDatabaseError(error)
      },
    )
  }

  #releasing(client: pg.PoolClient): pg.PoolClient {
    const release = client.release
    let released = false
    const giveBack = (error?: Error | boolean) => {
      if (released) return
      released = true
      client.off('error', giveBack)
      release(error)
    }
    client.release = giveBack
    client.on('error', giveBack)
    return client
  }
}

type PoolCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void

/**
 * A connection of its own that LISTENs on one channel (a pooled connection cannot: it is handed
 * to other work). After a drop it connects again, waiting 0.2 s, then twice as long each time up
 * to 5 s; notifications sent while it was away are lost, so listeners treat them as hints to
 * fetch, never as the record.
 */
async function listenOnPostgres(
  url: string,
  channel: string,
  onPayload: (payload: string) => void,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`Invalid channel name ${channel}`)
  let stopped = false
  let client: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined
  let delay = 200
  // Made once, so a reconnection after a fail-over remembers which host it found.
  const settings = postgresSettings(url)
  const ListenClient = (settings.Client ?? pg.Client) as typeof pg.Client
  const connect = async (): Promise<void> => {
    const next = new ListenClient({ connectionString: settings.connectionString })
    client = next
    const reconnect = () => {
      if (stopped || client !== next) return
      client = undefined
      // The connection is already broken; ending it only frees what is left of it.
      next.end().catch(() => {})
      retry = setTimeout(() => {
        // connect() schedules its own next attempt when it fails; nothing is left to handle here.
        connect().catch(() => {})
      }, delay)
      delay = Math.min(delay * 2, 5000)
    }
    next.on('error', reconnect)
    next.on('end', reconnect)
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload)
    })
    try {
      await next.connect()
      await next.query(`listen ${channel}`)
      delay = 200
    } catch {
      // Not reachable now: try again after the delay (reconnect), as after a drop.
      reconnect()
    }
  }
  await connect()
  return async () => {
    stopped = true
    if (retry) clearTimeout(retry)
    // Stopping: a connection that fails to end cleanly is gone all the same.
    await client?.end().catch(() => {})
  }
}

/**
 * `values` as one array parameter of PostgreSQL `type`, for `= any(…)` and the like: one bound
 * value however many there are, so a statement's text stays the same for any count. Each element
 * is quoted and escaped as PostgreSQL's array syntax needs, whatever it holds.
 */
export function arrayParam(
  values: readonly (string | number | bigint)[],
  type: 'uuid' | 'bigint' | 'text',
): SQL {
  const elements = values.map((v) => `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`)
  return sql`${`{${elements.join(',')}}`}::${sql.raw(type)}[]`
}

/**
 * Names the statements a process sends again and again, so each connection parses and plans
 * them once and then only binds and runs them (PostgreSQL's prepared statements; the server
 * re-plans by itself when a table changes). A statement is named from its second use; texts that
 * differ every time (literal value lists) never are, and the count of names is capped, so the
 * server never holds more than a bounded set per connection.
 */
class StatementNames {
  readonly #seen = new Map<string, string | null>()
  #named = 0

  nameFor(text: string): string | undefined {
    const known = this.#seen.get(text)
    if (known) return known
    if (text.length > 20_000 || this.#named >= 2000) return undefined
    if (known === undefined) {
      if (this.#seen.size >= 20_000) this.#seen.clear()
      this.#seen.set(text, null)
      return undefined
    }
    const name = `wp_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`
    this.#seen.set(text, name)
    this.#named += 1
    return name
  }

  /** Wraps a new connection's `query`: a repeated statement with parameters goes by name. */
  prepareRepeats(client: pg.PoolClient): void {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as { query: unknown }).query = (config: unknown, ...rest: unknown[]) => {
      if (config && typeof config === 'object' && 'text' in config && !(config as { name?: string }).name) {
        const name = this.nameFor((config as { text: string }).text)
        if (name) return query({ ...config, name }, ...rest)
      }
      return query(config, ...rest)
    }
  }
}

function buildDatabase(
  kind: Database['kind'],
  orms: { tenant: Executor; system: Executor },
  parts: Pick<Database, 'execAsOwner' | 'jobDatabase' | 'listen' | 'close' | 'dumpDataDir'>,
): Database {
  // The seal of each force (decision 0019): sha256(key ':' force), the key read once as owner.
  let key: Promise<string> | undefined
  const seals = new Map<string, string>()
  const sealOf = async (forceId: string): Promise<string> => {
    if (!forceId) return ''
    const known = seals.get(forceId)
    if (known) return known
    key ??= parts.execAsOwner('select key from waypoint_tenancy_key').then(
      (found) => String(found[0]?.key ?? ''),
      (error) => {
        key = undefined
        throw error
      },
    )
    const seal = createHash('sha256')
      .update(`${await key}:${forceId}`, 'utf8')
      .digest('hex')
    seals.set(forceId, seal)
    return seal
  }
  // Each transaction (and savepoint) this handle began, with what to run when the outermost ends.
  type Ending = (committed: boolean) => void | Promise<void>
  const endings = new WeakMap<object, Ending[]>()
  const track = (tx: Tx, callbacks: Ending[]): Tx => {
    endings.set(tx, callbacks)
    const begin = tx.transaction.bind(tx)
    // Savepoints share their outermost transaction's list.
    tx.transaction = ((fn: (inner: Tx) => Promise<unknown>) =>
      begin((inner) => fn(track(inner as Tx, callbacks)))) as Tx['transaction']
    return tx
  }
  const inRole = async <T>(
    role: 'waypoint_app' | 'waypoint_retention' | 'waypoint_system',
    forceId: string,
    fn: (tx: Tx) => Promise<T>,
    context: RequestContext = {},
  ): Promise<T> => {
    const callbacks: Ending[] = []
    let committed = false
    const seal = await sealOf(forceId)
    const orm = role === 'waypoint_app' ? orms.tenant : orms.system
    try {
      const result = await orm.transaction(async (tx) => {
        // One round trip: set_config('role', …, true) is SET LOCAL ROLE.
        await tx.execute(
          sql`select set_config('role', ${role}, true), set_config('app.force_id', ${forceId}, true), set_config('app.force_seal', ${seal}, true), set_config('app.user_id', ${context.userId ?? ''}, true), set_config('app.correlation_id', ${context.correlationId ?? ''}, true)`,
        )
        return fn(track(tx as Tx, callbacks))
      })
      committed = true
      return result
    } finally {
      for (const callback of callbacks.splice(0)) await callback(committed)
    }
  }
  return {
    kind,
    withForce: (forceId, fn, context) => {
      if (!forceId) throw new Error('withForce needs a force')
      return inRole('waypoint_app', forceId, fn, context)
    },
    withForceDeleting: (forceId, fn, context) => {
      if (!forceId) throw new Error('withForceDeleting needs a force')
      return inRole('waypoint_retention', forceId, fn, context)
    },
    asSystem: (fn, context) => inRole('waypoint_system', '', fn, context),
    afterTransaction: (tx, fn) => {
      const callbacks = endings.get(tx)
      if (callbacks) callbacks.push(fn)
      else void fn(true)
    },
    ...parts,
  }
}
