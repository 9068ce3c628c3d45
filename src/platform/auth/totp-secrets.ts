// Staff authenticator (TOTP) secrets are stored sealed with AES-256-GCM under TOTP_ENCRYPTION_KEY
// (decision 0009; ASVS 2.8.2 wants the shared OTP keys protected). The sealed value is bound to
// its account's id, so a sealed secret copied onto another account does not open, and names the
// key that sealed it (`v2:<key id>:…`). While a key is being rotated, the retiring one is
// TOTP_ENCRYPTION_KEY_PREVIOUS: values it sealed still open, and are sealed again under the
// current key. Secrets stored in clear, or in the older `v1:` form that names no key, also open
// and are sealed again; all of this happens at start-up and on the next sign-in.
import { CredentialCipher } from '../crypto.ts'

const KEY_ID_LABEL = 'waypoint:totp-key-id:'

/** The stored secret cannot be decrypted: neither key is the one it was sealed with, or it was altered. */
export class TotpSecretUnreadableError extends Error {
  constructor(userId: string) {
    super(
      `The authenticator secret of staff user ${userId} cannot be decrypted with TOTP_ENCRYPTION_KEY or TOTP_ENCRYPTION_KEY_PREVIOUS`,
    )
    this.name = 'TotpSecretUnreadableError'
  }
}

export interface OpenedTotpSecret {
  secret: string
  /**
   * False when it should be sealed (again) under the current key: it was stored in clear, in the
   * `v1:` form, or under the previous key.
   */
  sealed: boolean
}

export class TotpSecretVault {
  readonly #current: CredentialCipher
  readonly #previous: CredentialCipher | undefined

  constructor(key: string, previousKey?: string) {
    this.#current = new CredentialCipher(key, KEY_ID_LABEL)
    this.#previous =
      previousKey && previousKey !== key ? new CredentialCipher(previousKey, KEY_ID_LABEL) : undefined
  }

  /** The id that values sealed under the current key carry. */
  get keyId(): string {
    return this.#current.keyId as string
  }

  seal(userId: string, secret: string): string {
    return this.#current.encrypt(secret, context(userId))
  }

  /** The usable secret; throws TotpSecretUnreadableError when a sealed value does not open. */
  open(userId: string, stored: string): OpenedTotpSecret {
    if (!CredentialCipher.isSealed(stored)) return { secret: stored, sealed: false }
    const id = CredentialCipher.sealedKeyId(stored)
    // A `v2:` value names its key, so only that key is tried; a `v1:` value is tried under both.
    const ciphers = [this.#current, this.#previous].filter(
      (cipher): cipher is CredentialCipher => !!cipher && (id === undefined || cipher.keyId === id),
    )
    for (const cipher of ciphers) {
      try {
        const secret = cipher.decrypt(stored, context(userId))
        return { secret, sealed: cipher === this.#current && id !== undefined }
      } catch {
        // Try the next key.
      }
    }
    throw new TotpSecretUnreadableError(userId)
  }
}

const context = (userId: string) => `waypoint:staff_users.totp_secret:${userId}`
