// The delivery run: asked for after each transaction that queues entries, and every minute, so
// retries fall due without anyone asking. At most one waits and one runs (a run takes every entry
// due when it claims); claims skip locked rows, so runs of other processes never share one.
import { defineJob, EmptyPayload } from '../platform/jobs.ts'

export function deliverWritebacksJob(deliverDue: () => Promise<unknown>) {
  return defineJob({
    name: 'writeback.deliver-due',
    payload: EmptyPayload,
    cron: '* * * * *',
    policy: 'stately',
    retryLimit: 3,
    batchSize: 5,
    handle: async () => {
      await deliverDue()
    },
  })
}
