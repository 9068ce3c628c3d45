// The officer console's background work: escalating people's portal messages left unanswered past
// the force's working-hours SLA (CP-104). Every five minutes, each force in turn; idempotent (an
// escalated message is marked, and escalations are unique per message).
import { defineJob, EmptyPayload } from '../platform/jobs.ts'

export function escalateOverdueJob(run: () => Promise<number>) {
  return defineJob({
    name: 'officers.escalate-overdue',
    payload: EmptyPayload,
    cron: '*/5 * * * *',
    retryLimit: 3,
    handle: async () => {
      await run()
    },
  })
}
