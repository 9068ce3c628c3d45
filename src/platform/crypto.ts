// Secrets Waypoint must read back (endpoint credentials, staff authenticator secrets) are kept
// encrypted with AES-256-GCM under a key from configuration, so a copy of the database alone
// does not yield them. An optional context (GCM additional data) binds a sealed value to where
// it belongs: sealed for one row, it does not open for another.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

const VERSION = 'v1'

export class CredentialCipher {
  readonly #key: Buffer

  constructor(secretKey: string) {
    this.#key = createHash('sha256').update(secretKey).digest()
  }

  /** True when a stored value has the sealed form `v1:iv:tag:data`. */
  static isSealed(stored: string): boolean {
    return stored.startsWith(`${VERSION}:`) && stored.split(':').length === 4
  }

  encrypt(plain: string, context?: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'))
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return [
      VERSION,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      data.toString('base64'),
    ].join(':')
  }

  decrypt(sealed: string, context?: string): string {
    const [version, iv, tag, data] = sealed.split(':')
    if (version !== VERSION || !iv || !tag || !data) throw new Error('Unreadable stored credential')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'))
    if (context !== undefined) decipher.setAAD(Buffer.from(context, 'utf8'))
    decipher.setAuthTag(Buffer.from(tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8')
  }
}
