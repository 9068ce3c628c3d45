// What Journeys needs from Messaging, as narrow ports: scheduling a message inside the enrolment
// transaction, cancelling what is still pending, and honouring opt-outs (UJ-6). The adapter in
// `messaging-adapter.ts` maps them onto the Messaging service.
import type { Tx } from '../platform/db/database.ts'
import type { Channel } from './snapshot.ts'

export interface ScheduledMessageRequest {
  forceId: string
  personId: string
  caseId: string
  channel: Channel
  recipient: string
  templateKey: string
  language: string
  personalisation: Record<string, string>
  /** When the journey step is due; Messaging holds it for the channel's quiet hours (UJ-8). */
  dueAt: Date
  /** From the step's definition only: exempt from quiet hours. */
  urgent: boolean
}

export interface MessageScheduler {
  schedule(
    tx: Tx,
    request: ScheduledMessageRequest,
  ): Promise<{ messageId: string; status: string; sendAfter: Date; reason?: string }>
  /** The status of each message that exists (scheduled, sent, cancelled, suppressed…), by id. */
  messageStatuses(tx: Tx, forceId: string, messageIds: string[]): Promise<Map<string, string>>
  /**
   * Records a message the contact policy held back, with the reason, so that it shows wherever
   * messages do (outbox, reports, feed); `recipient` is empty when no contact detail is known.
   */
  recordHeldBack(
    tx: Tx,
    request: Omit<ScheduledMessageRequest, 'personalisation' | 'urgent'> & { reason: string },
  ): Promise<{ messageId: string }>
  /** Cancels scheduled, unsent messages of a person on a case; returns how many. */
  cancelPending(
    tx: Tx,
    forceId: string,
    filter: { caseIds: string[]; personId?: string },
    reason: string,
  ): Promise<number>
  /** Cancels those of these messages still waiting to go; returns how many. */
  cancelMessages(tx: Tx, forceId: string, messageIds: string[], reason: string): Promise<number>
  /** For each address, whether its person opted out of that channel (UJ-6), in one read. */
  optedOut(tx: Tx, forceId: string, addresses: { channel: Channel; address: string }[]): Promise<boolean[]>
}

/**
 * What Journeys needs from the Portal: a journey's "invite to the portal" step invites the person
 * through the Portal (its eligibility rules, its single-use link), inside the enrolment's
 * transaction (CP-6). Without it the step sends the plain `portal-invitation` message.
 */
export interface PortalInviter {
  invite(
    tx: Tx,
    request: {
      forceId: string
      personId: string
      caseKind: 'crime' | 'incident'
      caseId: string
      enrolmentId: string
    },
  ): Promise<{ sent: boolean; messageId: string | null; sendAfter: Date | null; detail: string }>
}
