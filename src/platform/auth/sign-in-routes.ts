// Staff sign-in over HTTP: local accounts (password, then TOTP), single sign-on, sign-out.
// A new session id is issued after the password and again after the second factor (no session
// fixation); only a session that has passed both is a staff session.
import { Type } from '@sinclair/typebox'
import { formText, MAX_LENGTH } from '../http/limits.ts'
import fastifyRateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../audit/audit-service.ts'
import type { Config } from '../config.ts'
import { NotFoundError } from '../errors.ts'
import { auditContext, clearSessionCookie, startStaffSession } from '../http/server.ts'
import type { Session, SessionService } from '../http/session-service.ts'
import type { StaffSignInService } from './sign-in-service.ts'
import type { StaffUser } from './staff-repository.ts'
import type { PendingSso, StaffSsoService } from './sso-service.ts'

export interface SignInRouteDeps {
  config: Config
  signIn: StaffSignInService
  sso: StaffSsoService
  sessions: SessionService
  audit: AuditService
}

// One message for unknown email, wrong password and locked account (no account enumeration).
const REFUSED =
  'Enter a correct email address and password. After several wrong attempts the account is locked for a while.'
const WRONG_CODE =
  'The code is not correct or has already been used. Enter the 6-digit code from your authenticator app.'
// The stored authenticator secret cannot be read (a configuration fault, logged): nothing the
// person can fix, and not counted against them.
const CODES_UNAVAILABLE =
  'Waypoint cannot check authenticator codes at the moment. Try again later or contact your service desk.'

/**
 * Only a path on this site: `/console/x`, never `//evil.example` or `https://…` (open redirect).
 * The answer is the path as a URL parser reads it, percent-encoded, so it is always a valid
 * `Location` header (a raw `/\u3000/x` is not); anything else falls back to the console's home.
 */
export function safeReturnTo(value: unknown): string {
  const home = '/console'
  if (typeof value !== 'string' || value.length > 500) return home
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return home
  if ([...value].some((c) => c < ' ' || c === '\\' || c === '\u007f')) return home
  const base = 'https://waypoint.invalid'
  let url: URL
  try {
    url = new URL(value, base)
  } catch {
    return home // not a URL a browser could follow
  }
  if (url.origin !== base) return home
  const path = `${url.pathname}${url.search}`
  if (path.startsWith('/sign-in') || path.startsWith('//') || !/^[\x21-\x7e]+$/.test(path)) return home
  return path
}

