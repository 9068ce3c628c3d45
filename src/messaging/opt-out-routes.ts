// Removing an opt-out, from the person page or the opt-outs list: a confirmation page that asks
// why, then the removal, audited. The person page's opt-out panel (status and history) is given
// to the case routes by `personOptOutsPanel`.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { formText } from '../platform/http/limits.ts'
import { type OptOutHistory, REMOVAL_REASON_MAX } from './opt-out-history.ts'
import { refusedForm, staffForce } from '../platform/http/request.ts'

/** Who may remove an opt-out: those who record one when a person asks (the same people). */
export const optOutRemovers: readonly StaffRole[] = [
  'force_admin',
  'contact_handler',
  'contact_supervisor',
  'investigating_officer',
  'supervisor',
]

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** For the person page: the person's contact details' opt-out status and history. */
export function personOptOutsPanel(history: OptOutHistory) {
  return async (
    request: FastifyRequest,
    forceId: string,
    personId: string,
    contactPoints: { kind: string; value: string }[],
  ) => {
    const { statuses, history: entries } = await history.ofContactPoints(forceId, contactPoints)
    return {
      optOutStatuses: statuses,
      optOutHistory: entries,
      canRemoveOptOut: optOutRemovers.some((role) => request.staff?.roles.has(role)),
      optOutRemoved: (request.query as { optOut?: string }).optOut === 'removed',
      personId,
    }
  }
}

export function registerOptOutRemovalRoutes(http: FastifyInstance, deps: { history: OptOutHistory }): void {
  const access = { staff: optOutRemovers }
  const params = {
    type: 'object',
    properties: { id: { type: 'string', format: 'uuid' } },
    required: ['id'],
  } as const

  http.get<{ Params: { id: string }; Querystring: { person?: string } }>(
    '/console/opt-outs/:id/remove',
    { config: { access }, schema: { params } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const optOut = await deps.history.get(forceId, request.params.id)
      return reply.render('messaging/opt-out-remove.njk', {
        title: 'Remove this opt-out',
        optOut,
        person: personOf(request.query.person),
        values: {},
        reasonMax: REMOVAL_REASON_MAX,
      })
    },
  )

  http.post<{ Params: { id: string }; Body: { reason?: string; person?: string } }>(
    '/console/opt-outs/:id/remove',
    {
      config: { access },
      schema: {
        params,
        body: Type.Object({ reason: formText(REMOVAL_REASON_MAX), person: formText(36) }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const person = personOf(request.body?.person)
      try {
        await deps.history.remove(forceId, request.params.id, {
          reason: request.body?.reason ?? '',
          ...whoAndWhere(request),
        })
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          reply.render('messaging/opt-out-remove.njk', {
            title: 'Remove this opt-out',
            optOut: await deps.history.get(forceId, request.params.id),
            person,
            values: { reason: request.body?.reason ?? '' },
            reasonMax: REMOVAL_REASON_MAX,
            errors,
          }),
        )
      }
      return reply.redirect(
        person ? `/console/people/${person}?optOut=removed#opt-outs` : '/console/opt-outs?removed=1',
        303,
      )
    },
  )
}

/** The person page to return to: only a person id, never a URL. */
function personOf(value: string | undefined): string | null {
  return value && uuid.test(value) ? value : null
}

const forceOf = staffForce('Choose a force first: opt-outs belong to a force')
