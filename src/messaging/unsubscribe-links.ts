// Signed one-click unsubscribe links (UJ-6, RFC 8058): the token names the force, channel and
// address and carries an HMAC, so the public endpoint needs no sign-in and cannot be forged.
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Channel } from './schema.ts'

export interface UnsubscribeTarget {
  forceId: string
  channel: Channel
  addressKey: string
}

export class UnsubscribeLinks {
  readonly #secret: string
  readonly #previousSecret: string | undefined
  readonly #publicUrl: string

  /**
   * `previousSecret` (MESSAGING_LINK_SECRET_PREVIOUS) is the secret being replaced: links it
   * signed, in messages already sent, still verify while it is set; new links use `secret`.
   */
  constructor(secret: string, publicUrl: string, previousSecret?: string) {
    this.#secret = secret
    this.#previousSecret = previousSecret && previousSecret !== secret ? previousSecret : undefined
    this.#publicUrl = publicUrl.replace(/\/$/, '')
  }

  tokenFor(forceId: string, channel: Channel, addressKey: string): string {
    const payload = Buffer.from(JSON.stringify([forceId, channel, addressKey])).toString('base64url')
    return `${payload}.${this.#sign(payload)}`
  }

  urlFor(forceId: string, channel: Channel, addressKey: string): string {
    return `${this.#publicUrl}/unsubscribe/${this.tokenFor(forceId, channel, addressKey)}`
  }

  /** What the link looks like, for previews: each person's own link is signed for them. */
  exampleUrl(): string {
    return `${this.#publicUrl}/unsubscribe/example`
  }

  /** The target of a genuine token; undefined for anything altered or made up. */
  verify(token: string): UnsubscribeTarget | undefined {
    const [payload, signature] = token.split('.')
    if (!payload || !signature) return undefined
    const given = Buffer.from(signature)
    const secrets = this.#previousSecret ? [this.#secret, this.#previousSecret] : [this.#secret]
    const signed = secrets.some((secret) => {
      const expected = Buffer.from(this.#sign(payload, secret))
      return expected.length === given.length && timingSafeEqual(expected, given)
    })
    if (!signed) return undefined
    try {
      const [forceId, channel, addressKey] = JSON.parse(
        Buffer.from(payload, 'base64url').toString(),
      ) as string[]
      if (!forceId || !addressKey || (channel !== 'sms' && channel !== 'email')) return undefined
      return { forceId, channel, addressKey }
    } catch {
      // Expected: a link that was tampered with or cut short is simply not a valid link.
      return undefined
    }
  }

  #sign(payload: string, secret = this.#secret): string {
    return createHmac('sha256', secret).update(`unsubscribe:${payload}`).digest('base64url')
  }
}
