// Liveness, readiness and Prometheus metrics (CP-166, CP-167, UJ-1).
import { timingSafeEqual } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import { problemResponses } from '../api/api-schemas.ts'
import { DomainError } from '../errors.ts'

export interface ReadinessCheck {
  name: string
  /** Resolves with details when healthy; throws when not. */
  check(): Promise<Record<string, unknown> | undefined>
}

export interface HealthOptions {
  /** When set, /metrics needs `Authorization: Bearer <token>` (scrapers outside the cluster). */
  metricsToken?: string
  /** A check that takes longer than this is failing: a hung peer must not hang readiness. */
  checkTimeoutMs?: number
  /**
   * Whether to count this server's requests into the registry (default yes). A worker's
   * operations port shares the process's registry, whose request metrics are its app's.
   */
  httpMetrics?: boolean
}

const CheckResult = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
    reason: Type.Optional(Type.String({ description: 'Why the check is failing' })),
  },
  { additionalProperties: true, description: 'One peer’s check, with any details it gives' },
)
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('failing')]),
  checks: Type.Record(Type.String(), CheckResult, { description: 'Each peer’s check, by name' }),
})
const readinessSchema = {
  summary: 'Readiness: the database and every peer answer',
  description: 'Each check has a time limit, so a peer that hangs fails readiness instead of hanging it.',
  operationId: 'ready',
  tags: ['Operations'],
  response: {
    200: { ...Readiness, description: 'Ready: every check passed' },
    503: { ...Readiness, description: 'Not ready: at least one check failed' },
  },
}

export function createMetricsRegistry(): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'waypoint_' })
  return registry
}

/**
 * `checks` is read at every request, so capabilities registered later (a provider, a source
 * system) add their peers by pushing onto the same list (`app.readiness`).
 */
export function registerHealthRoutes(
  http: FastifyInstance,
  checks: ReadinessCheck[],
  registry: Registry,
  options: HealthOptions = {},
): void {
  if (options.httpMetrics ?? true) recordHttpMetrics(http, registry)
  const timeoutMs = options.checkTimeoutMs ?? 5000

  http.get(
    '/health/live',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Liveness: the process is up',
        operationId: 'live',
        tags: ['Operations'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  http.get(
    '/health/ready',
    { config: { access: 'public' }, schema: readinessSchema },
    async (_request, reply) => {
      const outcomes = await Promise.all(
        checks.map(async (c) => {
          try {
            return [c.name, { ...(await withTimeout(c.check(), timeoutMs)), status: 'ok' }] as const
          } catch (error) {
            return [c.name, { status: 'failing', reason: (error as Error).message }] as const
          }
        }),
      )
      const ok = outcomes.every(([, result]) => result.status === 'ok')
      reply.code(ok ? 200 : 503).header('cache-control', 'no-store')
      return { status: ok ? 'ok' : 'failing', checks: Object.fromEntries(outcomes) }
    },
  )

  http.get(
    '/metrics',
    {
      config: { access: options.metricsToken ? { custom: 'bearer METRICS_TOKEN' } : 'public' },
      schema: {
        summary: 'Prometheus metrics',
        description: 'Request counts and durations by route and status, and the process’s own metrics.',
        operationId: 'metrics',
        tags: ['Operations'],
        security: options.metricsToken ? [{ metricsToken: [] }] : [],
        response: {
          200: {
            description: 'The Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...problemResponses([401], { 401: 'The metrics token is missing or wrong' }),
        },
      },
    },
    async (request, reply) => {
      if (options.metricsToken && !isBearer(request.headers.authorization, options.metricsToken)) {
        reply.header('www-authenticate', 'Bearer realm="waypoint-metrics"')
        throw new DomainError('unauthenticated', 'A metrics token is needed', { status: 401 })
      }
      reply.type(registry.contentType)
      return registry.metrics()
    },
  )
}

// CP-166: request count and duration by route template (not raw URL, so ids do not explode the
// label set) and status.
function recordHttpMetrics(http: FastifyInstance, registry: Registry): void {
  const requests = new Counter({
    name: 'waypoint_http_requests_total',
    help: 'HTTP requests answered, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'waypoint_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  http.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    }
    requests.inc(labels)
    duration.observe(labels, reply.elapsedTime / 1000)
  })
}

function isBearer(header: string | undefined, expected: string): boolean {
  if (!header?.toLowerCase().startsWith('bearer ')) return false
  const given = Buffer.from(header.slice(7).trim())
  const wanted = Buffer.from(expected)
  return given.length === wanted.length && timingSafeEqual(given, wanted)
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
