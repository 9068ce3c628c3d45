// The staff console's landing pages.
import type { FastifyInstance } from 'fastify'
import type { PlatformServices } from '../services.ts'
import { roleNames } from '../auth/roles.ts'

export function registerConsoleRoutes(
  http: FastifyInstance,
  services: Pick<PlatformServices, 'forces'>,
): void {
  http.get('/', { config: { access: 'public' } }, async (request, reply) =>
    reply.redirect(request.staff ? '/console' : '/sign-in'),
  )

  http.get('/console', { config: { access: { staff: 'any' } } }, async (request, reply) => {
    const staff = request.staff!
    const force = staff.forceId ? await services.forces.get(staff.forceId) : undefined
    return reply.render('console/dashboard.njk', {
      force,
      roles: [...staff.roles].map((r) => roleNames[r]),
    })
  })
}
