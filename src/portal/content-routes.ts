// The Portal's force pages and their console (decision 0035). Citizen pages, public and in the
// force's branding at /f/{force}/…: Victims' Code rights and support (CP-122), how to complain
// (CP-132), help with referral to the force (CP-143, CP-144), the force's Single Online Home
// (CP-22, CP-73, CP-75) and the feedback survey (CP-127). Console pages for the force's own
// administrator: the words of those pages (CP-186) and the Portal's usage and satisfaction by
// week, on the page and as CSV (CP-145, CP-146). HTTP only: the service holds the rules.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import type { StaffRole } from '../platform/auth/roles.ts'
import { csvStream } from '../platform/audit/csv-export.ts'
import type { Clock } from '../platform/clock.ts'
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import type { Force } from '../platform/tenancy/force-repository.ts'
import { type ContentKey, CONTENT_MAX_LENGTH, sohLinkFields } from './content.ts'
import { FEEDBACK_COMMENT_MAX, type PortalContentService, ratingWords } from './content-service.ts'

/** Who edits the Portal's words (CP-186), and who reads its usage (CP-145, CP-146). */
export const contentEditors: readonly StaffRole[] = ['force_admin']
export const usageReaders: readonly StaffRole[] = ['force_admin']

const product = 'portal' as const
const forceOf = staffForce('The Portal’s pages belong to a force: sign in with a force account')

/** The citizen pages and the text each shows. */
export const citizenContentPages: { path: string; key: ContentKey }[] = [
  { path: 'your-rights', key: 'rights' },
  { path: 'complaints', key: 'complaints' },
  { path: 'help', key: 'help' },
  { path: 'online-services', key: 'links' },
]

