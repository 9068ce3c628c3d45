// Signing in to the Portal with GOV.UK One Login (decision 0027): leaving for One Login with a
// signed request object, coming back to the callback, the first sign-in's terms and preferences,
// and a force administrator's One Login settings. HTTP only: OneLoginService speaks OpenID
// Connect and AccountService decides which account a `sub` signs in to.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CitizenSessions } from '../platform/http/citizen-sessions.ts'
import { refusedForm, staffOf } from '../platform/http/request.ts'
import { auditContext } from '../platform/http/server.ts'
import { DomainError } from '../platform/errors.ts'
import { type AccountService, ONE_LOGIN_PROVIDER } from './account-service.ts'
import { CHALLENGE_COOKIE, safeReturnTo } from './citizen-routes.ts'
import type { InvitationService } from './invitation-service.ts'
import { type OneLoginPending, OneLoginRefused, type OneLoginService } from './one-login-service.ts'
import type { InvitationRow } from './schema.ts'

const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))

export interface OneLoginRouteDeps {
  oneLogin: OneLoginService
  accounts: AccountService
  invitations: InvitationService
  citizenSessions: CitizenSessions
  secureCookie: boolean
  /** Waypoint's public address: the redirect URI registered with One Login is under it. */
  publicUrl: string
}

/** Sends the browser to One Login, keeping state and nonce in a challenge its cookie names. */
export async function beginOneLogin(
  deps: OneLoginRouteDeps,
  reply: FastifyReply,
  forceId: string,
  invitationId: string | null,
  returnTo: string,
): Promise<FastifyReply> {
  const { url, pending } = await deps.oneLogin.begin(forceId)
  const token = await deps.accounts.startOneLogin(
    { state: pending.state, nonce: pending.nonce, vtr: pending.vtr, returnTo },
    forceId,
    invitationId,
  )
  reply.setCookie(CHALLENGE_COOKIE, token, {
    path: '/portal',
    httpOnly: true,
    // Lax: the cookie comes back on One Login's top-level redirect to the callback.
    sameSite: 'lax',
    secure: deps.secureCookie,
    signed: true,
    maxAge: 30 * 60,
  })
  return reply.redirect(url.href, 303)
}

/** For the invitation link: registers through One Login when the invitation's force uses it. */
export function oneLoginRegistration(deps: OneLoginRouteDeps) {
  return async (invitation: InvitationRow, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!(await deps.oneLogin.enabled(invitation.forceId))) return undefined
    return beginOneLogin(deps, reply, invitation.forceId, invitation.id, '/portal')
  }
}

