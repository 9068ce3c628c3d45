// Journeys' MessageScheduler port over the Messaging service: messages are created in the
// enrolment transaction with the step's due time and urgency; Messaging holds each for its own
// channel's sending window (UJ-8). They carry the person and case so that a closed case or an
// opt-out cancels what is still waiting.
import type { MessagingServices } from '../messaging/messaging-services.ts'
import type { Tx } from '../platform/db/database.ts'
import { NotFoundError } from '../platform/errors.ts'
import type { SeedTemplate } from './default-journeys.ts'
import type { MessageScheduler, ScheduledMessageRequest } from './ports.ts'
import type { Channel } from './snapshot.ts'

export class MessagingScheduler implements MessageScheduler {
  readonly #messaging: MessagingServices

  constructor(messaging: MessagingServices) {
    this.#messaging = messaging
  }

  async schedule(tx: Tx, r: ScheduledMessageRequest) {
    const message = await this.#messaging.scheduling.schedule(tx, {
      forceId: r.forceId,
      personId: r.personId,
      caseId: r.caseId,
      channel: r.channel,
      to: r.recipient,
      templateKey: r.templateKey,
      personalisation: r.personalisation,
      language: r.language,
      dueAt: r.dueAt,
      urgent: r.urgent,
    })
    return {
      messageId: message.id,
      status: message.status,
      sendAfter: message.sendAfter,
      ...(message.statusReason ? { reason: message.statusReason } : {}),
    }
  }

  async recordHeldBack(
    tx: Tx,
    r: Omit<ScheduledMessageRequest, 'personalisation' | 'urgent'> & { reason: string },
  ) {
    const message = await this.#messaging.scheduling.recordHeldBack(tx, {
      forceId: r.forceId,
      personId: r.personId,
      caseId: r.caseId,
      channel: r.channel,
      to: r.recipient,
      templateKey: r.templateKey,
      language: r.language,
      dueAt: r.dueAt,
      reason: r.reason,
    })
    return { messageId: message.id }
  }

  async cancelPending(
    tx: Tx,
    forceId: string,
    filter: { caseIds: string[]; personId?: string },
    reason: string,
  ) {
    let cancelled = 0
    for (const caseId of new Set(filter.caseIds)) {
      cancelled += await this.#messaging.scheduling.cancelPending(tx, {
        forceId,
        caseId,
        ...(filter.personId ? { personId: filter.personId } : {}),
        reason,
      })
    }
    return cancelled
  }

  optedOut(tx: Tx, forceId: string, addresses: { channel: Channel; address: string }[]) {
    return this.#messaging.optOuts.optedOut(tx, forceId, addresses)
  }

  async cancelMessages(tx: Tx, _forceId: string, messageIds: string[], reason: string): Promise<number> {
    const statuses = await this.messageStatuses(tx, _forceId, messageIds)
    let cancelled = 0
    for (const [id, status] of statuses) {
      if (status !== 'scheduled') continue
      await this.#messaging.scheduling.suppress(tx, id, reason, null)
      cancelled += 1
    }
    return cancelled
  }

  async messageStatuses(tx: Tx, _forceId: string, messageIds: string[]): Promise<Map<string, string>> {
    const statuses = new Map<string, string>()
    // One at a time: a transaction is one connection.
    for (const id of new Set(messageIds)) {
      try {
        statuses.set(id, (await this.#messaging.scheduling.message(tx, id)).message.status)
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error
      }
    }
    return statuses
  }

  /**
   * Adds the journeys' templates a force does not have yet: SMS and email, in English and Welsh
   * (UJ-19). A variant a force already has, even one it has changed, is left as it is.
   */
  async installTemplates(tx: Tx, forceId: string, templates: SeedTemplate[]): Promise<number> {
    const existing = new Set(
      (await this.#messaging.templates.templates(tx, forceId)).map(
        (t) => `${t.key}/${t.channel}/${t.language}`,
      ),
    )
    let added = 0
    for (const t of templates) {
      const variants = [
        { language: 'en', sms: t.sms, email: t.email, emailSubject: t.emailSubject },
        { language: 'cy', ...t.cy },
      ]
      for (const v of variants) {
        for (const channel of ['sms', 'email'] as const) {
          if (existing.has(`${t.key}/${channel}/${v.language}`)) continue
          await this.#messaging.templates.addTemplateVersion(tx, {
            forceId,
            key: t.key,
            title: t.name,
            channel,
            language: v.language,
            ...(channel === 'email' ? { subject: v.emailSubject } : {}),
            body: channel === 'email' ? (v.email ?? v.sms) : v.sms,
          })
          added += 1
        }
      }
    }
    return added
  }
}
