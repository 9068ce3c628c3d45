// The force's Portal webhooks in the console (CP-163): its subscriptions and recent deliveries,
// dead letters first, each replayable by a force administrator, audited.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { auditContext } from '../../platform/http/server.ts'
import { staffOf } from '../../platform/http/request.ts'
import { ForbiddenError } from '../../platform/errors.ts'
import type { WebhookService } from './webhook-service.ts'

const admins = { staff: ['force_admin'] as const, product: 'portal' as const }

export function registerWebhookConsoleRoutes(
  http: FastifyInstance,
  deps: { webhooks: WebhookService },
): void {
  const forceOf = (staffForce: string | null) => {
    if (!staffForce) throw new ForbiddenError('You are not an administrator of a force')
    return staffForce
  }

  http.get(
    '/console/portal/webhooks',
    {
      config: { access: admins },
      schema: { querystring: Type.Object({ replayed: Type.Optional(Type.String({ format: 'uuid' })) }) },
    },
    async (request, reply) => {
      const forceId = forceOf(staffOf(request).forceId)
      const [webhooks, dead, recent] = await Promise.all([
        deps.webhooks.list(forceId),
        deps.webhooks.deliveries(forceId, { status: 'dead', limit: 50 }),
        deps.webhooks.deliveries(forceId, { limit: 50 }),
      ])
      return reply.render('portal/webhooks.njk', {
        webhooks,
        dead,
        recent: recent.filter((d) => d.status !== 'dead'),
        replayed: (request.query as { replayed?: string }).replayed,
      })
    },
  )

  http.post(
    '/console/portal/webhooks/deliveries/:id/replay',
    {
      config: { access: admins },
      schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) },
    },
    async (request, reply) => {
      const staff = staffOf(request)
      const { id } = request.params as { id: string }
      const audited = auditContext(request)
      await deps.webhooks.replay(forceOf(staff.forceId), id, {
        actor: { kind: 'staff', id: staff.id, name: staff.displayName },
        ip: audited.ip,
        correlationId: audited.correlationId,
      })
      return reply.redirect(`/console/portal/webhooks?replayed=${id}`, 303)
    },
  )
}
