// A journey definition (UJ-4): the trigger that enrols a victim and the ordered steps that
// follow. Stored as JSON in `journey_versions.definition`, validated by this schema on every
// save, so the no-code designer (UJ-18) edits data, never code.
import { type Static, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { caseEventTypes } from '../cases/events.ts'
import { type Condition, ConditionSchema, describeCondition } from './conditions.ts'

const EventType = Type.Union(caseEventTypes.map((e) => Type.Literal(e)))
const Label = Type.Optional(Type.String({ minLength: 1, maxLength: 60, pattern: '^[a-z0-9-]+$' }))
export const Duration = Type.Object(
  {
    days: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 })),
    hours: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  },
  { additionalProperties: false },
)
export type Duration = Static<typeof Duration>

export const StepSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('wait'),
      label: Label,
      for: Type.Optional(Duration),
      /** Until a time of day `workingDays` working days on (VCoP days: Mon–Fri, no bank holidays). */
      until: Type.Optional(
        Type.Object(
          {
            workingDays: Type.Integer({ minimum: 0, maximum: 60 }),
            at: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
          },
          { additionalProperties: false },
        ),
      ),
      /** Until a case event (e.g. the officer is assigned); the timeout moves on without it. */
      forEvent: Type.Optional(EventType),
      timeout: Type.Optional(Duration),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('send'),
      label: Label,
      template: Type.String({ minLength: 1, maxLength: 80 }),
      channel: Type.Union([Type.Literal('sms'), Type.Literal('email'), Type.Literal('preferred')]),
      /** Risk to life or a court date today: exempt from quiet hours (UJ-8). */
      urgent: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('branch'),
      label: Label,
      when: ConditionSchema,
      goto: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('stop-when'),
      label: Label,
      when: ConditionSchema,
      reason: Type.String({ minLength: 1 }),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('portal-invitation'), label: Label }, { additionalProperties: false }),
])
export type Step = Static<typeof StepSchema>

export const JourneyDefinitionSchema = Type.Object(
  {
    trigger: Type.Object(
      { events: Type.Array(EventType, { minItems: 1 }), when: ConditionSchema },
      { additionalProperties: false },
    ),
    /**
     * Enhanced journeys (§4.1.4) run by crime type irrespective of grading. `replace` ends the
     * victim's standard journey on the case; `add` runs beside it.
     */
    precedence: Type.Union([Type.Literal('standard'), Type.Literal('replace'), Type.Literal('add')]),
    steps: Type.Array(StepSchema, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
)
export type JourneyDefinition = Static<typeof JourneyDefinitionSchema>

export interface DefinitionProblem {
  path: string
  message: string
}

/** Schema errors plus the rules a schema cannot say (labels exist, waits say what they wait for). */
export function checkDefinition(definition: unknown): DefinitionProblem[] {
  if (!Value.Check(JourneyDefinitionSchema, definition)) {
    return [...Value.Errors(JourneyDefinitionSchema, definition)]
      .slice(0, 10)
      .map((e) => ({ path: e.path || '/', message: e.message }))
  }
  const problems: DefinitionProblem[] = []
  const labels = new Set(definition.steps.map((s) => s.label).filter(Boolean))
  definition.steps.forEach((step, index) => {
    if (step.kind === 'branch' && !labels.has(step.goto)) {
      problems.push({
        path: `/steps/${index}/goto`,
        message: `Step ${index + 1} goes to “${step.goto}”, which no step is labelled`,
      })
    }
    if (step.kind === 'wait' && [step.for, step.until, step.forEvent].filter(Boolean).length !== 1) {
      problems.push({
        path: `/steps/${index}`,
        message: `Step ${index + 1} must wait for a time, until a working day, or for an event`,
      })
    }
  })
  return problems
}

function describeDuration(d: Duration): string {
  const parts = [
    d.days ? `${d.days} day${d.days === 1 ? '' : 's'}` : '',
    d.hours ? `${d.hours} hour${d.hours === 1 ? '' : 's'}` : '',
    d.minutes ? `${d.minutes} minute${d.minutes === 1 ? '' : 's'}` : '',
  ].filter(Boolean)
  return parts.join(' and ') || 'no time'
}

const eventWords = (e: string) => e.replace('.', ' ').replaceAll('-', ' ')
const channelWords: Record<string, string> = {
  sms: 'by SMS',
  email: 'by email',
  preferred: 'by their preferred channel',
}

/** One step in plain English, for the journey page and the designer. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'wait':
      if (step.for) return `Wait ${describeDuration(step.for)}`
      if (step.until)
        return step.until.workingDays === 0
          ? `Wait until ${step.until.at} on a working day`
          : `Wait until ${step.until.at}, ${step.until.workingDays} working day${step.until.workingDays === 1 ? '' : 's'} later`
      return `Wait until ${eventWords(step.forEvent ?? '')}${step.timeout ? `, for at most ${describeDuration(step.timeout)}` : ''}`
    case 'send':
      return `Send “${step.template}” ${channelWords[step.channel]}${step.urgent ? ' (urgent: ignores quiet hours)' : ''}`
    case 'branch':
      return `If ${describeCondition(step.when)}, go to “${step.goto}”`
    case 'stop-when':
      return `Stop if ${describeCondition(step.when)} (${step.reason})`
    case 'portal-invitation':
      return 'Invite the victim to My Police Portal (forces with the Portal only)'
  }
}

export function describeTrigger(definition: JourneyDefinition): string {
  const events = definition.trigger.events.map(eventWords).join(' or ')
  const when = describeCondition(definition.trigger.when as Condition)
  return when === 'always' ? `When ${events}` : `When ${events} and ${when}`
}
