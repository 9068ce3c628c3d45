// HTTP routes of the integration API platform: the token endpoint and the OpenAPI description.
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../app.ts'
import { registerTokenRoutes } from './token-routes.ts'

export function registerApiRoutes(http: FastifyInstance, services: Pick<Services, 'apiClients'>): void {
  registerTokenRoutes(http, services.apiClients)
}
