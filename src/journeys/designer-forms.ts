// The journey designer's forms (UJ-18): plain HTML fields in, journey definitions out. A designer
// never sees or types JSON; each form builds one trigger, step or condition and says in words
// what is wrong with it.
import { caseEventTypes } from '../cases/events.ts'
import { gradings } from '../cases/model.ts'
import { type Condition, type FactName, factNames } from './conditions.ts'
import type { JourneyDefinition, Step } from './definition.ts'

export type Form = Record<string, string | string[] | undefined>
export interface FieldError {
  field: string
  message: string
}

const text = (form: Form, name: string) => String(form[name] ?? '').trim()
const picked = (form: Form, name: string) => {
  const v = form[name]
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String)
}

export interface NewJourney {
  name: string
  kind: 'standard' | 'enhanced'
  definition: JourneyDefinition
}

const crimeClosed: Step = {
  kind: 'stop-when',
  when: { op: 'in', fact: 'crime.status', values: ['closed', 'no-further-action'] },
  reason: 'The crime is closed',
}

/** "Create a journey": a standard journey by grading, or an enhanced one by crime type. */
export function parseNewJourney(form: Form): { journey?: NewJourney; errors: FieldError[] } {
  const errors: FieldError[] = []
  const name = text(form, 'name')
  if (!name) errors.push({ field: 'name', message: 'Enter a name for the journey' })
  else if (name.length > 100) errors.push({ field: 'name', message: 'Name must be 100 characters or fewer' })
  const kind = text(form, 'kind')
  if (kind !== 'standard' && kind !== 'enhanced') {
    errors.push({ field: 'kind', message: 'Select standard or enhanced' })
    return { errors }
  }
  if (kind === 'standard') {
    const grading = text(form, 'grading')
    if (!(gradings as readonly string[]).includes(grading))
      errors.push({ field: 'grading', message: 'Select the grading the journey is for' })
    if (errors.length) return { errors }
    return {
      errors,
      journey: {
        name,
        kind,
        definition: {
          trigger: {
            events: ['incident.opened', 'incident.updated', 'case.party-added'],
            when: { op: 'equals', fact: 'incident.grading', value: grading },
          },
          precedence: 'standard',
          steps: [crimeClosed],
        },
      },
    }
  }
  const typed = text(form, 'crimeTypes')
  const crimeTypes = [
    ...new Set([
      ...picked(form, 'crimeTypePicks').map((s) => s.trim()),
      ...typed.split(/[\n,]/).map((s) => s.trim()),
    ]),
  ].filter(Boolean)
  if (typed.length > crimeTypesLimit)
    errors.push({
      field: 'crimeTypes',
      message: `Crime types must be ${crimeTypesLimit} characters or fewer`,
    })
  else if (crimeTypes.some((c) => c.length > 200))
    errors.push({ field: 'crimeTypes', message: 'Each crime type must be 200 characters or fewer' })
  if (crimeTypes.length === 0)
    errors.push({ field: 'crimeTypes', message: 'Enter at least one crime type, for example Burglary' })
  const precedence = text(form, 'precedence')
  if (precedence !== 'replace' && precedence !== 'add')
    errors.push({
      field: 'precedence',
      message: 'Select whether the journey replaces the standard journey or runs beside it',
    })
  if (errors.length) return { errors }
  return {
    errors,
    journey: {
      name,
      kind,
      definition: {
        trigger: {
          events: ['crime.recorded', 'crime.updated', 'case.party-added'],
          when: { op: 'in', fact: 'crime.type', values: crimeTypes },
        },
        precedence: precedence as 'replace' | 'add',
        steps: [crimeClosed],
      },
    },
  }
}

/** The longest list of other crime types a new journey accepts as typed. */
export const crimeTypesLimit = 2000

/**
 * Values in a journey's conditions that the force's sources have never given (a misspelt crime
 * type such as “Burgalry” would never match a case), as warnings for the designer. Nothing is
 * said while the force has no crime types at all: there is nothing to compare with yet.
 */
export function unknownValues(definition: JourneyDefinition, crimeTypes: string[]): string[] {
  if (!crimeTypes.length) return []
  const known = new Set(crimeTypes.map((c) => c.toLowerCase()))
  const found = new Set<string>()
  const walk = (c: Condition) => {
    if (c.op === 'all' || c.op === 'any') for (const inner of c.of) walk(inner)
    else if (c.op === 'not') walk(c.of)
    else if (c.op === 'in' && c.fact === 'crime.type') for (const v of c.values) found.add(v)
    else if (c.op === 'equals' && c.fact === 'crime.type') found.add(String(c.value))
  }
  walk(definition.trigger.when as Condition)
  for (const step of definition.steps) if (step.kind === 'stop-when') walk(step.when as Condition)
  return [...found]
    .filter((v) => !known.has(v.toLowerCase()))
    .map(
      (v) =>
        `Crime type “${v}” is not one your force’s sources send or map to, so it may never match a case: check the spelling, or choose it from the list`,
    )
}

