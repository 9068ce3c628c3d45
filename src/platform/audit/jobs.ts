// The job that ships the audit trail to the SIEMs (CP-175, CP-176). Every recorded event
// enqueues it in the same transaction as the event; the minute schedule picks up events whose
// retry time has come while no new event arrives.
import { defineJob, EmptyPayload } from '../jobs.ts'
import type { ForwardingService } from './forwarding-service.ts'

export const AUDIT_FORWARD_JOB = 'audit.forward'

export function auditForwardJob(forwarding: ForwardingService) {
  return defineJob({
    name: AUDIT_FORWARD_JOB,
    payload: EmptyPayload,
    cron: '* * * * *',
    // Failures to reach a SIEM are kept in the outbox with their own backoff, not thrown.
    handle: async () => {
      await forwarding.deliverDue()
    },
  })
}
