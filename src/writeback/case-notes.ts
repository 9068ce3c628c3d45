// A note about a case from another capability (the Portal: a person changed their details or
// deleted their account, CP-30, CP-31) goes to the source systems like every other update: into
// the CAD log while it is open, and into the crime record. Runs in the caller's transaction, so
// the note commits with the change it describes; the outbox delivers it.
import type { CaseService } from '../cases/service.ts'
import type { Tx } from '../platform/db/database.ts'
import { caseTargets } from './sent-messages.ts'
import type { WritebackTarget } from './schema.ts'
import type { WritebackService } from './service.ts'

export function writeCaseNotes(cases: CaseService, writeback: WritebackService) {
  return async (
    tx: Tx,
    note: { forceId: string; caseId: string; time: Date; content: string; sourceRef: string },
  ): Promise<number> => {
    const target = await caseTargets(cases, tx, note.forceId, note.caseId)
    const targets: [WritebackTarget, string][] = []
    if (target?.cadLog?.open) targets.push(['cad', target.cadLog.reference])
    if (target?.crimeReference) targets.push(['rms', target.crimeReference])
    for (const [kind, ref] of targets)
      await writeback.enqueue(tx, {
        forceId: note.forceId,
        target: kind,
        targetRef: ref,
        kind: 'note',
        // The person made the change themselves: the source system must not write to them about it.
        notifyVictim: false,
        body: {
          time: note.time.toISOString(),
          channel: 'portal',
          content: note.content,
          author: 'Waypoint (My Police Portal)',
          sourceRef: note.sourceRef,
        },
        idempotencyKey: `note:${note.sourceRef}:${kind}:${ref}`,
      })
    return targets.length
  }
}
