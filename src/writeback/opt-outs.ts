// A person's opt-out (UJ-6) is written back to the source system like every message Waypoint
// sends (UJ-9, UJ-10): into the CAD log while it is open, and into the crime record once the
// incident is crimed, for each case Waypoint has messaged the address about. Runs inside the
// transaction that records the opt-out, so the two commit together; the outbox delivers it.
import type { CaseService } from '../cases/service.ts'
import type { RecordedOptOut } from '../messaging/opt-out-service.ts'
import type { Tx } from '../platform/db/database.ts'
import { caseTargets } from './sent-messages.ts'
import type { WritebackTarget } from './schema.ts'
import type { WritebackService } from './service.ts'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function writeBackOptOuts(cases: CaseService, writeback: WritebackService) {
  return async (tx: Tx, recorded: RecordedOptOut): Promise<void> => {
    const { optOut } = recorded
    const targets = new Map<string, [WritebackTarget, string]>()
    for (const caseId of recorded.caseIds.filter((id) => uuid.test(id))) {
      const target = await caseTargets(cases, tx, optOut.forceId, caseId)
      if (target?.cadLog?.open)
        targets.set(`cad:${target.cadLog.reference}`, ['cad', target.cadLog.reference])
      if (target?.crimeReference) targets.set(`rms:${target.crimeReference}`, ['rms', target.crimeReference])
    }
    for (const [target, targetRef] of targets.values()) {
      await writeback.enqueue(tx, {
        forceId: optOut.forceId,
        target,
        targetRef,
        kind: 'opt-out',
        // The victim asked for no more messages: the source system must not send one about it.
        notifyVictim: false,
        body: {
          time: optOut.recordedAt.toISOString(),
          channel: optOut.channel,
          content: describeOptOut(optOut),
          author: 'Waypoint (victim opt-out)',
          recipient: recorded.address,
          sourceRef: optOut.id,
        },
        idempotencyKey: `opt-out:${optOut.id}:${target}:${targetRef}`,
        createdBy: optOut.recordedBy,
      })
    }
  }
}

const what = { sms: 'text messages', email: 'emails', all: 'messages' } as const

/** The line the officer reads in the log or crime record. */
export function describeOptOut(optOut: RecordedOptOut['optOut']): string {
  const stopped = what[optOut.channel]
  switch (optOut.source) {
    case 'sms-stop':
      return `The victim replied STOP: Waypoint will send them no more automated ${stopped}.`
    case 'email-link':
      return `The victim unsubscribed by the link in an email: Waypoint will send them no more automated ${stopped}.`
    case 'staff':
      return `The victim asked staff to stop automated ${stopped}: Waypoint will send them no more.${
        optOut.note ? ` Note: ${optOut.note}` : ''
      }`
  }
}
