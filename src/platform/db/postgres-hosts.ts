// A DATABASE_URL that names several servers, as libpq reads it (decision 0039):
//
//   postgres://user@db1.example:5432,db2.example:5432/waypoint?target_session_attrs=read-write
//
// node-postgres (pg 8) connects to one host only and knows no target_session_attrs, so the
// pools and listeners of a URL with several hosts, or with target_session_attrs=read-write, use
// the client class made here. Every process keeps the server it last found writable: a new
// connection goes there; when that fails, or the server has become read-only (a standby), it is
// forgotten and the next connection tries each host in the URL's order again, asking each
// whether it takes writes (`show transaction_read_only`, as libpq does). So after a fail-over
// (the primary gone, a standby promoted) the pools' broken connections are dropped and new ones
// reach the new primary without a restart or a change of configuration.
import pg from 'pg'
import { DatabaseError, toDatabaseError } from './database-error.ts'

export interface PostgresHost {
  host: string
  port: number
}

export interface PostgresTarget {
  hosts: PostgresHost[]
  /** `read-write`: only a server that takes writes will do; `any`: the first that answers. */
  targetSessionAttrs: 'any' | 'read-write'
  /** The URL with one of the hosts only: what node-postgres reads for a connection to it. */
  urlFor(host: PostgresHost): string
}

/** How long one host may take to accept a connection before the next is tried. */
const CONNECT_TIMEOUT_MS = 5000

/** SQLSTATE sqlclient_unable_to_establish_sqlconnection: what libpq's callers see likewise. */
const CANNOT_CONNECT = '08001'

const urlShape = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/

/** The hosts and settings of a postgres:// URL, with one host or several (`h1:5432,h2:5433`). */
export function parsePostgresUrl(url: string): PostgresTarget {
  const match = urlShape.exec(url)
  if (!match) throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL')
  const [, scheme, userinfo = '', hostList, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ]
  const hosts = splitHosts(hostList)
  const queryAt = rest.indexOf('?')
  const path = queryAt < 0 ? rest : rest.slice(0, queryAt)
  const query = new URLSearchParams(queryAt < 0 ? '' : rest.slice(queryAt + 1))
  const attrs = query.get('target_session_attrs') ?? 'any'
  if (attrs !== 'any' && attrs !== 'read-write')
    throw new Error(`target_session_attrs=${attrs} is not supported: use read-write or any`)
  // libpq's own parameter: node-postgres would not know it.
  query.delete('target_session_attrs')
  const tail = query.size ? `${path}?${query}` : path
  return {
    hosts,
    targetSessionAttrs: attrs,
    urlFor: (host) => `${scheme}${userinfo}${formatHost(host)}${tail}`,
  }
}

/** `url` with another user and no password, keeping every host (the tenant and system logins). */
export function withLogin(url: string, user: string): string {
  const match = urlShape.exec(url)
  if (!match) throw new Error('DATABASE_URL must be a postgres:// or postgresql:// URL')
  const [, scheme, , hostList, rest] = match as unknown as [string, string, string, string, string]
  return `${scheme}${encodeURIComponent(user)}@${hostList}${rest}`
}

function splitHosts(list: string): PostgresHost[] {
  const hosts: PostgresHost[] = []
  for (const part of list.split(',')) {
    const found = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(part)
    if (!found) throw new Error('DATABASE_URL has a host it cannot read')
    const host = decodeURIComponent((found[1] ?? '').replace(/^\[(.*)\]$/, '$1')) || 'localhost'
    const port = found[2] ? Number(found[2]) : 5432
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error('DATABASE_URL has a port that is not a number from 1 to 65535')
    hosts.push({ host, port })
  }
  return hosts
}

function formatHost({ host, port }: PostgresHost): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * pg settings for `url`: the plain connection string for one host without a session
 * requirement (node-postgres reads it as ever); otherwise the URL's settings with a client class
 * that finds the writable host. `Pool` and pg-boss pass `Client` on to each connection.
 */
export function postgresSettings(url: string): pg.PoolConfig {
  const target = parsePostgresUrl(url)
  if (target.hosts.length === 1 && target.targetSessionAttrs === 'any') return { connectionString: url }
  return { connectionString: target.urlFor(target.hosts[0] as PostgresHost), Client: failoverClient(target) }
}

