// THRIVE rules a force edits (CRM-17). For each grading, from the most urgent, the force names
// the dimensions whose rating at or above a level suggests it, and whether a vulnerability,
// domestic abuse or safeguarding marker on the person does; the first grading whose rule applies
// is suggested, with the rule and what met it in words. The force also sets the vulnerability
// rating from which a caller is flagged vulnerable. Every save is a new version with who saved it
// and why, audited; each assessment records the version that suggested its grading.
import { sql } from 'drizzle-orm'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { type FieldError, ValidationError } from '../platform/errors.ts'
import type { Acting } from './queue.ts'
import { type Grading, type ThriveDimension, thriveDimensions } from './queue-repository.ts'
import { dimensionNames, ratingNames, type Suggestion } from './thrive.ts'

/** The gradings a rule suggests, most urgent first; none applying suggests No Response. */
export const ruleGradings = [
  'Immediate',
  'Prompt',
  'Scheduled',
  'Appointment',
] as const satisfies readonly Grading[]

export interface ThriveRule {
  grading: (typeof ruleGradings)[number]
  dimensions: ThriveDimension[]
  /** 1 low, 2 medium, 3 high. */
  atLeast: number
  markers: boolean
}

export interface ThriveRuleSet {
  version: number | null
  rules: ThriveRule[]
  vulnerableAtLeast: number
  note: string | null
  savedByName: string | null
  savedAt: Date | null
}

/** Waypoint's own rules: those `suggestGrading` applies, written as a rule set. */
export const defaultRules: ThriveRuleSet = {
  version: null,
  rules: [
    { grading: 'Immediate', dimensions: ['threat', 'harm'], atLeast: 3, markers: false },
    { grading: 'Prompt', dimensions: ['risk'], atLeast: 3, markers: true },
    { grading: 'Scheduled', dimensions: [...thriveDimensions], atLeast: 2, markers: false },
    { grading: 'Appointment', dimensions: [...thriveDimensions], atLeast: 1, markers: false },
  ],
  vulnerableAtLeast: 2,
  note: null,
  savedByName: null,
  savedAt: null,
}

const markerText = (m: string) => `The person has a ${m.replace('_', ' ')} marker`

/**
 * The grading a force's rules suggest, and why: the rule that decided, what met it, and whether
 * the caller is vulnerable (a vulnerable caller meets a rule that counts markers).
 */
export function suggestByRules(
  set: Pick<ThriveRuleSet, 'rules' | 'vulnerableAtLeast' | 'version'>,
  ratings: Record<ThriveDimension, number>,
  markers: readonly string[],
): Suggestion {
  const vulnerableRating = ratings.vulnerability >= set.vulnerableAtLeast
  const vulnerable = vulnerableRating || markers.length > 0
  const source = set.version ? `the force’s THRIVE rules, version ${set.version}` : 'Waypoint’s THRIVE rules'
  for (const rule of set.rules) {
    const met = rule.dimensions.filter((d) => ratings[d] >= rule.atLeast)
    const byMarker = rule.markers && (markers.length > 0 || vulnerableRating)
    if (met.length === 0 && !byMarker) continue
    const reasons = [
      `${rule.grading} under ${source}: ${describeRule(rule)}`,
      ...met.map((d) => `${dimensionNames[d]} rated ${ratingNames[ratings[d]]!.toLowerCase()}`),
      ...(rule.markers ? markers.map(markerText) : []),
      ...(rule.markers && vulnerableRating
        ? [
            `Vulnerability rated ${ratingNames[ratings.vulnerability]!.toLowerCase()}: the caller is vulnerable`,
          ]
        : []),
    ]
    return { grading: rule.grading, reasons, vulnerable }
  }
  return { grading: 'No Response', reasons: [`No Response under ${source}: no rule applies`], vulnerable }
}

