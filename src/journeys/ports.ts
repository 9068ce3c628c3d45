// What Journeys needs from Messaging, as narrow ports: scheduling a message inside the enrolment
// transaction, cancelling what is still pending, and honouring opt-outs (UJ-6). The adapter in
// `messaging-adapter.ts` maps them onto the Messaging service.
import type { SendingWindow } from '../messaging/quiet-hours.ts'
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
  /** Already moved out of quiet hours by the engine (UJ-8). */
  sendAfter: Date
  urgent: boolean
}

export interface MessageScheduler {
  schedule(
    tx: Tx,
    request: ScheduledMessageRequest,
  ): Promise<{ messageId: string; status: string; reason?: string }>
  /** Cancels scheduled, unsent messages of a person on a case; returns how many. */
  cancelPending(
    tx: Tx,
    forceId: string,
    filter: { caseIds: string[]; personId?: string },
    reason: string,
  ): Promise<number>
  /** For each address, whether its person opted out of that channel (UJ-6), in one read. */
  optedOut(tx: Tx, forceId: string, addresses: { channel: Channel; address: string }[]): Promise<boolean[]>
  sendingWindow(tx: Tx, forceId: string, channel: Channel): Promise<SendingWindow>
}