export const stepKinds = [
  { value: 'send', text: 'Send a message' },
  { value: 'wait-time', text: 'Wait a length of time' },
  { value: 'wait-working-day', text: 'Wait until a time on a later working day' },
  { value: 'wait-event', text: 'Wait for something to happen on the case' },
  { value: 'stop-when', text: 'Stop the journey when something is true' },
  { value: 'portal-invitation', text: 'Invite the victim to My Police Portal' },
] as const
export type StepKind = (typeof stepKinds)[number]['value']
export const isStepKind = (v: string): v is StepKind => stepKinds.some((k) => k.value === v)

const wholeNumber = (raw: string, max: number) =>
  /^\d{1,4}$/.test(raw) && Number(raw) <= max ? Number(raw) : undefined

/** The fields of one new step; `templateKeys` are the force's templates (the picker's choices). */
export function parseStep(
  kind: StepKind,
  form: Form,
  templateKeys: string[],
): { step?: Step; errors: FieldError[] } {
  const errors: FieldError[] = []
  switch (kind) {
    case 'send': {
      const template = text(form, 'template')
      const channel = text(form, 'channel')
      if (!templateKeys.includes(template))
        errors.push({ field: 'template', message: 'Select a message template' })
      if (!['sms', 'email', 'preferred'].includes(channel))
        errors.push({ field: 'channel', message: 'Select how the message is sent' })
      if (errors.length) return { errors }
      return {
        errors,
        step: {
          kind: 'send',
          template,
          channel: channel as 'sms' | 'email' | 'preferred',
          ...(text(form, 'urgent') === 'yes' ? { urgent: true } : {}),
        },
      }
    }
    case 'wait-time': {
      const days = wholeNumber(text(form, 'days') || '0', 366)
      const hours = wholeNumber(text(form, 'hours') || '0', 1000)
      if (days === undefined)
        errors.push({ field: 'days', message: 'Days must be a whole number from 0 to 366' })
      if (hours === undefined)
        errors.push({ field: 'hours', message: 'Hours must be a whole number from 0 to 1000' })
      if (days === 0 && hours === 0) errors.push({ field: 'days', message: 'Enter how long to wait' })
      if (errors.length) return { errors }
      return {
        errors,
        step: { kind: 'wait', for: { ...(days ? { days } : {}), ...(hours ? { hours } : {}) } },
      }
    }
    case 'wait-working-day': {
      const workingDays = wholeNumber(text(form, 'workingDays'), 60)
      const at = text(form, 'at')
      if (workingDays === undefined)
        errors.push({ field: 'workingDays', message: 'Enter a number of working days from 0 to 60' })
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(at))
        errors.push({ field: 'at', message: 'Enter a time in 24-hour format, for example 10:00' })
      if (errors.length) return { errors }
      return { errors, step: { kind: 'wait', until: { workingDays: workingDays!, at } } }
    }
    case 'wait-event': {
      const event = text(form, 'event')
      const timeoutDays = wholeNumber(text(form, 'timeoutDays') || '0', 366)
      if (!(caseEventTypes as readonly string[]).includes(event))
        errors.push({ field: 'event', message: 'Select what to wait for' })
      if (timeoutDays === undefined)
        errors.push({ field: 'timeoutDays', message: 'Enter a whole number of days from 0 to 366' })
      if (errors.length) return { errors }
      return {
        errors,
        step: {
          kind: 'wait',
          forEvent: event as (typeof caseEventTypes)[number],
          ...(timeoutDays ? { timeout: { days: timeoutDays } } : {}),
        },
      }
    }
    case 'stop-when': {
      const parsed = parseCondition(form)
      const reason = text(form, 'reason')
      if (!reason)
        errors.push({
          field: 'reason',
          message: 'Enter why the journey stops, for example The crime is closed',
        })
      errors.push(...parsed.errors)
      if (errors.length) return { errors }
      return { errors, step: { kind: 'stop-when', when: parsed.condition!, reason } }
    }
    case 'portal-invitation':
      return { errors, step: { kind: 'portal-invitation' } }
  }
}

