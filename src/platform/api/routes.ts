// HTTP routes of the integration API platform: tokens, the OpenAPI description and HR provisioning.
import type { FastifyInstance } from 'fastify'
import { registerDocsRoutes } from './docs-routes.ts'
import { registerProvisioningRoutes } from './provisioning-routes.ts'
import type { ProvisioningService } from './provisioning-service.ts'
import type { ApiClientService } from './client-service.ts'
import { registerTokenRoutes } from './token-routes.ts'

export function registerApiRoutes(
  http: FastifyInstance,
  services: { apiClients: ApiClientService; provisioning: ProvisioningService },
): void {
  registerTokenRoutes(http, services.apiClients)
  registerProvisioningRoutes(http, services.provisioning)
  registerDocsRoutes(http)
}
