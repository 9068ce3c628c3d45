// The integration API's shared behaviour for every route under /api/: bearer tokens become
// `request.client` (CP-172), formats by Content-Type and Accept (CP-170, CP-173, CP-183), the
// API version on every response (CP-177), per-client rate limits (CP-182, CP-184), and the
// OpenAPI 3.1 description generated from route schemas (CP-171). Register it before any /api route.
import fastifyRateLimit from '@fastify/rate-limit'
import fastifySwagger from '@fastify/swagger'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Access } from '../auth/roles.ts'
import type { Config } from '../config.ts'
import { DomainError, NotFoundError } from '../errors.ts'
import { Problem } from './api-schemas.ts'
import type { ApiClientService } from './client-service.ts'
import type { Clock } from '../clock.ts'
import { registerIdempotency } from './idempotency.ts'
import type { IdempotencyRepository } from './idempotency-repository.ts'
import {
  type ApiFormat,
  contentTypeFor,
  negotiateFormat,
  parseXmlBody,
  parseYamlBody,
  toXml,
  toYaml,
  xmlMediaTypes,
  yamlMediaTypes,
} from './formats.ts'
import { apiScopes } from './scopes.ts'
import { compareVersions } from './version.ts'

export const API_VERSION_HEADER = 'Waypoint-API-Version'
export const TOKEN_PATH = '/api/v1/oauth/token'

declare module 'fastify' {
  interface FastifyRequest {
    apiFormat: ApiFormat | undefined
  }
  interface FastifyContextConfig {
    /** The route answers in one format whatever the Accept header (the OpenAPI documents). */
    fixedFormat?: boolean
    /** The API version that introduced the route: a client pinned to an older one is answered 404. */
    since?: string
  }
}

export interface ApiPlatformDependencies {
  config: Config
  clients: ApiClientService
  /** Semantic version of the API (package.json), CP-177. */
  version: string
  /** Answers kept for repeated POSTs with the same Idempotency-Key. */
  idempotency: IdempotencyRepository
  clock: Clock
}

