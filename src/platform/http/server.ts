// The HTTP shell: correlation ids, security headers (CSP with nonces), sessions, CSRF, access
// control declared on every route (deny by default), views and the one error model.
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { join, resolve } from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import fastifyCookie from '@fastify/cookie'
import fastifyFormbody from '@fastify/formbody'
import fastifyHelmet from '@fastify/helmet'
import fastifyStatic from '@fastify/static'
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'
import { type Access, hasAnyRole, type Product, type StaffPrincipal } from '../auth/roles.ts'
import type { Config } from '../config.ts'
import { isDatabaseUnavailable } from '../db/database-error.ts'
import { DomainError, type FieldError, problemFor, ValidationError } from '../errors.ts'
import type { Locale } from '../i18n/i18n.ts'
import type { Logger } from '../logger.ts'
import { lazySerializers, lazyValidators } from './lazy-schemas.ts'
import { MAX_LENGTH } from './limits.ts'
import type { Session, SessionService } from './session-service.ts'
import { createViewEnvironment, govukFrontendRoot, mojFrontendRoot } from './views.ts'

export const SESSION_COOKIE = 'waypoint_session'
/** A citizen's session has a cookie of its own: it never stands in for a staff session. */
export const CITIZEN_SESSION_COOKIE = 'waypoint_citizen_session'
const ANON_CSRF_COOKIE = 'waypoint_csrf'

export interface ClientPrincipal {
  clientId: string
  forceId: string
  scopes: ReadonlySet<string>
  /** The released API version the client is pinned to (CP-179); null for the current one. */
  pinnedVersion?: string | null
}

export interface CitizenPrincipal {
  id: string
  forceId: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    session: Session | undefined
    /** The citizen session (its own cookie), apart from any staff session in the same browser. */
    citizenSession: Session | undefined
    staff: StaffPrincipal | undefined
    client: ClientPrincipal | undefined
    citizen: CitizenPrincipal | undefined
    /** The browser sent a citizen session cookie whose session has ended (idle or too old; CP-20). */
    citizenSessionEnded: boolean
  }
  interface FastifyReply {
    /** Renders a Nunjucks page with the shared context (user, CSRF token, CSP nonce, branding). */
    render(template: string, context?: Record<string, unknown>): FastifyReply
  }
}

export interface HttpDependencies {
  config: Config
  log: Logger
  sessions: SessionService
  /**
   * Reads a citizen session by its id (the hash of its token); a product that needs more about
   * the citizen on every page reads it in the same query (the Portal: account and case links).
   */
  findCitizenSession?(sessionId: string): Promise<Session | undefined>
  /** Loads the signed-in member of staff for a session. */
  loadStaff(session: Session): Promise<StaffPrincipal | undefined>
  /** Whether a force has bought a product (UJ-5, CP-5, CRM-5). */
  forceHasProduct(forceId: string, product: Product): Promise<boolean>
  /** Extra values every page may use (service name, branding). */
  pageGlobals?(request: FastifyRequest): Promise<Record<string, unknown>>
  /** The language of a citizen page (decision 0057): English when not given. */
  pageLanguage?(request: FastifyRequest): Promise<Locale>
}

