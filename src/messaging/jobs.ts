// Messaging jobs (STYLE.md rule 4): each handler is safe to run twice, because claiming a
// message is a row-level state change and receipts only move messages forward.
import { Type } from '@sinclair/typebox'
import { defineJob, EmptyPayload, type JobQueue } from '../platform/jobs.ts'
import type { MessageDispatcher } from './dispatch.ts'
import type { MessagingRepository } from './repository.ts'
import type { MessagingService } from './service.ts'
import type { Clock } from '../platform/clock.ts'

export function messagingJobs(dispatcher: MessageDispatcher, queue: JobQueue) {
  const dispatchDueMessages = defineJob({
    name: 'messaging.dispatch-due',
    payload: Type.Object({ at: Type.Optional(Type.String()) }),
    // Every minute as a safety net; schedule() also wakes it at each message's send time.
    cron: '* * * * *',
    retryLimit: 3,
    retryDelaySeconds: 5,
    batchSize: 1,
    async handle() {
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
    const startAfter = second.getTime() > clock.now().getTime() ? second : undefined
    await queue.send(job, { at: second.toISOString() }, { tx, ...(startAfter ? { startAfter } : {}) })
  })
}
