// Quality assurance of contacts (CRM-23): instead of supervisors dip-sampling by hand, each week's
// contacts are chosen for review by themselves (a share of every handler's closed contacts, and
// every complaint and low chat survey rating), a reviewer scores each against the force's
// scorecard while reading its transcript and history, and the handler reads their scored reviews
// and acknowledges or disputes each. Questions have weights; a "fail all" question not met
// scores the review 0. Nobody scores their own contact; a handler sees only their own reviews.
import { DateTime } from 'luxon'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { defineJob, EmptyPayload } from '../platform/jobs.ts'
import { type FieldError, ForbiddenError, NotFoundError, ValidationError } from '../platform/errors.ts'
import {
  type AnswerRow,
  type QaAnswer,
  type QaReportRow,
  type QaRepository,
  type QuestionRow,
  qaAnswers,
  type ReviewRow,
  type ScorecardRow,
  type TranscriptRow,
} from './qa-repository.ts'
import { type Acting, auditActing } from './queue.ts'
import type { ItemEventRow, QueueRepository, ThriveRow } from './queue-repository.ts'

export const QA_NAME_MAX = 100
export const QA_QUESTION_MAX = 200
export const QA_COMMENT_MAX = 2000
export const QA_RESPONSE_MAX = 1000
export const QA_QUESTIONS_MAX = 30
export const qaReportWeeks = [4, 12, 26] as const

export const reasonNames: Record<ReviewRow['reason'], string> = {
  sample: 'Weekly sample',
  complaint: 'Complaint',
  'low-rating': 'Low survey rating',
}
export const statusNames: Record<ReviewRow['status'], string> = {
  'to-score': 'To score',
  scored: 'Scored',
  acknowledged: 'Acknowledged',
  disputed: 'Disputed',
}
export const answerNames: Record<QaAnswer, string> = { yes: 'Met', no: 'Not met', na: 'Not applicable' }

/** Until a force saves its own, the scorecard's sampling. */
export const defaultScorecard: Omit<ScorecardRow, 'updatedAt'> = {
  name: 'Contact quality',
  samplePercent: 5,
  lowRatingMax: 2,
  complaintLabelId: null,
}

/**
 * A review's score: the weight of the questions met as a share of those met or not (not
 * applicable ones count neither way), 0 to 100; 0 and failed when a "fail all" question is not met.
 */
export function scoreOf(answers: { weight: number; failAll: boolean; answer: QaAnswer }[]): {
  score: number
  failed: boolean
} {
  if (answers.some((a) => a.failAll && a.answer === 'no')) return { score: 0, failed: true }
  const counted = answers.filter((a) => a.answer !== 'na')
  const total = counted.reduce((sum, a) => sum + a.weight, 0)
  if (total === 0) return { score: 100, failed: false }
  const met = counted.filter((a) => a.answer === 'yes').reduce((sum, a) => sum + a.weight, 0)
  return { score: Math.round((100 * met) / total), failed: false }
}

/** The UK week (from Monday 00:00 London time) that `at` falls in. */
export function ukWeek(at: Date): { starting: string; from: Date; to: Date } {
  const monday = DateTime.fromJSDate(at, { zone: ukZone }).startOf('week')
  return { starting: monday.toISODate()!, from: monday.toJSDate(), to: monday.plus({ weeks: 1 }).toJSDate() }
}

/** Each hour, this week's and last week's contacts are chosen for review, force by force. */
export function qaSampleJob(run: () => Promise<unknown>) {
  return defineJob({
    name: 'contact.qa-sample',
    payload: EmptyPayload,
    cron: '7 * * * *',
    retryLimit: 3,
    handle: async () => {
      await run()
    },
  })
}

export interface ReviewPage {
  review: ReviewRow
  questions: QuestionRow[]
  answers: AnswerRow[]
  transcript: TranscriptRow[]
  events: ItemEventRow[]
  assessments: ThriveRow[]
  personId: string | null
  personName: string | null
}