export const factItems: { value: FactName; text: string }[] = [
  { value: 'incident.grading', text: 'Grading' },
  { value: 'incident.type', text: 'Incident type' },
  { value: 'incident.open', text: 'Incident is open' },
  { value: 'crime.type', text: 'Crime type' },
  { value: 'crime.status', text: 'Crime status' },
  { value: 'crime.vcopCategory', text: 'Victims’ Code category' },
  { value: 'case.postcodeDistrict', text: 'Postcode district' },
  { value: 'case.isCrime', text: 'A crime has been recorded' },
  { value: 'person.role', text: 'Person’s role' },
  { value: 'person.markers', text: 'Person’s markers' },
  { value: 'person.channels', text: 'Person’s contact channels (sms, email)' },
  { value: 'person.language', text: 'Preferred language' },
  { value: 'person.optedOut', text: 'Victim has opted out' },
]
const yesNoFacts: FactName[] = ['incident.open', 'case.isCrime', 'person.optedOut']

export const operatorItems = [
  { value: 'is', text: 'is' },
  { value: 'is-not', text: 'is not' },
  { value: 'one-of', text: 'is one of (separate with commas)' },
  { value: 'known', text: 'is known' },
]

/** The condition builder: one fact, one operator, one value (commas for "one of"). */
export function parseCondition(form: Form): { condition?: Condition; errors: FieldError[] } {
  const errors: FieldError[] = []
  const fact = text(form, 'fact') as FactName
  const operator = text(form, 'operator')
  // A value chosen from the force's pick-list ("incident.grading=Prompt") or typed in.
  const pick = text(form, 'pick')
  const [pickFact, pickValue] = pick
    ? [pick.slice(0, pick.indexOf('=')), pick.slice(pick.indexOf('=') + 1)]
    : []
  if (pick && text(form, 'value'))
    errors.push({ field: 'pick', message: 'Choose a value from the list or type one, not both' })
  else if (pick && pickFact !== fact)
    errors.push({
      field: 'pick',
      message: `“${pickValue}” is a ${factItems.find((f) => f.value === pickFact)?.text.toLowerCase() ?? 'value'}: choose that under Check, or pick another value`,
    })
  const value = pick ? (pickValue ?? '') : text(form, 'value')
  if (!(factNames as readonly string[]).includes(fact))
    errors.push({ field: 'fact', message: 'Select what to check' })
  if (!operatorItems.some((o) => o.value === operator))
    errors.push({ field: 'operator', message: 'Select how to compare' })
  if (operator !== 'known' && !value)
    errors.push({ field: 'value', message: 'Enter the value to compare with' })
  if (value.length > 200) errors.push({ field: 'value', message: 'Value must be 200 characters or fewer' })
  if (fact === 'incident.grading' && operator !== 'known') {
    const wrong = value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v && !(gradings as readonly string[]).includes(v))
    if (wrong.length)
      errors.push({
        field: 'value',
        message: `“${wrong[0]}” is not a grading: use ${gradings.join(', ')}`,
      })
  }
  if (errors.length) return { errors }
  const scalar = yesNoFacts.includes(fact) ? /^(yes|true)$/i.test(value) : value
  if (yesNoFacts.includes(fact) && !/^(yes|no|true|false)$/i.test(value) && operator !== 'known')
    return { errors: [{ field: 'value', message: 'Enter yes or no' }] }
  switch (operator) {
    case 'is':
      return { errors, condition: { op: 'equals', fact, value: scalar } }
    case 'is-not':
      return { errors, condition: { op: 'not', of: { op: 'equals', fact, value: scalar } } }
    case 'one-of':
      return {
        errors,
        condition: {
          op: 'in',
          fact,
          values: value
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean),
        },
      }
    default:
      return { errors, condition: { op: 'exists', fact } }
  }
}

/** The trigger's conditions as a list the designer adds to and removes from (all must hold). */
export function triggerConditions(definition: JourneyDefinition): Condition[] {
  const when = definition.trigger.when as Condition
  if (when.op === 'all') return when.of as Condition[]
  return [when]
}

export function withTriggerConditions(
  definition: JourneyDefinition,
  conditions: Condition[],
): JourneyDefinition {
  const when: Condition = conditions.length === 1 ? conditions[0]! : { op: 'all', of: conditions }
  return { ...definition, trigger: { ...definition.trigger, when } }
}

export const eventItems = caseEventTypes.map((e) => ({
  value: e,
  text: e
    .replace('.', ' ')
    .replaceAll('-', ' ')
    .replace(/^./, (c) => c.toUpperCase()),
}))

export function parseTriggerEvents(form: Form): {
  events?: JourneyDefinition['trigger']['events']
  errors: FieldError[]
} {
  const events = picked(form, 'events').filter((e) => (caseEventTypes as readonly string[]).includes(e))
  if (events.length === 0)
    return { errors: [{ field: 'events', message: 'Select at least one event that starts the journey' }] }
  return { errors: [], events: events as JourneyDefinition['trigger']['events'] }
}
