// Webhooks to iHub (CP-163): a force's Portal events — an invitation sent, an account registered,
// a case updated, a message received from the person or replied to by the force — are queued in
// the transaction that causes them, one delivery per subscription, and posted to an address the
// deployment allows (OUTBOUND_WEBHOOK_HOSTS, decision 0016) with write-back's HTTP delivery.
// Each is signed: `Waypoint-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"
// under the subscription's secret>`. Failures are retried with exponential backoff; when retries
// run out the delivery is a dead letter, which the force replays from the console or the API.
// Payloads carry ids and the person's One Login subject, never names, addresses or message text.
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import type { CaseEvent } from '../../cases/events.ts'
import type { PortalRepository } from '../repository.ts'
import type { AuditService } from '../../platform/audit/audit-service.ts'
import type { Clock } from '../../platform/clock.ts'
import type { CredentialKeys } from '../../platform/credential-keys.ts'
import type { Database, Tx } from '../../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { OutboundPolicy } from '../../platform/outbound.ts'
import { deliverOverHttp } from '../../writeback/http-delivery.ts'
import { hasRunOutOfRetries, nextAttemptAt, type RetryPolicy } from '../../writeback/retry-policy.ts'
import type { PortalApiRepository } from './repository.ts'
import type { DeliveryRow, DeliveryStatus, WebhookRow } from './schema.ts'

export const portalEventTypes = [
  'invitation.sent',
  'account.registered',
  'case.updated',
  'message.received',
  'message.replied',
] as const
export type PortalEventType = (typeof portalEventTypes)[number]

/** Where the Portal's services report their events (the webhooks, once the API is built). */
export type PortalEventSink = (tx: Tx, event: PortalEvent) => Promise<unknown>

export const SIGNATURE_HEADER = 'Waypoint-Signature'

export interface PortalEvent {
  type: PortalEventType
  forceId: string
  /** Ids only (case, invitation, message, account, One Login subject). */
  data: Record<string, string | null>
}

/** The case events a person is shown as an update on their case. */
const caseUpdates = new Set([
  'crime.officer-assigned',
  'crime.status-changed',
  'crime.closed',
  'incident.closed',
])

/** Every 30 s doubling to an hour, for a day or 12 attempts, whichever ends first. */
export const webhookRetryPolicy: RetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 12,
  maxAgeMs: 24 * 3_600_000,
}
const LEASE_MS = 60_000
const TIMEOUT_MS = 10_000

