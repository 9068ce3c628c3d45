// Where Waypoint may connect out to on a force's behalf (decision 0016). A force administrator
// types a warehouse connection string or a write-back URL into the console; the hosts those may
// name are set when Waypoint is deployed (OUTBOUND_WAREHOUSE_HOSTS, OUTBOUND_WRITEBACK_HOSTS),
// never in the console. A host is allowed when its name (or address) is on the purpose's list
// and every address it resolves to is public or itself on the list, so a listed name that
// resolves to a loopback, private or link-local address is refused too. Waypoint's own database
// is always refused, whatever the list says. The address checked is the address connected to:
// callers connect to the addresses a check returns, never resolve the name again.
import { lookup as dnsLookup } from 'node:dns/promises'
import { BlockList, isIP, isIPv6 } from 'node:net'

/**
 * What Waypoint connects out for: a warehouse, a write-back endpoint, a virus scanner (clamd), a
 * citizen identity provider (GOV.UK One Login's discovery, token, JWKS and userinfo endpoints), a Portal
 * webhook (iHub), a gazetteer (the OS Places API, for Contact's address matching), an AI model
 * server (an OpenAI-compatible provider a force chooses for Assist, decision 0048).
 */
export type OutboundPurpose =
  | 'warehouse'
  | 'writeback'
  | 'scanner'
  | 'identity'
  | 'webhook'
  | 'gazetteer'
  | 'ai'

export type HostRule =
  | { kind: 'name'; name: string; wildcard: boolean; port?: number }
  | { kind: 'address'; addresses: BlockList; text: string; port?: number }

export interface OutboundAddress {
  address: string
  family: 4 | 6
}

export type OutboundCheck =
  | { ok: true; addresses: OutboundAddress[] }
  | { ok: false; reason: 'not-allowed' | 'own-database' | 'unresolved'; detail: string }

/** What identifies Waypoint's own database, read from it once. */
export interface OwnDatabase {
  /** Host and port from DATABASE_URL; undefined for embedded PGlite. */
  host?: string
  port?: number
  /** The database's name as the server reports it. */
  database: string
  /** pg_control_system().system_identifier: the same for every database of one server. */
  systemIdentifier: string | null
  /** Where the server said it listens when Waypoint connected (inet_server_addr, _port). */
  serverAddress: string | null
  serverPort: number | null
  /** The PGlite data directory, when Waypoint's database is embedded. */
  dataDir?: string
}

export type Resolve = (host: string) => Promise<OutboundAddress[]>

const defaultResolve: Resolve = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }))

/** Addresses that are not on the public internet: reachable only inside the deployment. */
const nonPublic = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  nonPublic.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  nonPublic.addSubnet(net, prefix, 'ipv6')

/** An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is. */
function plain(address: string): OutboundAddress {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return { address: mapped[1]!, family: 4 }
  return { address, family: isIPv6(address) ? 6 : 4 }
}

function isLoopback(address: string): boolean {
  const a = plain(address)
  return a.family === 4 ? a.address.startsWith('127.') : a.address === '::1'
}

/**
 * Parses a comma-separated allow-list: `host`, `host:port`, `*.example.org[:port]`, an address
 * (`10.1.2.3[:port]`, `::1`, `[::1]:5432`) or a range (`10.0.0.0/8[:port]`, `[fd00::/8]:443`).
 * Throws with the entry that cannot be read.
 */
export function parseHostRules(text: string | undefined): HostRule[] {
  const rules: HostRule[] = []
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim().toLowerCase()
    if (!entry) continue
    const rule = parseEntry(entry)
    if (!rule) throw new Error(`"${entry}" is not a host, host:port, *.domain, address or address range`)
    rules.push(rule)
  }
  return rules
}

function parseEntry(entry: string): HostRule | undefined {
  let hostPart = entry
  let port: number | undefined
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
  if (bracketed) {
    hostPart = bracketed[1]!
    if (bracketed[2]) port = Number(bracketed[2])
  } else if (!isIPv6(entry.split('/')[0]!)) {
    const withPort = /^(.+):(\d+)$/.exec(entry)
    if (withPort) {
      hostPart = withPort[1]!
      port = Number(withPort[2])
    }
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return undefined
  const [address, prefixText] = hostPart.split('/') as [string, string | undefined]
  const family = isIP(address)
  if (family) {
    const list = new BlockList()
    const type = family === 6 ? 'ipv6' : 'ipv4'
    if (prefixText === undefined) list.addAddress(address, type)
    else {
      const prefix = Number(prefixText)
      if (!/^\d+$/.test(prefixText) || prefix > (family === 6 ? 128 : 32)) return undefined
      list.addSubnet(address, prefix, type)
    }
    return { kind: 'address', addresses: list, text: entry, port }
  }
  if (prefixText !== undefined) return undefined
  const wildcard = hostPart.startsWith('*.')
  const name = wildcard ? hostPart.slice(2) : hostPart
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name)) return undefined
  return { kind: 'name', name, wildcard, port }
}

function portMatches(rule: HostRule, port: number): boolean {
  return rule.port === undefined || rule.port === port
}

function addressListed(rules: HostRule[], address: string, port: number): boolean {
  const a = plain(address)
  return rules.some(
    (r) =>
      r.kind === 'address' &&
      portMatches(r, port) &&
      r.addresses.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'),
  )
}

