// THRIVE on a contact (CRM-17): the handler rates Threat, Harm, Risk, Investigation, Vulnerability
// and Engagement from 0 (none) to 3 (high); Waypoint suggests a grading from the ratings and the
// person's markers, and says why; the handler keeps it or chooses another. A vulnerable caller
// (vulnerability rated medium or high, or a vulnerability, domestic abuse or safeguarding marker)
// is flagged, and their contact becomes urgent and needs the vulnerability skill if it goes back
// to the queue. Each assessment is kept and audited.
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import type { PushService } from '../platform/push/push-service.ts'
import type { Acting } from './queue.ts'
import { queueTopic } from './queue.ts'
import {
  type Grading,
  gradings,
  type QueueRepository,
  type ThriveDimension,
  thriveDimensions,
} from './queue-repository.ts'

export const dimensionNames: Record<ThriveDimension, string> = {
  threat: 'Threat',
  harm: 'Harm',
  risk: 'Risk',
  investigation: 'Investigation',
  vulnerability: 'Vulnerability',
  engagement: 'Engagement',
}

export const ratingNames = ['None', 'Low', 'Medium', 'High'] as const

export interface Suggestion {
  grading: Grading
  reasons: string[]
  vulnerable: boolean
}

/**
 * The grading the ratings and markers suggest, and why. The first rule that applies decides:
 * threat or harm high → Immediate; risk high, or vulnerability medium or high, or a marker →
 * Prompt; anything medium → Scheduled; anything low → Appointment; nothing → No Response.
 */
export function suggestGrading(
  ratings: Record<ThriveDimension, number>,
  markers: readonly string[],
): Suggestion {
  const reasons: string[] = []
  const vulnerable = ratings.vulnerability >= 2 || markers.length > 0
  if (ratings.vulnerability >= 2)
    reasons.push(`Vulnerability rated ${ratingNames[ratings.vulnerability]!.toLowerCase()}`)
  for (const m of markers) reasons.push(`The person has a ${m.replace('_', ' ')} marker`)
  const high = thriveDimensions.filter((d) => ratings[d] === 3)
  if (ratings.threat === 3 || ratings.harm === 3) {
    reasons.unshift(
      `${[ratings.threat === 3 ? 'Threat' : null, ratings.harm === 3 ? 'Harm' : null].filter(Boolean).join(' and ')} rated high`,
    )
    return { grading: 'Immediate', reasons, vulnerable }
  }
  if (ratings.risk === 3 || vulnerable) {
    if (ratings.risk === 3) reasons.unshift('Risk rated high')
    return { grading: 'Prompt', reasons, vulnerable }
  }
  const medium = thriveDimensions.filter((d) => ratings[d] === 2)
  if (medium.length || high.length) {
    reasons.unshift(`${[...high, ...medium].map((d) => dimensionNames[d]).join(', ')} rated medium or above`)
    return { grading: 'Scheduled', reasons, vulnerable }
  }
  const low = thriveDimensions.filter((d) => ratings[d] === 1)
  if (low.length) {
    reasons.unshift(`${low.map((d) => dimensionNames[d]).join(', ')} rated low`)
    return { grading: 'Appointment', reasons, vulnerable }
  }
  reasons.unshift('Nothing rated above none')
  return { grading: 'No Response', reasons, vulnerable }
}

/** A force's own THRIVE rules: their suggestion, or undefined when the force has saved none. */
export type ForceRules = (
  tx: Tx,
  ratings: Record<ThriveDimension, number>,
  markers: readonly string[],
) => Promise<Suggestion | undefined>

export class ThriveService {
  readonly #db: Database
  readonly #repo: QueueRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #push: PushService | undefined
  readonly #suggest: ForceRules | undefined

  constructor(deps: {
    db: Database
    repo: QueueRepository
    clock: Clock
    audit: AuditService
    push?: PushService
    /** The force's own rules (thrive-rules.ts), when it has saved any. */
    suggest?: ForceRules
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#push = deps.push
    this.#suggest = deps.suggest
  }

  /**
   * Records an assessment by the handler who has the contact: every dimension rated, the grading
   * suggested, and the grading chosen (the suggestion unless they chose another).
   */
  async assess(
    forceId: string,
    itemId: string,
    input: Partial<Record<ThriveDimension | 'grading' | 'note', string>>,
    acting: Acting,
  ): Promise<Suggestion & { chosen: Grading }> {
    const errors: { field: string; message: string }[] = []
    const ratings = {} as Record<ThriveDimension, number>
    for (const d of thriveDimensions) {
      const value = Number(input[d])
      if (input[d] === undefined || input[d] === '' || !Number.isInteger(value) || value < 0 || value > 3)
        errors.push({ field: d, message: `Rate ${dimensionNames[d].toLowerCase()}` })
      else ratings[d] = value
    }
    const chosen = input.grading ? gradings.find((g) => g === input.grading) : undefined
    if (input.grading && !chosen) errors.push({ field: 'grading', message: 'Choose a grading from the list' })
    const note = (input.note ?? '').trim()
    if (note.length > 1000) errors.push({ field: 'note', message: 'Note must be 1000 characters or fewer' })
    if (errors.length) throw new ValidationError(errors)
    return this.#db.withForce(forceId, async (tx) => {
      const item = await this.#repo.item(tx, itemId)
      if (!item) throw new NotFoundError('The contact')
      if (item.assignedTo !== acting.staffId || (item.status !== 'assigned' && item.status !== 'wrap_up'))
        throw new ValidationError([
          { field: 'threat', message: 'Only the handler who has this contact may assess it' },
        ])
      const markers = item.personId ? await this.#repo.urgentMarkers(tx, item.personId) : []
      const suggestion = (await this.#suggest?.(tx, ratings, markers)) ?? suggestGrading(ratings, markers)
      const grading = chosen ?? suggestion.grading
      const now = this.#clock.now()
      const id = await this.#repo.insertThrive(tx, {
        forceId,
        itemId,
        ratings,
        note: note || null,
        suggested: suggestion.grading,
        reasons: suggestion.reasons,
        grading,
        vulnerable: suggestion.vulnerable,
        by: acting.staffId,
        at: now,
      })
      if (suggestion.vulnerable) await this.#repo.flagVulnerable(tx, itemId)
      await this.#audit.record(
        {
          action: 'contact.thrive-assessed',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact',
          recordId: itemId,
          detail: {
            assessment: id,
            suggested: suggestion.grading,
            grading,
            overridden: grading !== suggestion.grading,
            vulnerable: suggestion.vulnerable,
          },
        },
        tx,
      )
      await this.#push?.publish({ forceId, topic: queueTopic, ids: { item: itemId } }, tx)
      return { ...suggestion, chosen: grading }
    })
  }
}