/** The signature of a body sent at `timestamp` (seconds), as a receiver recomputes it. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

export interface WebhookView {
  id: string
  url: string
  events: string[]
  createdAt: Date
  active: boolean
}

export class WebhookService {
  readonly #db: Database
  readonly #repo: PortalApiRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #cipher: CredentialKeys
  readonly #outbound: OutboundPolicy
  readonly #wake: (tx: Tx) => Promise<unknown>

  constructor(deps: {
    db: Database
    repo: PortalApiRepository
    clock: Clock
    audit: AuditService
    cipher: CredentialKeys
    outbound: OutboundPolicy
    /** Asks for a delivery run once the transaction commits. */
    wake: (tx: Tx) => Promise<unknown>
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#cipher = deps.cipher
    this.#outbound = deps.outbound
    this.#wake = deps.wake
  }

  /** A new subscription; its signing secret is returned once and kept only encrypted. */
  async subscribe(
    forceId: string,
    input: { url: string; events: string[] },
    by: { clientId: string; ip: string; correlationId: string },
  ): Promise<{ webhook: WebhookView; secret: string }> {
    const errors = []
    let url: URL | undefined
    try {
      url = new URL(input.url)
    } catch {
      // Expected: what the client sent is not a URL; said as a field error below.
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
      errors.push({ field: 'url', message: 'Give the address as https://…' })
    else if (
      !this.#outbound.listed(
        'webhook',
        url.hostname,
        Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      )
    )
      errors.push({
        field: 'url',
        message: 'Waypoint may not send to that host: the hosts allowed are set when it is deployed',
      })
    const unknown = input.events.filter((e) => !(portalEventTypes as readonly string[]).includes(e))
    if (input.events.length === 0 || unknown.length > 0)
      errors.push({ field: 'events', message: `Choose events from: ${portalEventTypes.join(', ')}` })
    if (errors.length) throw new ValidationError(errors)
    const secret = `whsec_${randomBytes(32).toString('base64url')}`
    return this.#db.withForce(forceId, async (tx) => {
      const id = randomUUID()
      const row = await this.#repo.addWebhook(tx, {
        id,
        forceId,
        apiClientId: by.clientId,
        url: url!.toString(),
        events: [...new Set(input.events)],
        secretSealed: this.#cipher.encrypt(secret, webhookSecretContext(id)),
        createdAt: this.#clock.now(),
      })
      await this.#audit.record(
        {
          action: 'portal-webhook.created',
          forceId,
          actor: { kind: 'client', id: by.clientId, name: null },
          recordType: 'portal-webhook',
          recordId: row.id,
          detail: { host: url!.host, events: row.events },
          ip: by.ip,
          correlationId: by.correlationId,
        },
        tx,
      )
      return { webhook: view(row), secret }
    })
  }

  async list(forceId: string): Promise<WebhookView[]> {
    return this.#db.withForce(forceId, async (tx) => (await this.#repo.webhooks(tx)).map(view))
  }

  async unsubscribe(
    forceId: string,
    id: string,
    by: { clientId: string; ip: string; correlationId: string },
  ) {
    await this.#db.withForce(forceId, async (tx) => {
      if (!(await this.#repo.disableWebhook(tx, id, this.#clock.now())))
        throw new NotFoundError('The webhook')
      await this.#audit.record(
        {
          action: 'portal-webhook.disabled',
          forceId,
          actor: { kind: 'client', id: by.clientId, name: null },
          recordType: 'portal-webhook',
          recordId: id,
          ip: by.ip,
          correlationId: by.correlationId,
        },
        tx,
      )
    })
  }

  /** Queues an event for each subscription to it, in the caller's (the force's) transaction. */
  async emit(tx: Tx, event: PortalEvent): Promise<number> {
    const subscribers = await this.#repo.subscribers(tx, event.forceId, event.type)
    if (subscribers.length === 0) return 0
    const now = this.#clock.now()
    const eventId = randomUUID()
    const payload = {
      id: eventId,
      type: event.type,
      occurredAt: now.toISOString(),
      forceId: event.forceId,
      data: event.data,
    }
    for (const webhook of subscribers)
      await this.#repo.addDelivery(tx, {
        forceId: event.forceId,
        webhookId: webhook.id,
        eventId,
        eventType: event.type,
        payload,
        status: 'pending',
        nextAttemptAt: now,
        windowStartedAt: now,
        createdAt: now,
      })
    await this.#wake(tx)
    return subscribers.length
  }

  /**
   * The case-event listener: a change a person is shown on their case (an officer assigned, the
   * status, the case closed) is a `case.updated` event for each account linked to the case, in
   * the ingest transaction. Most cases have no account: one cheap read first.
   */
  async onCaseEvents(tx: Tx, portal: PortalRepository, events: CaseEvent[]): Promise<void> {
    const seen = new Set<string>()
    for (const event of events) {
      if (!caseUpdates.has(event.type)) continue
      const caseId = event.crimeId ?? event.incidentId
      if (!caseId || seen.has(caseId)) continue
      seen.add(caseId)
      if (!(await portal.hasLinks(tx))) return
      for (const link of await portal.linksOfCase(tx, caseId))
        await this.emit(tx, {
          type: 'case.updated',
          forceId: event.forceId,
          data: { caseId, caseKind: link.caseKind, accountId: link.accountId, change: event.type },
        })
    }
  }

  /** Delivers what is due, across forces (job `portal.deliver-webhooks`); returns how many were tried. */
  async deliverDue(limit = 100): Promise<number> {
    const now = this.#clock.now()
    const due = await this.#db.asSystem((tx) => this.#repo.due(tx, now, limit))
    for (const { id, forceId } of due) await this.#attempt(forceId, id)
    return due.length
  }

  async #attempt(forceId: string, id: string): Promise<void> {
    const now = this.#clock.now()
    const leased = await this.#db.withForce(forceId, (tx) =>
      this.#repo.lease(tx, id, now, new Date(now.getTime() + LEASE_MS)),
    )
    if (!leased) return
    const { delivery, webhook } = leased
    // Sent outside any transaction: a slow receiver holds no database connection.
    const result = webhook.disabledAt
      ? ({ kind: 'rejected', httpStatus: 0, error: 'The webhook was disabled' } as const)
      : await this.#post(webhook, delivery)
    const attempts = delivery.attempts + 1
    const after = this.#clock.now()
    let status: DeliveryStatus = 'pending'
    let next = after
    if (result.kind === 'delivered') status = 'delivered'
    else if (
      result.kind === 'rejected' ||
      hasRunOutOfRetries(attempts, delivery.windowStartedAt, after, webhookRetryPolicy)
    )
      status = 'dead'
    else next = nextAttemptAt(after, attempts, webhookRetryPolicy, result.retryAfterSeconds)
    await this.#db.withForce(forceId, async (tx) => {
      await this.#repo.recordAttempt(tx, id, {
        status,
        attempts,
        nextAttemptAt: next,
        lastHttpStatus: result.httpStatus || null,
        lastError: result.kind === 'delivered' ? null : result.error.slice(0, 500),
        deliveredAt: status === 'delivered' ? after : null,
      })
      if (status === 'dead')
        await this.#audit.record(
          {
            action: 'portal-webhook.dead-lettered',
            forceId,
            actor: { kind: 'system', name: 'portal webhooks' },
            recordType: 'portal-webhook-delivery',
            recordId: id,
            detail: { webhookId: webhook.id, eventType: delivery.eventType, attempts },
          },
          tx,
        )
    })
  }

  #post(webhook: WebhookRow, delivery: DeliveryRow) {
    const body = JSON.stringify(delivery.payload)
    const secret = this.#cipher.decrypt(webhook.secretSealed, webhookSecretContext(webhook.id))
    const timestamp = Math.floor(this.#clock.now().getTime() / 1000)
    return deliverOverHttp(
      {
        url: webhook.url,
        auth: { kind: 'none', username: null, secret: null },
        idempotencyKey: delivery.eventId,
        payload: delivery.payload,
        timeoutMs: TIMEOUT_MS,
        purpose: 'webhook',
        headers: {
          [SIGNATURE_HEADER.toLowerCase()]: signWebhook(secret, timestamp, body),
          'waypoint-event': delivery.eventType,
          'waypoint-delivery': delivery.id,
        },
      },
      this.#outbound,
    )
  }

  async deliveries(
    forceId: string,
    filter: { status?: DeliveryStatus; limit?: number },
  ): Promise<DeliveryRow[]> {
    return this.#db.withForce(forceId, (tx) =>
      this.#repo.deliveries(tx, { status: filter.status, limit: Math.min(filter.limit ?? 50, 200) }),
    )
  }

  /** Sends a delivery again (a dead letter, or one the receiver lost), audited (CP-163). */
  async replay(
    forceId: string,
    id: string,
    by: {
      actor: { kind: 'staff' | 'client'; id: string; name: string | null }
      ip: string
      correlationId: string
    },
  ): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      if (!(await this.#repo.replay(tx, id, this.#clock.now()))) throw new NotFoundError('The delivery')
      await this.#audit.record(
        {
          action: 'portal-webhook.replayed',
          forceId,
          actor: by.actor,
          recordType: 'portal-webhook-delivery',
          recordId: id,
          ip: by.ip,
          correlationId: by.correlationId,
        },
        tx,
      )
      await this.#wake(tx)
    })
  }
}

function view(row: WebhookRow): WebhookView {
  return { id: row.id, url: row.url, events: row.events, createdAt: row.createdAt, active: !row.disabledAt }
}

/** What a subscription's sealed secret is bound to: it opens for that subscription only. */
export function webhookSecretContext(id: string): string {
  return `portal-webhook:${id}`
}
