// After PostgreSQL is restored to an earlier moment (docs/operations.md, "Restore"), the restored
// database does not know what the lost timeline did after that moment: a message it holds as
// scheduled and due may already have been handed to GOV.UK Notify, and a worker would send it
// again (the restore drill, bench/restore.ts, found 2 such messages in each run). The fence, run
// once before any worker starts (`waypoint messages after-restore`), sets each such message to
// `sending`, exactly as a crash in the middle of a send leaves one, and dates it so that the next
// reconciliation takes it at once: the provider is asked by the message's reference first; found
// → sent (with its receipt), not found → sent now, no answer → asked again later, never resent
// blind (dispatch.ts, reconcileStuck). Messages due after now cannot have been sent by the lost
// timeline, which ended before now, and are left alone.
import { and, eq, inArray, lte } from 'drizzle-orm'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { messageEvents, messages } from './schema.ts'

const batch = 1000

export async function fenceAfterRestore(
  db: Database,
  clock: Clock,
  reconcileAfterSeconds: number,
): Promise<{ fenced: number; byProvider: Record<string, number> }> {
  const now = clock.now()
  // Old enough for the next reconciliation to take it; its 24 hours before giving up start now.
  const sendingSince = new Date(now.getTime() - reconcileAfterSeconds * 1000 - 1000)
  const byProvider: Record<string, number> = {}
  let fenced = 0
  for (;;) {
    const moved = await db.asSystem(async (tx) => {
      const due = await tx
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.status, 'scheduled'), lte(messages.sendAfter, now)))
        .limit(batch)
        .for('update')
      if (due.length === 0) return []
      const rows = await tx
        .update(messages)
        .set({ status: 'sending', sendingSince, checkAgainAt: null, reconcileChecks: 0, updatedAt: now })
        .where(
          inArray(
            messages.id,
            due.map((d) => d.id),
          ),
        )
        .returning({ id: messages.id, forceId: messages.forceId, provider: messages.provider })
      await tx.insert(messageEvents).values(
        rows.map((m) => ({
          forceId: m.forceId,
          messageId: m.id,
          fromStatus: 'scheduled' as const,
          toStatus: 'sending' as const,
          detail:
            'Restored from a backup: the provider is asked whether it already has this message before it is sent',
          actorId: null,
        })),
      )
      return rows
    })
    for (const m of moved) byProvider[m.provider] = (byProvider[m.provider] ?? 0) + 1
    fenced += moved.length
    if (moved.length < batch) return { fenced, byProvider }
  }
}
