// Social media as a contact channel (issue 15 item 2; CRM-8): a generic signed webhook. The
// force's social platform connector posts each message a person sends to
// `/api/v1/contact/<force>/social/messages`, signed `Waypoint-Signature: t=<unix seconds>,
// v1=<hex HMAC-SHA256 of "<t>.<raw body>">` under the force's secret (the scheme of Waypoint's own
// webhooks): a wrong signature, or a timestamp more than five minutes from Waypoint's clock, is
// refused; a message id sent again is taken once. Each message lands in a conversation on the
// channel `social` and joins the contact queue. A handler's reply is queued in the transaction
// that stores it and posted, signed the same way, to the connector's address, which must be on the
// deployment's webhook allow-list (OUTBOUND_WEBHOOK_HOSTS, decision 0016); it is retried with
// backoff and its outcome shown with the reply. The force administrator sets the address, the
// secret (sealed with the credential key) and the switch, audited.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { SocialMessage } from '../messaging/conversations/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { DomainError, type FieldError, ValidationError } from '../platform/errors.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import { deliverOverHttp } from '../writeback/http-delivery.ts'
import { hasRunOutOfRetries, nextAttemptAt, type RetryPolicy } from '../writeback/retry-policy.ts'
import type { Acting } from './single-view.ts'

export const SOCIAL_SIGNATURE_HEADER = 'waypoint-signature'

/** How far a signed message's timestamp may be from Waypoint's clock, either way. */
export const socialReplayWindowSeconds = 300

/** The declared limits of what a connector may send. */
export const socialLimits = {
  bodyBytes: 32_768,
  platform: 40,
  id: 200,
  name: 200,
  text: 4000,
} as const

/** Every 30 s doubling to 30 minutes, for 6 hours or 10 attempts, whichever ends first. */
export const socialRetryPolicy: RetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 1_800_000,
  maxAttempts: 10,
  maxAgeMs: 6 * 3_600_000,
}
const TIMEOUT_MS = 10_000
const LEASE_MS = 60_000

export interface SocialSettings {
  enabled: boolean
  url: string | null
  secretLast4: string | null
  updatedAt: Date | null
}

/** A signature of `body` at `timestamp` (seconds) under `secret`, as both sides compute it. */
export function signSocial(secret: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret)
    .update(`${timestamp}.`)
    .update(typeof body === 'string' ? Buffer.from(body) : body)
    .digest('hex')
  return `t=${timestamp},v1=${mac}`
}

/** Keeps a person's message in its conversation, once by its id (Messaging's conversations). */
export type ReceiveSocial = (
  tx: Tx,
  forceId: string,
  message: SocialMessage,
) => Promise<{ messageId: string; conversationId: string; created: boolean }>

/** Shows with a reply what became of it (Messaging's conversations). */
export type SocialDelivered = (
  tx: Tx,
  forceId: string,
  messageId: string,
  outcome: { status: 'sent' | 'failed'; reason: string | null },
) => Promise<void>

const unauthenticated = (detail: string) => new DomainError('unauthenticated', detail, { status: 401 })

/** What a force's social media secret is bound to when sealed. */
export const socialSealContext = (forceId: string) => `contact-social:${forceId}`

export class SocialService {
  readonly #db: Database
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #cipher: CredentialKeys
  readonly #outbound: OutboundPolicy
  readonly #receive: ReceiveSocial
  readonly #delivered: SocialDelivered
  readonly #wake: (tx: Tx) => Promise<unknown>
  readonly #allowHttp: boolean

  constructor(deps: {
    db: Database
    audit: AuditService
    clock: Clock
    cipher: CredentialKeys
    outbound: OutboundPolicy
    /** Keeps a person's message in its conversation (Messaging's conversations). */
    receive: ReceiveSocial
    /** Shows what became of a reply (Messaging's conversations). */
    delivered: SocialDelivered
    /** Asks for a delivery run once the transaction commits. */
    wake: (tx: Tx) => Promise<unknown>
    /** Outside production a connector may be at an http:// address (a test receiver). */
    allowHttp: boolean
  }) {
    this.#db = deps.db
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#cipher = deps.cipher
    this.#outbound = deps.outbound
    this.#receive = deps.receive
    this.#delivered = deps.delivered
    this.#wake = deps.wake
    this.#allowHttp = deps.allowHttp
  }

