// Waypoint's one cache for values read often and changed rarely: settings read on every event
// (journey rules, published journeys, messaging settings, templates, force names), recognised API
// tokens, mapping profiles, each force's Notify account, the list of forces.
//
// `HeldValues` holds each value for `ttlMs` and freezes it, so a change made by another process
// is seen within `ttlMs` (decision 0010) and a reader that changed a shared value would fail
// loudly. Its readers work outside any transaction; a writer drops what it changed.
//
// `SettingsCache` adds transactions: a change made in this process is seen at once, because the
// writer forgets the key in its transaction and again when that transaction ends, and until then
// that transaction reads past the cache (so nothing it has not committed is cached for others).
import type { Database, Tx } from './db/database.ts'

export interface HeldValuesOptions<V> {
  /** How long a value is trusted without reading it again (default 5 s). */
  ttlMs?: number
  /** At most this many keys are held; the oldest goes first (default 2,000). */
  maxEntries?: number
  /** A monotonic time in milliseconds (tests pass their own; default `performance.now`). */
  now?: () => number
  /** Values for which this is false are returned but not held (say, an unknown token). */
  holdIf?: (value: V) => boolean
}

export class HeldValues<V> {
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #now: () => number
  readonly #holdIf: (value: V) => boolean
  readonly #held = new Map<string, { value: V; until: number }>()

  constructor(options: HeldValuesOptions<V> = {}) {
    this.#ttlMs = options.ttlMs ?? 5000
    this.#maxEntries = options.maxEntries ?? 2000
    this.#now = options.now ?? (() => performance.now())
    this.#holdIf = options.holdIf ?? (() => true)
  }

  /** The value held for `key`, or `load()`'s, which is then held (frozen) for the next reader. */
  async fetch(key: string, load: () => Promise<V>): Promise<V> {
    const held = this.#held.get(key)
    const now = this.#now()
    if (held && held.until > now) return held.value
    const value = deepFreeze(await load())
    if (!this.#holdIf(value)) return value
    this.#held.delete(key)
    if (this.#held.size >= this.#maxEntries) this.#held.delete(this.#held.keys().next().value as string)
    this.#held.set(key, { value, until: now + this.#ttlMs })
    return value
  }

  /** Drops `key` (or every key starting `prefix*`) at once: the next reader loads it again. */
  drop(key: string): void {
    if (!key.endsWith('*')) this.#held.delete(key)
    else for (const k of this.#held.keys()) if (covers(key, k)) this.#held.delete(k)
  }

  /** Drops every held value `which` picks (say, every token of a client just disabled). */
  dropWhere(which: (value: V, key: string) => boolean): void {
    for (const [key, held] of this.#held) if (which(held.value, key)) this.#held.delete(key)
  }
}

export class SettingsCache<V> extends HeldValues<V> {
  readonly #db: Database
  /** Transactions that changed a key: they read it from the database until they end. */
  readonly #writers = new WeakMap<Tx, Set<string>>()

  constructor(db: Database, options: HeldValuesOptions<V> = {}) {
    super(options)
    this.#db = db
  }

  /** The value held for `key`, or `load(tx)`'s, which is then held (frozen) for the next reader. */
  async get(tx: Tx, key: string, load: (tx: Tx) => Promise<V>): Promise<V> {
    if (this.#changedBy(tx, key)) return load(tx)
    return this.fetch(key, () => load(tx))
  }

  /** Call where `tx` changes what `key` names (or every key starting `prefix*`). */
  forget(tx: Tx, key: string): void {
    const keys = this.#writers.get(tx) ?? new Set<string>()
    this.#writers.set(tx, keys)
    keys.add(key)
    this.drop(key)
    this.#db.afterTransaction(tx, () => this.drop(key))
  }

  #changedBy(tx: Tx, key: string): boolean {
    for (const k of this.#writers.get(tx) ?? []) if (covers(k, key)) return true
    return false
  }
}

/** Held values are shared by every reader: freezing them makes a reader that changes one fail loudly. */
function deepFreeze<T>(value: T): T {
  // Byte arrays cannot be frozen; nothing held here carries one.
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

/** True when the forgotten `pattern` (a key, or a prefix ending `*`) names `key`. */
function covers(pattern: string, key: string): boolean {
  return pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : pattern === key
}
