// Quality assurance in the console (CRM-23): the scorecard (contact supervisors and force
// administrators), the reviews to score and the scoring page (contact supervisors, never of their
// own contact), a handler's own reviews with acknowledge or dispute, and the report by week and
// handler (Contact's report readers). Opening a review shows a person's messages: audited as a
// view of the contact and of the person.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { ukZone } from '../platform/calendar.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { ContactLabelsService } from './agent-tools.ts'
import { contactReaders } from './mi-routes.ts'
import {
  answerNames,
  QA_COMMENT_MAX,
  QA_NAME_MAX,
  QA_QUESTION_MAX,
  QA_QUESTIONS_MAX,
  QA_RESPONSE_MAX,
  type QaService,
  qaReportWeeks,
  reasonNames,
  statusNames,
} from './qa.ts'
import { qaAnswers } from './qa-repository.ts'
import { outcomes } from './queue.ts'
import { acting, forceOf } from './single-view-routes.ts'
import type { TeamsService } from './teams.ts'
import { chosenTeam, teamQuery } from './teams-routes.ts'

/** Who scores contacts. */
export const qaReviewers: readonly StaffRole[] = ['contact_supervisor']
/** Who keeps the scorecard. */
export const qaEditors: readonly StaffRole[] = ['contact_supervisor', 'force_admin']

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const dayText = (d: Date | null) =>
  d ? DateTime.fromJSDate(d, { zone: ukZone }).toFormat('d LLL yyyy, HH:mm') : ''
const weekText = (iso: string) => DateTime.fromISO(iso, { zone: ukZone }).toFormat('d LLL yyyy')
const outcomeText = (code: string | null) => outcomes.find((o) => o.code === code)?.text ?? code ?? ''

