// The citizen's side of the Portal, as GOV.UK pages: registering from an invitation link, signing
// in with the built-in account, the dashboard of their cases and a case's page (CP-12, CP-13,
// CP-15..18, CP-51, CP-53..55, CP-58). HTTP only: the services hold the rules. Registering and
// signing in keep their progress in a challenge named by a cookie of its own (path /portal), and
// the session is only started, with a new id, once every step has held.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../platform/clock.ts'
import type { CitizenSessions } from '../platform/http/citizen-sessions.ts'
import type { Locale } from '../platform/i18n/i18n.ts'
import { MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import { DomainError } from '../platform/errors.ts'
import { type AccountService, BUILT_IN_PROVIDER } from './account-service.ts'
import { renderCasePdf } from './case-pdf.ts'
import type { CitizenCaseService } from './case-view-service.ts'
import type { PortalContentService } from './content-service.ts'
import type { InvitationService } from './invitation-service.ts'
import type { InvitationRow } from './schema.ts'

export const CHALLENGE_COOKIE = 'waypoint_portal_challenge'

/** Names a challenge in progress (signed, for the Portal's pages only, for its 30 minutes). */
export function setChallengeCookie(reply: FastifyReply, token: string, secure: boolean): FastifyReply {
  return reply.setCookie(CHALLENGE_COOKIE, token, {
    path: '/portal',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: true,
    maxAge: 30 * 60,
  })
}

/** The token of the challenge the browser's cookie names, when its signature holds. */
export function challengeTokenOf(request: FastifyRequest): string | undefined {
  const raw = request.cookies[CHALLENGE_COOKIE]
  const unsigned = raw ? request.unsignCookie(raw) : undefined
  return unsigned?.valid ? (unsigned.value ?? undefined) : undefined
}
export { BUILT_IN_PROVIDER }

const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const form = (fields: Record<string, ReturnType<typeof text>>) => Type.Object({ ...fields, _csrf: text(200) })

/** Only a path on this site, so a sign-in link cannot send anyone elsewhere. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?!\/)[\w\-/?=&%.]*$/.test(value) && value.length < 500
    ? value
    : '/portal'
}

/**
 * A page reached before the terms are accepted (an account the national front-end registered,
 * at its first sign-in here): undefined, so the route sends the person to accept them (CP-13).
 */
export function termsFirst(error: unknown): undefined {
  if (error instanceof DomainError && error.code === 'terms-needed') return undefined
  throw error
}

/** The signed-in citizen's account, or a 401 asking them to sign in again. */
export async function citizenAccount(
  accounts: AccountService,
  request: FastifyRequest,
  options: { beforeTerms?: boolean } = {},
) {
  // A built-in or a One Login session: the account is found from either (decision 0023), read
  // with the session and its case links in one query (decision 0031).
  const signedIn = await accounts.signedIn(request.citizenSession)
  if (!signedIn)
    throw new DomainError('no-account', 'Your account could not be found. Sign in again.', { status: 401 })
  // CP-13: an account made at a first One Login sign-in reaches its cases and messages only once
  // the terms are accepted (the dashboard sends them to /portal/welcome to do so).
  if (!signedIn.account.termsAcceptedAt && !options.beforeTerms)
    throw new DomainError('terms-needed', 'Accept the terms of use first: open Your cases to see them.', {
      status: 403,
    })
  return { ...signedIn.account, links: signedIn.links }
}

export function registerPortalCitizenRoutes(
  http: FastifyInstance,
  deps: {
    accounts: AccountService
    invitations: InvitationService
    cases: CitizenCaseService
    content: PortalContentService
    citizenSessions: CitizenSessions
    secureCookie: boolean
    clock: Clock
    /** The language of the person's pages (decision 0057), which their case PDF is in too. */
    pageLanguage?: (request: FastifyRequest) => Promise<Locale>
    /** Sends an invited person to GOV.UK One Login when their force uses it; undefined otherwise. */
    oneLoginRegistration?: (
      invitation: InvitationRow,
      reply: FastifyReply,
    ) => Promise<FastifyReply | undefined>
  },
): void {
  const { accounts } = deps
  const setChallenge = (reply: FastifyReply, token: string) =>
    setChallengeCookie(reply, token, deps.secureCookie)
  const challengeToken = challengeTokenOf
  const startAgain = (reply: FastifyReply, purpose: 'register' | 'sign-in', message?: string) => {
    reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
    reply.code(message ? 429 : 400)
    return reply.render('portal/start-again.njk', {
      title: message ? 'You entered a wrong code too many times' : 'Start again',
      message,
      purpose,
    })
  }
  /** A refused step: the form again with its errors, or, after too many codes, start again. */
  const refused = (
    reply: FastifyReply,
    error: unknown,
    purpose: 'register' | 'sign-in',
    page: string,
    values: object,
  ) => {
    if (error instanceof DomainError && error.code === 'too-many-codes')
      return startAgain(reply, purpose, error.message)
    if (error instanceof DomainError && error.code === 'wrong-step') return startAgain(reply, purpose)
    return refusedForm(reply, error, (errors) => reply.render(page, { ...values, errors }))
  }

  // The link in an invitation: opens registration if it is still open, then drops the token
  // from the address bar (it is kept only as its hash, in the challenge).
  http.get<{ Querystring: { invitation?: string } }>(
    '/portal/register',
    {
      config: { access: 'public' },
      schema: { querystring: Type.Object({ invitation: text(200) }) },
    },
    async (request, reply) => {
      const invitation = await deps.invitations.openInvitation(request.query.invitation ?? '')
      if (!invitation) {
        reply.code(404)
        return reply.render('portal/link-expired.njk', { title: 'This link has expired or has been used' })
      }
      // A force on GOV.UK One Login registers people there (decision 0027).
      if (deps.oneLoginRegistration) {
        const started = await deps.oneLoginRegistration(invitation, reply)
        if (started) return started
      }
      setChallenge(reply, await accounts.startRegistration(invitation))
      return reply.redirect('/portal/register/email', 303)
    },
  )

  const registerStep = (
    path: string,
    page: string,
    title: string,
    fields: Record<string, ReturnType<typeof text>>,
    act: (
      challenge: NonNullable<Awaited<ReturnType<AccountService['challenge']>>>,
      body: Record<string, string | undefined>,
      request: FastifyRequest,
      reply: FastifyReply,
    ) => Promise<FastifyReply | string>,
    view: (
      challenge: NonNullable<Awaited<ReturnType<AccountService['challenge']>>>,
    ) => Promise<object> | object = () => ({}),
  ) => {
    http.get(`/portal/register/${path}`, { config: { access: 'public' } }, async (request, reply) => {
      const challenge = await accounts.challenge(challengeToken(request), 'register')
      if (!challenge) return startAgain(reply, 'register')
      return reply.render(page, { title, ...(await view(challenge)) })
    })
    http.post<{ Body: Record<string, string | undefined> }>(
      `/portal/register/${path}`,
      { config: { access: 'public' }, schema: { body: form(fields) } },
      async (request, reply) => {
        const challenge = await accounts.challenge(challengeToken(request), 'register')
        if (!challenge) return startAgain(reply, 'register')
        try {
          const next = await act(challenge, request.body, request, reply)
          if (typeof next === 'string') return reply.redirect(next, 303)
          return next
        } catch (error) {
          return refused(reply, error, 'register', page, {
            title,
            ...(await view(challenge)),
            values: request.body,
          })
        }
      },
    )
  }

  registerStep(
    'email',
    'portal/register-email.njk',
    'Enter your email address',
    { email: text(MAX_LENGTH.email) },
    async (c, body) => {
      await accounts.registerEmail(c, body.email ?? '')
      return '/portal/register/email-code'
    },
  )
  registerStep(
    'email-code',
    'portal/code.njk',
    'Check your email',
    { code: text(20) },
    async (c, body, _request, reply) => {
      const result = await accounts.registerEmailCode(c, body.code ?? '')
      if (result.existingAccount) {
        reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
        return reply.render('portal/case-added.njk', { title: 'This case has been added to your account' })
      }
      return '/portal/register/password'
    },
    (c) => ({ action: '/portal/register/email-code', sentTo: c.email, purpose: 'register' }),
  )
  registerStep(
    'password',
    'portal/register-password.njk',
    'Create a password',
    { password: text(MAX_LENGTH.secret), confirm: text(MAX_LENGTH.secret) },
    async (c, body) => {
      await accounts.registerPassword(c, body.password ?? '', body.confirm ?? '')
      return '/portal/register/second-factor'
    },
  )
  registerStep(
    'second-factor',
    'portal/register-second-factor.njk',
    'How do you want to get security codes?',
    { method: text(10), mobile: text(30) },
    async (c, body) => {
      await accounts.registerSecondFactor(c, body.method ?? '', body.mobile ?? '')
      return '/portal/register/second-factor-code'
    },
  )
  registerStep(
    'second-factor-code',
    'portal/code.njk',
    'Enter your security code',
    { code: text(20) },
    async (c, body) => {
      await accounts.registerSecondFactorCode(c, body.code ?? '')
      return '/portal/register/terms'
    },
    (c) => ({
      action: '/portal/register/second-factor-code',
      purpose: 'register',
      appSetup: accounts.appSetupOf(c),
      sentTo: accounts.codeSentTo(c),
    }),
  )
  registerStep(
    'terms',
    'portal/register-terms.njk',
    'Terms of use, privacy and cookies',
    {
      terms: text(10),
      privacy: text(10),
      cookies: text(10),
      channel: text(10),
      quietFrom: text(2),
      quietTo: text(2),
    },
    async (c, body, request, reply) => {
      const { account, forceId } = await accounts.registerTerms(
        c,
        { terms: body.terms === 'yes', privacy: body.privacy === 'yes', cookies: body.cookies === 'yes' },
        { channel: body.channel, quietFrom: body.quietFrom, quietTo: body.quietTo },
      )
      reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
      await deps.citizenSessions.signIn(request, reply, {
        subject: account.id,
        forceId,
        provider: BUILT_IN_PROVIDER,
      })
      return '/portal'
    },
  )

  // Signing in with a built-in account: email and password, then the second factor.
  http.get<{ Querystring: { returnTo?: string; reset?: string } }>(
    '/portal/sign-in',
    {
      config: { access: 'public' },
      schema: { querystring: Type.Object({ returnTo: text(500), reset: text(2) }) },
    },
    async (request, reply) =>
      reply.render('portal/sign-in.njk', {
        title: 'Sign in',
        returnTo: safeReturnTo(request.query.returnTo),
        passwordReset: request.query.reset === '1',
      }),
  )
  http.post<{ Body: { email?: string; password?: string; returnTo?: string } }>(
    '/portal/sign-in',
    {
      config: { access: 'public' },
      schema: {
        body: form({ email: text(MAX_LENGTH.email), password: text(MAX_LENGTH.secret), returnTo: text(500) }),
      },
    },
    async (request, reply) => {
      const returnTo = safeReturnTo(request.body.returnTo)
      const started = await accounts.signIn(request.body.email ?? '', request.body.password ?? '')
      if (!started) {
        reply.code(400)
        return reply.render('portal/sign-in.njk', {
          title: 'Sign in',
          returnTo,
          values: { email: request.body.email },
          // One answer for an unknown address, a wrong password and a locked account.
          errors: [
            {
              field: 'email',
              message:
                'Enter a correct email address and password. After several wrong attempts the account is locked for a while.',
            },
          ],
        })
      }
      setChallenge(reply, started.token)
      return reply.redirect(`/portal/sign-in/code?returnTo=${encodeURIComponent(returnTo)}`, 303)
    },
  )
  http.get<{ Querystring: { returnTo?: string } }>(
    '/portal/sign-in/code',
    { config: { access: 'public' }, schema: { querystring: Type.Object({ returnTo: text(500) }) } },
    async (request, reply) => {
      const challenge = await accounts.challenge(challengeToken(request), 'sign-in')
      if (!challenge) return startAgain(reply, 'sign-in')
      return reply.render('portal/code.njk', {
        title: 'Enter your security code',
        action: '/portal/sign-in/code',
        purpose: 'sign-in',
        returnTo: safeReturnTo(request.query.returnTo),
        sentTo: accounts.codeSentTo(challenge),
        usesApp: !challenge.codeHash,
      })
    },
  )
  http.post<{ Body: { code?: string; returnTo?: string } }>(
    '/portal/sign-in/code',
    { config: { access: 'public' }, schema: { body: form({ code: text(20), returnTo: text(500) }) } },
    async (request, reply) => {
      const challenge = await accounts.challenge(challengeToken(request), 'sign-in')
      if (!challenge) return startAgain(reply, 'sign-in')
      const returnTo = safeReturnTo(request.body.returnTo)
      try {
        const account = await accounts.signInCode(challenge, request.body.code ?? '')
        reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
        // A new session id at every sign-in; any citizen session the browser had is ended.
        await deps.citizenSessions.signIn(request, reply, {
          subject: account.id,
          forceId: account.homeForceId,
          provider: BUILT_IN_PROVIDER,
        })
        return reply.redirect(returnTo, 303)
      } catch (error) {
        return refused(reply, error, 'sign-in', 'portal/code.njk', {
          title: 'Enter your security code',
          action: '/portal/sign-in/code',
          purpose: 'sign-in',
          returnTo,
          sentTo: accounts.codeSentTo(challenge),
          usesApp: !challenge.codeHash,
        })
      }
    },
  )

  // The signed-in citizen's pages.
  const citizenAccess = { citizen: true as const, product: 'portal' as const }
  const signedInAccount = (request: FastifyRequest) => citizenAccount(accounts, request)

  http.get('/portal', { config: { access: citizenAccess } }, async (request, reply) => {
    const account = await citizenAccount(accounts, request, { beforeTerms: true })
    // An account made at a first One Login sign-in accepts the terms before anything else (CP-13).
    if (!account.termsAcceptedAt) return reply.redirect('/portal/welcome', 303)
    const cases = await deps.cases.dashboard(account, account.previousSignedInAt)
    // CP-145: a day the person used the Portal, for each force with a case of theirs.
    await deps.content.recordVisit(
      account.id,
      cases.map((c) => c.forceId),
    )
    // CP-22, CP-73, CP-75: each force's Single Online Home, beside that force's cases.
    const forces = [...new Map(cases.map((c) => [c.forceId, c.forceName])).entries()]
    const online = []
    for (const [forceId, name] of forces)
      online.push({ forceId, name, links: await deps.content.sohLinks(forceId) })
    return reply.render('portal/dashboard.njk', {
      title: 'Your cases',
      cases,
      online,
      lastSignedInAt: account.previousSignedInAt,
    })
  })

  // The case page and its PDF: one citizen's case, reached and audited the same way.
  const caseRoute = {
    config: { access: citizenAccess },
    schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }) },
  }
  async function openCase(request: FastifyRequest<{ Params: { id: string } }>) {
    const account = await signedInAccount(request)
    return deps.cases.caseOf(account, request.params.id, account.previousSignedInAt, request)
  }

  http.get<{ Params: { id: string } }>('/portal/cases/:id', caseRoute, async (request, reply) => {
    const found = await openCase(request).catch(termsFirst)
    if (!found) return reply.redirect('/portal/welcome', 303)
    return reply.render('portal/case.njk', {
      title: `${found.description} ${found.reference}`,
      found,
      sohLinks: await deps.content.sohLinks(found.forceId),
      contentForceId: found.forceId,
    })
  })

  // CP-57: the same case as a PDF to keep; reached, and audited, exactly as the page is.
  http.get<{ Params: { id: string } }>('/portal/cases/:id/case.pdf', caseRoute, async (request, reply) => {
    const found = await openCase(request)
    const locale = deps.pageLanguage ? await deps.pageLanguage(request) : 'en'
    const pdf = await renderCasePdf(found, deps.clock.now(), locale)
    const name = found.reference.replace(/[^A-Za-z0-9]+/g, '-')
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="case-${name}.pdf"`)
      .header('cache-control', 'no-store')
      .send(pdf)
  })
}