export function registerSignInRoutes(http: FastifyInstance, deps: SignInRouteDeps): void {
  const { config, signIn, sso, sessions, audit } = deps
  const secure = config.session.secureCookie
  // Per-address budget on sign-in POSTs, on top of the per-account lockout.
  const rateLimit = {
    max: config.login.rateLimitMax,
    timeWindow: config.login.rateLimitWindowMs,
    hook: 'preHandler' as const,
    keyGenerator: (request: FastifyRequest) => `sign-in:${request.ip}`,
    allowList: () => false,
  }

  const meta = (request: FastifyRequest) => ({ ip: request.ip, userAgent: request.headers['user-agent'] })
  const recordSignIn = (
    request: FastifyRequest,
    outcome: 'succeeded' | 'failed',
    user: StaffUser | undefined,
    detail: Record<string, unknown>,
  ) => {
    const { ip, correlationId } = auditContext(request)
    return audit.record({
      action: `sign-in.${outcome}`,
      forceId: user?.forceId ?? null,
      actor: user
        ? { kind: 'staff', id: user.id, name: user.displayName }
        : { kind: 'system', name: 'anonymous' },
      recordType: 'staff',
      ...(user ? { recordId: user.id } : {}),
      detail,
      ip,
      correlationId,
    })
  }
  const completeSignIn = async (
    request: FastifyRequest,
    reply: FastifyReply,
    user: StaffUser,
    returnTo: string,
  ) => {
    const issued = await sessions.start(
      { subjectKind: 'staff', subjectId: user.id, forceId: user.forceId },
      {},
      meta(request),
      request.session?.id,
    )
    startStaffSession(request, reply, issued, sessions.maxAgeSeconds, secure)
    return reply.redirect(safeReturnTo(returnTo))
  }
  const pendingMfa = (session: Session | undefined) =>
    session?.subjectKind === 'staff' &&
    session.subjectId &&
    session.data.mfaPending === true &&
    signIn.isPendingFresh(String(session.data.mfaStartedAt))
      ? session
      : undefined

  http.register(async (scope) => {
    await scope.register(fastifyRateLimit, { global: false })

    scope.get<{ Querystring: { returnTo?: string } }>(
      '/sign-in',
      { config: { access: 'public' } },
      async (request, reply) => {
        if (request.staff) return reply.redirect(safeReturnTo(request.query.returnTo))
        return reply.render('auth/sign-in.njk', {
          returnTo: safeReturnTo(request.query.returnTo),
          ssoEnabled: sso.enabled,
        })
      },
    )

    scope.post<{ Body: { email?: string; password?: string; returnTo?: string } }>(
      '/sign-in',
      {
        config: { access: 'public', rateLimit },
        schema: {
          body: Type.Object({
            email: formText(MAX_LENGTH.email),
            password: formText(MAX_LENGTH.secret),
            returnTo: formText(MAX_LENGTH.shortText),
          }),
        },
      },
      async (request, reply) => {
        const { email = '', password = '' } = request.body ?? {}
        const returnTo = safeReturnTo(request.body?.returnTo)
        const form = { email, returnTo, ssoEnabled: sso.enabled }
        const missing = [
          ...(email.trim() ? [] : [{ field: 'email', message: 'Enter your email address' }]),
          ...(password ? [] : [{ field: 'password', message: 'Enter your password' }]),
        ]
        if (missing.length) return reply.code(400).render('auth/sign-in.njk', { ...form, errors: missing })
        const check = await signIn.checkPassword(email, password)
        if (!check.ok) {
          await recordSignIn(request, 'failed', check.user, { method: 'password', reason: check.reason })
          return reply
            .code(401)
            .render('auth/sign-in.njk', { ...form, errors: [{ field: 'email', message: REFUSED }] })
        }
        const issued = await sessions.start(
          { subjectKind: 'staff', subjectId: check.user.id, forceId: check.user.forceId },
          { mfaPending: true, mfaStartedAt: signIn.now().toISOString(), returnTo },
          meta(request),
          request.session?.id,
        )
        startStaffSession(request, reply, issued, sessions.maxAgeSeconds, secure)
        return reply.redirect('/sign-in/mfa')
      },
    )

    scope.get('/sign-in/mfa', { config: { access: 'public' } }, async (request, reply) => {
      const session = pendingMfa(request.session)
      if (!session) return reply.redirect('/sign-in')
      const enrolment = await signIn.enrolment(session.subjectId!)
      return reply.render(enrolment ? 'auth/mfa-enrol.njk' : 'auth/mfa.njk', { enrolment })
    })

    scope.post<{ Body: { code?: string } }>(
      '/sign-in/mfa',
      {
        config: { access: 'public', rateLimit },
        schema: { body: Type.Object({ code: formText(MAX_LENGTH.name) }) },
      },
      async (request, reply) => {
        const session = pendingMfa(request.session)
        if (!session) return reply.redirect('/sign-in')
        const check = await signIn.checkCode(session.subjectId!, request.body?.code ?? '')
        if (check.ok) {
          await recordSignIn(request, 'succeeded', check.user, { method: 'password+totp' })
          return completeSignIn(request, reply, check.user, String(session.data.returnTo ?? '/console'))
        }
        await recordSignIn(request, 'failed', check.user, {
          method: 'totp',
          reason: check.unavailable ? 'secret-unreadable' : check.locked ? 'locked' : 'wrong-code',
        })
        if (check.unavailable) {
          return reply
            .code(503)
            .render('auth/mfa.njk', { errors: [{ field: 'code', message: CODES_UNAVAILABLE }] })
        }
        if (check.locked) {
          await sessions.end(session.id)
          clearSessionCookie(reply)
          return reply.code(401).render('auth/sign-in.njk', {
            returnTo: '/console',
            errors: [{ field: 'email', message: REFUSED }],
          })
        }
        const enrolment = await signIn.enrolment(session.subjectId!)
        return reply.code(401).render(enrolment ? 'auth/mfa-enrol.njk' : 'auth/mfa.njk', {
          enrolment,
          errors: [{ field: 'code', message: WRONG_CODE }],
        })
      },
    )

    scope.post('/sign-out', { config: { access: 'public' } }, async (request, reply) => {
      if (request.session) {
        if (request.staff) {
          const { ip, correlationId, actor } = auditContext(request)
          await audit.record({
            action: 'sign-out',
            forceId: request.staff.forceId,
            actor,
            recordType: 'staff',
            recordId: request.staff.id,
            ip,
            correlationId,
          })
        }
        await sessions.end(request.session.id)
      }
      clearSessionCookie(reply)
      return reply.redirect('/sign-in')
    })

    // A plain link (GET), so the redirect to the identity provider is not a form submission that
    // CSP form-action would block.
    scope.get<{ Querystring: { returnTo?: string } }>(
      '/sign-in/sso',
      { config: { access: 'public', rateLimit } },
      async (request, reply) => {
        if (!sso.enabled) throw new NotFoundError('Single sign-on')
        const { url, pending } = await sso.begin(safeReturnTo(request.query.returnTo))
        const issued = await sessions.start(
          { subjectKind: 'anonymous', subjectId: null, forceId: null },
          { sso: pending, ssoStartedAt: signIn.now().toISOString() },
          meta(request),
          request.session?.id,
        )
        startStaffSession(request, reply, issued, sessions.maxAgeSeconds, secure)
        return reply.redirect(url.toString())
      },
    )

    scope.get(
      '/sign-in/sso/callback',
      { config: { access: 'public', rateLimit } },
      async (request, reply) => {
        if (!sso.enabled) throw new NotFoundError('Single sign-on')
        const session = request.session
        const pending =
          session?.subjectKind === 'anonymous' ? (session.data.sso as PendingSso | undefined) : undefined
        const refuse = async (status: number, template: string, reason: string) => {
          await recordSignIn(request, 'failed', undefined, { method: 'sso', reason })
          if (session) await sessions.end(session.id)
          clearSessionCookie(reply)
          return reply.code(status).render(template, {})
        }
        if (!session || !pending || !signIn.isPendingFresh(String(session.data.ssoStartedAt)))
          return refuse(400, 'auth/sso-failed.njk', 'no-pending-sign-in')
        let outcome: Awaited<ReturnType<StaffSsoService['complete']>>
        try {
          outcome = await sso.complete(
            new URL(request.url, config.http.publicUrl),
            pending,
            auditContext(request),
          )
        } catch (error) {
          request.log.info({ err: error }, 'single sign-on refused')
          return refuse(400, 'auth/sso-failed.njk', (error as { code?: string }).code ?? 'invalid-response')
        }
        if (outcome.kind === 'no-access') return refuse(403, 'auth/no-access.njk', outcome.reason)
        await recordSignIn(request, 'succeeded', outcome.user, {
          method: 'sso',
          granted: outcome.granted,
          revoked: outcome.revoked,
        })
        return completeSignIn(request, reply, outcome.user, pending.returnTo)
      },
    )
  })
}