export function registerQaRoutes(
  http: FastifyInstance,
  deps: { qa: QaService; labels: ContactLabelsService; audit: AuditService; teams: TeamsService },
): void {
  const product = 'contact' as const
  const reviewers = { staff: qaReviewers, product }
  const editors = { staff: qaEditors, product }
  const handlers = { staff: ['contact_handler'] as const, product }
  const readers = { staff: contactReaders, product }
  const isReviewer = (request: FastifyRequest) => qaReviewers.some((r) => request.staff?.roles.has(r))
  const common = { reasonNames, statusNames, answerNames, weekText, dayText, outcomeText }

  // The scorecard: sampling and questions.
  const renderScorecard = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: Record<string, string | undefined> } = {},
  ) => {
    const forceId = forceOf(request)
    const { card, questions } = await deps.qa.scorecard(forceId)
    return reply.render('contact/qa-scorecard.njk', {
      title: 'Quality scorecard',
      card,
      questions,
      labels: await deps.labels.list(forceId),
      limits: { name: QA_NAME_MAX, question: QA_QUESTION_MAX, questions: QA_QUESTIONS_MAX },
      totalWeight: questions.reduce((sum, q) => sum + q.weight, 0),
      errors: form.errors,
      values: form.values ?? {},
    })
  }

  http.get('/console/contact/qa/scorecard', { config: { access: editors } }, (request, reply) =>
    renderScorecard(request, reply),
  )

  http.post<{
    Body: { name?: string; samplePercent?: string; lowRatingMax?: string; complaintLabel?: string }
  }>(
    '/console/contact/qa/scorecard',
    {
      config: { access: editors },
      schema: {
        body: Type.Object({
          name: formText(QA_NAME_MAX * 2),
          samplePercent: formText(10),
          lowRatingMax: formText(10),
          complaintLabel: formText(60),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.qa.saveScorecard(forceOf(request), request.body, acting(request))
        return reply.redirect('/console/contact/qa/scorecard', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderScorecard(request, reply, { errors, values: request.body }),
        )
      }
    },
  )

  http.post<{ Body: { text?: string; weight?: string; failAll?: string } }>(
    '/console/contact/qa/scorecard/questions',
    {
      config: { access: editors },
      schema: {
        body: Type.Object({
          text: formText(QA_QUESTION_MAX * 2),
          weight: formText(10),
          failAll: formText(10),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.qa.addQuestion(forceOf(request), request.body, acting(request))
        return reply.redirect('/console/contact/qa/scorecard#questions', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderScorecard(request, reply, { errors, values: request.body }),
        )
      }
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/contact/qa/scorecard/questions/:id/remove',
    { config: { access: editors }, schema: { params: idParams, body: Type.Object(csrf) } },
    async (request, reply) => {
      await deps.qa.removeQuestion(forceOf(request), request.params.id, acting(request))
      return reply.redirect('/console/contact/qa/scorecard#questions', 303)
    },
  )

  // Reviewers: the contacts to score.
  // A team leader sees their own team's reviews first; `?team=` chooses another or all.
  http.get<{ Querystring: { team?: string } }>(
    '/console/contact/qa/reviews',
    { config: { access: reviewers }, schema: { querystring: Type.Object({ team: teamQuery }) } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const teams = await chosenTeam(deps.teams, forceId, request.query.team, acting(request), true)
      const { toScore, scored } = await deps.qa.reviews(forceId, teams.teamId)
      return reply.render('contact/qa-reviews.njk', {
        title: 'Quality reviews',
        toScore,
        scored,
        ...teams,
        ...common,
      })
    },
  )

  http.post(
    '/console/contact/qa/sample',
    { config: { access: reviewers }, schema: { body: Type.Object(csrf) } },
    async (request, reply) => {
      await deps.qa.sample(forceOf(request), acting(request))
      return reply.redirect('/console/contact/qa/reviews', 303)
    },
  )

  // One review: the reviewer's scoring page, or the handler's own scored review.
  const renderReview = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: Record<string, string | undefined> } = {},
  ) => {
    const forceId = forceOf(request)
    const me = acting(request)
    const page = await deps.qa.review(
      forceId,
      request.params.id,
      { staffId: me.staffId, reviewer: isReviewer(request) },
      async (tx, review, personId) => {
        await deps.audit.recordView(
          request,
          { forceId, recordType: 'contact', recordId: review.itemId, detail: { view: 'qa-review' } },
          tx,
        )
        if (personId)
          await deps.audit.recordView(
            request,
            { forceId, recordType: 'person', recordId: personId, detail: { view: 'qa-review' } },
            tx,
          )
      },
    )
    const own = page.review.handlerId === me.staffId
    return reply.render('contact/qa-review.njk', {
      title: `Quality review of a contact from ${page.personName ?? 'an unknown sender'}`,
      ...page,
      ...common,
      own,
      canScore: isReviewer(request) && !own && page.review.status === 'to-score',
      canRespond: own && page.review.status === 'scored',
      answerChoices: qaAnswers.map((a) => ({ value: a, text: answerNames[a] })),
      limits: { comment: QA_COMMENT_MAX, response: QA_RESPONSE_MAX },
      errors: form.errors,
      values: form.values ?? {},
    })
  }

  http.get<{ Params: { id: string } }>(
    '/console/contact/qa/reviews/:id',
    {
      config: { access: { staff: ['contact_handler', 'contact_supervisor'], product } },
      schema: { params: idParams },
    },
    (request, reply) => renderReview(request, reply),
  )

  http.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    '/console/contact/qa/reviews/:id/score',
    {
      config: { access: reviewers },
      schema: {
        params: idParams,
        body: Type.Object(
          { comment: formText(QA_COMMENT_MAX * 2), ...csrf },
          { additionalProperties: Type.String({ maxLength: 10 }), maxProperties: QA_QUESTIONS_MAX + 5 },
        ),
      },
    },
    async (request, reply) => {
      try {
        await deps.qa.score(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/qa/reviews/${request.params.id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderReview(request, reply, { errors, values: request.body }),
        )
      }
    },
  )

  http.post<{ Params: { id: string }; Body: { decision?: string; response?: string } }>(
    '/console/contact/qa/reviews/:id/respond',
    {
      config: { access: handlers },
      schema: {
        params: idParams,
        body: Type.Object({ decision: formText(20), response: formText(QA_RESPONSE_MAX * 2), ...csrf }),
      },
    },
    async (request, reply) => {
      try {
        await deps.qa.respond(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/qa/reviews/${request.params.id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderReview(request, reply, { errors, values: request.body }),
        )
      }
    },
  )

  // A handler's own reviews.
  http.get('/console/contact/qa/mine', { config: { access: handlers } }, async (request, reply) =>
    reply.render('contact/qa-mine.njk', {
      title: 'My quality reviews',
      reviews: await deps.qa.mine(forceOf(request), acting(request)),
      ...common,
    }),
  )

  // The report: per week, per handler and all handlers.
  http.get<{ Querystring: { weeks?: string; team?: string } }>(
    '/console/contact/qa/report',
    {
      config: { access: readers },
      schema: {
        querystring: Type.Object({ weeks: Type.Optional(Type.String({ maxLength: 3 })), team: teamQuery }),
      },
    },
    async (request, reply) => {
      const weeks = qaReportWeeks.find((w) => String(w) === request.query.weeks) ?? 4
      const forceId = forceOf(request)
      const teams = await chosenTeam(deps.teams, forceId, request.query.team, acting(request), true)
      const rows = await deps.qa.report(forceId, weeks, teams.teamId)
      return reply.render('contact/qa-report.njk', {
        title: 'Quality report',
        ...teams,
        weeks,
        weekItems: qaReportWeeks.map((w) => ({
          value: String(w),
          text: `${w} weeks`,
          selected: w === weeks,
        })),
        weekGroups: [...new Set(rows.map((r) => r.weekStarting))].map((week) => ({
          week,
          rows: rows.filter((r) => r.weekStarting === week),
        })),
        ...common,
      })
    },
  )
}
