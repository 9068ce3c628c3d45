// Messaging jobs (STYLE.md rule 4): each handler is safe to run twice, because claiming a
// message is a row-level state change and receipts only move messages forward.
import { Type } from '@sinclair/typebox'
import { defineJob, EmptyPayload, type JobQueue } from '../platform/jobs.ts'
import type { MessageDispatcher } from './dispatch.ts'
import type { MessagingRepository } from './repository.ts'
import type { MessagingService } from './service.ts'
import type { Clock } from '../platform/clock.ts'

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
    retryLimit: 3,
    retryDelaySeconds: 5,
    batchSize: 1,
    async handle(payload) {
      const wait = payload.at ? new Date(payload.at).getTime() - clock.now().getTime() : 0
      if (wait > 0 && wait <= WAKE_EARLY_MS + 1000) await new Promise((resolve) => setTimeout(resolve, wait))
      const result = await dispatcher.dispatchDue()
      // Still held back by the shared rate limit when its time ran out: carry on in a new job.
      if (result.limited) await queue.send(dispatchDueMessages, {})
    },
  })
  const pollMessageReceipts = defineJob({
    name: 'messaging.poll-receipts',
    payload: EmptyPayload,
    cron: '*/15 * * * *',
    async handle() {
      await dispatcher.pollReceipts()
    },
  })
  return { dispatchDueMessages, pollMessageReceipts }
}

/** Wires MessagingService.schedule to enqueue one wake-up job per second that has messages due. */
export function wakeDispatchAt(
  service: MessagingService,
  repo: MessagingRepository,
  queue: JobQueue,
  job: ReturnType<typeof messagingJobs>['dispatchDueMessages'],
  clock: Clock,
): void {
  service.onDue(async (tx, at) => {
    const second = new Date(Math.floor(at.getTime() / 1000) * 1000)
    if (!(await repo.addDispatchWakeup(tx, second))) return
    const early = new Date(second.getTime() - WAKE_EARLY_MS)
    const startAfter = early.getTime() > clock.now().getTime() ? early : undefined
    await queue.send(job, { at: second.toISOString() }, { tx, ...(startAfter ? { startAfter } : {}) })
  })
}
