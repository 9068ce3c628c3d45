// Secrets Waypoint must read back (endpoint credentials, staff authenticator secrets) are kept
// encrypted with AES-256-GCM under a key from configuration, so a copy of the database alone
// does not yield them. An optional context (GCM additional data) binds a sealed value to where
// it belongs: sealed for one row, it does not open for another.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

/**
 * A short public name for a key (8 hex characters of SHA-256 over a label and the key), stored
 * with what it sealed so the value says which key sealed it without revealing the key.
 */
export function keyId(label: string, secretKey: string): string {
  return createHash('sha256').update(`${label}${secretKey}`).digest('hex').slice(0, 8)
}

export class CredentialCipher {
  readonly #key: Buffer
  /** Set when values are sealed in the `v2:<key id>:iv:tag:data` form; otherwise `v1:iv:tag:data`. */
  readonly keyId: string | undefined

  constructor(secretKey: string, keyIdLabel?: string) {
    this.#key = createHash('sha256').update(secretKey).digest()
    this.keyId = keyIdLabel === undefined ? undefined : keyId(keyIdLabel, secretKey)
  }

  /** True when a stored value has a sealed form: `v1:iv:tag:data` or `v2:keyid:iv:tag:data`. */
  static isSealed(stored: string): boolean {
    return parse(stored) !== undefined
  }

  /** The key id a `v2:` value names; undefined for `v1:` values, which do not say. */
  static sealedKeyId(stored: string): string | undefined {
    return parse(stored)?.keyId
  }

  encrypt(plain: string, context?: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    if (context !== undefined) cipher.setAAD(Buffer.from(context, 'utf8'))
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return [
      ...(this.keyId === undefined ? ['v1'] : ['v2', this.keyId]),
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      data.toString('base64'),
    ].join(':')
  }

  decrypt(sealed: string, context?: string): string {
    const parts = parse(sealed)
    if (!parts) throw new Error('Unreadable stored credential')
    if (parts.keyId !== undefined && parts.keyId !== this.keyId) throw new Error('Sealed under another key')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(parts.iv, 'base64'))
    if (context !== undefined) decipher.setAAD(Buffer.from(context, 'utf8'))
    decipher.setAuthTag(Buffer.from(parts.tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(parts.data, 'base64')), decipher.final()]).toString(
      'utf8',
    )
  }
}

function parse(stored: string): { keyId?: string; iv: string; tag: string; data: string } | undefined {
  const parts = stored.split(':')
  if (parts[0] === 'v1' && parts.length === 4) {
    const [, iv, tag, data] = parts
    if (iv && tag && data) return { iv, tag, data }
  }
  if (parts[0] === 'v2' && parts.length === 5) {
    const [, id, iv, tag, data] = parts
    if (id && iv && tag && data) return { keyId: id, iv, tag, data }
  }
  return undefined
}