function nameListed(rules: HostRule[], host: string, port: number): boolean {
  return rules.some(
    (r) =>
      r.kind === 'name' &&
      portMatches(r, port) &&
      (r.wildcard ? host.endsWith(`.${r.name}`) : host === r.name),
  )
}

/** A host as typed in a URL: lower case, without brackets or a trailing dot. */
export function normaliseHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
}

export class OutboundPolicy {
  readonly #rules: Partial<Record<OutboundPurpose, HostRule[]>>
  readonly #ownDatabase: () => Promise<OwnDatabase>
  readonly #resolve: Resolve
  #own: Promise<OwnDatabase> | undefined

  constructor(options: {
    /** A purpose not given allows nothing. */
    rules: Partial<Record<OutboundPurpose, HostRule[]>>
    ownDatabase: () => Promise<OwnDatabase>
    resolve?: Resolve
  }) {
    this.#rules = options.rules
    this.#ownDatabase = options.ownDatabase
    this.#resolve = options.resolve ?? defaultResolve
  }

  /** Waypoint's own database, read once (its identity does not change while Waypoint runs). */
  ownDatabase(): Promise<OwnDatabase> {
    this.#own ??= this.#ownDatabase().catch((error) => {
      this.#own = undefined
      throw error
    })
    return this.#own
  }

  /**
   * Whether the deployment's list names this host and port at all. Settings pages check this on
   * save; it depends only on configuration, so it tells an administrator nothing about the
   * network.
   */
  listed(purpose: OutboundPurpose, host: string, port: number): boolean {
    const h = normaliseHost(host)
    const rules = this.#rules[purpose] ?? []
    return isIP(h) ? addressListed(rules, h, port) : nameListed(rules, h, port)
  }

  /**
   * The addresses Waypoint may connect to for this host and port, resolved now. Every address
   * the name resolves to must pass: a name that resolves to a forbidden address is refused
   * even if it also resolves to an allowed one. Waypoint's own database server is refused when
   * `database` names Waypoint's database (warehouses) or whenever the port is the database's
   * (write-back endpoints).
   */
  async check(
    purpose: OutboundPurpose,
    host: string,
    port: number,
    database?: string,
  ): Promise<OutboundCheck> {
    const h = normaliseHost(host)
    const rules = this.#rules[purpose] ?? []
    if (!this.listed(purpose, h, port))
      return { ok: false, reason: 'not-allowed', detail: `${h}:${port} is not on the ${purpose} allow-list` }
    let addresses: OutboundAddress[]
    try {
      addresses = isIP(h) ? [plain(h)] : (await this.#resolve(h)).map((a) => plain(a.address))
    } catch (error) {
      return {
        ok: false,
        reason: 'unresolved',
        detail: `${h} did not resolve (${(error as { code?: string }).code ?? 'error'})`,
      }
    }
    if (addresses.length === 0) return { ok: false, reason: 'unresolved', detail: `${h} has no addresses` }
    for (const a of addresses) {
      if (
        nonPublic.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4') &&
        !addressListed(rules, a.address, port)
      )
        return {
          ok: false,
          reason: 'not-allowed',
          detail: `${h} resolves to ${a.address}, which is not public and not on the ${purpose} allow-list`,
        }
    }
    const own = await this.ownDatabase()
    if (await this.#isOwnServer(own, addresses, port)) {
      const sameDatabase = database === undefined || database === own.database
      if (sameDatabase)
        return { ok: false, reason: 'own-database', detail: `${h}:${port} is Waypoint's own database server` }
    }
    return { ok: true, addresses }
  }

  async #isOwnServer(own: OwnDatabase, addresses: OutboundAddress[], port: number): Promise<boolean> {
    const ownPort = own.serverPort ?? own.port
    if (ownPort === undefined || ownPort !== port) return false
    const ownAddresses = new Set<string>()
    if (own.serverAddress) ownAddresses.add(plain(own.serverAddress).address)
    if (own.host) {
      try {
        const h = normaliseHost(own.host)
        for (const a of isIP(h) ? [plain(h)] : await this.#resolve(h))
          ownAddresses.add(plain(a.address).address)
      } catch {
        // The database's name not resolving here leaves the address Waypoint saw when it connected.
      }
    }
    const ownIsLocal = [...ownAddresses].some(isLoopback)
    return addresses.some((a) => ownAddresses.has(a.address) || (ownIsLocal && isLoopback(a.address)))
  }
}

/**
 * Whether a connected server is Waypoint's own database under another name: the same server
 * (system identifier) and database, or any database that holds Waypoint's migration ledger.
 */
export function isOwnDatabase(
  own: OwnDatabase,
  seen: { database: string; systemIdentifier: string | null; holdsWaypoint: boolean },
): boolean {
  if (seen.holdsWaypoint) return true
  return (
    seen.systemIdentifier !== null &&
    own.systemIdentifier !== null &&
    seen.systemIdentifier === own.systemIdentifier &&
    seen.database === own.database
  )
}

/** The SQL that reads what `isOwnDatabase` compares; every role may run it. */
export const IDENTITY_SQL = `select current_database() as database,
  exists (select 1 from pg_catalog.pg_class where relname = 'waypoint_migrations') as holds_waypoint`
export const SYSTEM_IDENTIFIER_SQL =
  'select system_identifier::text as system_identifier from pg_control_system()'
