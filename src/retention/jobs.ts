// The daily review-and-deletion sweep (UJ-3, CP-4, CRM-4): every force, 02:15 London time.
// Safe to run twice: a second run finds nothing newly due.
import { defineJob, EmptyPayload } from '../platform/jobs.ts'
import type { RetentionService } from './service.ts'

export function retentionSweepJob(retention: RetentionService, forceIds: () => Promise<string[]>) {
  return defineJob({
    name: 'retention.sweep',
    payload: EmptyPayload,
    cron: '15 2 * * *',
    retryLimit: 3,
    handle: async () => {
      for (const forceId of await forceIds()) await retention.sweep(forceId)
    },
  })
}
