// The staff console's landing pages: each person's home page shows what needs attention in
// their force, as far as their roles may open it (dashboard.ts, tiles from the modules).
import type { FastifyInstance } from 'fastify'
import { roleNames } from '../auth/roles.ts'
import { staffOf } from '../http/request.ts'
import type { PlatformServices } from '../services.ts'
import { type AttentionTile, dashboardFor } from './dashboard.ts'

export function registerConsoleRoutes(
  http: FastifyInstance,
  services: Pick<PlatformServices, 'forces'>,
  attention: () => readonly AttentionTile[] = () => [],
): void {
  http.get('/console', { config: { access: { staff: 'any' } } }, async (request, reply) => {
    const staff = staffOf(request)
    const force = staff.forceId ? await services.forces.get(staff.forceId) : undefined
    return reply.render('console/dashboard.njk', {
      force,
      tiles: await dashboardFor(staff, attention(), (forceId, product) =>
        services.forces.hasProduct(forceId, product),
      ),
      roles: [...staff.roles].map((r) => roleNames[r]),
    })
  })
}
