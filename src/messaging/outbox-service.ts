// The outbox as staff use it at a year's volume: what a search box means, pages with a bounded
// total, and the two things staff may do to one message, each with a reason and audited by the
// route: cancel a message still waiting to send, or send again one that failed (a new message,
// the same words to the same address, kept to quiet hours and refused when the person has opted
// out or the address failed and was not confirmed again).
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError } from '../platform/errors.ts'
import { sql } from 'drizzle-orm'
import { rows } from '../platform/db/database.ts'
import { addressKey } from './addresses.ts'
import {
  type OutboxCursor,
  type OutboxFilter,
  type OutboxPage,
  OutboxRepository,
  type OutboxSearch,
  OUTBOX_COUNT_BOUND,
} from './outbox-repository.ts'
import { nextSendableTime } from './quiet-hours.ts'
import type { MessageStatus } from './schema.ts'
import type { MessagingServices } from './messaging-services.ts'
import { providerFor, sendingWindowFor } from './settings-service.ts'

/** Statuses a message can be sent again from: it failed. */
export const resendableStatuses: MessageStatus[] = [
  'permanent-failure',
  'temporary-failure',
  'technical-failure',
]
/** Statuses a message can be cancelled from: it has not been handed over yet. */
export const cancellableStatuses: MessageStatus[] = ['scheduled']

export const OUTBOX_PAGE_SIZE = 50

/** A code or an invitation link works once, and its words are no longer held once it failed. */
export const sensitiveResendRefusal =
  'This message carried a security code or a sign-in link, which works only once, so it cannot be sent again: the person can ask for a new code, or send them a new invitation'

/**
 * What a search box holds: an email address or a phone number is matched exactly on its
 * normalised form (the same key opt-outs use, so "07700 900123" finds "+447700900123"); anything
 * else is a message reference, a crime or incident reference (case and spaces ignored), or the
 * words of a person's name.
 */
export function classifySearch(text: string): OutboxSearch | undefined {
  const q = text.trim()
  if (!q) return undefined
  if (/^[^\s@]+@[^\s@]+$/.test(q)) return { kind: 'address', recipientKey: addressKey('email', q) }
  if (/^[+\d][\d\s()-]{5,}$/.test(q) && q.replace(/\D/g, '').length >= 6)
    return { kind: 'address', recipientKey: addressKey('sms', q) }
  const nameWords = q
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}'-]/gu, ''))
    .filter(Boolean)
    .slice(0, 5)
  return { kind: 'text', reference: q, caseReference: q.replace(/\s/g, '').toUpperCase(), nameWords }
}

export class OutboxService {
  readonly #repo = new OutboxRepository()
  readonly #messaging: MessagingServices
  readonly #clock: Clock
  readonly #config: Config['messaging']

  constructor(messaging: MessagingServices, clock: Clock, config: Config['messaging']) {
    this.#messaging = messaging
    this.#clock = clock
    this.#config = config
  }

  /** One page and the number of matching messages, counted up to the bound. */
  async page(
    tx: Tx,
    forceId: string,
    filter: OutboxFilter,
    position: { older?: OutboxCursor; newer?: OutboxCursor },
  ): Promise<OutboxPage & { total: number; totalIsBound: boolean }> {
    const page = await this.#repo.page(tx, forceId, filter, OUTBOX_PAGE_SIZE, position)
    const counted = await this.#repo.count(tx, forceId, filter)
    return {
      ...page,
      total: Math.min(counted, OUTBOX_COUNT_BOUND),
      totalIsBound: counted > OUTBOX_COUNT_BOUND,
    }
  }

  /** Every matching message, for the CSV; each page in its own transaction through `run`. */
  all(run: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>, forceId: string, filter: OutboxFilter) {
    return this.#repo.all(run, forceId, filter)
  }

  templateTitles(tx: Tx, forceId: string) {
    return this.#repo.templateTitles(tx, forceId)
  }

  /** Cancels a message still waiting to send; the reason is kept on the message and its history. */
  async cancel(tx: Tx, forceId: string, messageId: string, reason: string, actorId: string) {
    const { message } = await this.#messaging.scheduling.message(tx, messageId)
    if (message.forceId !== forceId) throw new NotFoundError('The message')
    const [moved] = await rows<{ id: string }>(
      tx,
      sql`update messages set status = 'cancelled', status_reason = ${reason},
            completed_at = ${this.#clock.now().toISOString()}::timestamptz, updated_at = now()
          where id = ${messageId}::uuid and force_id = ${forceId} and status = 'scheduled'
          returning id`,
    )
    if (!moved)
      throw new DomainError(
        'conflict',
        'This message is no longer waiting to send, so it cannot be cancelled',
        {
          status: 409,
        },
      )
    await tx.execute(
      sql`insert into message_events (force_id, message_id, from_status, to_status, detail, actor_id)
          values (${forceId}, ${messageId}::uuid, 'scheduled', 'cancelled', ${`Cancelled by staff: ${reason}`},
            ${actorId}::uuid)`,
    )
    return { id: messageId, from: message.status }
  }

  /**
   * Sends a failed message again as a new message with the same words to the same address, after
   * quiet hours; the failed one keeps its history and points to the new one.
   */
  async resend(tx: Tx, forceId: string, messageId: string, reason: string, actorId: string) {
    const { message } = await this.#messaging.scheduling.message(tx, messageId)
    if (message.forceId !== forceId) throw new NotFoundError('The message')
    if (!resendableStatuses.includes(message.status))
      throw new DomainError('conflict', 'Only a message that failed can be sent again', { status: 409 })
    if (message.sensitive) throw new DomainError('conflict', sensitiveResendRefusal, { status: 409 })
    const refusal = await this.#repo.refusalToSend(tx, forceId, message.channel, message.recipientKey)
    if (refusal)
      throw new DomainError('conflict', `This message cannot be sent again: ${refusal}`, { status: 409 })
    const settings = await this.#messaging.settings.settings(tx, forceId)
    const now = this.#clock.now()
    const sendAfter = nextSendableTime(now, sendingWindowFor(settings, message.channel), {
      urgent: message.urgent,
    })
    const newId = await this.#repo.insertResend(tx, messageId, {
      provider: providerFor(message.channel, settings, this.#config),
      dueAt: now,
      sendAfter,
      actorId,
      detail: `Sent again by staff, copied from message ${message.reference}: ${reason}`,
    })
    if (!newId) throw new NotFoundError('The message')
    await tx.execute(
      sql`insert into message_events (force_id, message_id, from_status, to_status, detail, actor_id)
          values (${forceId}, ${messageId}::uuid, ${message.status}, ${message.status},
            ${`Sent again as a new message (${newId}): ${reason}`}, ${actorId}::uuid)`,
    )
    await this.#messaging.scheduling.wakeDispatch(tx, sendAfter)
    return { id: newId, from: message.status, sendAfter }
  }
}
