// Runs a victim's journey forward from where it stands: every instant step (send, branch,
// stop-when, portal invitation) up to the next wait. Pure, so the same code serves the worker,
// the designer's dry run and the tests. Sends are filtered by the safe-contact policy and handed to
// Messaging with the step's due time and its own urgency: Messaging holds each channel's message
// for that channel's quiet hours (UJ-8). Stop-when guards apply from their step to the end of the
// journey. Waits of days are calendar days in London, so a clock change moves nothing.
import { DateTime } from 'luxon'
import { workingDayTime } from '../platform/calendar.ts'
import { type Condition, describeCondition, evaluateCondition } from './conditions.ts'
import type { VictimContactPolicy } from './contact-policy.ts'
import type { Duration, JourneyDefinition, Step } from './definition.ts'
import type { CaseSnapshot, Channel, PersonSnapshot } from './snapshot.ts'

export interface EngineContext {
  snapshot: CaseSnapshot
  person: PersonSnapshot
  now: Date
  policy: VictimContactPolicy
}

export type StepOutcome =
  | {
      stepIndex: number
      kind: 'send'
      template: string
      channel: Channel
      address: string
      recipientId: string
      /** When the step wants it sent; Messaging moves it out of the channel's quiet hours. */
      dueAt: Date
      /** Only a step marked urgent (a risk to life, a court date today) ignores quiet hours. */
      urgent: boolean
      note?: string
    }
  | {
      stepIndex: number
      kind: 'suppressed'
      template: string
      reason: string
      /** The channel the step asked for, or the one the policy chose before refusing. */
      channel?: Channel
      /** The contact detail the message would have gone to, when one is known. */
      address?: string
    }
  | { stepIndex: number; kind: 'skipped'; reason: string }
  | { stepIndex: number; kind: 'branched'; to: number; reason: string }
  | { stepIndex: number; kind: 'waiting'; until?: Date; event?: string; reason: string }

export type EnrolmentPosition =
  | { status: 'active'; stepIndex: number; dueAt: Date }
  | { status: 'waiting-event'; stepIndex: number; event: string; dueAt: Date | null }
  | { status: 'completed' }
  | { status: 'stopped'; reason: string }

export interface Advance {
  outcomes: StepOutcome[]
  position: EnrolmentPosition
}

const maxStepsPerRun = 200

/** The first stop-when guard at or before `stepIndex` that holds, if any. */
export function stoppingGuard(
  definition: JourneyDefinition,
  stepIndex: number,
  context: EngineContext,
): string | undefined {
  const limit = Math.min(stepIndex, definition.steps.length - 1)
  for (let i = 0; i <= limit; i += 1) {
    const step = definition.steps[i]!
    if (step.kind === 'stop-when' && evaluateCondition(step.when as Condition, conditionContext(context))) {
      return `${step.reason}: ${describeCondition(step.when as Condition)}`
    }
  }
  return undefined
}

export function advanceEnrolment(
  definition: JourneyDefinition,
  fromIndex: number,
  context: EngineContext,
): Advance {
  const outcomes: StepOutcome[] = []
  const labels = new Map(definition.steps.map((s, i) => [s.label, i] as const))
  let index = fromIndex
  for (let run = 0; run < maxStepsPerRun; run += 1) {
    if (index >= definition.steps.length) return { outcomes, position: { status: 'completed' } }
    const stopped = stoppingGuard(definition, index, context)
    if (stopped) return { outcomes, position: { status: 'stopped', reason: stopped } }
    const step = definition.steps[index]!
    switch (step.kind) {
      case 'stop-when':
        index += 1
        break
      case 'branch': {
        if (evaluateCondition(step.when as Condition, conditionContext(context))) {
          const to = labels.get(step.goto)!
          outcomes.push({
            stepIndex: index,
            kind: 'branched',
            to,
            reason: describeCondition(step.when as Condition),
          })
          index = to
        } else index += 1
        break
      }
      case 'send':
        outcomes.push(sendOutcome(index, step.template, step.channel, step.urgent ?? false, context))
        index += 1
        break
      case 'portal-invitation':
        if (!context.snapshot.forceProducts.includes('portal')) {
          outcomes.push({ stepIndex: index, kind: 'skipped', reason: 'the force does not have the Portal' })
        } else outcomes.push(sendOutcome(index, 'portal-invitation', 'preferred', false, context))
        index += 1
        break
      case 'wait': {
        const waiting = waitOutcome(index, step, context.now)
        outcomes.push(waiting)
        if (step.forEvent) {
          return {
            outcomes,
            position: {
              status: 'waiting-event',
              stepIndex: index + 1,
              event: step.forEvent,
              dueAt: waiting.until ?? null,
            },
          }
        }
        return { outcomes, position: { status: 'active', stepIndex: index + 1, dueAt: waiting.until! } }
      }
    }
  }
  return {
    outcomes,
    position: { status: 'stopped', reason: 'the journey loops without waiting; check its branches' },
  }
}

function conditionContext(context: EngineContext) {
  return { snapshot: context.snapshot, person: context.person, now: context.now }
}

function sendOutcome(
  stepIndex: number,
  template: string,
  channel: Channel | 'preferred',
  urgent: boolean,
  context: EngineContext,
): StepOutcome {
  const decision = context.policy.decide(context.snapshot, context.person, channel, context.now)
  if (!decision.allowed) {
    const refused = decision.channel ?? (channel === 'preferred' ? undefined : channel)
    return {
      stepIndex,
      kind: 'suppressed',
      template,
      reason: decision.reason,
      ...(refused ? { channel: refused } : {}),
      ...(decision.address ? { address: decision.address } : {}),
    }
  }
  return {
    stepIndex,
    kind: 'send',
    template,
    channel: decision.channel,
    address: decision.address,
    recipientId: decision.recipient.id,
    dueAt: context.now,
    urgent,
    ...(decision.reason ? { note: decision.reason } : {}),
  }
}

function waitOutcome(stepIndex: number, step: Extract<Step, { kind: 'wait' }>, now: Date) {
  if (step.for) {
    const until = after(now, step.for)
    return { stepIndex, kind: 'waiting' as const, until, reason: 'a fixed wait' }
  }
  if (step.until) {
    return {
      stepIndex,
      kind: 'waiting' as const,
      until: workingDayTime(now, step.until.workingDays, step.until.at),
      reason: 'until a working day',
    }
  }
  const until = step.timeout ? after(now, step.timeout) : undefined
  return {
    stepIndex,
    kind: 'waiting' as const,
    event: step.forEvent,
    ...(until ? { until } : {}),
    reason: `until ${step.forEvent}`,
  }
}

/**
 * `now` plus a journey's wait: days are calendar days in London (20:30 on the Saturday before the
 * clocks change, plus a day, is 20:30 on the Sunday), hours and minutes are elapsed time.
 */
export function after(now: Date, wait: Duration): Date {
  return DateTime.fromJSDate(now, { zone: 'Europe/London' })
    .plus({ days: wait.days ?? 0 })
    .plus({ hours: wait.hours ?? 0, minutes: wait.minutes ?? 0 })
    .toJSDate()
}