  async settings(forceId: string): Promise<SocialSettings> {
    const row = await this.#db.withForce(forceId, (tx) => this.#row(tx, forceId))
    return {
      enabled: row?.enabled ?? false,
      url: row?.url ?? null,
      secretLast4: row?.secretLast4 ?? null,
      updatedAt: row?.updatedAt ? new Date(row.updatedAt) : null,
    }
  }

  /**
   * Saves the connector's settings: on needs an address Waypoint may post to and a secret (a new
   * one of 32 to 200 characters, or the one kept); a blank secret keeps the one kept. Audited
   * with the choice, the host and whether the secret changed, never the secret.
   */
  async save(
    forceId: string,
    input: { enabled?: string | undefined; url?: string | undefined; secret?: string | undefined },
    acting: Acting,
  ): Promise<void> {
    const errors: FieldError[] = []
    if (input.enabled !== 'yes' && input.enabled !== 'no')
      errors.push({ field: 'enabled', message: 'Select whether the social media channel is on' })
    const enabled = input.enabled === 'yes'
    const urlText = (input.url ?? '').trim()
    let url: URL | undefined
    if (urlText) {
      try {
        url = new URL(urlText)
      } catch {
        // Expected: what was typed is not an address; said as a field error below.
      }
      if (!url || !(url.protocol === 'https:' || (this.#allowHttp && url.protocol === 'http:')))
        errors.push({ field: 'url', message: 'Enter the connector’s address, starting https://' })
      else if (
        !this.#outbound.listed(
          'webhook',
          url.hostname,
          Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        )
      )
        errors.push({
          field: 'url',
          message:
            'Waypoint may not send to that host: the hosts allowed are set when it is deployed (OUTBOUND_WEBHOOK_HOSTS)',
        })
    } else if (enabled) errors.push({ field: 'url', message: 'Enter the connector’s address' })
    const secret = (input.secret ?? '').trim()
    if (secret && (secret.length < 32 || secret.length > 200))
      errors.push({ field: 'secret', message: 'The shared secret must be 32 to 200 characters' })
    await this.#db.withForce(forceId, async (tx) => {
      const kept = await this.#row(tx, forceId)
      if (enabled && !secret && !kept?.secretSealed)
        errors.push({ field: 'secret', message: 'Enter the shared secret the connector signs with' })
      if (errors.length) throw new ValidationError(errors)
      const sealed = secret
        ? this.#cipher.encrypt(secret, socialSealContext(forceId))
        : (kept?.secretSealed ?? null)
      const last4 = secret ? secret.slice(-4) : (kept?.secretLast4 ?? null)
      await tx.execute(
        sql`insert into contact_social_settings (force_id, enabled, url, secret_sealed, secret_last4, updated_by, updated_at)
            values (${forceId}, ${enabled}, ${url?.toString() ?? null}, ${sealed}, ${last4}, ${acting.staffId},
              ${this.#clock.now()})
            on conflict (force_id) do update set enabled = excluded.enabled, url = excluded.url,
              secret_sealed = excluded.secret_sealed, secret_last4 = excluded.secret_last4,
              updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      )
      await this.#audit.record(
        {
          action: 'contact-social.settings-changed',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact-social-settings',
          recordId: forceId,
          detail: { enabled, host: url?.host ?? null, secretChanged: Boolean(secret) },
        },
        tx,
      )
    })
  }

  /**
   * A message the connector posted: its signature checked over the raw bytes (401 when wrong or
   * stale), then read and checked against the declared limits (400), then kept once by the
   * platform's message id. A force with the channel off, or none, is not found (404).
   */
  async receive(
    forceId: string,
    raw: Buffer,
    signature: string | undefined,
  ): Promise<{ status: 'applied' | 'duplicate'; conversation: string; message: string }> {
    const row = await this.#db.withForce(forceId, (tx) => this.#row(tx, forceId))
    if (!row?.enabled || !row.secretSealed)
      throw new DomainError('not-found', 'This force has no social media channel', { status: 404 })
    const secret = this.#cipher.decrypt(row.secretSealed, socialSealContext(forceId))
    const parts = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec((signature ?? '').trim())
    if (!parts) throw unauthenticated('The Waypoint-Signature header is missing or not t=<seconds>,v1=<hex>')
    const timestamp = Number(parts[1])
    const now = Math.floor(this.#clock.now().getTime() / 1000)
    if (Math.abs(now - timestamp) > socialReplayWindowSeconds)
      throw unauthenticated('The signature’s timestamp is more than 5 minutes from Waypoint’s clock')
    const expected = Buffer.from(signSocial(secret, timestamp, raw).split('v1=')[1]!, 'hex')
    const given = Buffer.from(parts[2]!, 'hex')
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw unauthenticated('The signature does not match the body under the force’s secret')
    const message = readMessage(raw)
    return this.#db.withForce(forceId, async (tx) => {
      const kept = await this.#receive(tx, forceId, message)
      return {
        status: kept.created ? ('applied' as const) : ('duplicate' as const),
        conversation: kept.conversationId,
        message: kept.messageId,
      }
    })
  }

  /** Queues a handler's reply for the connector, in the reply's transaction. */
  async queueReply(
    tx: Tx,
    reply: { forceId: string; conversationId: string; messageId: string; to: string; text: string },
  ): Promise<void> {
    const row = await this.#row(tx, reply.forceId)
    if (!row?.enabled || !row.url)
      throw new ValidationError([
        { field: 'reply', message: 'The social media channel is off: the force administrator turns it on' },
      ])
    const [, platform, ...sender] = reply.to.split(':')
    const now = this.#clock.now()
    const payload = {
      type: 'message.reply',
      id: reply.messageId,
      conversation: reply.conversationId,
      platform: platform ?? '',
      recipient: sender.join(':'),
      text: reply.text,
      sentAt: now.toISOString(),
    }
    await tx.execute(
      sql`insert into contact_social_deliveries (force_id, message_id, payload, status, next_attempt_at,
            window_started_at, created_at)
          values (${reply.forceId}, ${reply.messageId}, ${JSON.stringify(payload)}::jsonb, 'pending', ${now}, ${now}, ${now})`,
    )
    await this.#wake(tx)
  }

  /** Posts the replies that are due, across forces; returns how many were tried. */
  async deliverDue(limit = 100): Promise<number> {
    const now = this.#clock.now()
    const due = await this.#db.asSystem((tx) =>
      rows<{ id: string; forceId: string }>(
        tx,
        sql`select id, force_id as "forceId" from contact_social_deliveries
            where status = 'pending' and next_attempt_at <= ${now} order by next_attempt_at limit ${limit}`,
      ),
    )
    for (const { id, forceId } of due) await this.#attempt(forceId, id)
    return due.length
  }

  async #attempt(forceId: string, id: string): Promise<void> {
    const now = this.#clock.now()
    const leased = await this.#db.withForce(forceId, async (tx) => {
      const [delivery] = await rows<{
        id: string
        messageId: string
        payload: Record<string, unknown>
        attempts: number
        windowStartedAt: Date | string
      }>(
        tx,
        sql`update contact_social_deliveries set next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}
            where id = ${id} and status = 'pending' and next_attempt_at <= ${now}
            returning id, message_id as "messageId", payload, attempts, window_started_at as "windowStartedAt"`,
      )
      return delivery ? { delivery, settings: await this.#row(tx, forceId) } : undefined
    })
    if (!leased) return
    const { delivery, settings } = leased
    // Sent outside any transaction: a slow connector holds no database connection.
    const result =
      settings?.enabled && settings.url && settings.secretSealed
        ? await this.#post(forceId, settings.url, settings.secretSealed, delivery.id, delivery.payload)
        : ({
            kind: 'retry',
            httpStatus: null,
            error: 'The social media channel is off',
            retryAfterSeconds: null,
          } as const)
    const attempts = delivery.attempts + 1
    const after = this.#clock.now()
    const windowStartedAt = new Date(delivery.windowStartedAt)
    const status =
      result.kind === 'delivered'
        ? 'delivered'
        : result.kind === 'rejected' ||
            hasRunOutOfRetries(attempts, windowStartedAt, after, socialRetryPolicy)
          ? 'dead'
          : 'pending'
    const next =
      status === 'pending' && result.kind === 'retry'
        ? nextAttemptAt(after, attempts, socialRetryPolicy, result.retryAfterSeconds)
        : after
    const error = result.kind === 'delivered' ? null : result.error.slice(0, 500)
    await this.#db.withForce(forceId, async (tx) => {
      await tx.execute(
        sql`update contact_social_deliveries set status = ${status}, attempts = ${attempts}, next_attempt_at = ${next},
              last_http_status = ${result.httpStatus || null}, last_error = ${error},
              delivered_at = ${status === 'delivered' ? after : null}
            where id = ${id}`,
      )
      if (status === 'delivered')
        await this.#delivered(tx, forceId, delivery.messageId, { status: 'sent', reason: null })
      if (status === 'dead') {
        await this.#delivered(tx, forceId, delivery.messageId, {
          status: 'failed',
          reason: `The social platform connector did not take the reply after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${error}`,
        })
        await this.#audit.record(
          {
            action: 'contact-social.reply-failed',
            forceId,
            actor: { kind: 'system', name: 'Social media channel' },
            recordType: 'conversation-message',
            recordId: delivery.messageId,
            detail: { attempts, httpStatus: result.httpStatus || null },
          },
          tx,
        )
      }
    })
  }

  #post(
    forceId: string,
    url: string,
    secretSealed: string,
    deliveryId: string,
    payload: Record<string, unknown>,
  ) {
    const secret = this.#cipher.decrypt(secretSealed, socialSealContext(forceId))
    const timestamp = Math.floor(this.#clock.now().getTime() / 1000)
    return deliverOverHttp(
      {
        url,
        auth: { kind: 'none', username: null, secret: null },
        idempotencyKey: deliveryId,
        payload,
        timeoutMs: TIMEOUT_MS,
        purpose: 'webhook',
        headers: { [SOCIAL_SIGNATURE_HEADER]: signSocial(secret, timestamp, JSON.stringify(payload)) },
      },
      this.#outbound,
    )
  }

  async #row(tx: Tx, forceId: string) {
    const [row] = await rows<{
      enabled: boolean
      url: string | null
      secretSealed: string | null
      secretLast4: string | null
      updatedAt: Date | string
    }>(
      tx,
      sql`select enabled, url, secret_sealed as "secretSealed", secret_last4 as "secretLast4", updated_at as "updatedAt"
          from contact_social_settings where force_id = ${forceId}`,
    )
    return row
  }
}

/** The connector's JSON, checked against the declared limits; a field error names what is wrong. */
function readMessage(raw: Buffer): SocialMessage {
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch {
    throw new ValidationError([{ field: 'body', message: 'The body is not JSON' }])
  }
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  const sender = (typeof o.sender === 'object' && o.sender !== null ? o.sender : {}) as Record<
    string,
    unknown
  >
  const errors: FieldError[] = []
  const text = (value: unknown, field: string, max: number, required = true) => {
    if (value === undefined || value === null) {
      if (required) errors.push({ field, message: `${field} is required` })
      return null
    }
    if (typeof value !== 'string' || value.trim() === '' || value.length > max || value.includes('\u0000')) {
      errors.push({ field, message: `${field} must be text of 1 to ${max} characters` })
      return null
    }
    return value
  }
  const platform = text(o.platform, 'platform', socialLimits.platform)
  if (platform && !/^[a-z0-9][a-z0-9-]*$/.test(platform))
    errors.push({ field: 'platform', message: 'platform must be lowercase letters, numbers and hyphens' })
  const messageId = text(o.messageId, 'messageId', socialLimits.id)
  const senderId = text(sender.id, 'sender.id', socialLimits.id)
  const senderName = text(sender.name, 'sender.name', socialLimits.name, false)
  const message = text(o.text, 'text', socialLimits.text)
  if (errors.length || !platform || !messageId || !senderId || !message) throw new ValidationError(errors)
  return { platform, messageId, senderId, senderName, text: message }
}
