// Each force's inclusion and exclusion criteria for automated communications (UJ-7, CP-61,
// facts §4.1.6: crime/incident types, vulnerability markers, ages, witnesses). Pure: the
// decision and every reason for it, in words a member of staff can read on the case page.
import { type Static, Type } from '@sinclair/typebox'
import { markerKinds, partyRoles } from '../cases/model.ts'
import { ageOn, type CaseSnapshot, type PersonSnapshot } from './snapshot.ts'

export const EligibilityRulesSchema = Type.Object(
  {
    /** Only these crime types (empty: every type). */
    includedCrimeTypes: Type.Array(Type.String({ minLength: 1 })),
    excludedCrimeTypes: Type.Array(Type.String({ minLength: 1 })),
    excludedIncidentTypes: Type.Array(Type.String({ minLength: 1 })),
    excludedMarkers: Type.Array(Type.Union(markerKinds.map((m) => Type.Literal(m)))),
    /** Roles that receive journeys; witnesses are excluded by leaving them out. */
    includedRoles: Type.Array(Type.Union(partyRoles.map((r) => Type.Literal(r))), { minItems: 1 }),
    minimumAge: Type.Union([Type.Integer({ minimum: 0, maximum: 120 }), Type.Null()]),
    maximumAge: Type.Union([Type.Integer({ minimum: 0, maximum: 120 }), Type.Null()]),
  },
  { additionalProperties: false },
)
export type EligibilityRules = Static<typeof EligibilityRulesSchema>

export const defaultEligibilityRules: EligibilityRules = {
  includedCrimeTypes: [],
  excludedCrimeTypes: ['Fraud', 'Sudden death'],
  excludedIncidentTypes: ['Sudden death', 'Concern for welfare'],
  excludedMarkers: [],
  includedRoles: ['victim'],
  minimumAge: null,
  maximumAge: null,
}

export interface EligibilityDecision {
  eligible: boolean
  reasons: string[]
}

const words = (v: string) => v.replaceAll('_', ' ')
const has = (list: readonly string[], value: string | undefined) =>
  value !== undefined && list.some((x) => x.toLowerCase() === value.toLowerCase())

/** Whether this person on this case may receive automated communications, and why. */
export function decideEligibility(
  rules: EligibilityRules,
  snapshot: CaseSnapshot,
  person: PersonSnapshot,
  now: Date,
): EligibilityDecision {
  const passed: string[] = []
  const failed: string[] = []
  const check = (ok: boolean, yes: string, no: string) => (ok ? passed : failed).push(ok ? yes : no)

  check(
    has(rules.includedRoles, person.role),
    `the person is a ${words(person.role)}, a role the force includes`,
    `the person is a ${words(person.role)} and the force includes only ${rules.includedRoles.map(words).join(', ')}`,
  )
  const crimeType = snapshot.crime?.crimeType
  if (crimeType) {
    check(
      !has(rules.excludedCrimeTypes, crimeType),
      `the crime type ${crimeType} is not excluded`,
      `the crime type ${crimeType} is excluded by the force`,
    )
    if (rules.includedCrimeTypes.length > 0) {
      check(
        has(rules.includedCrimeTypes, crimeType),
        `the crime type ${crimeType} is included`,
        `the crime type ${crimeType} is not one the force includes`,
      )
    }
  }
  const incidentType = snapshot.incident?.incidentType
  if (incidentType) {
    check(
      !has(rules.excludedIncidentTypes, incidentType),
      `the incident type ${incidentType} is not excluded`,
      `the incident type ${incidentType} is excluded by the force`,
    )
  }
  const excludedMarker = person.markers.find((m) => has(rules.excludedMarkers, m))
  if (rules.excludedMarkers.length > 0) {
    check(
      !excludedMarker,
      'the person has no marker the force excludes',
      `the person has a ${words(excludedMarker ?? '')} marker and the force excludes it`,
    )
  }
  if (rules.minimumAge !== null || rules.maximumAge !== null) {
    const age = ageOn(person.dateOfBirth, now)
    if (age === undefined) {
      failed.push('the person’s date of birth is not known and the force has age limits')
    } else if (rules.minimumAge !== null && age < rules.minimumAge) {
      failed.push(
        rules.minimumAge === 18
          ? `the victim is under 18 (aged ${age}) and the force excludes children`
          : `the victim is ${age}, under the force’s minimum age of ${rules.minimumAge}`,
      )
    } else if (rules.maximumAge !== null && age > rules.maximumAge) {
      failed.push(`the victim is ${age}, over the force’s maximum age of ${rules.maximumAge}`)
    } else {
      passed.push(`the victim is ${age}, within the force’s age limits`)
    }
  }
  return failed.length > 0 ? { eligible: false, reasons: failed } : { eligible: true, reasons: passed }
}

/** Parses the console form; returns rules or field errors (UJ-7: edited by force admins). */
export function parseEligibilityForm(form: Record<string, unknown>): {
  rules?: EligibilityRules
  errors: { field: string; message: string }[]
} {
  const list = (name: string) =>
    String(form[name] ?? '')
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter(Boolean)
  const picked = (name: string) => {
    const v = form[name]
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String)
  }
  const errors: { field: string; message: string }[] = []
  const age = (name: string, label: string): number | null => {
    const raw = String(form[name] ?? '').trim()
    if (raw === '') return null
    if (!/^\d{1,3}$/.test(raw) || Number(raw) > 120) {
      errors.push({ field: name, message: `${label} must be a whole number of years between 0 and 120` })
      return null
    }
    return Number(raw)
  }
  const minimumAge = age('minimumAge', 'Minimum age')
  const maximumAge = age('maximumAge', 'Maximum age')
  if (minimumAge !== null && maximumAge !== null && minimumAge > maximumAge) {
    errors.push({
      field: 'maximumAge',
      message: 'Maximum age must be the same as or more than the minimum age',
    })
  }
  const includedRoles = picked('includedRoles').filter((r) => (partyRoles as readonly string[]).includes(r))
  if (includedRoles.length === 0) {
    errors.push({ field: 'includedRoles', message: 'Select at least one role that receives communications' })
  }
  const excludedMarkers = picked('excludedMarkers').filter((m) =>
    (markerKinds as readonly string[]).includes(m),
  )
  if (errors.length > 0) return { errors }
  return {
    errors,
    rules: {
      includedCrimeTypes: list('includedCrimeTypes'),
      excludedCrimeTypes: list('excludedCrimeTypes'),
      excludedIncidentTypes: list('excludedIncidentTypes'),
      excludedMarkers: excludedMarkers as EligibilityRules['excludedMarkers'],
      includedRoles: includedRoles as EligibilityRules['includedRoles'],
      minimumAge,
      maximumAge,
    },
  }
}