export async function createHttpServer(deps: HttpDependencies): Promise<FastifyInstance> {
  const { config, sessions } = deps
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    trustProxy: config.http.trustProxy,
    bodyLimit: config.http.bodyLimitBytes,
    // A signed unsubscribe link carries the email address in its path: at the default of 100
    // characters any address longer than about 21 was refused with 414. 1024 fits the longest
    // address an email may have (254) with its force, channel and signature.
    routerOptions: { maxParamLength: 1024 },
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'correlationId' }),
    genReqId: (req) => {
      const given = req.headers['x-correlation-id']
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID()
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
    // Tests start a whole Waypoint per file and call a few of its routes: each route's schemas
    // are compiled when it is first called (lazy-schemas.ts). In development and production all
    // of them are compiled at start, so a broken schema stops start-up.
    ...(config.environment === 'test'
      ? {
          schemaController: {
            compilersFactory: { buildValidator: lazyValidators, buildSerializer: lazySerializers },
          },
        }
      : {}),
  })
  const views = createViewEnvironment()
  closeUnusedConnectionsOnClose(app)

  app.decorateRequest('session', undefined)
  app.decorateRequest('staff', undefined)
  app.decorateRequest('client', undefined)
  app.decorateRequest('citizen', undefined)
  app.decorateRequest('citizenSession', undefined)
  app.decorateRequest('citizenSessionEnded', false)

  // The first secret signs; any other only unsigns, so cookies signed before a rotation of
  // SESSION_SECRET still verify while SESSION_SECRET_PREVIOUS is set (decision 0049).
  await app.register(fastifyCookie, { secret: sessionSecrets(config) })
  await app.register(fastifyFormbody)
  await app.register(fastifyHelmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: config.environment === 'production' ? [] : null,
      },
    },
    strictTransportSecurity: config.environment === 'production',
  })
  await app.register(fastifyStatic, {
    root: [join(govukFrontendRoot, 'dist/govuk/assets'), join(mojFrontendRoot, 'moj/assets')],
    prefix: '/assets/',
    maxAge: '1d',
  })
  await app.register(fastifyStatic, {
    root: resolve(import.meta.dirname, '../../views/public'),
    prefix: '/public/',
    decorateReply: false,
    maxAge: '1h',
  })
  await app.register(fastifyStatic, {
    root: [join(govukFrontendRoot, 'dist/govuk'), join(mojFrontendRoot, 'moj')],
    prefix: '/frontend/',
    decorateReply: false,
    allowedPath: (path) => /\.(css|js|mjs|map)$/.test(path),
    maxAge: '1d',
  })

  // Every route must say who may use it: a route without `config.access` stops start-up.
  app.addHook('onRoute', (route) => {
    const access = route.config?.access
    if (
      !access &&
      !route.url.startsWith('/assets/') &&
      !route.url.startsWith('/public/') &&
      !route.url.startsWith('/frontend/')
    ) {
      throw new Error(`Route ${route.method} ${route.url} does not declare config.access`)
    }
  })

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-correlation-id', request.id)
    const token = request.cookies[SESSION_COOKIE]
    const unsigned = token ? request.unsignCookie(token) : undefined
    if (unsigned?.valid && unsigned.value) {
      request.session = await sessions.resolve(unsigned.value)
      if (!request.session) reply.clearCookie(SESSION_COOKIE, { path: '/' })
      else if (request.session.subjectKind === 'citizen') request.session = undefined
      else if (request.session.subjectKind === 'staff') request.staff = await deps.loadStaff(request.session)
    }
    const citizenToken = request.cookies[CITIZEN_SESSION_COOKIE]
    const citizenUnsigned = citizenToken ? request.unsignCookie(citizenToken) : undefined
    if (citizenUnsigned?.valid && citizenUnsigned.value) {
      const session = await sessions.resolve(citizenUnsigned.value, deps.findCitizenSession)
      if (session?.subjectKind === 'citizen' && session.subjectId && session.forceId) {
        request.citizenSession = session
        request.citizen = { id: session.subjectId, forceId: session.forceId }
      } else {
        request.citizenSessionEnded = true
        reply.clearCookie(CITIZEN_SESSION_COOKIE, { path: '/' })
      }
    }
  })

  app.decorateReply('render', function render(this: FastifyReply, template: string, context = {}) {
    const request = this.request
    const page = (async () => {
      const globals = deps.pageGlobals ? await deps.pageGlobals(request) : {}
      // Staff pages are English; a citizen page is in the language the person chose or has.
      const locale =
        deps.pageLanguage && (request.citizen || !request.staff) ? await deps.pageLanguage(request) : 'en'
      return views.render(template, {
        ...globals,
        locale,
        // The page's own address, for the language toggle to come back to.
        currentUrl: request.method === 'GET' ? request.url : request.url.split('?')[0],
        staff: request.staff,
        citizen: request.citizen,
        csrfToken: csrfTokenFor(request, this, sessions, config),
        cspNonce: (this as unknown as { cspNonce?: { script: string } }).cspNonce?.script,
        currentPath: request.url.split('?')[0],
        // The inactivity warning on citizen pages (CP-20) counts down from this.
        sessionIdleSeconds: config.session.idleMinutes * 60,
        citizenPage: !!formSession(request) && request.citizenSession === formSession(request),
        correlationId: request.id,
        ...context,
      })
    })()
    page.then(
      (html) => this.type('text/html; charset=utf-8').send(html),
      (error) => this.send(error),
    )
    return this
  })

  // A null character is never valid text (PostgreSQL refuses it): every form, query string, path
  // parameter and JSON body is refused with the fields named, before any route sees it. Raw
  // bodies a route reads itself (source events) are left to that route.
  app.addHook('preValidation', async (request) => {
    const found: FieldError[] = []
    findNullCharacters(request.query, '', found)
    findNullCharacters(request.params, '', found)
    if (request.body && typeof request.body === 'object') findNullCharacters(request.body, '', found)
    if (found.length) throw new ValidationError(found, 'The request contains a null character')
  })

  // A backstop on free text, after the route's own schema has applied any smaller limit (limits.ts).
  app.addHook('preHandler', async (request) => {
    const tooLong: FieldError[] = []
    findTooLong(request.query, '', tooLong)
    if (isForm(request) && request.body && typeof request.body === 'object')
      findTooLong(request.body, '', tooLong)
    if (tooLong.length) throw new ValidationError(tooLong, 'Some of the text entered is too long')
  })

  // Console pages and API answers may carry personal data: no browser or proxy keeps a copy.
  // Static assets (fingerprinted by version, no personal data) keep their own caching.
  app.addHook('onSend', async (request, reply) => {
    if (!isStaticAsset(request.url)) reply.header('cache-control', 'no-store')
  })

  // CSRF on every browser form; machine APIs authenticate with bearer tokens instead.
  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config.access
    if (!access || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) return
    if (typeof access === 'object' && ('client' in access || 'custom' in access)) return
    const body = request.body as Record<string, unknown> | undefined
    const token = body?._csrf ?? request.headers['x-csrf-token']
    if (!isValidCsrf(request, token, sessions, config)) {
      reply.code(403)
      return reply.render('errors/csrf.njk')
    }
  })

  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config.access
    if (!access || access === 'public' || 'custom' in access) return
    if ('staff' in access) {
      // A citizen is refused outright, not sent to the staff sign-in.
      if (!request.staff && request.citizen)
        return refuse(request, reply, 403, 'This page is for police staff')
      if (!request.staff) return refuseUnauthenticated(request, reply, '/sign-in')
      if (!hasAnyRole(request.staff, access.staff)) return refuse(request, reply, 403)
      if (
        access.product &&
        request.staff.forceId &&
        !(await deps.forceHasProduct(request.staff.forceId, access.product))
      )
        return refuse(request, reply, 403, `Your force does not use Waypoint ${access.product}`)
      return
    }
    if ('client' in access) {
      if (!request.client) return refuse(request, reply, 401)
      if (!access.client.some((s) => request.client!.scopes.has(s))) return refuse(request, reply, 403)
      if (access.product && !(await deps.forceHasProduct(request.client.forceId, access.product)))
        return refuse(request, reply, 403, `The force does not use Waypoint ${access.product}`)
      return
    }
    if ('citizen' in access) {
      if (!request.citizen && request.staff)
        return refuse(request, reply, 403, 'This page is for citizens signed in to their account')
      // CP-20: a person whose session ended while idle is told so, not just sent to sign in.
      if (
        !request.citizen &&
        request.citizenSessionEnded &&
        request.method === 'GET' &&
        !wantsProblem(request)
      )
        return reply.redirect(`/account/timed-out?returnTo=${encodeURIComponent(request.url)}`)
      if (!request.citizen) return refuseUnauthenticated(request, reply, '/account/sign-in')
      if (access.product && !(await deps.forceHasProduct(request.citizen.forceId, access.product)))
        return refuse(request, reply, 404)
    }
  })

  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    const domain = toDomainError(error)
    if (domain.status >= 500) request.log.error({ err: error }, 'unexpected error')
    else
      request.log.info(
        {
          problem: domain.code,
          status: domain.status,
          ...(error instanceof DomainError ? {} : { err: error }),
        },
        'request refused',
      )
    reply.code(domain.status)
    if (wantsProblem(request)) return sendProblem(reply, problemFor(domain, request.id, request.url))
    // A form refused at the boundary (a null character, a field too long) gets a GOV.UK error
    // summary naming each field.
    return reply.render(domain.status >= 500 ? 'errors/500.njk' : 'errors/problem.njk', {
      error: domain,
      errors: domain.status < 500 ? domain.fieldErrors : [],
    })
  })

  app.setNotFoundHandler({}, (request, reply) => {
    reply.code(404)
    if (wantsProblem(request)) {
      return sendProblem(
        reply,
        problemFor(new DomainError('not-found', 'Not found', { status: 404 }), request.id, request.url),
      )
    }
    return reply.render('errors/404.njk')
  })

  return app
}

