// POST /api/v1/oauth/token: OAuth 2.0 client credentials grant (RFC 6749 §4.4, CP-172).
// Errors follow RFC 6749 §5.2 ({error, error_description}), not problem documents, because
// OAuth client libraries expect that shape.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { DomainError } from '../errors.ts'
import { apiProblems, ProblemRef, problemResponses } from './api-schemas.ts'
import { type ApiClientService, OAuthError } from './client-service.ts'
import { TOKEN_PATH } from './api-platform.ts'
import { allApiScopes } from './scopes.ts'

const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ description: 'Must be client_credentials' })),
    scope: Type.Optional(Type.String({ description: 'Space-separated scopes, a subset of the client’s' })),
    client_id: Type.Optional(Type.String({ description: 'When not using HTTP Basic authentication' })),
    client_secret: Type.Optional(Type.String({ description: 'When not using HTTP Basic authentication' })),
  },
  { additionalProperties: true },
)

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the token expires' }),
  scope: Type.String(),
})

const OAuthErrorResponse = Type.Object({
  error: Type.String({ description: 'RFC 6749 §5.2 error code' }),
  error_description: Type.String(),
})

const ClientDescription = Type.Object({
  clientId: Type.String(),
  forceId: Type.String(),
  scopes: Type.Array(Type.String()),
})

export function registerTokenRoutes(http: FastifyInstance, clients: ApiClientService): void {
  // Lets an integrator check its credentials and what its token allows.
  http.get(
    '/api/v1/oauth/client',
    {
      config: { access: { client: allApiScopes } },
      schema: {
        summary: 'Describe the client the bearer token belongs to',
        description: 'Lets an integrator check its credentials and the scopes its token allows.',
        operationId: 'describeClient',
        tags: ['Authentication'],
        response: { 200: ClientDescription, ...problemResponses(apiProblems) },
      },
    },
    async (request) => {
      const client = request.client!
      return { clientId: client.clientId, forceId: client.forceId, scopes: [...client.scopes].sort() }
    },
  )

  // RFC 6749 §4.4.2: a token request is a form (JSON is accepted too). A body of any other type,
  // or one that is not an object, is a client's mistake: 400 with a problem document.
  http.register(async (scope) => {
    scope.addContentTypeParser('*', (_request, _payload, done) => {
      done(
        new DomainError(
          'bad-request',
          'Send the token request as application/x-www-form-urlencoded (or application/json)',
          { status: 400 },
        ),
        undefined,
      )
    })
    registerTokenRoute(scope, clients)
  })
}

function registerTokenRoute(http: FastifyInstance, clients: ApiClientService): void {
  http.post(
    TOKEN_PATH,
    {
      config: { access: { custom: 'OAuth2 client authentication (RFC 6749 §2.3)' } },
      schema: {
        summary: 'Obtain an access token with client credentials',
        description:
          'The client authenticates with HTTP Basic (the client id and secret) or with client_id and ' +
          'client_secret in the form, not both. Errors are OAuth errors (RFC 6749 §5.2).',
        operationId: 'issueToken',
        tags: ['Authentication'],
        // Client authentication (RFC 6749 §2.3.1): HTTP Basic, or the credentials in the body.
        security: [{ clientBasic: [] }, {}],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenRequest,
        response: {
          200: TokenResponse,
          400: {
            description:
              'An OAuth error (RFC 6749 §5.2), or a problem document for a body that cannot be read',
            content: {
              'application/json': { schema: OAuthErrorResponse },
              'application/problem+json': { schema: ProblemRef },
            },
          },
          401: { ...OAuthErrorResponse, description: 'Client authentication failed (invalid_client)' },
          ...problemResponses([406, 429]),
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache')
      const body = (request.body ?? {}) as Record<string, unknown>
      const basic = parseBasic(request.headers.authorization)
      try {
        if (body.grant_type !== 'client_credentials') {
          throw body.grant_type
            ? new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported')
            : new OAuthError('invalid_request', 'grant_type is required')
        }
        if (basic && body.client_secret) {
          throw new OAuthError('invalid_request', 'Use one client authentication method, not two')
        }
        const clientId = basic?.id ?? stringOrEmpty(body.client_id)
        const secret = basic?.secret ?? stringOrEmpty(body.client_secret)
        if (!clientId || !secret) throw new OAuthError('invalid_client', 'Client authentication failed')
        const issued = await clients.issueToken(clientId, secret, stringOrEmpty(body.scope))
        return {
          access_token: issued.accessToken,
          token_type: 'Bearer' as const,
          expires_in: issued.expiresIn,
          scope: issued.scopes.join(' '),
        }
      } catch (error) {
        if (error instanceof OAuthError) return sendOAuthError(reply, error, !!basic)
        throw error
      }
    },
  )
}

function sendOAuthError(reply: FastifyReply, error: OAuthError, usedBasic: boolean) {
  const status = error.error === 'invalid_client' ? 401 : 400
  if (status === 401) reply.header('www-authenticate', `${usedBasic ? 'Basic' : 'Bearer'} realm="waypoint"`)
  reply.code(status).type('application/json; charset=utf-8')
  return { error: error.error, error_description: error.message }
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))
  try {
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) }
  } catch {
    // Expected: malformed percent-encoding is no credentials, refused as invalid_client.
    return undefined
  }
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : ''
}
