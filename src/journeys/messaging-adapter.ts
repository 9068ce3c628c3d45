// Journeys' MessageScheduler port over the Messaging service: messages are created in the
// enrolment transaction, hold for quiet hours by the force's sending window (UJ-8), and carry the
// person and case so that a closed case or an opt-out cancels what is still waiting.
import { defaultSendingWindow, type SendingWindow } from '../messaging/quiet-hours.ts'
import type { MessagingService } from '../messaging/service.ts'
import type { Tx } from '../platform/db/database.ts'
import type { SeedTemplate } from './default-journeys.ts'
import type { MessageScheduler, ScheduledMessageRequest } from './ports.ts'
import type { Channel } from './snapshot.ts'

export class MessagingScheduler implements MessageScheduler {
  readonly #messaging: MessagingService

  constructor(messaging: MessagingService) {
    this.#messaging = messaging
  }

  async schedule(tx: Tx, r: ScheduledMessageRequest) {
    const message = await this.#messaging.schedule(tx, {
      forceId: r.forceId,
      personId: r.personId,
      caseId: r.caseId,
      channel: r.channel,
      to: r.recipient,
      templateKey: r.templateKey,
      personalisation: r.personalisation,
      language: r.language,
      dueAt: r.sendAfter,
      urgent: r.urgent,
    })
    return {
      messageId: message.id,
      status: message.status,
      ...(message.statusReason ? { reason: message.statusReason } : {}),
    }
  }

  async cancelPending(
    tx: Tx,
    forceId: string,
    filter: { caseIds: string[]; personId?: string },
    reason: string,
  ) {
    let cancelled = 0
    for (const caseId of new Set(filter.caseIds)) {
      cancelled += await this.#messaging.cancelPending(tx, {
        forceId,
        caseId,
        ...(filter.personId ? { personId: filter.personId } : {}),
        reason,
      })
    }
    return cancelled
  }

  optedOut(tx: Tx, forceId: string, addresses: { channel: Channel; address: string }[]) {
    return this.#messaging.optedOut(tx, forceId, addresses)
  }

  async sendingWindow(tx: Tx, forceId: string, channel: Channel): Promise<SendingWindow> {
    const settings = await this.#messaging.settings(tx, forceId)
    const windows = settings?.sendingWindows as Partial<Record<Channel, SendingWindow>> | undefined
    return windows?.[channel] ?? defaultSendingWindow
  }

  /**
   * Adds the journeys' templates a force does not have yet: SMS and email, in English and Welsh
   * (UJ-19). A variant a force already has, even one it has changed, is left as it is.
   */
  async installTemplates(tx: Tx, forceId: string, templates: SeedTemplate[]): Promise<number> {
    const existing = new Set(
      (await this.#messaging.templates(tx, forceId)).map((t) => `${t.key}/${t.channel}/${t.language}`),
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
          await this.#messaging.addTemplateVersion(tx, {
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