export class QaService {
  readonly #db: Database
  readonly #repo: QaRepository
  readonly #queueRepo: QueueRepository
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: {
    db: Database
    repo: QaRepository
    queueRepo: QueueRepository
    clock: Clock
    audit: AuditService
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#queueRepo = deps.queueRepo
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  /** The force's scorecard (its sampling, or the defaults) and questions. */
  scorecard(forceId: string): Promise<{ card: Omit<ScorecardRow, 'updatedAt'>; questions: QuestionRow[] }> {
    return this.#db.withForce(forceId, async (tx) => ({
      card: (await this.#repo.scorecard(tx)) ?? defaultScorecard,
      questions: await this.#repo.questions(tx),
    }))
  }

  async saveScorecard(
    forceId: string,
    input: { name?: string; samplePercent?: string; lowRatingMax?: string; complaintLabel?: string },
    acting: Acting,
  ): Promise<void> {
    const name = (input.name ?? '').trim()
    const samplePercent = Number(input.samplePercent)
    const lowRatingMax = Number(input.lowRatingMax)
    const complaintLabelId = input.complaintLabel?.trim() || null
    const errors: FieldError[] = []
    if (!name) errors.push({ field: 'name', message: 'Enter the scorecard’s name' })
    else if (name.length > QA_NAME_MAX)
      errors.push({ field: 'name', message: `Name must be ${QA_NAME_MAX} characters or fewer` })
    if (!/^\d{1,3}$/.test(input.samplePercent ?? '') || samplePercent > 100)
      errors.push({ field: 'samplePercent', message: 'Enter the share of contacts to review, from 0 to 100' })
    if (!/^[0-5]$/.test(input.lowRatingMax ?? ''))
      errors.push({ field: 'lowRatingMax', message: 'Choose which survey ratings to review' })
    await this.#db.withForce(forceId, async (tx) => {
      if (
        complaintLabelId &&
        !(/^[0-9a-f-]{36}$/.test(complaintLabelId) && (await this.#repo.labelExists(tx, complaintLabelId)))
      )
        errors.push({ field: 'complaintLabel', message: 'Choose one of your force’s labels, or none' })
      if (errors.length) throw new ValidationError(errors)
      const card = { name, samplePercent, lowRatingMax, complaintLabelId }
      await this.#repo.saveScorecard(tx, forceId, card, acting.staffId, this.#clock.now())
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.qa-scorecard-changed',
        recordType: 'contact-qa-scorecard',
        recordId: forceId,
        detail: card,
      })
    })
  }

  async addQuestion(
    forceId: string,
    input: { text?: string; weight?: string; failAll?: string },
    acting: Acting,
  ): Promise<void> {
    const text = (input.text ?? '').trim()
    const weight = Number(input.weight)
    const failAll = input.failAll === 'yes'
    const errors: FieldError[] = []
    if (!text) errors.push({ field: 'text', message: 'Enter the question' })
    else if (text.length > QA_QUESTION_MAX)
      errors.push({ field: 'text', message: `Question must be ${QA_QUESTION_MAX} characters or fewer` })
    if (!/^\d{1,3}$/.test(input.weight ?? '') || weight < 1 || weight > 100)
      errors.push({ field: 'weight', message: 'Enter the question’s weight, from 1 to 100' })
    if (errors.length) throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      if ((await this.#repo.questions(tx)).length >= QA_QUESTIONS_MAX)
        throw new ValidationError([
          { field: 'text', message: `A scorecard has at most ${QA_QUESTIONS_MAX} questions` },
        ])
      const id = await this.#repo.addQuestion(tx, forceId, { text, weight, failAll }, this.#clock.now())
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.qa-question-added',
        recordType: 'contact-qa-question',
        recordId: id,
        detail: { text, weight, failAll },
      })
    })
  }

  async removeQuestion(forceId: string, id: string, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const removed = await this.#repo.removeQuestion(tx, id, this.#clock.now())
      if (!removed) throw new NotFoundError('The question')
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.qa-question-removed',
        recordType: 'contact-qa-question',
        recordId: id,
        detail: { text: removed.text },
      })
    })
  }

  /**
   * Chooses this week's and last week's contacts for review by the force's scorecard (last week's
   * too, for surveys and labels that came after a contact closed). Safe to run again: a contact
   * is chosen once. Audited when it chose any. Returns how many it chose.
   */
  async sample(forceId: string, acting?: Acting): Promise<number> {
    return this.#db.withForce(forceId, async (tx) => {
      const card = await this.#repo.scorecard(tx)
      if (!card) return 0
      const now = this.#clock.now()
      const thisWeek = ukWeek(now)
      const lastWeek = ukWeek(new Date(thisWeek.from.getTime() - 86_400_000))
      const chosen = [
        ...(await this.#repo.sample(tx, forceId, lastWeek, card, now)),
        ...(await this.#repo.sample(tx, forceId, thisWeek, card, now)),
      ]
      const total = chosen.reduce((sum, c) => sum + c.n, 0)
      if (total > 0 || acting) {
        const byReason = Object.fromEntries(
          [...new Set(chosen.map((c) => c.reason))].map((r) => [
            r,
            chosen.filter((c) => c.reason === r).reduce((s, c) => s + c.n, 0),
          ]),
        )
        const event = {
          action: 'contact.qa-sampled',
          recordType: 'contact-qa-scorecard',
          recordId: forceId,
          detail: { chosen: total, ...byReason, weekStarting: thisWeek.starting },
        }
        if (acting) await auditActing(this.#audit, tx, forceId, acting, event)
        else
          await this.#audit.record(
            { ...event, forceId, actor: { kind: 'system', name: 'Contact quality sampling' } },
            tx,
          )
      }
      return total
    })
  }

  /** Reviews for reviewers (of one team's handlers, or all): those to score, then the latest scored. */
  reviews(forceId: string, teamId?: string | null): Promise<{ toScore: ReviewRow[]; scored: ReviewRow[] }> {
    return this.#db.withForce(forceId, async (tx) => ({
      toScore: await this.#repo.reviews(tx, { teamId, status: ['to-score'], limit: 200 }),
      scored: await this.#repo.reviews(tx, {
        teamId,
        status: ['scored', 'acknowledged', 'disputed'],
        limit: 100,
      }),
    }))
  }

  /** A handler's own scored reviews (one still to score is not shown to them). */
  mine(forceId: string, acting: Acting): Promise<ReviewRow[]> {
    return this.#db.withForce(forceId, (tx) =>
      this.#repo.reviews(tx, {
        handlerId: acting.staffId,
        status: ['scored', 'acknowledged', 'disputed'],
        limit: 200,
      }),
    )
  }

  /**
   * One review with the contact's transcript, history and THRIVE assessments. A reviewer sees any
   * of the force's; anyone else only their own once scored (another's is "not found"). The view
   * is audited by `audit`, in the same transaction.
   */
  async review(
    forceId: string,
    id: string,
    viewer: { staffId: string; reviewer: boolean },
    audit: (tx: Tx, review: ReviewRow, personId: string | null) => Promise<unknown>,
  ): Promise<ReviewPage> {
    return this.#db.withForce(forceId, async (tx) => {
      const review = await this.#repo.review(tx, id)
      if (!review) throw new NotFoundError('The review')
      const own = review.handlerId === viewer.staffId
      if (!viewer.reviewer && !(own && review.status !== 'to-score')) throw new NotFoundError('The review')
      const item = (await this.#queueRepo.item(tx, review.itemId))!
      await audit(tx, review, item.personId)
      return {
        review,
        questions: await this.#repo.questions(tx),
        answers: await this.#repo.answers(tx, id),
        transcript: await this.#repo.transcript(tx, review.itemId),
        events: await this.#queueRepo.events(tx, review.itemId),
        assessments: await this.#queueRepo.thrive(tx, review.itemId),
        personId: item.personId,
        personName: item.personName,
      }
    })
  }

  /** A reviewer answers every question of the scorecard about a contact not their own. */
  async score(
    forceId: string,
    id: string,
    input: Record<string, string | undefined>,
    acting: Acting,
  ): Promise<void> {
    const comment = (input.comment ?? '').trim()
    await this.#db.withForce(forceId, async (tx) => {
      const review = await this.#repo.review(tx, id)
      if (!review) throw new NotFoundError('The review')
      if (review.handlerId === acting.staffId) throw new ForbiddenError('You cannot score your own contact')
      const questions = await this.#repo.questions(tx)
      const errors: FieldError[] = []
      if (review.status !== 'to-score')
        errors.push({ field: 'comment', message: 'This contact has already been scored' })
      if (questions.length === 0)
        errors.push({ field: 'comment', message: 'The scorecard has no questions: add some first' })
      const answers = questions.map((q, n) => {
        const answer = qaAnswers.find((a) => a === input[`q-${q.id}`])
        if (!answer) errors.push({ field: `q-${q.id}`, message: `Answer question ${n + 1}: ${q.text}` })
        return { ...q, answer: answer ?? 'na' }
      })
      if (comment.length > QA_COMMENT_MAX)
        errors.push({ field: 'comment', message: `Comments must be ${QA_COMMENT_MAX} characters or fewer` })
      if (errors.length) throw new ValidationError(errors)
      const { score, failed } = scoreOf(answers)
      const at = this.#clock.now()
      if (
        !(await this.#repo.score(tx, forceId, id, {
          answers,
          score,
          failed,
          comment: comment || null,
          reviewerId: acting.staffId,
          at,
        }))
      )
        throw new ValidationError([{ field: 'comment', message: 'This contact has already been scored' }])
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.qa-review-scored',
        recordType: 'contact-qa-review',
        recordId: id,
        detail: { contact: review.itemId, handler: review.handlerId, score, failed },
      })
    })
  }

  /** The handler acknowledges their scored review, or disputes it saying why. */
  async respond(
    forceId: string,
    id: string,
    input: { decision?: string; response?: string },
    acting: Acting,
  ): Promise<void> {
    const response = (input.response ?? '').trim()
    const decision = input.decision
    const errors: FieldError[] = []
    if (decision !== 'acknowledged' && decision !== 'disputed')
      errors.push({ field: 'decision', message: 'Choose whether you accept the review or dispute it' })
    if (decision === 'disputed' && !response)
      errors.push({ field: 'response', message: 'Say why you dispute the review' })
    if (response.length > QA_RESPONSE_MAX)
      errors.push({
        field: 'response',
        message: `Your response must be ${QA_RESPONSE_MAX} characters or fewer`,
      })
    if (errors.length || (decision !== 'acknowledged' && decision !== 'disputed'))
      throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      const review = await this.#repo.review(tx, id)
      if (!review || review.handlerId !== acting.staffId || review.status === 'to-score')
        throw new NotFoundError('The review')
      if (!(await this.#repo.respond(tx, id, acting.staffId, decision, response || null, this.#clock.now())))
        throw new ValidationError([
          { field: 'decision', message: 'You have already responded to this review' },
        ])
      await auditActing(this.#audit, tx, forceId, acting, {
        action: `contact.qa-review-${decision}`,
        recordType: 'contact-qa-review',
        recordId: id,
        detail: { contact: review.itemId },
      })
    })
  }

  /** Reviews and scores per UK week, per handler and for all handlers, over the last `weeks` weeks. */
  report(forceId: string, weeks: number, teamId?: string | null): Promise<QaReportRow[]> {
    const from = DateTime.fromJSDate(ukWeek(this.#clock.now()).from, { zone: ukZone })
      .minus({ weeks: weeks - 1 })
      .toISODate()!
    return this.#db.withForce(forceId, (tx) => this.#repo.report(tx, from, teamId))
  }
}
