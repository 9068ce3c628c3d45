// The set-up link's page (issue 13 §5): a local user chooses a password and enrols their
// authenticator, and is then signed in. A link that has expired, been used or been replaced
// answers 410 with a page saying to ask for a new one.
import fastifyRateLimit from '@fastify/rate-limit'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../audit/audit-service.ts'
import type { Config } from '../config.ts'
import { auditContext, startStaffSession } from '../http/server.ts'
import { formText, MAX_LENGTH } from '../http/limits.ts'
import { refusedForm } from '../http/request.ts'
import type { SessionService } from '../http/session-service.ts'
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.ts'
import { type OpenLink, type SetUpLinkService, setUpPath } from './set-up-link-service.ts'

interface SetUpForm {
  token?: string
  password?: string
  confirmPassword?: string
  code?: string
}

export function registerSetUpRoutes(
  http: FastifyInstance,
  deps: { config: Config; links: SetUpLinkService; sessions: SessionService; audit: AuditService },
): void {
  const { config, links, sessions, audit } = deps
  const meta = (request: FastifyRequest) => {
    const { ip, correlationId } = auditContext(request)
    return { ip, correlationId }
  }
  const gone = (reply: FastifyReply) => reply.code(410).render('auth/set-up-gone.njk', {})
  const page = (reply: FastifyReply, open: OpenLink, token: string, errors: unknown[] = []) =>
    reply.render('auth/set-up.njk', {
      token,
      email: open.user.email,
      enrolment: open.enrolment,
      passwordMin: PASSWORD_MIN,
      passwordMax: PASSWORD_MAX,
      errors,
    })

  http.register(async (scope) => {
    await scope.register(fastifyRateLimit, { global: false })
    const rateLimit = {
      max: config.login.rateLimitMax,
      timeWindow: config.login.rateLimitWindowMs,
      hook: 'preHandler' as const,
      keyGenerator: (request: FastifyRequest) => `set-up:${request.ip}`,
      allowList: () => false,
    }

    scope.get<{ Querystring: { token?: string } }>(
      setUpPath,
      {
        config: { access: 'public', rateLimit },
        schema: { querystring: Type.Object({ token: formText(MAX_LENGTH.name) }) },
      },
      async (request, reply) => {
        const token = request.query.token ?? ''
        const open = token ? await links.open(token, meta(request)) : undefined
        return open ? page(reply, open, token) : gone(reply)
      },
    )

    scope.post<{ Body: SetUpForm }>(
      setUpPath,
      {
        config: { access: 'public', rateLimit },
        schema: {
          body: Type.Object({
            token: formText(MAX_LENGTH.name),
            password: formText(MAX_LENGTH.secret),
            confirmPassword: formText(MAX_LENGTH.secret),
            code: formText(MAX_LENGTH.name),
          }),
        },
      },
      async (request, reply) => {
        const body = request.body ?? {}
        const token = body.token ?? ''
        const open = token ? await links.open(token, meta(request)) : undefined
        if (!open) return gone(reply)
        let user: Awaited<ReturnType<SetUpLinkService['complete']>>
        try {
          user = await links.complete(
            open,
            {
              password: body.password ?? '',
              confirmPassword: body.confirmPassword ?? '',
              code: body.code ?? '',
            },
            meta(request),
          )
        } catch (error) {
          return refusedForm(reply, error, (errors) => page(reply, open, token, errors))
        }
        if (!user) return gone(reply)
        // Signed in at once: the password and the first code are both proven (no session fixation:
        // the session the browser had is ended and a new id issued).
        const issued = await sessions.start(
          { subjectKind: 'staff', subjectId: user.id, forceId: user.forceId },
          {},
          { ip: request.ip, userAgent: request.headers['user-agent'] },
          request.session?.id,
        )
        startStaffSession(request, reply, issued, sessions.maxAgeSeconds, config.session.secureCookie)
        await audit.record({
          action: 'sign-in.succeeded',
          forceId: user.forceId,
          actor: { kind: 'staff', id: user.id, name: user.displayName },
          recordType: 'staff',
          recordId: user.id,
          detail: { method: 'set-up-link' },
          ...meta(request),
        })
        return reply.redirect('/console?done=set-up', 303)
      },
    )
  })
}
