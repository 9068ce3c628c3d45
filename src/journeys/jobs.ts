// Journey jobs (STYLE.md rule 4). Both are safe to run twice: a run only acts on an enrolment
// whose step is due, under a row lock, and moves it on in the same transaction.
import { Type } from '@sinclair/typebox'
import { defineJob, EmptyPayload, type JobDefinition } from '../platform/jobs.ts'

export interface EnrolmentRunner {
  runEnrolment(forceId: string, enrolmentId: string): Promise<void>
  runDueEnrolments(): Promise<number>
}

export const RunEnrolmentPayload = Type.Object({ forceId: Type.String(), enrolmentId: Type.String() })

export function defineJourneyJobs(runner: EnrolmentRunner) {
  const runEnrolment = defineJob({
    name: 'journeys.run-enrolment',
    payload: RunEnrolmentPayload,
    // Each run locks only its own enrolment's row, so different enrolments run side by side.
    concurrency: 4,
    handle: (payload) => runner.runEnrolment(payload.forceId, payload.enrolmentId),
  })
  // The sweep moves on every enrolment whose wait has ended (time is the app clock, so tests and
  // the demo can move it); once a minute is finer than any journey's waits.
  const runDueSteps = defineJob({
    name: 'journeys.run-due-steps',
    payload: EmptyPayload,
    cron: '* * * * *',
    handle: async () => {
      await runner.runDueEnrolments()
    },
  })
  return { runEnrolment, runDueSteps, all: [runEnrolment, runDueSteps] as JobDefinition<any>[] }
}
