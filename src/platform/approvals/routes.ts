// Console pages for second-person approval (issue 13 §7): the force's changes waiting for
// approval and those decided, one change with its differences field by field and the forms to
// approve or reject it, and the force administrator's setting.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { formText, MAX_LENGTH } from '../http/limits.ts'
import { refusedForm, staffOf } from '../http/request.ts'
import type { ApprovalService } from './approval-service.ts'

const statusWords = { pending: 'Waiting', approved: 'Approved', rejected: 'Rejected', withdrawn: 'Replaced' }

export function registerApprovalRoutes(http: FastifyInstance, approvals: ApprovalService): void {
  const readers = { config: { access: { staff: approvals.approverRoles } } }
  const admins = { config: { access: { staff: ['force_admin'] as const } } }
  const ip = (request: FastifyRequest) => request.ip

  http.get<{ Querystring: { done?: string } }>('/console/approvals', readers, async (request, reply) => {
    const staff = staffOf(request)
    const changes = await approvals.list(staff)
    return reply.render('approvals/list.njk', {
      pending: changes.filter((c) => c.status === 'pending'),
      decided: changes.filter((c) => c.status !== 'pending'),
      statusWords,
      required: staff.forceId ? await approvals.required(staff.forceId) : false,
      isForceAdmin: staff.roles.has('force_admin'),
      userId: staff.id,
    })
  })

  http.get<{ Querystring: { saved?: string } }>(
    '/console/approvals/settings',
    admins,
    async (request, reply) => {
      const staff = staffOf(request)
      return reply.render('approvals/settings.njk', {
        required: staff.forceId ? await approvals.required(staff.forceId) : false,
        saved: request.query.saved === 'yes',
      })
    },
  )

  http.post<{ Body: { required?: string } }>(
    '/console/approvals/settings',
    { ...admins, schema: { body: Type.Object({ required: formText(MAX_LENGTH.name) }) } },
    async (request, reply) => {
      const choice = request.body?.required
      if (choice !== 'yes' && choice !== 'no') {
        reply.code(400)
        return reply.render('approvals/settings.njk', {
          required: undefined,
          errors: [{ field: 'required', message: 'Select whether changes need a second person’s approval' }],
        })
      }
      await approvals.setRequired(staffOf(request), choice === 'yes', ip(request))
      return reply.redirect('/console/approvals/settings?saved=yes', 303)
    },
  )

  http.get<{ Params: { id: string }; Querystring: { done?: string } }>(
    '/console/approvals/:id',
    readers,
    async (request, reply) => {
      const change = await approvals.get(staffOf(request), request.params.id)
      return reply.render('approvals/change.njk', {
        change,
        statusWords,
        isAuthor: change.requestedBy === staffOf(request).id,
        done: request.query.done,
      })
    },
  )

  http.post<{ Params: { id: string } }>('/console/approvals/:id/approve', readers, async (request, reply) => {
    await approvals.approve(staffOf(request), request.params.id, ip(request))
    return reply.redirect(`/console/approvals/${request.params.id}?done=approved`, 303)
  })

  http.post<{ Params: { id: string }; Body: { reason?: string } }>(
    '/console/approvals/:id/reject',
    { ...readers, schema: { body: Type.Object({ reason: formText(MAX_LENGTH.shortText) }) } },
    async (request, reply) => {
      const staff = staffOf(request)
      try {
        await approvals.reject(staff, request.params.id, request.body?.reason ?? '', ip(request))
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          reply.render('approvals/change.njk', {
            change: await approvals.get(staff, request.params.id),
            statusWords,
            isAuthor: false,
            errors,
            values: { reason: request.body?.reason ?? '' },
          }),
        )
      }
      return reply.redirect(`/console/approvals/${request.params.id}?done=rejected`, 303)
    },
  )
}
