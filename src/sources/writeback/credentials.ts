// Endpoint secrets (bearer tokens, basic-auth passwords) are kept encrypted with AES-256-GCM
// under a key from configuration, so a copy of the database alone does not yield credentials
// to a force's CAD or RMS. Staff only ever see a hint of the last characters.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

const VERSION = 'v1'

export class CredentialCipher {
  readonly #key: Buffer

  constructor(secretKey: string) {
    this.#key = createHash('sha256').update(secretKey).digest()
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return [
      VERSION,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      data.toString('base64'),
    ].join(':')
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, data] = sealed.split(':')
    if (version !== VERSION || !iv || !tag || !data) throw new Error('Unreadable stored credential')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'))
    decipher.setAuthTag(Buffer.from(tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8')
  }
}

/** Enough to recognise a secret, never enough to use it: the last 4 characters of a long one. */
export function secretHint(secret: string): string {
  return secret.length >= 16 ? `ending ${secret.slice(-4)}` : 'set'
}
