// Liveness, readiness and Prometheus metrics (CP-166, CP-167, UJ-1).
import type { FastifyInstance } from 'fastify'
import { collectDefaultMetrics, Registry } from 'prom-client'

export interface ReadinessCheck {
  name: string
  /** Resolves with details when healthy; throws when not. */
  check(): Promise<Record<string, unknown> | undefined>
}

export function createMetricsRegistry(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'waypoint_' })
  return registry
}

export function registerHealthRoutes(
  http: FastifyInstance,
  checks: ReadinessCheck[],
  registry: Registry,
): void {
  http.get('/health/live', { config: { access: 'public' } }, async () => ({ status: 'ok' }))

  http.get('/health/ready', { config: { access: 'public' } }, async (_request, reply) => {
    const results: Record<string, unknown> = {}
    let ok = true
    for (const c of checks) {
      try {
        results[c.name] = { status: 'ok', ...(await c.check()) }
      } catch (error) {
        ok = false
        results[c.name] = { status: 'failing', reason: (error as Error).message }
      }
    }
    reply.code(ok ? 200 : 503)
    return { status: ok ? 'ok' : 'failing', checks: results }
  })

  http.get('/metrics', { config: { access: 'public' } }, async (_request, reply) => {
    reply.type(registry.contentType)
    return registry.metrics()
  })
}
