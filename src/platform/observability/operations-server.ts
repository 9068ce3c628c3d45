// A worker serves no pages, but the load balancer, systemd and Prometheus still need to ask it
// whether it lives, whether it is ready and what it has done. With OPERATIONS_PORT set, a worker
// listens there for /health/live, /health/ready and /metrics only (the same routes, checks and
// registry as a web process, the metrics behind METRICS_TOKEN when one is set); nothing else is
// routed, so no page or API is reachable through it.
import Fastify, { type FastifyInstance } from 'fastify'
import type { Registry } from 'prom-client'
import { Problem } from '../api/api-schemas.ts'
import { DomainError } from '../errors.ts'
import { type ReadinessCheck, registerHealthRoutes } from './health-routes.ts'

export async function startOperationsServer(options: {
  host: string
  port: number
  readiness: ReadinessCheck[]
  metrics: Registry
  metricsToken: string | undefined
}): Promise<FastifyInstance> {
  const server = Fastify({ logger: false })
  // The problem+json schema the routes' refusals name.
  server.addSchema(Problem)
  // Refusals as problem details (RFC 9457), like the web process's.
  const problem = (status: number, title: string, correlationId: string) => ({
    type: 'about:blank',
    title,
    status,
    correlationId,
  })
  server.setErrorHandler((error, request, reply) => {
    const status = error instanceof DomainError ? error.status : 500
    const title = error instanceof DomainError ? error.message : 'Internal error'
    reply
      .code(status)
      .type('application/problem+json')
      .send(problem(status, title, request.id))
  })
  server.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .type('application/problem+json')
      .send(problem(404, 'Not found', request.id))
  })
  registerHealthRoutes(server, options.readiness, options.metrics, {
    metricsToken: options.metricsToken,
    httpMetrics: false,
  })
  await server.listen({ host: options.host, port: options.port })
  return server
}