export function registerOneLoginRoutes(http: FastifyInstance, deps: OneLoginRouteDeps): void {
  const { accounts } = deps

  // Which force's One Login client to use: the one force that offers it, or the person's choice.
  http.get<{ Querystring: { force?: string; returnTo?: string } }>(
    '/portal/one-login',
    {
      config: { access: 'public' },
      schema: { querystring: Type.Object({ force: text(40), returnTo: text(500) }) },
    },
    async (request, reply) => {
      const forces = await deps.oneLogin.forces()
      const returnTo = safeReturnTo(request.query.returnTo)
      const chosen = request.query.force ?? (forces.length === 1 ? forces[0]!.id : undefined)
      if (chosen && forces.some((f) => f.id === chosen))
        return beginOneLogin(deps, reply, chosen, null, returnTo)
      if (!forces.length) reply.code(404)
      return reply.render('portal/one-login-choose.njk', {
        title: 'Which police force are you in contact with?',
        forces,
        returnTo,
      })
    },
  )

  http.get<{ Querystring: Record<string, string | undefined> }>(
    '/portal/one-login/callback',
    {
      config: { access: 'public' },
      schema: {
        querystring: Type.Object(
          {
            code: text(2000),
            state: text(500),
            iss: text(500),
            error: text(200),
            error_description: text(1000),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (request, reply) => {
      const raw = request.cookies[CHALLENGE_COOKIE]
      const unsigned = raw ? request.unsignCookie(raw) : undefined
      const challenge = await accounts.challenge(
        unsigned?.valid ? (unsigned.value ?? undefined) : undefined,
        'one-login',
      )
      reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
      if (!challenge)
        return failed(reply, 400, 'Your sign-in took too long or was started elsewhere. Start again.')
      // Used once, whatever happens next: the same answer cannot be replayed.
      await accounts.endChallenge(challenge)
      if (request.query.error) {
        request.log.info(
          { problem: 'one-login-error', reason: request.query.error },
          'one login answered an error',
        )
        return failed(reply, 400, 'You did not finish signing in with GOV.UK One Login. Start again.')
      }
      const p = challenge.pending as Record<string, string>
      const pending: OneLoginPending = {
        state: p.state ?? '',
        nonce: p.nonce ?? '',
        forceId: challenge.forceId!,
        vtr: p.vtr === 'Cl' ? 'Cl' : 'Cl.Cm',
      }
      try {
        const identity = await deps.oneLogin.complete(pending, callbackUrl(request, deps.publicUrl))
        const account = await accounts.signInWithOneLogin(
          identity,
          challenge.invitationId,
          challenge.forceId!,
        )
        if (!account) {
          // CP-21: the Portal opens only to people the force has invited.
          reply.code(403)
          return reply.render('portal/no-account.njk', { title: 'You do not have an account yet' })
        }
        await deps.citizenSessions.signIn(request, reply, {
          subject: identity.sub,
          forceId: account.homeForceId,
          provider: ONE_LOGIN_PROVIDER,
        })
        return reply.redirect(account.termsAcceptedAt ? safeReturnTo(p.returnTo) : '/portal/welcome', 303)
      } catch (error) {
        if (error instanceof OneLoginRefused) {
          request.log.info({ problem: error.code, reason: error.reason }, 'one login sign-in refused')
          return failed(reply, error.status, error.message)
        }
        if (error instanceof DomainError) return failed(reply, error.status, error.message)
        throw error
      }
    },
  )

  // The first One Login sign-in: terms, privacy and cookies, and notification preferences (CP-11, CP-13).
  const citizenAccess = { citizen: true as const, product: 'portal' as const }
  const welcomeBody = Type.Object({
    terms: text(10),
    privacy: text(10),
    cookies: text(10),
    channel: text(10),
    quietFrom: text(2),
    quietTo: text(2),
    _csrf: text(200),
  })
  http.get('/portal/welcome', { config: { access: citizenAccess } }, async (request, reply) => {
    const account = await accountOf(accounts, request)
    if (account.termsAcceptedAt) return reply.redirect('/portal', 303)
    return reply.render('portal/welcome.njk', { title: 'Before you start', values: { channel: 'email' } })
  })
  http.post<{ Body: Record<string, string | undefined> }>(
    '/portal/welcome',
    { config: { access: citizenAccess }, schema: { body: welcomeBody } },
    async (request, reply) => {
      const account = await accountOf(accounts, request)
      const b = request.body
      try {
        await accounts.acceptTerms(
          account,
          { terms: b.terms === 'yes', privacy: b.privacy === 'yes', cookies: b.cookies === 'yes' },
          { channel: b.channel, quietFrom: b.quietFrom, quietTo: b.quietTo },
        )
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          reply.render('portal/welcome.njk', { title: 'Before you start', values: b, errors }),
        )
      }
      return reply.redirect('/portal', 303)
    },
  )

  // A force administrator's One Login client settings; the private key is never shown again.
  const adminAccess = { staff: ['force_admin' as const], product: 'portal' as const }
  http.get('/console/portal/one-login', { config: { access: adminAccess } }, async (request, reply) => {
    const staff = staffOf(request)
    const settings = await deps.oneLogin.settingsView(staff.forceId!)
    return reply.render('portal/one-login-settings.njk', {
      title: 'GOV.UK One Login',
      settings,
      values: settings ?? { vtr: 'Cl.Cm' },
      saved: (request.query as { saved?: string }).saved === '1',
    })
  })
  http.post<{ Body: Record<string, string | undefined> }>(
    '/console/portal/one-login',
    {
      config: { access: adminAccess },
      schema: {
        body: Type.Object({
          issuer: text(500),
          clientId: text(200),
          privateKey: text(10_000),
          vtr: text(10),
          _csrf: text(200),
        }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request)
      const b = request.body
      const context = auditContext(request)
      try {
        await deps.oneLogin.saveSettings(
          staff.forceId!,
          {
            issuer: b.issuer ?? '',
            clientId: b.clientId ?? '',
            privateKey: b.privateKey ?? '',
            vtr: b.vtr ?? '',
          },
          { staffId: staff.id, ip: context.ip, correlationId: context.correlationId },
        )
      } catch (error) {
        const settings = await deps.oneLogin.settingsView(staff.forceId!)
        return refusedForm(reply, error, (errors) =>
          reply.render('portal/one-login-settings.njk', {
            title: 'GOV.UK One Login',
            settings,
            values: { issuer: b.issuer, clientId: b.clientId, vtr: b.vtr },
            errors,
          }),
        )
      }
      return reply.redirect('/console/portal/one-login?saved=1', 303)
    },
  )
}

function failed(reply: FastifyReply, status: number, message: string) {
  reply.code(status)
  return reply.render('portal/one-login-failed.njk', { title: 'You could not be signed in', message })
}

/** The address One Login sent the browser back to, as One Login saw it (the public address). */
function callbackUrl(request: FastifyRequest, publicUrl: string): URL {
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : ''
  return new URL(`/portal/one-login/callback${query}`, publicUrl)
}

async function accountOf(accounts: AccountService, request: FastifyRequest) {
  const account = await accounts.accountOfSession(
    request.citizenSession?.data as { provider?: string; subject?: string } | undefined,
  )
  if (!account)
    throw new DomainError('no-account', 'Your account could not be found. Sign in again.', { status: 401 })
  return account
}
