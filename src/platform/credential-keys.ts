// The installation's credential key (WRITEBACK_CREDENTIAL_KEY) seals every secret Waypoint must
// read back to reach someone else's system: write-back endpoint credentials, the forces' GOV.UK
// Notify API keys, Portal webhook secrets, One Login private keys, Assist provider keys and
// warehouse connection strings. The platform builds the one `CredentialKeys` from configuration
// (`credentialKeys`, below) and hands it to every capability; none builds a cipher of its own.
//
// While the key is being rotated (decision 0049), the retiring one is
// WRITEBACK_CREDENTIAL_KEY_PREVIOUS: values it sealed still open, new values are sealed under the
// current key alone, and at start-up every capability's sealed values are sealed again under the
// current key (`resealCredentials`), so the previous key can then be removed.
//
// Values are sealed in the `v2:<key id>:iv:tag:data` form, which names the key that sealed them
// (so a query finds those left under another key); values sealed before, in the `v1:` form that
// names no key, open under either key and are sealed again in the `v2:` form during a rotation.
import { sql } from 'drizzle-orm'
import type { AuditService } from './audit/audit-service.ts'
import { CredentialCipher } from './crypto.ts'
import { type Database, rows } from './db/database.ts'
import type { Logger } from './logger.ts'

const KEY_ID_LABEL = 'waypoint:credential-key-id:'

/** A stored credential opens under neither key: sealed under another key, or altered. */
export class CredentialUnreadableError extends Error {
  constructor() {
    super(
      'The stored credential cannot be opened with WRITEBACK_CREDENTIAL_KEY or WRITEBACK_CREDENTIAL_KEY_PREVIOUS (it was sealed under another key, or altered): enter it again',
    )
    this.name = 'CredentialUnreadableError'
  }
}

export class CredentialKeys {
  readonly #current: CredentialCipher
  readonly #previous: CredentialCipher | undefined
  readonly #key: string
  readonly #previousKey: string | undefined

  constructor(key: string, previousKey?: string) {
    this.#key = key
    this.#previousKey = previousKey && previousKey !== key ? previousKey : undefined
    this.#current = new CredentialCipher(key, KEY_ID_LABEL)
    this.#previous =
      this.#previousKey === undefined ? undefined : new CredentialCipher(this.#previousKey, KEY_ID_LABEL)
  }

  /** The id values sealed under the current key carry (`v2:<key id>:…`). */
  get keyId(): string {
    return this.#current.keyId as string
  }

  /** True while a previous key is set: the start-up pass then seals values again. */
  get rotating(): boolean {
    return this.#previous !== undefined
  }

  /**
   * Keys for one purpose only, derived from these (the label is put before each key), so values
   * sealed for that purpose open under nothing else. Notify API keys have always been sealed so.
   */
  derive(label: string): CredentialKeys {
    return new CredentialKeys(
      `${label}${this.#key}`,
      this.#previousKey === undefined ? undefined : `${label}${this.#previousKey}`,
    )
  }

  /** Seals under the current key; the context (if any) must be given again to open it. */
  encrypt(plain: string, context?: string): string {
    return this.#current.encrypt(plain, context)
  }

  /** Opens under the current key, else the previous one; throws CredentialUnreadableError. */
  decrypt(stored: string, context?: string): string {
    return this.#open(stored, context)
  }

  /** True when the value is sealed under the current key in the form that names it. */
  isCurrent(stored: string): boolean {
    return CredentialCipher.sealedKeyId(stored) === this.keyId
  }

  /**
   * The value sealed again under the current key, or undefined when it already is one;
   * throws CredentialUnreadableError when it opens under neither key.
   */
  resealed(stored: string, context?: string): string | undefined {
    if (this.isCurrent(stored)) return undefined
    return this.encrypt(this.#open(stored, context), context)
  }

  #open(stored: string, context: string | undefined): string {
    if (!CredentialCipher.isSealed(stored)) throw new CredentialUnreadableError()
    const id = CredentialCipher.sealedKeyId(stored)
    // A `v2:` value names its key, so only that key is tried; a `v1:` value is tried under both.
    const ciphers = [this.#current, this.#previous].filter(
      (cipher): cipher is CredentialCipher => !!cipher && (id === undefined || cipher.keyId === id),
    )
    for (const cipher of ciphers) {
      try {
        return cipher.decrypt(stored, context)
      } catch {
        // Try the next key.
      }
    }
    throw new CredentialUnreadableError()
  }
}

