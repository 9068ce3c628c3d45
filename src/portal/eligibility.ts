// Who a force gives a portal link (CP-9): a rule set per force written in the journeys' conditions
// language, so the same facts and the same plain-English explanation serve both products. Pure:
// the decision carries every reason, in words staff read on the person page.
import { type Condition, describeCondition, evaluateCondition } from '../journeys/conditions.ts'
import type { CaseSnapshot, PersonSnapshot } from '../journeys/snapshot.ts'
import type { PortalEligibility, PortalRole } from './schema.ts'

/** What a force starts with: crimes only; children and those not to be contacted are not invited. */
export const defaultPortalEligibility: PortalEligibility = {
  roles: ['victim', 'witness', 'parent_guardian', 'attorney'],
  include: { op: 'equals', fact: 'case.isCrime', value: true },
  exclude: [
    {
      when: { op: 'equals', fact: 'person.markers', value: 'do_not_contact' },
      reason: 'The person asked not to be contacted',
    },
    {
      when: { op: 'age-between', max: 15 },
      reason: 'Under 16: invite their parent or guardian instead',
    },
  ],
}

export const defaultPortalPeriods = { linkValidDays: 14, remindAfterDays: 7, maxReminders: 2 }

export interface PortalDecision {
  eligible: boolean
  /** Every reason, held or not, in the order checked. */
  reasons: string[]
}

const words = (role: string) => role.replaceAll('_', ' ')

/** A role in the words a person reads: "parent or guardian". */
export const roleWords = (role: string) => (role === 'parent_guardian' ? 'parent or guardian' : words(role))

/** Whether this person on this case may be sent a portal link, and why (explained like journeys). */
export function decidePortalEligibility(
  rules: PortalEligibility,
  snapshot: CaseSnapshot,
  person: PersonSnapshot,
  now: Date,
): PortalDecision {
  const reasons: string[] = []
  let eligible = true
  if (rules.roles.includes(person.role as PortalRole)) {
    reasons.push(`the person is a ${words(person.role)}, a role the force invites`)
  } else {
    eligible = false
    reasons.push(
      `the person is a ${words(person.role)} and the force invites only ${rules.roles.map(words).join(', ')}`,
    )
  }
  const context = { snapshot, person, now }
  const include = describeCondition(rules.include)
  if (evaluateCondition(rules.include, context)) reasons.push(`it holds that ${include}`)
  else {
    eligible = false
    reasons.push(`the force invites only when ${include}`)
  }
  for (const rule of rules.exclude) {
    if (evaluateCondition(rule.when as Condition, context)) {
      eligible = false
      reasons.push(`${rule.reason} (${describeCondition(rule.when as Condition)})`)
    }
  }
  return { eligible, reasons }
}