export function startStaffSession(
  request: FastifyRequest,
  reply: FastifyReply,
  issued: { token: string; session: Session },
  maxAgeSeconds: number,
  secure: boolean,
): void {
  request.session = issued.session
  reply.setCookie(SESSION_COOKIE, issued.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: true,
    maxAge: maxAgeSeconds,
  })
}

/** Who did it, from where, in which request: the common part of every audit event. */
export function auditContext(request: FastifyRequest): {
  actor: { kind: 'staff' | 'client' | 'citizen' | 'system'; id: string | null; name: string | null }
  ip: string
  correlationId: string
} {
  const actor = request.staff
    ? { kind: 'staff' as const, id: request.staff.id, name: request.staff.displayName }
    : request.client
      ? { kind: 'client' as const, id: request.client.clientId, name: null }
      : request.citizen
        ? { kind: 'citizen' as const, id: request.citizen.id, name: null }
        : { kind: 'system' as const, id: null, name: null }
  return { actor, ip: request.ip, correlationId: request.id }
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' })
}

/**
 * Sends a problem document as it is: not through the route's response schema, which describes
 * the route's own answers (an OAuth error, a resource) and would fail to serialise a problem.
 */
function sendProblem(reply: FastifyReply, problem: unknown) {
  return reply.type('application/problem+json').serializer(JSON.stringify).send(problem)
}

