// Every message Waypoint sends to a victim is written back to the source system (UJ-9, UJ-10):
// into the CAD log while it is open, and into the crime record once the incident is crimed.
// Runs inside the transaction that records the message as sent, so the two commit together.
import type { CaseService } from '../cases/service.ts'
import type { Tx } from '../platform/db/database.ts'
import type { WritebackService } from './service.ts'

export interface SentMessage {
  id: string
  forceId: string
  caseId: string | null
  channel: string
  recipient: string
  subject: string | null
  body: string
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function writeBackSentMessages(cases: CaseService, writeback: WritebackService) {
  return async (tx: Tx, message: SentMessage, sentAt: Date): Promise<void> => {
    if (!message.caseId || !uuid.test(message.caseId)) return
    const target = await caseTargets(cases, tx, message.forceId, message.caseId)
    if (!target) return
    await writeback.recordCommunication(tx, {
      forceId: message.forceId,
      messageId: message.id,
      direction: 'to-victim',
      channel: message.channel === 'email' ? 'email' : 'sms',
      time: sentAt,
      content: message.subject ? `${message.subject}\n\n${message.body}` : message.body,
      author: 'Waypoint (automated victim update)',
      recipient: message.recipient,
      cadLog: target.cadLog,
      crimeReference: target.crimeReference,
    })
  }
}

/** Where an entry about a case goes: its open CAD log, and its crime record once crimed. */
export async function caseTargets(cases: CaseService, tx: Tx, forceId: string, caseId: string) {
  const found = await cases.references(forceId, caseId, { tx })
  if (!found) return undefined
  if (found.kind === 'crime') {
    const openLog = found.logs.find((log) => log.open)
    return {
      cadLog: openLog ? { reference: openLog.cadRef, open: true } : null,
      crimeReference: found.crimeRef,
    }
  }
  const log = found.logs[0]!
  return { cadLog: { reference: log.cadRef, open: log.open }, crimeReference: found.crimeRef }
}
