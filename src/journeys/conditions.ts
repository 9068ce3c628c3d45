// The conditions language of journeys (UJ-4, UJ-7): a JSON syntax tree, never evaluated as code,
// over the facts of a case and the person a journey is for. Every condition also reads as plain
// English, for enrolment explanations and for the journey designer (UJ-18).
import { type Static, Type } from '@sinclair/typebox'
import {
  ageOn,
  availableChannels,
  type CaseSnapshot,
  type PersonSnapshot,
  postcodeDistrict,
} from './snapshot.ts'

export const factNames = [
  'incident.grading',
  'incident.type',
  'incident.open',
  'crime.type',
  'crime.status',
  'crime.vcopCategory',
  'case.postcodeDistrict',
  'case.isCrime',
  'person.role',
  'person.markers',
  'person.channels',
  'person.language',
  'person.optedOut',
] as const
export type FactName = (typeof factNames)[number]

const Fact = Type.Union(factNames.map((f) => Type.Literal(f)))
const Scalar = Type.Union([Type.String(), Type.Boolean(), Type.Number()])

export const ConditionSchema = Type.Recursive(
  (Self) =>
    Type.Union([
      Type.Object({ op: Type.Literal('all'), of: Type.Array(Self) }, { additionalProperties: false }),
      Type.Object(
        { op: Type.Literal('any'), of: Type.Array(Self, { minItems: 1 }) },
        { additionalProperties: false },
      ),
      Type.Object({ op: Type.Literal('not'), of: Self }, { additionalProperties: false }),
      Type.Object({ op: Type.Literal('equals'), fact: Fact, value: Scalar }, { additionalProperties: false }),
      Type.Object(
        { op: Type.Literal('in'), fact: Fact, values: Type.Array(Type.String(), { minItems: 1 }) },
        { additionalProperties: false },
      ),
      Type.Object({ op: Type.Literal('exists'), fact: Fact }, { additionalProperties: false }),
      Type.Object(
        {
          op: Type.Literal('age-between'),
          min: Type.Optional(Type.Integer({ minimum: 0 })),
          max: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ]),
  { $id: 'Condition' },
)
export type Condition = Static<typeof ConditionSchema>

export interface ConditionContext {
  snapshot: CaseSnapshot
  person?: PersonSnapshot
  now: Date
}

type FactValue = string | boolean | number | string[] | undefined

export function factValue(fact: FactName, { snapshot, person }: ConditionContext): FactValue {
  switch (fact) {
    case 'incident.grading':
      return snapshot.incident?.grading
    case 'incident.type':
      return snapshot.incident?.incidentType
    case 'incident.open':
      return snapshot.incident?.open
    case 'crime.type':
      return snapshot.crime?.crimeType
    case 'crime.status':
      return snapshot.crime?.status
    case 'crime.vcopCategory':
      return snapshot.crime?.vcopCategory
    case 'case.postcodeDistrict':
      return postcodeDistrict(snapshot.incident?.location)
    case 'case.isCrime':
      return snapshot.crime !== undefined
    case 'person.role':
      return person?.role
    case 'person.markers':
      return person?.markers ?? []
    case 'person.channels':
      return person ? availableChannels(person) : []
    case 'person.language':
      return person?.language
    case 'person.optedOut':
      return person?.optedOut
  }
}

const same = (a: unknown, b: unknown) =>
  typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : a === b

/** Multi-valued facts (markers, channels): `equals` means "has", `in` means "has any of". */
export function evaluateCondition(condition: Condition, context: ConditionContext): boolean {
  switch (condition.op) {
    case 'all':
      return condition.of.every((c) => evaluateCondition(c, context))
    case 'any':
      return condition.of.some((c) => evaluateCondition(c, context))
    case 'not':
      return !evaluateCondition(condition.of, context)
    case 'equals': {
      const value = factValue(condition.fact, context)
      return Array.isArray(value) ? value.some((v) => same(v, condition.value)) : same(value, condition.value)
    }
    case 'in': {
      const value = factValue(condition.fact, context)
      const values = Array.isArray(value) ? value : [value]
      return values.some((v) => condition.values.some((w) => same(v, w)))
    }
    case 'exists': {
      const value = factValue(condition.fact, context)
      return Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null && value !== ''
    }
    case 'age-between': {
      const age = ageOn(context.person?.dateOfBirth, context.now)
      if (age === undefined) return false
      return (
        (condition.min === undefined || age >= condition.min) &&
        (condition.max === undefined || age <= condition.max)
      )
    }
  }
}

const factLabels: Record<FactName, string> = {
  'incident.grading': 'the grading',
  'incident.type': 'the incident type',
  'incident.open': 'the incident is open',
  'crime.type': 'the crime type',
  'crime.status': 'the crime status',
  'crime.vcopCategory': 'the Victims’ Code category',
  'case.postcodeDistrict': 'the postcode district',
  'case.isCrime': 'a crime has been recorded',
  'person.role': 'the person’s role',
  'person.markers': 'marker',
  'person.channels': 'channel',
  'person.language': 'the preferred language',
  'person.optedOut': 'the victim has opted out',
}

const words = (value: string | number | boolean) => String(value).replaceAll('_', ' ')
const listOf = (values: readonly string[], joiner = 'or') =>
  values.length <= 1
    ? words(values[0] ?? '')
    : `${values.slice(0, -1).map(words).join(', ')} ${joiner} ${words(values.at(-1)!)}`
const channelWords = (c: string) => (c === 'sms' ? 'SMS' : c)

function describeLeaf(condition: Condition, negated: boolean): string | undefined {
  const is = negated ? 'is not' : 'is'
  switch (condition.op) {
    case 'equals':
    case 'in': {
      const values = condition.op === 'equals' ? [String(condition.value)] : condition.values
      if (condition.fact === 'person.markers') {
        const which = values.length === 1 ? `a ${words(values[0]!)} marker` : `a ${listOf(values)} marker`
        return `the victim ${negated ? 'does not have' : 'has'} ${which}`
      }
      if (condition.fact === 'person.channels') {
        return `the victim ${negated ? 'cannot' : 'can'} be contacted by ${listOf(values.map(channelWords))}`
      }
      if (typeof (condition as { value?: unknown }).value === 'boolean') {
        const yes = (condition as { value: boolean }).value !== negated
        const label = factLabels[condition.fact]
        return yes ? label : `it is not the case that ${label}`
      }
      const label = factLabels[condition.fact]
      return values.length === 1
        ? `${label} ${is} ${words(values[0]!)}`
        : `${label} ${is} ${negated ? 'any of' : 'one of'} ${listOf(values)}`
    }
    case 'exists': {
      if (condition.fact === 'person.markers') return `the victim ${negated ? 'has no' : 'has a'} marker`
      if (condition.fact === 'person.channels')
        return `the victim ${negated ? 'has no' : 'has a'} phone number or email address`
      return `${factLabels[condition.fact]} ${negated ? 'is not known' : 'is known'}`
    }
    case 'age-between': {
      const { min, max } = condition
      let range: string
      if (min !== undefined && max !== undefined) range = `between ${min} and ${max}`
      else if (min !== undefined) range = `${min} or over`
      else if (max !== undefined) range = `${max} or under`
      else range = 'of any age'
      if (!negated) return `the victim is ${range}`
      if (min !== undefined && max === undefined) return `the victim is under ${min}`
      if (max !== undefined && min === undefined) return `the victim is over ${max}`
      return `the victim is not ${range}`
    }
    default:
      return undefined
  }
}

/** Plain English for a condition: "the crime type is burglary and the victim is 18 or over". */
export function describeCondition(condition: Condition, nested = false): string {
  switch (condition.op) {
    case 'all':
      if (condition.of.length === 0) return 'always'
      return wrap(
        condition.of.map((c) => describeCondition(c, true)).join(' and '),
        nested && condition.of.length > 1,
      )
    case 'any':
      return wrap(
        condition.of.map((c) => describeCondition(c, true)).join(' or '),
        nested && condition.of.length > 1,
      )
    case 'not':
      return (
        describeLeaf(condition.of, true) ?? `it is not the case that ${describeCondition(condition.of, true)}`
      )
    default:
      return describeLeaf(condition, false)!
  }
}

const wrap = (text: string, brackets: boolean) => (brackets ? `(${text})` : text)

export const always: Condition = { op: 'all', of: [] }