const STATIC_PREFIXES = ['/assets/', '/public/', '/frontend/']

function isStaticAsset(url: string): boolean {
  return STATIC_PREFIXES.some((prefix) => url.startsWith(prefix))
}

function isForm(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
}

function findTooLong(value: unknown, path: string, found: FieldError[]): void {
  if (typeof value === 'string') {
    if (value.length > MAX_LENGTH.backstop)
      found.push({ field: path || 'request', message: tooLongMessage(path, MAX_LENGTH.backstop) })
    return
  }
  if (!value || typeof value !== 'object') return
  for (const [key, inner] of Object.entries(value)) findTooLong(inner, path ? `${path}.${key}` : key, found)
}

function tooLongMessage(field: string, limit: number): string {
  return `${field || 'The text'} must be ${limit.toLocaleString('en-GB')} characters or fewer`
}

function findNullCharacters(value: unknown, path: string, found: FieldError[]): void {
  if (found.length >= 20) return
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      found.push({
        field: path || 'request',
        message: `${path || 'The request'} must not contain a null character`,
      })
    return
  }
  if (!value || typeof value !== 'object') return
  for (const [key, inner] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key
    if (key.includes('\u0000'))
      found.push({ field: path || 'request', message: 'A field name contains a null character' })
    else findNullCharacters(inner, at, found)
  }
}

/** Routes only machines call (the API, provider callbacks, health and metrics). */
const MACHINE_PREFIXES = ['/api/', '/callbacks/', '/health/', '/metrics']

/** Machines get problem documents whatever they accept; browsers get pages unless they ask for JSON. */
function wantsProblem(request: FastifyRequest): boolean {
  if (MACHINE_PREFIXES.some((prefix) => request.url.startsWith(prefix))) return true
  const accept = request.headers.accept ?? ''
  return accept.includes('json') && !accept.includes('text/html')
}

function toDomainError(error: FastifyError | DomainError): DomainError {
  if (error instanceof DomainError) return error
  // The database is unreachable: a client may retry later (a gateway re-sends its events).
  if (isDatabaseUnavailable(error))
    return new DomainError('unavailable', 'The service is unavailable at the moment: try again later', {
      status: 503,
    })
  const e = error as FastifyError
  if (e.validation) {
    return new DomainError('validation-failed', 'The request is not valid', {
      status: 400,
      fieldErrors: e.validation.map((v) => {
        const field = (
          v.instancePath || String((v.params as { missingProperty?: string }).missingProperty ?? '')
        )
          .replace(/^\//, '')
          .replaceAll('/', '.')
        const limit = (v.params as { limit?: number }).limit
        if (v.keyword === 'maxLength' && limit !== undefined)
          return { field, message: tooLongMessage(field, limit) }
        return { field, message: v.message ?? 'is not valid' }
      }),
    })
  }
  // Other errors are described in Waypoint's own words: a framework's or a driver's message
  // (parser internals, SQL) never reaches the person or client; the log keeps the original.
  const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 600 ? e.statusCode : 500
  if (status === 413) return new DomainError('payload-too-large', 'The request is too large', { status })
  if (status === 429) return new DomainError('rate-limited', 'Too many requests: try again later', { status })
  if (status === 415)
    return new DomainError('unsupported-media-type', 'The request’s content type is not accepted here', {
      status,
    })
  if (status === 404) return new DomainError('not-found', 'Not found', { status })
  if (status === 405)
    return new DomainError('method-not-allowed', 'This method is not allowed here', { status })
  if (status === 400 && e.code?.startsWith('FST_ERR_CTP'))
    return new DomainError('bad-request', 'The request body could not be read: check its format', { status })
  if (status < 500) return new DomainError('bad-request', 'The request is not valid', { status })
  if (status === 503)
    return new DomainError('unavailable', 'The service is unavailable at the moment: try again later', {
      status,
    })
  return new DomainError('internal-error', 'Sorry, there is a problem with the service', { status: 500 })
}

function refuseUnauthenticated(request: FastifyRequest, reply: FastifyReply, signInPath: string) {
  if (request.method === 'GET' && !wantsProblem(request)) {
    return reply.redirect(`${signInPath}?returnTo=${encodeURIComponent(request.url)}`)
  }
  return refuse(request, reply, 401)
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: 401 | 403 | 404, message?: string) {
  const messages = {
    401: 'Sign in to continue',
    403: 'You do not have permission to see this',
    404: 'Not found',
  }
  const error = new DomainError(
    status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : 'not-found',
    message ?? messages[status],
    {
      status,
    },
  )
  reply.code(status)
  if (wantsProblem(request)) return sendProblem(reply, problemFor(error, request.id, request.url))
  return reply.render(status === 404 ? 'errors/404.njk' : 'errors/problem.njk', { error })
}

function csrfTokenFor(
  request: FastifyRequest,
  reply: FastifyReply,
  sessions: SessionService,
  config: Config,
): string {
  const session = formSession(request)
  if (session) return sessions.csrfToken(session.id)
  let nonce = request.cookies[ANON_CSRF_COOKIE]
  if (!nonce || !/^[\w-]{20,64}$/.test(nonce)) {
    nonce = randomBytes(24).toString('base64url')
    request.cookies[ANON_CSRF_COOKIE] = nonce
    reply.setCookie(ANON_CSRF_COOKIE, nonce, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.session.secureCookie,
    })
  }
  return anonymousToken(nonce, config.sessionSecret)
}