export function registerPortalContentRoutes(
  http: FastifyInstance,
  deps: {
    content: PortalContentService
    /** The force in its branding, when it runs the Portal. */
    portalForce: (forceId: string) => Promise<Force | undefined>
    /** The page's language (decision 0057): chosen, or the signed-in person's on record. */
    pageLanguage: (request: FastifyRequest) => Promise<'en' | 'cy'>
    clock: Clock
  },
): void {
  const { content } = deps
  const forceParams = Type.Object({ forceId: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }) })
  const pageOptions = { config: { access: 'public' as const }, schema: { params: forceParams } }
  const brand = async (request: FastifyRequest<{ Params: { forceId: string } }>) => {
    const brandForce = await deps.portalForce(request.params.forceId)
    return { brandForce, linkPrefix: `/f/${request.params.forceId}`, linkSuffix: '' }
  }

  for (const { path, key } of citizenContentPages) {
    http.get<{ Params: { forceId: string } }>(`/f/:forceId/${path}`, pageOptions, async (request, reply) => {
      // A page in Welsh shows the force's Welsh words when it has them (decisions 0046, 0057).
      const language = await deps.pageLanguage(request)
      const page = await content.citizenPage(request.params.forceId, key, language)
      return reply.render('portal/content-page.njk', {
        ...(await brand(request)),
        title: page.title,
        page,
        sohLinkFields,
      })
    })
  }

  // CP-127: the GOV.UK satisfaction survey, for anyone who used the force's Portal.
  const feedbackPage = async (
    request: FastifyRequest<{ Params: { forceId: string } }>,
    reply: FastifyReply,
    extra: object,
  ) => {
    const page = await content.citizenPage(request.params.forceId, 'help')
    return reply.render('portal/feedback.njk', {
      ...(await brand(request)),
      title: 'Give feedback on this service',
      force: page.force,
      ratingWords,
      commentMax: FEEDBACK_COMMENT_MAX,
      ...extra,
    })
  }
  http.get<{ Params: { forceId: string }; Querystring: { sent?: string } }>(
    '/f/:forceId/feedback',
    { ...pageOptions, schema: { params: forceParams, querystring: Type.Object({ sent: formText(3) }) } },
    async (request, reply) => feedbackPage(request, reply, { sent: request.query.sent === 'yes' }),
  )
  http.post<{
    Params: { forceId: string }
    Body: { rating?: string; foundWhatNeeded?: string; comment?: string }
  }>(
    '/f/:forceId/feedback',
    {
      ...pageOptions,
      schema: {
        params: forceParams,
        body: Type.Object({
          rating: formText(2),
          foundWhatNeeded: formText(10),
          // The service names a comment that is too long; this only bounds what is read.
          comment: formText(MAX_LENGTH.longText),
          _csrf: formText(200),
        }),
      },
    },
    async (request, reply) => {
      try {
        await content.giveFeedback(request.params.forceId, request.body)
        return reply.redirect(`/f/${request.params.forceId}/feedback?sent=yes`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          feedbackPage(request, reply, { errors, values: request.body }),
        )
      }
    },
  )

  // CP-186: the force administrator's pages for the Portal's words.
  const editors = { config: { access: { staff: contentEditors, product } } }
  const actor = (request: FastifyRequest) => {
    const staff = staffOf(request)
    return { id: staff.id, name: staff.displayName, ip: request.ip }
  }
  http.get<{ Querystring: { done?: string } }>(
    '/console/portal/content',
    { ...editors, schema: { querystring: Type.Object({ done: formText(20) }) } },
    async (request, reply) => {
      const forceId = forceOf(request)
      return reply.render('portal/content-list.njk', {
        title: 'Portal pages',
        forceId,
        pages: await content.overview(forceId),
        paths: Object.fromEntries(citizenContentPages.map((p) => [p.key, p.path])),
        done: request.query.done,
      })
    },
  )
  const keyParams = Type.Object({ key: Type.String({ maxLength: 20 }) })
  const editorPage = async (
    request: FastifyRequest<{ Params: { key: string } }>,
    reply: FastifyReply,
    extra = {},
  ) => {
    const forceId = forceOf(request)
    const editor = await content.editor(forceId, request.params.key)
    return reply.render('portal/content-edit.njk', {
      title: `Edit: ${editor.title}`,
      forceId,
      editor,
      sohLinkFields,
      path: citizenContentPages.find((p) => p.key === editor.key)!.path,
      values: { body: editor.body, bodyCy: editor.welsh?.body ?? '', ...editor.links },
      maxLength: CONTENT_MAX_LENGTH,
      ...extra,
    })
  }
  http.get<{ Params: { key: string } }>(
    '/console/portal/content/:key',
    { ...editors, schema: { params: keyParams } },
    (request, reply) => editorPage(request, reply),
  )
  const done = (key: string, outcome: { kind: string }) =>
    `/console/portal/content?done=${outcome.kind === 'published' ? 'published' : outcome.kind === 'requested' ? 'requested' : 'unchanged'}#${key}`
  http.post<{ Params: { key: string }; Body: Record<string, string | undefined> }>(
    '/console/portal/content/:key',
    {
      ...editors,
      schema: {
        params: keyParams,
        body: Type.Object({
          body: formText(CONTENT_MAX_LENGTH + 1000),
          bodyCy: formText(CONTENT_MAX_LENGTH + 1000),
          language: formText(2),
          ...Object.fromEntries(sohLinkFields.map((f) => [f.name, formText(MAX_LENGTH.shortText)])),
          _csrf: formText(200),
        }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const { body, bodyCy, language: asked, _csrf, ...links } = request.body
      // The Welsh words are published from their own form beside the English (decision 0046).
      const language = asked === 'cy' ? 'cy' : 'en'
      try {
        const outcome = await content.publish(
          forceId,
          request.params.key,
          language === 'cy' ? { body: bodyCy, language } : { body, links, language },
          actor(request),
        )
        return reply.redirect(done(request.params.key, outcome), 303)
      } catch (error) {
        return refusedForm(reply, error, async (errors) => {
          const editor = await content.editor(forceId, request.params.key)
          const kept =
            language === 'cy'
              ? { body: editor.body, ...editor.links, bodyCy }
              : { ...request.body, bodyCy: editor.welsh?.body ?? '' }
          return editorPage(request, reply, { errors, values: kept })
        })
      }
    },
  )
  http.post<{ Params: { key: string; version: string }; Body: { language?: string } }>(
    '/console/portal/content/:key/versions/:version/publish',
    {
      ...editors,
      schema: {
        params: Type.Object({
          key: Type.String({ maxLength: 20 }),
          version: Type.String({ pattern: '^\\d{1,6}$' }),
        }),
        body: Type.Optional(Type.Object({ language: formText(2), _csrf: formText(200) })),
      },
    },
    async (request, reply) => {
      const outcome = await content.republish(
        forceOf(request),
        request.params.key,
        Number(request.params.version),
        actor(request),
        request.body?.language === 'cy' ? 'cy' : 'en',
      )
      return reply.redirect(done(request.params.key, outcome), 303)
    },
  )

  // CP-145, CP-146: usage and satisfaction by week, on the page and as CSV.
  http.get<{ Querystring: { weeks?: string; format?: string } }>(
    '/console/portal/usage',
    {
      config: { access: { staff: usageReaders, product } },
      schema: {
        querystring: Type.Object({
          weeks: Type.Optional(Type.String({ pattern: '^\\d{1,2}$' })),
          format: Type.Optional(Type.Literal('csv')),
        }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const weeks = Math.min(Math.max(Number(request.query.weeks ?? 12), 1), 52)
      const thisWeek = DateTime.fromJSDate(deps.clock.now(), { zone: 'Europe/London' }).startOf('week')
      const from = thisWeek.minus({ weeks: weeks - 1 }).toJSDate()
      const to = thisWeek.plus({ weeks: 1 }).toJSDate()
      const report = await content.usageReport(forceId, from, to)
      if (request.query.format === 'csv') {
        const body = csvStream(
          [
            'Week beginning',
            'Invitations sent',
            'Invitations accepted',
            'Accounts linked',
            'People who opened their cases',
            'Messages from people',
            'Replies to people',
            'Feedback given',
            'Average rating (1-5)',
            'Satisfied or very satisfied',
          ],
          report.weeks,
          (w) => [
            w.week,
            String(w.invitationsSent),
            String(w.invitationsAccepted),
            String(w.accountsLinked),
            String(w.visitors),
            String(w.messagesFromPeople),
            String(w.repliesToPeople),
            String(w.feedback),
            w.averageRating === null ? '' : String(w.averageRating),
            String(w.satisfied),
          ],
        )
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="waypoint-${forceId}-portal-usage.csv"`)
          .send(body)
      }
      return reply.render('portal/usage.njk', {
        title: 'Portal usage and satisfaction',
        report,
        weeks,
        ratingWords,
      })
    },
  )
}
