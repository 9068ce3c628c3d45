// Staff authenticator (TOTP) secrets are stored sealed with AES-256-GCM under TOTP_ENCRYPTION_KEY
// (decision 0009; ASVS 2.8.2 wants the shared OTP keys protected). The sealed value is bound to
// its account's id, so a sealed secret copied onto another account does not open. Secrets stored
// in clear by earlier versions still open, and are sealed at start-up and on the next sign-in.
import { CredentialCipher } from '../crypto.ts'

/** The stored secret cannot be decrypted: the key is not the one it was sealed with, or it was altered. */
export class TotpSecretUnreadableError extends Error {
  constructor(userId: string) {
    super(`The authenticator secret of staff user ${userId} cannot be decrypted with TOTP_ENCRYPTION_KEY`)
    this.name = 'TotpSecretUnreadableError'
  }
}

export interface OpenedTotpSecret {
  secret: string
  /** False when it was stored in clear and should be sealed. */
  sealed: boolean
}

export class TotpSecretVault {
  readonly #cipher: CredentialCipher

  constructor(key: string) {
    this.#cipher = new CredentialCipher(key)
  }

  seal(userId: string, secret: string): string {
    return this.#cipher.encrypt(secret, context(userId))
  }

  /** The usable secret; throws TotpSecretUnreadableError when a sealed value does not open. */
  open(userId: string, stored: string): OpenedTotpSecret {
    if (!CredentialCipher.isSealed(stored)) return { secret: stored, sealed: false }
    try {
      return { secret: this.#cipher.decrypt(stored, context(userId)), sealed: true }
    } catch {
      throw new TotpSecretUnreadableError(userId)
    }
  }
}

const context = (userId: string) => `waypoint:staff_users.totp_secret:${userId}`
