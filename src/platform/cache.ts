// A short-lived read-through cache for settings that are read on every event and changed rarely
// by people (journey rules, published journeys, messaging settings, templates, force names).
// A change made in this process is seen at once: the writer forgets the key in its transaction
// and again when that transaction ends, and until then that transaction reads past the cache
// (so nothing it has not committed is cached for others). A change made by another process is
// seen within `ttlMs` (decision 0010).
import type { Database, Tx } from './db/database.ts'

export class SettingsCache<V> {
  readonly #db: Database
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #now: () => number
  readonly #held = new Map<string, { value: V; until: number }>()
  /** Transactions that changed a key: they read it from the database until they end. */
  readonly #writers = new WeakMap<Tx, Set<string>>()

  /** `now` gives a monotonic time in milliseconds (tests pass their own; default `performance.now`). */
  constructor(db: Database, options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
    this.#db = db
    this.#ttlMs = options.ttlMs ?? 5000
    this.#maxEntries = options.maxEntries ?? 2000
    this.#now = options.now ?? (() => performance.now())
  }

  /** The value held for `key`, or `load(tx)`'s, which is then held (frozen) for the next reader. */
  async get(tx: Tx, key: string, load: (tx: Tx) => Promise<V>): Promise<V> {
    if (this.#changedBy(tx, key)) return load(tx)
    const held = this.#held.get(key)
    const now = this.#now()
    if (held && held.until > now) return held.value
    const value = deepFreeze(await load(tx))
    if (this.#held.size >= this.#maxEntries) this.#held.delete(this.#held.keys().next().value as string)
    this.#held.set(key, { value, until: now + this.#ttlMs })
    return value
  }

  /** Call where `tx` changes what `key` names (or every key starting `prefix*`). */
  forget(tx: Tx, key: string): void {
    const keys = this.#writers.get(tx) ?? new Set<string>()
    this.#writers.set(tx, keys)
    keys.add(key)
    this.#drop(key)
    this.#db.afterTransaction(tx, () => this.#drop(key))
  }

  #changedBy(tx: Tx, key: string): boolean {
    for (const k of this.#writers.get(tx) ?? []) if (covers(k, key)) return true
    return false
  }

  #drop(key: string): void {
    if (!key.endsWith('*')) this.#held.delete(key)
    else for (const k of this.#held.keys()) if (covers(key, k)) this.#held.delete(k)
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
