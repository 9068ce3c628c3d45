// Messaging jobs (STYLE.md rule 4): each handler is safe to run twice, because claiming a
// message is a row-level state change and receipts only move messages forward.
import { Type } from '@sinclair/typebox'
import { defineJob, EmptyPayload, type JobQueue } from '../platform/jobs.ts'
import type { DispatchResult, MessageDispatcher } from './dispatch.ts'
import type { SchedulingService } from './scheduling-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import type { Logger } from '../platform/logger.ts'

// A wake-up job is due this long before its messages, so that polling and start-up latency are
// spent before 08:00 and the first message goes at 08:00, not a second or two after.
export const WAKE_EARLY_MS = 2000

export function messagingJobs(dispatcher: MessageDispatcher, queue: JobQueue, clock: Clock) {
  const dispatchDueMessages = defineJob({
    name: 'messaging.dispatch-due',
    payload: Type.Object({ at: Type.Optional(Type.String()) }),
    // Every minute as a safety net; schedule() also wakes it at each message's send time.
    cron: '* * * * *',
    // A worker restarted after a crash reconciles the messages it left in `sending` and carries
    // on with what is due straight away (the dead worker's job stays active until it expires).
    runOnStart: true,
    expireInSeconds: 120,
    retryLimit: 3,
    retryDelaySeconds: 5,
    batchSize: 1,
    async handle(payload) {
      const wait = payload.at ? new Date(payload.at).getTime() - clock.now().getTime() : 0
      if (wait > 0 && wait <= WAKE_EARLY_MS + 1000) await new Promise((resolve) => setTimeout(resolve, wait))
      await carryOn(await dispatcher.dispatchDue())
    },
  })
  /**
   * Still held back by the shared rate limit when its time ran out: carry on in a new job. A 429
   * paused a force's sending: run again when it frees, not before.
   */
  const carryOn = async (result: DispatchResult) => {
    if (result.limited) await queue.send(dispatchDueMessages, {})
    if (result.resumeAt)
      await queue.send(
        dispatchDueMessages,
        { at: result.resumeAt.toISOString() },
        { startAfter: result.resumeAt },
      )
  }
  const pollMessageReceipts = defineJob({
    name: 'messaging.poll-receipts',
    payload: EmptyPayload,
    cron: '*/15 * * * *',
    async handle() {
      await dispatcher.pollReceipts()
    },
  })
  const dispatchNow = defineJob({
    name: 'messaging.dispatch-now',
    payload: EmptyPayload,
    // At most one waiting: a message committed while one waits is sent by it; one committed
    // while one runs gets the next. Not 'stately' (at most one running): the job of a worker
    // killed mid-run stays active until it expires, and would hold every new message back until
    // then. Runs side by side are safe: each claims its own messages (SKIP LOCKED).
    policy: 'short',
    // A run takes at most its 50 s budget plus a provider timeout: one still active after this
    // had a worker that died, and is run again.
    expireInSeconds: 120,
    retryLimit: 3,
    retryDelaySeconds: 5,
    batchSize: 1,
    async handle() {
      await carryOn(await dispatcher.dispatchDue())
    },
  })
  return { dispatchDueMessages, dispatchNow, pollMessageReceipts }
}

/**
 * Wires SchedulingService.schedule to wake dispatch. A message due now (or within the early
 * margin) asks for a dispatch run once its transaction has committed: one per transaction, and
 * at most one waiting run however many are asked for. A message due later gets a wake-up job at
 * its second, in its own transaction; this process sends one per second (another process, or a
 * wake-up lost with a transaction that rolled back, costs at most an empty run or the minute's
 * safety run).
 */
export function wakeDispatchAt(
  service: SchedulingService,
  db: Database,
  queue: JobQueue,
  jobs: Pick<ReturnType<typeof messagingJobs>, 'dispatchDueMessages' | 'dispatchNow'>,
  clock: Clock,
  log: Logger,
): void {
  const dispatchAsked = new WeakSet<Tx>()
  const wakeUps = new Set<number>()
  service.onDue(async (tx, at) => {
    const now = clock.now().getTime()
    if (at.getTime() <= now + WAKE_EARLY_MS) {
      if (dispatchAsked.has(tx)) return
      dispatchAsked.add(tx)
      db.afterTransaction(tx, async (committed) => {
        if (!committed) return
        await queue
          .send(jobs.dispatchNow, {})
          .catch((error) => log.warn({ err: error }, 'dispatch not woken; the minute run will send'))
      })
      return
    }
    const second = Math.floor(at.getTime() / 1000) * 1000
    if (wakeUps.has(second)) return
    for (const past of wakeUps) if (past < now) wakeUps.delete(past)
    wakeUps.add(second)
    db.afterTransaction(tx, (committed) => {
      if (!committed) wakeUps.delete(second)
    })
    await queue.send(
      jobs.dispatchDueMessages,
      { at: new Date(second).toISOString() },
      { tx, startAfter: new Date(second - WAKE_EARLY_MS) },
    )
  })
}
