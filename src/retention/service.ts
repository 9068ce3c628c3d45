// Review, retention and deletion under the PIRM Code 2023 (UJ-3, CP-4, CRM-4). Each force's
// rules say, per kind of record and category, when a record is due for review and when it is
// deleted. A daily sweep queues reviews and deletes what is due, except records under legal hold
// or kept at review. Deleting a case removes every row that holds its personal data in every
// capability, through their services, in one transaction; the audit keeps a tombstone of ids and
// counts only.
import { DateTime } from 'luxon'
import type { Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { RetentionDeletion, ruleLabel } from './cascade.ts'
import type { Acting, RetentionDependencies } from './dependencies.ts'
import type { Candidate, RuleRow } from './repository.ts'

export type { Acting, RetentionDependencies } from './dependencies.ts'

export interface SweepResult {
  queued: number
  deleted: number
  batches: Record<string, number>
}

/**
 * Finished messages or processed source events deleted in one transaction: each message id is a
 * statement parameter (PostgreSQL takes at most 65,535), and a batch keeps each transaction short.
 */
export const SWEEP_BATCH = 5000

const SYSTEM: Acting = { actor: { kind: 'system', id: null, name: 'Retention schedule' } }

export function addMonths(date: Date, months: number): Date {
  return DateTime.fromJSDate(date, { zone: 'utc' }).plus({ months }).toJSDate()
}

interface Due {
  candidate: Candidate
  rule: RuleRow
  reviewAt: Date | null
  deleteAt: Date | null
}

export class RetentionService {
  readonly #d: RetentionDependencies
  readonly #deletion: RetentionDeletion

  constructor(deps: RetentionDependencies) {
    this.#d = deps
    this.#deletion = new RetentionDeletion(deps)
  }

  /**
   * The daily sweep for one force: queue what is due for review, delete what is due for deletion.
   * Each record, and each batch of at most `batchSize` finished messages or processed source
   * events, goes in a transaction of its own, so a sweep stopped part-way keeps what it did and
   * the next run carries on.
   */
  async sweep(forceId: string, options: { batchSize?: number } = {}): Promise<SweepResult> {
    const batchSize = options.batchSize ?? SWEEP_BATCH
    const now = this.#d.clock.now()
    const rules = await this.#d.db.withForce(forceId, (tx) => this.#d.repo.rules(tx))
    const result: SweepResult = { queued: 0, deleted: 0, batches: {} }
    const gone = new Set<string>()
    // A deletion can make another record due: a crime's deletion unlinks the incident it came from,
    // which is then a closed incident that never became a crime. Looked at again until a pass
    // deletes nothing, so a second run the same day finds nothing to do.
    for (let pass = 0; pass < 5; pass += 1) {
      const deletedBefore = result.deleted
      const due = await this.#d.db.withForce(forceId, (tx) => this.#dueRecords(tx, rules, now))
      await this.#sweepRecords(forceId, due, now, gone, result)
      if (result.deleted === deletedBefore) break
    }
    for (const rule of rules.filter(
      (r) => r.deleteAfterMonths && ['message', 'source_event'].includes(r.recordType),
    )) {
      const cutoff = addMonths(now, -rule.deleteAfterMonths!)
      for (;;) {
        const counts = await this.#d.db.withForceDeleting(forceId, async (tx) => {
          const counts =
            rule.recordType === 'message'
              ? await this.#d.messaging.scheduling.deleteFinishedBefore(tx, cutoff, batchSize)
              : { source_events: await this.#d.sources.deleteProcessedBefore(tx, cutoff, batchSize) }
          const total = Object.values(counts).reduce((a, b) => a + b, 0)
          if (total > 0)
            await this.#deletion.tombstone(tx, forceId, rule.recordType, null, rule, counts, SYSTEM, now)
          return counts
        })
        for (const [table, n] of Object.entries(counts))
          result.batches[table] = (result.batches[table] ?? 0) + n
        const deleted = rule.recordType === 'message' ? counts.messages : counts.source_events
        if ((deleted ?? 0) < batchSize) break
      }
    }
    return result
  }

  /** Deletes or queues for review each record of `due`, each in a transaction of its own. */
  async #sweepRecords(
    forceId: string,
    due: Due[],
    now: Date,
    gone: Set<string>,
    result: SweepResult,
  ): Promise<void> {
    for (const item of due) {
      const key = `${item.candidate.recordType}:${item.candidate.recordId}`
      if (gone.has(key)) continue
      if (item.deleteAt && item.deleteAt <= now) {
        const deleted = await this.#d.db.withForceDeleting(forceId, (tx) =>
          this.#deleteIfStillDue(tx, forceId, item, now),
        )
        for (const k of deleted) gone.add(k)
        if (deleted.length > 0) result.deleted += 1
      } else if (item.reviewAt && item.reviewAt <= now) {
        await this.#d.db.withForce(forceId, async (tx) => {
          await this.#d.repo.queueReview(tx, forceId, item.candidate, item.rule, item.reviewAt!, now)
          await this.#d.repo.addOutcome(tx, {
            forceId,
            recordType: item.candidate.recordType,
            recordId: item.candidate.recordId,
            ruleId: item.rule.id,
            ruleLabel: ruleLabel(item.rule),
            outcome: 'queued',
            counts: {},
            actorId: null,
            at: now,
          })
        })
        result.queued += 1
      }
    }
  }

  /** Per case or person, the rule that keeps it longest decides (review-only rules never delete). */
  async #dueRecords(tx: Tx, rules: RuleRow[], now: Date): Promise<Due[]> {
    const held = await this.#d.repo.activeHoldKeys(tx)
    const kept = await this.#d.repo.keptKeys(tx, now)
    const pending = await this.#d.repo.pendingKeys(tx)
    const governing = new Map<string, Due>()
    for (const rule of rules) {
      for (const candidate of await this.#d.repo.candidates(tx, rule)) {
        const key = `${candidate.recordType}:${candidate.recordId}`
        if (held.has(key) || kept.has(key)) continue
        const due: Due = {
          candidate,
          rule,
          reviewAt: rule.reviewAfterMonths ? addMonths(candidate.baseDate, rule.reviewAfterMonths) : null,
          deleteAt: rule.deleteAfterMonths ? addMonths(candidate.baseDate, rule.deleteAfterMonths) : null,
        }
        const current = governing.get(key)
        if (!current || keepsLonger(due, current)) governing.set(key, due)
      }
    }
    const order = { crime: 0, incident: 1, person: 2 }
    return [...governing.entries()]
      .filter(
        ([key, d]) =>
          (d.deleteAt && d.deleteAt <= now) || (d.reviewAt && d.reviewAt <= now && !pending.has(key)),
      )
      .map(([, d]) => d)
      .sort((a, b) => order[a.candidate.recordType] - order[b.candidate.recordType])
  }

  async #deleteIfStillDue(tx: Tx, forceId: string, item: Due, now: Date): Promise<string[]> {
    const { recordType, recordId } = item.candidate
    const held = await this.#d.repo.activeHoldKeys(tx)
    if (held.has(`${recordType}:${recordId}`)) return []
    if (recordType === 'person' && (await this.#d.cases.isOnAnyCase(tx, recordId))) return []
    return this.#deletion.deleteRecord(tx, forceId, recordType, recordId, item.rule, SYSTEM, now, held)
  }

  // Review queue

  pendingReviews(forceId: string) {
    return this.#d.db.withForce(forceId, (tx) => this.#d.repo.reviews(tx))
  }

  async review(forceId: string, id: string) {
    const found = await this.#d.db.withForce(forceId, (tx) => this.#d.repo.review(tx, id))
    if (!found) throw new NotFoundError('The review')
    return found
  }

  /** Keep at review: a reason and the date of the next review are required (PIRM Code). */
  async keep(forceId: string, id: string, input: { reason?: string; nextReview?: string }, acting: Acting) {
    const now = this.#d.clock.now()
    const reason = (input.reason ?? '').trim()
    const next = DateTime.fromISO((input.nextReview ?? '').trim(), { zone: 'Europe/London' })
    const errors = [
      ...(reason ? [] : [{ field: 'reason', message: 'Enter why the record is being kept' }]),
      ...(next.isValid && next.toJSDate() > now
        ? []
        : [
            {
              field: 'nextReview',
              message: 'Enter the next review date as a date in the future, like 2031-03-27',
            },
          ]),
    ]
    if (errors.length > 0) throw new ValidationError(errors)
    await this.#d.db.withForce(forceId, async (tx) => {
      const review = await this.#pending(tx, id)
      const rule = await this.#d.repo.rule(tx, review.ruleId)
      await this.#d.repo.decideReview(tx, id, {
        status: 'kept',
        reason,
        keepUntil: next.toJSDate(),
        by: acting.actor.id ?? null,
        at: now,
      })
      await this.#d.repo.addOutcome(tx, {
        forceId,
        recordType: review.recordType,
        recordId: review.recordId,
        ruleId: review.ruleId,
        ruleLabel: rule ? ruleLabel(rule) : null,
        outcome: 'kept',
        counts: {},
        actorId: acting.actor.id ?? null,
        at: now,
      })
      await this.#d.audit.record(
        {
          action: 'retention.kept',
          forceId,
          actor: acting.actor,
          recordType: review.recordType,
          recordId: review.recordId,
          detail: { reviewId: id, keepUntil: next.toISODate() },
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
        },
        tx,
      )
    })
  }

  /** Confirm deletion at review: the record and everything held about it go now. */
  async confirmDeletion(forceId: string, id: string, acting: Acting): Promise<void> {
    const now = this.#d.clock.now()
    await this.#d.db.withForceDeleting(forceId, async (tx) => {
      const review = await this.#pending(tx, id)
      const held = await this.#d.repo.activeHoldKeys(tx)
      if (held.has(`${review.recordType}:${review.recordId}`))
        throw new DomainError('legal-hold', 'This record is under legal hold and cannot be deleted', {
          status: 409,
        })
      if (review.recordType === 'person' && (await this.#d.cases.isOnAnyCase(tx, review.recordId)))
        throw new DomainError(
          'still-on-case',
          'This person is still on a case; delete or review the case first',
          {
            status: 409,
          },
        )
      const rule = (await this.#d.repo.rule(tx, review.ruleId))!
      await this.#deletion.deleteRecord(
        tx,
        forceId,
        review.recordType,
        review.recordId,
        rule,
        acting,
        now,
        held,
      )
    })
  }

  async #pending(tx: Tx, id: string) {
    const review = await this.#d.repo.review(tx, id)
    if (review?.status !== 'pending') throw new NotFoundError('A review waiting for a decision')
    return review
  }
}

function keepsLonger(a: Due, b: Due): boolean {
  const end = (d: Due) => d.deleteAt?.getTime() ?? Number.POSITIVE_INFINITY
  if (end(a) !== end(b)) return end(a) > end(b)
  return (a.reviewAt?.getTime() ?? 0) > (b.reviewAt?.getTime() ?? 0)
}