/** The installation's credential keys, from configuration: the one place they are built. */
export function credentialKeys(config: {
  credentialKey: string
  credentialKeyPrevious?: string
}): CredentialKeys {
  return new CredentialKeys(config.credentialKey, config.credentialKeyPrevious)
}

/**
 * Where one kind of sealed credential is kept, declared by the capability that keeps it
 * (`Module.sealedCredentials`), so the start-up pass can seal it again without knowing the
 * capability. Every such table has a `force_id`.
 */
export interface SealedCredentialStore {
  /** What they are, in the log and the audit trail: `writeback-endpoint`, `notify-api-key`, … */
  kind: string
  /** The keys they are sealed with: the installation's, or keys derived from them. */
  keys: CredentialKeys
  table: string
  /** The column holding the sealed value (null where none is set). */
  column: string
  /** The column that, with `force_id`, names one row (`force_id` itself for one row a force). */
  id: string
  /** What the value is bound to (GCM additional data), when it is bound to anything. */
  context?: (row: { forceId: string; id: string }) => string
}

export interface ResealCounts {
  /** Values sealed again under the current key, by kind. */
  resealed: Record<string, number>
  /** Values that opened under neither key and were left as they were, by kind. */
  unreadable: Record<string, number>
}

/**
 * Seals again under WRITEBACK_CREDENTIAL_KEY every stored credential not yet sealed under it
 * (sealed under WRITEBACK_CREDENTIAL_KEY_PREVIOUS, or in the older `v1:` form), so the previous
 * key can be removed (decision 0049). Runs at start-up while a previous key is set, and does
 * nothing otherwise. One transaction per force and kind, with a system audit event for what it
 * sealed; each update holds only if the value is still the one read, so two processes starting
 * together seal each value once. Values that open under neither key are left, and logged by
 * kind, force and row (never the value).
 */
export async function resealCredentials(
  stores: readonly SealedCredentialStore[],
  deps: { db: Database; audit: AuditService; log: Logger },
): Promise<ResealCounts> {
  const counts: ResealCounts = { resealed: {}, unreadable: {} }
  const rotating = stores.filter((store) => store.keys.rotating)
  if (rotating.length === 0) return counts
  for (const store of rotating) {
    const table = sql.identifier(store.table)
    const column = sql.identifier(store.column)
    const id = sql.identifier(store.id)
    const stale = await deps.db.asSystem((tx) =>
      rows<{ forceId: string; id: string; sealed: string }>(
        tx,
        sql`select force_id as "forceId", ${id}::text as id, ${column} as sealed from ${table}
            where ${column} is not null and ${column} not like ${`v2:${store.keys.keyId}:%`}
            order by force_id, ${id}`,
      ),
    )
    counts.resealed[store.kind] = 0
    counts.unreadable[store.kind] = 0
    for (const forceId of [...new Set(stale.map((row) => row.forceId))]) {
      const { resealed, unreadable } = await deps.db.withForce(forceId, async (tx) => {
        let resealed = 0
        let unreadable = 0
        for (const row of stale.filter((r) => r.forceId === forceId)) {
          let sealed: string | undefined
          try {
            sealed = store.keys.resealed(row.sealed, store.context?.(row))
          } catch (error) {
            if (!(error instanceof CredentialUnreadableError)) throw error
            unreadable += 1
            deps.log.warn(
              { kind: store.kind, forceId, record: row.id },
              'a stored credential opens under neither WRITEBACK_CREDENTIAL_KEY nor WRITEBACK_CREDENTIAL_KEY_PREVIOUS: it is left as it is and must be entered again',
            )
            continue
          }
          if (sealed === undefined) continue
          const updated = await rows(
            tx,
            sql`update ${table} set ${column} = ${sealed}
                where force_id = ${forceId} and ${id}::text = ${row.id} and ${column} = ${row.sealed}
                returning 1 as updated`,
          )
          resealed += updated.length
        }
        if (resealed > 0)
          await deps.audit.record(
            {
              action: 'credentials.resealed',
              forceId,
              actor: { kind: 'system', name: 'credential key rotation' },
              recordType: store.kind,
              detail: { kind: store.kind, resealed, unreadable },
            },
            tx,
          )
        return { resealed, unreadable }
      })
      counts.resealed[store.kind] = (counts.resealed[store.kind] ?? 0) + resealed
      counts.unreadable[store.kind] = (counts.unreadable[store.kind] ?? 0) + unreadable
    }
  }
  deps.log.info(
    counts,
    'stored credentials sealed again under WRITEBACK_CREDENTIAL_KEY (WRITEBACK_CREDENTIAL_KEY_PREVIOUS is set)',
  )
  return counts
}