/** A rule in words: "Threat or Harm rated high or above, or a vulnerable caller". */
export function describeRule(rule: ThriveRule): string {
  const parts: string[] = []
  if (rule.dimensions.length)
    parts.push(
      `${rule.dimensions.map((d) => dimensionNames[d]).join(' or ')} rated ${ratingNames[rule.atLeast]!.toLowerCase()}${rule.atLeast < 3 ? ' or above' : ''}`,
    )
  if (rule.markers)
    parts.push('a vulnerable caller or a vulnerability, domestic abuse or safeguarding marker')
  return parts.join(', or ') || 'never'
}

export class ThriveRules {
  readonly #db: Database
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: { db: Database; clock: Clock; audit: AuditService }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  /** The rules in force in the transaction's force: the latest saved, else Waypoint's own. */
  async currentIn(tx: Tx): Promise<ThriveRuleSet> {
    const [latest] = await this.#history(tx, 1)
    return latest ?? defaultRules
  }

  async #history(tx: Tx, limit: number): Promise<ThriveRuleSet[]> {
    return rows<ThriveRuleSet>(
      tx,
      sql`select r.version, r.rules, r.vulnerable_at_least::int as "vulnerableAtLeast", r.note,
            coalesce(u.display_name, 'A former member of staff') as "savedByName", r.saved_at as "savedAt"
          from contact_thrive_rule_sets r left join staff_users u on u.id = r.saved_by
          order by r.version desc limit ${limit}`,
    )
  }

  /** The rules in force and every earlier version, newest first. */
  rules(forceId: string): Promise<{ current: ThriveRuleSet; history: ThriveRuleSet[] }> {
    return this.#db.withForce(forceId, async (tx) => {
      const history = await this.#history(tx, 100)
      return { current: history[0] ?? defaultRules, history }
    })
  }

  /** Saves a new version of the force's rules, with why. */
  async save(
    forceId: string,
    input: {
      rules: { grading: string; dimensions: string[]; atLeast?: string; markers?: string }[]
      vulnerableAtLeast?: string
      note?: string
    },
    acting: Acting,
  ): Promise<number> {
    const errors: FieldError[] = []
    const level = (raw: string | undefined, field: string, what: string) => {
      const n = Number(raw)
      if (!Number.isInteger(n) || n < 1 || n > 3) errors.push({ field, message: `Choose the rating ${what}` })
      return n
    }
    const rules: ThriveRule[] = ruleGradings.map((grading) => {
      const given = input.rules.find((r) => r.grading === grading)
      const dimensions = thriveDimensions.filter((d) => given?.dimensions.includes(d))
      return {
        grading,
        dimensions,
        atLeast: dimensions.length
          ? level(given?.atLeast, `${grading}AtLeast`, `that suggests ${grading}`)
          : Number(given?.atLeast) || 3,
        markers: given?.markers === 'yes',
      }
    })
    const vulnerableAtLeast = level(
      input.vulnerableAtLeast,
      'vulnerableAtLeast',
      'from which a caller is vulnerable',
    )
    const note = (input.note ?? '').trim()
    if (!note) errors.push({ field: 'note', message: 'Enter why the rules are changing' })
    else if (note.length > 500)
      errors.push({ field: 'note', message: 'Reason must be 500 characters or fewer' })
    if (errors.length) throw new ValidationError(errors)
    return this.#db.withForce(forceId, async (tx) => {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtext('contact-thrive-rules'), hashtext(${forceId}))`,
      )
      const [row] = await rows<{ version: number }>(
        tx,
        sql`select coalesce(max(version), 0)::int + 1 as version from contact_thrive_rule_sets`,
      )
      const version = row!.version
      await tx.execute(
        sql`insert into contact_thrive_rule_sets (force_id, version, rules, vulnerable_at_least, note, saved_by, saved_at)
            values (${forceId}, ${version}, ${JSON.stringify(rules)}::jsonb, ${vulnerableAtLeast}, ${note},
              ${acting.staffId}, ${this.#clock.now()})`,
      )
      await this.#audit.record(
        {
          action: 'contact.thrive-rules-saved',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact-thrive-rules',
          recordId: String(version),
          detail: { version, rules, vulnerableAtLeast },
        },
        tx,
      )
      return version
    })
  }
}
