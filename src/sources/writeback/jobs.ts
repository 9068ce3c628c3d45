// The delivery run: enqueued with every new entry (in its transaction) and every minute, so
// retries fall due without anyone asking. Any number may run at once: claims skip locked rows.
import { defineJob, EmptyPayload } from '../../platform/jobs.ts'

export function deliverWritebacksJob(deliverDue: () => Promise<unknown>) {
  return defineJob({
    name: 'writeback.deliver-due',
    payload: EmptyPayload,
    cron: '* * * * *',
    retryLimit: 3,
    batchSize: 5,
    handle: async () => {
      await deliverDue()
    },
  })
}