export async function registerApiPlatform(
  http: FastifyInstance,
  deps: ApiPlatformDependencies,
): Promise<void> {
  http.decorateRequest('apiFormat', undefined)

  http.addContentTypeParser(xmlMediaTypes, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseXmlBody(body as string))
    } catch (error) {
      done(badBody('XML', error), undefined)
    }
  })
  http.addContentTypeParser(yamlMediaTypes, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseYamlBody(body as string))
    } catch (error) {
      done(badBody('YAML', error), undefined)
    }
  })

  http.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return
    reply.header(API_VERSION_HEADER, deps.version)
    if (!isVersionedApi(request)) return
    request.apiFormat = negotiateFormat(request.headers.accept)
    if (!request.apiFormat) {
      throw new DomainError(
        'not-acceptable',
        'The API answers in application/json, application/xml or application/yaml',
        { status: 406 },
      )
    }
  })

  // A bearer token becomes the client principal before access is checked (RFC 6750).
  http.addHook('preValidation', async (request, reply) => {
    const header = request.headers.authorization
    if (!header || !/^bearer /i.test(header) || request.url.startsWith('/metrics')) return
    try {
      request.client = await deps.clients.authenticate(header.slice(7).trim())
      // CP-179: a pinned client is answered, and told it is answered, in its pinned version.
      if (request.client.pinnedVersion) reply.header(API_VERSION_HEADER, request.client.pinnedVersion)
    } catch (error) {
      if (error instanceof DomainError) {
        reply.header(
          'www-authenticate',
          `Bearer realm="waypoint", error="invalid_token", error_description="${error.message}"`,
        )
      }
      throw error
    }
  })

  // CP-179: a route newer than the client's pinned version does not exist for that client.
  http.addHook('preHandler', async (request) => {
    const since = request.routeOptions.config?.since
    if (since && request.client && compareVersions(answeringVersion(request, deps.version), since) < 0)
      throw new NotFoundError(`This operation in API version ${answeringVersion(request, deps.version)}`)
  })

  // Before the format conversion below, so an answer is kept as JSON.
  registerIdempotency(http, { repo: deps.idempotency, clock: deps.clock })

  http.addHook('onSend', async (request, reply, payload) => {
    if (!isVersionedApi(request)) return payload
    challengeMachineClients(request, reply)
    const format = request.apiFormat ?? 'json'
    const type = String(reply.getHeader('content-type') ?? '')
    const problem = type.startsWith('application/problem+json')
    if (
      format === 'json' ||
      !(problem || type.startsWith('application/json')) ||
      typeof payload !== 'string'
    ) {
      return payload
    }
    const value = payload === '' ? {} : JSON.parse(payload)
    reply.header('content-type', contentTypeFor(format, problem))
    return format === 'xml' ? toXml(value, problem) : toYaml(value)
  })

  // CP-182, CP-184: each client (or, before it has a token, each address) has its own budget.
  await http.register(fastifyRateLimit, {
    global: true,
    hook: 'preHandler',
    max: deps.config.api.rateLimitMax,
    timeWindow: deps.config.api.rateLimitWindowMs,
    allowList: (request) => !request.url.startsWith('/api/'),
    keyGenerator: (request) => (request.client ? `client:${request.client.clientId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`Too many requests: try again in ${context.after}`), { statusCode: 429 }),
  })

  // One problem model, named in the description's components (api-schemas.ts).
  http.addSchema(Problem)
  await http.register(fastifySwagger, {
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Waypoint integration API',
        version: deps.version,
        description:
          'Journeys, Portal and Contact for police forces. JSON by default; send and accept ' +
          'application/xml or application/yaml instead. Errors are RFC 9457 problem documents ' +
          'carrying a correlationId. Every response names the API version in the ' +
          `${API_VERSION_HEADER} header.`,
        license: { name: 'MIT', identifier: 'MIT' },
      },
      servers: [{ url: deps.config.http.publicUrl, description: 'This Waypoint service (PUBLIC_URL)' }],
      components: {
        securitySchemes: {
          oauth2: {
            type: 'oauth2',
            description: 'OAuth 2.0 client credentials (RFC 6749 §4.4); send the token as a bearer token.',
            flows: { clientCredentials: { tokenUrl: TOKEN_PATH, scopes: { ...apiScopes } } },
          },
          clientBasic: {
            type: 'http',
            scheme: 'basic',
            description:
              'The client id and secret as HTTP Basic credentials (RFC 6749 §2.3.1); they may be sent ' +
              'in the form as client_id and client_secret instead.',
          },
          odataApiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'A Power BI API key, issued on the console’s reports page',
          },
          odataApiKeyQuery: {
            type: 'apiKey',
            in: 'query',
            name: 'apikey',
            description: 'A Power BI API key in the query string, as Power BI’s OData connector sends it',
          },
          socialSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'Waypoint-Signature',
            description:
              't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> under the force’s social media secret, ' +
              'set by its administrator; refused more than 5 minutes from Waypoint’s clock',
          },
          notifyCallback: {
            type: 'http',
            scheme: 'bearer',
            description: 'The callback bearer token given to GOV.UK Notify (NOTIFY_CALLBACK_TOKEN)',
          },
          ...(deps.config.metricsToken
            ? {
                metricsToken: {
                  type: 'http',
                  scheme: 'bearer',
                  description: 'The Prometheus scrape token (METRICS_TOKEN)',
                },
              }
            : {}),
        },
      },
    },
    // The machine-facing routes are described: the versioned API, the callbacks providers make
    // and the health endpoints. Console pages and the documents themselves are not. A route
    // reached with an OAuth2 token gets its scopes from its access rule; a public route needs
    // no credentials; any other route names its security itself.
    transform: ({ schema, url, route }) => {
      if (!documentedPrefixes.some((prefix) => url.startsWith(prefix)))
        return { schema: { ...schema, hide: true }, url }
      const access = route.config?.access as Access | undefined
      if (schema?.security) return { schema, url }
      if (access === 'public') return { schema: { ...schema, security: [] }, url }
      const scopes = access && typeof access === 'object' && 'client' in access ? access.client : undefined
      return { schema: scopes ? { ...schema, security: [{ oauth2: [...scopes] }] } : schema, url }
    },
  })
}

/** Where the routes the OpenAPI description covers begin. */
const documentedPrefixes = ['/api/v1/', '/callbacks/', '/health/', '/metrics']

/** The version a request is answered in: its client's pinned version, else the current one. */
export function answeringVersion(request: FastifyRequest, current: string): string {
  return request.client?.pinnedVersion ?? current
}

export function isVersionedApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/v1/') && !request.routeOptions.config?.fixedFormat
}

// RFC 6750 §3: a refused machine request says how to authenticate.
function challengeMachineClients(request: FastifyRequest, reply: FastifyReply): void {
  const access = request.routeOptions.config?.access as Access | undefined
  if (!access || typeof access !== 'object' || !('client' in access) || reply.hasHeader('www-authenticate'))
    return
  if (reply.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="waypoint"')
  if (reply.statusCode === 403 && request.client) {
    reply.header(
      'www-authenticate',
      `Bearer realm="waypoint", error="insufficient_scope", scope="${access.client.join(' ')}"`,
    )
  }
}

function badBody(format: string, error: unknown): DomainError {
  return new DomainError(
    'invalid-body',
    `The ${format} body could not be read: ${(error as Error).message}`,
    {
      status: 400,
    },
  )
}