function isValidCsrf(
  request: FastifyRequest,
  token: unknown,
  sessions: SessionService,
  config: Config,
): boolean {
  const session = formSession(request)
  if (session) return sessions.isValidCsrfToken(session.id, token)
  const nonce = request.cookies[ANON_CSRF_COOKIE]
  return (
    typeof token === 'string' &&
    !!nonce &&
    sessionSecrets(config).some((secret) => token === anonymousToken(nonce, secret))
  )
}

/** The session secret, then the one being replaced if it is still set. */
function sessionSecrets(config: Config): string[] {
  return config.sessionSecretPrevious && config.sessionSecretPrevious !== config.sessionSecret
    ? [config.sessionSecret, config.sessionSecretPrevious]
    : [config.sessionSecret]
}

/** The session a page's forms are bound to: the citizen's on citizen routes, else the staff one. */
function formSession(request: FastifyRequest): Session | undefined {
  const access = request.routeOptions.config?.access
  if (access && typeof access === 'object' && 'citizen' in access) return request.citizenSession
  return request.session
}

function anonymousToken(nonce: string, secret: string): string {
  return createHmac('sha256', secret).update(`anon-csrf:${nonce}`).digest('base64url')
}

/**
 * On close, connections with no request in hand are ended, not waited for. Node's server closes
 * kept-alive connections that are idle between requests, but not one a client opened and has not
 * yet sent a request on (a connection pool's spare, a load balancer's pre-opened one): the server
 * waited for it until the headers timeout, about 70 s, before a process could stop (found when
 * a test's WebSocket left such a connection behind). Requests in hand, hijacked streams and
 * upgraded sockets are left to end as they do (the push and chat routes end theirs in preClose).
 */
function closeUnusedConnectionsOnClose(app: FastifyInstance): void {
  const inHand = new Map<Socket, number>()
  const change = (socket: Socket, by: number) => {
    if (inHand.has(socket)) inHand.set(socket, (inHand.get(socket) ?? 0) + by)
  }
  app.server.on('connection', (socket: Socket) => {
    inHand.set(socket, 0)
    socket.once('close', () => inHand.delete(socket))
  })
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    change(request.socket as Socket, 1)
    response.once('close', () => change(request.socket as Socket, -1))
  })
  // An upgraded socket (a WebSocket) is its route's to end.
  app.server.on('upgrade', (request: IncomingMessage) => inHand.delete(request.socket as Socket))
  app.addHook('preClose', (done) => {
    const sweep = () => {
      for (const [socket, requests] of inHand) if (requests <= 0) socket.destroy()
    }
    // Again while the server closes: a connection may finish its last request after this hook.
    const sweeping = setInterval(sweep, 100)
    sweeping.unref()
    app.server.once('close', () => clearInterval(sweeping))
    setImmediate(sweep)
    done()
  })
}
