// The designer's dry run (UJ-18): a draft journey evaluated over the cases a force already has,
// with the force's own eligibility rules and safe-contact policy, through the same engine code
// that runs real journeys. Pure: it counts, it never enrols, schedules or records anything.
import { type Condition, describeCondition, evaluateCondition } from './conditions.ts'
import { type ContactPolicySettings, VictimContactPolicy } from './contact-policy.ts'
import type { JourneyDefinition } from './definition.ts'
import { decideEligibility, type EligibilityRules } from './eligibility.ts'
import { advanceEnrolment } from './engine.ts'
import type { CaseSnapshot } from './snapshot.ts'

export interface DryRunResult {
  cases: number
  people: number
  enrolled: number
  messages: number
  /** Why people were not enrolled, most common first. */
  notEnrolled: { reason: string; count: number }[]
  /** Why messages of enrolled people would not be sent, most common first. */
  notSent: { reason: string; count: number }[]
}

/** Walks each enrolment past every wait, as if each wait had ended, to count what it would send. */
const maxWaits = 100

export function dryRun(
  definition: JourneyDefinition,
  snapshots: CaseSnapshot[],
  rules: { eligibility: EligibilityRules; contactPolicy: ContactPolicySettings },
  now: Date,
): DryRunResult {
  const policy = new VictimContactPolicy(rules.contactPolicy)
  const notEnrolled = new Map<string, number>()
  const notSent = new Map<string, number>()
  const count = (map: Map<string, number>, reason: string) => map.set(reason, (map.get(reason) ?? 0) + 1)
  const result = { cases: snapshots.length, people: 0, enrolled: 0, messages: 0 }
  const crimeEventsOnly = definition.trigger.events.every((e) => e.startsWith('crime.'))
  const trigger = describeCondition(definition.trigger.when as Condition)
  for (const snapshot of snapshots) {
    for (const person of snapshot.people.filter((p) => p.role !== 'suspect')) {
      result.people += 1
      if (crimeEventsOnly && !snapshot.crime) {
        count(notEnrolled, 'no crime was recorded, and the journey starts on a crime event')
        continue
      }
      if (!evaluateCondition(definition.trigger.when as Condition, { snapshot, person, now })) {
        count(notEnrolled, `the trigger does not match: ${trigger}`)
        continue
      }
      const decision = decideEligibility(rules.eligibility, snapshot, person, now)
      if (!decision.eligible) {
        for (const reason of decision.reasons) count(notEnrolled, generalise(reason))
        continue
      }
      result.enrolled += 1
      let index = 0
      for (let run = 0; run < maxWaits; run += 1) {
        const advance = advanceEnrolment(definition, index, {
          snapshot,
          person,
          now,
          policy,
        })
        for (const outcome of advance.outcomes) {
          if (outcome.kind === 'send') result.messages += 1
          if (outcome.kind === 'suppressed') count(notSent, generalise(outcome.reason))
        }
        if (advance.position.status === 'stopped')
          count(notSent, `the journey stops: ${advance.position.reason}`)
        if (advance.position.status !== 'active' && advance.position.status !== 'waiting-event') break
        index = advance.position.stepIndex
      }
    }
  }
  return { ...result, notEnrolled: sorted(notEnrolled), notSent: sorted(notSent) }
}

/** Reasons name a person's age or crime type; grouping wants the kind of reason, not the person. */
function generalise(reason: string): string {
  return reason
    .replace(/\(aged \d+\)/, '')
    .replace(/the victim is \d+, /, 'the victim is ')
    .replace(/\s+/g, ' ')
    .trim()
}

const sorted = (map: Map<string, number>) =>
  [...map.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count)
