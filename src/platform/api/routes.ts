// HTTP routes of the integration API platform: tokens, OpenAPI, HR provisioning, client console.
import type { FastifyInstance } from 'fastify'
import { registerDocsRoutes } from './docs-routes.ts'
import { registerProvisioningRoutes } from './provisioning-routes.ts'
import type { ProvisioningService } from './provisioning-service.ts'
import { type ApiClientConsoleDependencies, registerApiClientConsoleRoutes } from './console-routes.ts'
import { registerTokenRoutes } from './token-routes.ts'

export function registerApiRoutes(
  http: FastifyInstance,
  services: ApiClientConsoleDependencies & { provisioning: ProvisioningService },
): void {
  registerApiClientConsoleRoutes(http, services)
  registerTokenRoutes(http, services.apiClients)
  registerProvisioningRoutes(http, services.provisioning)
  registerDocsRoutes(http)
}
