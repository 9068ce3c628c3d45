// Runs a victim's journey forward from where it stands: every instant step (send, branch,
// stop-when, portal invitation) up to the next wait. Pure, so the same code serves the worker,
// the designer's dry run and the tests. Sends are timed by quiet hours (UJ-8) and filtered by the
// safe-contact policy; stop-when guards apply from their step to the end of the journey.
import { DateTime } from 'luxon'
import { addWorkingDays, nextSendableTime, type SendingWindow } from '../messaging/quiet-hours.ts'
import { type Condition, describeCondition, evaluateCondition } from './conditions.ts'
import type { VictimContactPolicy } from './contact-policy.ts'
import { durationMs, type JourneyDefinition, type Step } from './definition.ts'
import type { CaseSnapshot, Channel, PersonSnapshot } from './snapshot.ts'

export interface EngineContext {
  snapshot: CaseSnapshot
  person: PersonSnapshot
  now: Date
  policy: VictimContactPolicy
  window: SendingWindow
}

export type StepOutcome =
  | {
      stepIndex: number
      kind: 'send'
      template: string
      channel: Channel
      address: string
      recipientId: string
      sendAfter: Date
      note?: string
    }
  | { stepIndex: number; kind: 'suppressed'; template: string; reason: string }
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
  if (!decision.allowed) return { stepIndex, kind: 'suppressed', template, reason: decision.reason }
  return {
    stepIndex,
    kind: 'send',
    template,
    channel: decision.channel,
    address: decision.address,
    recipientId: decision.recipient.id,
    sendAfter: nextSendableTime(context.now, context.window, { urgent }),
    ...(decision.reason ? { note: decision.reason } : {}),
  }
}

function waitOutcome(stepIndex: number, step: Extract<Step, { kind: 'wait' }>, now: Date) {
  if (step.for) {
    const until = new Date(now.getTime() + durationMs(step.for))
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
  const until = step.timeout ? new Date(now.getTime() + durationMs(step.timeout)) : undefined
  return {
    stepIndex,
    kind: 'waiting' as const,
    event: step.forEvent,
    ...(until ? { until } : {}),
    reason: `until ${step.forEvent}`,
  }
}

/** `at` (London wall time) on the working day `workingDays` after today; 0 = today if still ahead. */
export function workingDayTime(now: Date, workingDays: number, at: string): Date {
  const zone = 'Europe/London'
  const [hour, minute] = at.split(':').map(Number) as [number, number]
  const today = DateTime.fromJSDate(now, { zone }).toISODate()!
  let date = workingDays === 0 ? today : addWorkingDays(today, workingDays)
  for (;;) {
    const candidate = DateTime.fromISO(date, { zone }).set({ hour, minute })
    const isWorkingDay =
      addWorkingDays(DateTime.fromISO(date, { zone }).minus({ days: 1 }).toISODate()!, 1) === date
    if (isWorkingDay && candidate.toJSDate() > now) return candidate.toJSDate()
    date = addWorkingDays(date, 1)
  }
}
