// Delivery of case events left on the timeline by batch ingest (the transactional outbox). One
// job per force may wait and one run at a time ('stately', keyed by force), so however many
// batches are committed the queue holds at most one job per force; a job delivers one bounded
// round and queues its force again if more is waiting, so forces take turns, and different
// forces are delivered side by side. A sweep every minute catches what a stopped process left.
import { Type } from '@sinclair/typebox'
import { defineJob, EmptyPayload, type JobQueue } from '../platform/jobs.ts'
import type { CaseService } from './service.ts'

/** Case events delivered per job: a round short enough for the forces to take turns. */
const round = 100

export function caseEventDeliveryJobs(cases: CaseService, jobs: () => JobQueue) {
  const deliver = defineJob({
    name: 'cases.deliver-events',
    payload: Type.Object({ forceId: Type.String() }),
    policy: 'stately',
    batchSize: 6,
    concurrency: 3,
    async handle({ forceId }) {
      if ((await cases.deliverPending(forceId, round)) === round) await queue(forceId)
    },
  })
  const queue = (forceId: string) => jobs().send(deliver, { forceId }, { singletonKey: forceId })
  const sweep = defineJob({
    name: 'cases.deliver-events-sweep',
    payload: EmptyPayload,
    cron: '* * * * *',
    async handle() {
      for (const forceId of await cases.forcesWithPendingEvents()) await queue(forceId)
    },
  })
  return { deliver, sweep, queue }
}
