// Console pages for review, retention and deletion under the PIRM Code (UJ-3, CP-4, CRM-4).
// Force admins edit rules, decide reviews and place or release legal holds; auditors read the
// holds and the report. Everything is the signed-in person's own force; another force's review
// or hold is "not found".
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { csvStream } from '../platform/audit/csv-export.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { auditContext } from '../platform/http/server.ts'
import type { RetentionAdministration } from './administration.ts'
import type { RetentionService } from './service.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'

const EDIT: readonly StaffRole[] = ['force_admin']
const READ: readonly StaffRole[] = ['force_admin', 'auditor']
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: UUID } },
  required: ['id'],
} as const

type Form = Record<string, string | undefined>

export function registerRetentionRoutes(
  http: FastifyInstance,
  services: { retention: RetentionService; administration: RetentionAdministration },
): void {
  const { retention, administration } = services

  /** Re-renders the form with a GOV.UK error summary when the input does not validate. */
  const withErrors = async (
    reply: FastifyReply,
    action: () => Promise<unknown>,
    page: () => Promise<[string, object]>,
  ) => {
    try {
      await action()
      return undefined
    } catch (error) {
      return refusedForm(reply, error, async (errors) => {
        const [template, context] = await page()
        return reply.render(template, { ...context, errors })
      })
    }
  }

  http.get('/console/retention/rules', { config: { access: { staff: EDIT } } }, async (request, reply) =>
    reply.render('retention/rules.njk', {
      rules: await administration.rules(forceOf(request)),
      saved: (request.query as { saved?: string }).saved === '1',
    }),
  )

  http.get<{ Params: { id: string } }>(
    '/console/retention/rules/:id',
    { config: { access: { staff: EDIT } }, schema: { params: idParams } },
    async (request, reply) => {
      const rule = await administration.rule(forceOf(request), request.params.id)
      return reply.render('retention/rule.njk', { rule, values: rule })
    },
  )

  http.post<{ Params: { id: string }; Body: Form }>(
    '/console/retention/rules/:id',
    { config: { access: { staff: EDIT } }, schema: { params: idParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const body = request.body ?? {}
      const failed = await withErrors(
        reply,
        () => administration.updateRule(forceId, request.params.id, body, auditContext(request)),
        async () => [
          'retention/rule.njk',
          { rule: await administration.rule(forceId, request.params.id), values: body },
        ],
      )
      return failed ?? reply.redirect('/console/retention/rules?saved=1', 303)
    },
  )

  http.get('/console/retention/review', { config: { access: { staff: EDIT } } }, async (request, reply) =>
    reply.render('retention/review.njk', {
      reviews: await retention.pendingReviews(forceOf(request)),
      done: (request.query as { done?: string }).done,
    }),
  )

  http.get<{ Params: { id: string } }>(
    '/console/retention/review/:id',
    { config: { access: { staff: EDIT } }, schema: { params: idParams } },
    async (request, reply) =>
      reply.render('retention/decide.njk', {
        review: await retention.review(forceOf(request), request.params.id),
        values: {},
      }),
  )

  http.post<{ Params: { id: string }; Body: Form }>(
    '/console/retention/review/:id/keep',
    { config: { access: { staff: EDIT } }, schema: { params: idParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const body = request.body ?? {}
      const failed = await withErrors(
        reply,
        () => retention.keep(forceId, request.params.id, body, auditContext(request)),
        async () => [
          'retention/decide.njk',
          { review: await retention.review(forceId, request.params.id), values: body },
        ],
      )
      return failed ?? reply.redirect('/console/retention/review?done=kept', 303)
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/retention/review/:id/delete',
    { config: { access: { staff: EDIT } }, schema: { params: idParams } },
    async (request, reply) => {
      await retention.confirmDeletion(forceOf(request), request.params.id, auditContext(request))
      return reply.redirect('/console/retention/review?done=deleted', 303)
    },
  )

  http.get('/console/retention/holds', { config: { access: { staff: READ } } }, async (request, reply) =>
    reply.render('retention/holds.njk', await holdsPage(request, {})),
  )

  const holdsPage = async (request: FastifyRequest, values: Form) => ({
    holds: await administration.holds(forceOf(request)),
    canEdit: staffOf(request).roles.has('force_admin'),
    values,
    done: (request.query as { done?: string }).done,
  })

  http.post<{ Body: Form }>(
    '/console/retention/holds',
    { config: { access: { staff: EDIT } } },
    async (request, reply) => {
      const body = request.body ?? {}
      const failed = await withErrors(
        reply,
        () => administration.placeHold(forceOf(request), body, auditContext(request)),
        async () => ['retention/holds.njk', await holdsPage(request, body)],
      )
      return failed ?? reply.redirect('/console/retention/holds?done=placed', 303)
    },
  )

  http.post<{ Params: { id: string }; Body: Form }>(
    '/console/retention/holds/:id/release',
    { config: { access: { staff: EDIT } }, schema: { params: idParams } },
    async (request, reply) => {
      const body = request.body ?? {}
      const failed = await withErrors(
        reply,
        () => administration.releaseHold(forceOf(request), request.params.id, body, auditContext(request)),
        async () => ['retention/holds.njk', await holdsPage(request, {})],
      )
      return failed ?? reply.redirect('/console/retention/holds?done=released', 303)
    },
  )

  http.get<{ Querystring: Form }>(
    '/console/retention/report',
    { config: { access: { staff: READ } } },
    async (request, reply) => {
      const query = request.query ?? {}
      try {
        const report = await administration.report(forceOf(request), query)
        return reply.render('retention/report.njk', { report, values: query })
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          reply.render('retention/report.njk', { values: query, errors }),
        )
      }
    },
  )

  http.get<{ Querystring: Form }>(
    '/console/retention/report.csv',
    { config: { access: { staff: READ } } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const report = await administration.report(forceId, request.query ?? {})
      await administration.recordExport(forceId, report, auditContext(request))
      reply.header('content-type', 'text/csv; charset=utf-8')
      reply.header('content-disposition', 'attachment; filename="retention-report.csv"')
      return reply.send(
        csvStream(
          ['When', 'Outcome', 'Record type', 'Record id', 'Rule', 'Rule description', 'Rows deleted'],
          report.tombstones,
          (t) => [
            t.at,
            t.outcome,
            t.recordType,
            t.recordId,
            t.ruleLabel,
            t.ruleDescription,
            JSON.stringify(t.counts),
          ],
        ),
      )
    },
  )
}

const forceOf = staffForce('Retention is managed by the staff of each force')