const choices = new Map<string, HostChoice>()

/** The host a process's connections to one list of hosts go to, shared by its pools. */
class HostChoice {
  readonly #target: PostgresTarget
  #chosen: PostgresHost | undefined
  #finding: Promise<PostgresHost> | undefined

  constructor(target: PostgresTarget) {
    this.#target = target
  }

  /** The host to connect to: the one last found, or the first in order that will do. */
  async host(): Promise<PostgresHost> {
    if (this.#chosen) return this.#chosen
    this.#finding ??= this.#find().finally(() => {
      this.#finding = undefined
    })
    return this.#finding
  }

  /** A connection to `host` failed or it no longer takes writes: look again next time. */
  forget(host: PostgresHost): void {
    if (this.#chosen === host) this.#chosen = undefined
  }

  async #find(): Promise<PostgresHost> {
    const reasons: string[] = []
    for (const host of this.#target.hosts) {
      const probe = new pg.Client({
        connectionString: this.#target.urlFor(host),
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      })
      // A probe that fails emits the error here and again on connect(): handled there.
      probe.on('error', () => {})
      try {
        await probe.connect()
        if (this.#target.targetSessionAttrs === 'read-write' && (await readOnly(probe))) {
          reasons.push(`${formatHost(host)} is read-only`)
          continue
        }
        this.#chosen = host
        return host
      } catch (error) {
        reasons.push(`${formatHost(host)}: ${(error as Error).message}`)
      } finally {
        await probe.end().catch(() => {})
      }
    }
    // 08001 (unable to establish a connection): the database is unavailable, so a request
    // answers 503 and a job is retried, as while a standby is being promoted.
    throw new DatabaseError(
      `No ${this.#target.targetSessionAttrs === 'read-write' ? 'writable ' : ''}PostgreSQL server answered (${reasons.join('; ')})`,
      { code: CANNOT_CONNECT },
    )
  }
}

async function readOnly(client: pg.Client): Promise<boolean> {
  const result = await client.query<{ transaction_read_only: string }>('show transaction_read_only')
  return result.rows[0]?.transaction_read_only === 'on'
}

/** A pg.Client class that connects to the host `target`'s HostChoice names (see the top). */
export function failoverClient(target: PostgresTarget): typeof pg.Client {
  // One choice per list of servers in the process: once one pool has found the new primary, the
  // others' next connections go straight to it.
  const key = `${target.targetSessionAttrs} ${target.hosts.map(formatHost).join(',')}`
  const choice = choices.get(key) ?? new HostChoice(target)
  choices.set(key, choice)
  return class FailoverClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super({
        ...(typeof config === 'string' ? { connectionString: config } : config),
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        keepAlive: true,
      })
    }

    override connect(): Promise<pg.Client>
    override connect(callback: (error: Error | null, client?: pg.Client) => void): void
    override connect(
      callback?: (error: Error | null, client?: pg.Client) => void,
    ): Promise<pg.Client> | undefined {
      const connected = this.#connect()
      if (!callback) return connected
      connected.then(
        (client) => callback(null, client),
        (error: Error) => callback(error),
      )
      return undefined
    }

    async #connect(): Promise<pg.Client> {
      const host = await choice.host()
      // The connection is made at connect(), from these (pg.Client reads them there).
      const self = this as unknown as { host: string; port: number; connectionParameters: PostgresHost }
      self.host = host.host
      self.port = host.port
      self.connectionParameters.host = host.host
      self.connectionParameters.port = host.port
      try {
        await super.connect()
      } catch (error) {
        choice.forget(host)
        // The server is gone (refused, reset, timed out): the database is unavailable (503).
        throw toDatabaseError(error)
      }
      if (target.targetSessionAttrs === 'read-write' && (await readOnly(this))) {
        choice.forget(host)
        await this.end().catch(() => {})
        throw new DatabaseError(`${formatHost(host)} is read-only: another server is now the primary`, {
          code: CANNOT_CONNECT,
        })
      }
      return this
    }
  }
}
