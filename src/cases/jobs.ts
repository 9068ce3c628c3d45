// Delivery of case events left on the timeline by batch ingest (the transactional outbox): a job
// per committed batch, and a sweep every minute for any a stopped process left behind.
import { Type } from '@sinclair/typebox'
import { defineJob, EmptyPayload } from '../platform/jobs.ts'
import type { CaseService } from './service.ts'

export function caseEventDeliveryJobs(cases: CaseService) {
  const deliver = defineJob({
    name: 'cases.deliver-events',
    payload: Type.Object({ forceId: Type.String() }),
    batchSize: 20,
    async handle({ forceId }) {
      while ((await cases.deliverPending(forceId)) > 0) {}
    },
  })
  const sweep = defineJob({
    name: 'cases.deliver-events-sweep',
    payload: EmptyPayload,
    cron: '* * * * *',
    async handle() {
      for (const forceId of await cases.forcesWithPendingEvents()) {
        while ((await cases.deliverPending(forceId)) > 0) {}
      }
    },
  })
  return { deliver, sweep }
}
