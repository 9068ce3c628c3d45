// The portal's background work: reminders for invitations not taken up within each force's
// period (CP-7), hourly from 09:00 to 19:00 London time so none is timed for the night (messaging
// still holds each for the channel's quiet hours); and the removal of abandoned registrations and
// sign-ins. Both are safe to run twice: a reminder moves the invitation's last-sent time.
import { defineJob, EmptyPayload } from '../platform/jobs.ts'
import type { InvitationService } from './invitation-service.ts'

export function portalReminderJob(invitations: InvitationService) {
  return defineJob({
    name: 'portal.send-reminders',
    payload: EmptyPayload,
    cron: '0 9-19 * * *',
    retryLimit: 3,
    handle: async () => {
      // Batches of 200 until none is left due.
      while ((await invitations.sendReminders(200)) === 200);
    },
  })
}

export function portalChallengeSweepJob(sweep: () => Promise<number>) {
  return defineJob({
    name: 'portal.remove-expired-challenges',
    payload: EmptyPayload,
    cron: '*/30 * * * *',
    retryLimit: 1,
    handle: async () => {
      await sweep()
    },
  })
}
