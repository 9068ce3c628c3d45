// The citizen's account pages (decision 0027): their profile (CP-28), changing their details
// (CP-29), the email address, mobile number and password a built-in account signs in with (CP-29,
// each new address proved by a code sent to it) and notification settings (CP-25), self-help when
// a change cannot be made (CP-26), and deleting the account (CP-33). Each page acts only on the signed-in person's own account, found
// from their session; nothing in the address names an account. HTTP only.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../platform/errors.ts'
import type { CitizenSessions } from '../platform/http/citizen-sessions.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { AccountService } from './account-service.ts'
import { CHALLENGE_COOKIE, challengeTokenOf, setChallengeCookie } from './citizen-routes.ts'
import type { ProfileService } from './profile-service.ts'
import { MAX_LENGTH } from '../platform/http/limits.ts'

const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const citizenAccess = { citizen: true as const, product: 'portal' as const }

export function registerAccountSettingsRoutes(
  http: FastifyInstance,
  deps: {
    accounts: AccountService
    profiles: ProfileService
    citizenSessions: CitizenSessions
    secureCookie: boolean
  },
): void {
  const own = async (request: FastifyRequest) => {
    const account = await deps.accounts.accountOfSession(
      request.citizenSession?.data as { provider?: string; subject?: string } | undefined,
    )
    if (!account)
      throw new DomainError('no-account', 'Your account could not be found. Sign in again.', { status: 401 })
    return account
  }

  http.get<{ Querystring: { changed?: string } }>(
    '/portal/account',
    { config: { access: citizenAccess }, schema: { querystring: Type.Object({ changed: text(20) }) } },
    async (request, reply) => {
      const account = await own(request)
      const hour = (h: number) => `${String(h).padStart(2, '0')}:00`
      return reply.render('portal/account.njk', {
        title: 'Your account',
        account,
        channelText: { email: 'By email', sms: 'By text message', both: 'By email and text message' }[
          account.notifyChannel
        ],
        quiet:
          account.quietFrom === null || account.quietTo === null
            ? undefined
            : { from: hour(account.quietFrom), to: hour(account.quietTo) },
        changed: request.query.changed,
      })
    },
  )

  const detailsPage = 'portal/account-details.njk'
  http.get('/portal/account/details', { config: { access: citizenAccess } }, async (request, reply) => {
    const account = await own(request)
    return reply.render(detailsPage, { title: 'Change your details', account, values: account })
  })
  http.post<{ Body: Record<string, string | undefined> }>(
    '/portal/account/details',
    {
      config: { access: citizenAccess },
      schema: {
        body: Type.Object({
          // Beyond the service's own limits, so a long entry gets the form's own error and help (CP-26).
          firstName: text(1000),
          lastName: text(1000),
          address: text(2000),
          contactPhone: text(100),
          _csrf: text(200),
        }),
      },
    },
    async (request, reply) => {
      const account = await own(request)
      try {
        await deps.profiles.updateDetails(account, request.body)
      } catch (error) {
        // CP-26: the form again, with what was wrong and where to get help.
        return refusedForm(reply, error, (errors) =>
          reply.render(detailsPage, { title: 'Change your details', account, values: request.body, errors }),
        )
      }
      return reply.redirect('/portal/account?changed=details', 303)
    },
  )

  // CP-29: the email address or mobile number a built-in account signs in with. The password
  // again, then a code to the new address or number; One Login accounts change them there.
  const signInDetails = {
    email: {
      title: 'Change your email address',
      label: 'New email address',
      hint: 'We will send a code to it. You will sign in with it and get emails from us at it.',
      type: 'email',
      autocomplete: 'email',
      max: MAX_LENGTH.email,
    },
    mobile: {
      title: 'Change your mobile number',
      label: 'New UK mobile number',
      hint: 'We will send a code to it. Security codes and text messages from us go to it. For example, 07700 900 982.',
      type: 'tel',
      autocomplete: 'tel',
      max: 30,
    },
  } as const
  const builtIn = async (request: FastifyRequest, reply: FastifyReply) => {
    const account = await own(request)
    if (account.oneLoginSub || !account.passwordHash) {
      reply.code(409)
      reply.render('portal/account-one-login.njk', { title: 'Change this in GOV.UK One Login' })
      return undefined
    }
    return account
  }
  for (const field of ['email', 'mobile'] as const) {
    const page = signInDetails[field]
    const render = (reply: FastifyReply, values: object, errors?: unknown) =>
      reply.render('portal/account-sign-in-detail.njk', {
        title: page.title,
        page,
        action: `/portal/account/${field}`,
        values,
        errors,
      })
    http.get(`/portal/account/${field}`, { config: { access: citizenAccess } }, async (request, reply) => {
      const account = await builtIn(request, reply)
      return account ? render(reply, {}) : reply
    })
    http.post<{ Body: { value?: string; password?: string } }>(
      `/portal/account/${field}`,
      {
        config: { access: citizenAccess },
        schema: {
          // Beyond the service's own limits, so a long entry gets the form's own error.
          body: Type.Object({ value: text(1000), password: text(1000), _csrf: text(200) }),
        },
      },
      async (request, reply) => {
        const account = await builtIn(request, reply)
        if (!account) return reply
        try {
          const started = await deps.accounts.startSignInChange(account, field, request.body)
          setChallengeCookie(reply, started.token, deps.secureCookie)
          return reply.redirect('/portal/account/confirm-change', 303)
        } catch (error) {
          return refusedForm(reply, error, (errors) => render(reply, { value: request.body.value }, errors))
        }
      },
    )
  }
  const changeStartAgain = (reply: FastifyReply, message?: string) => {
    reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
    reply.code(message ? 429 : 400)
    return reply.render('portal/start-again.njk', { title: 'Start again', message, purpose: 'change' })
  }
  const codePage = (reply: FastifyReply, sentTo: string | undefined, errors?: unknown) =>
    reply.render('portal/code.njk', {
      title: 'Check the code we sent',
      purpose: 'change',
      action: '/portal/account/confirm-change',
      sentTo,
      errors,
    })
  http.get(
    '/portal/account/confirm-change',
    { config: { access: citizenAccess } },
    async (request, reply) => {
      const account = await own(request)
      const challenge = await deps.accounts.challenge(challengeTokenOf(request), 'change')
      if (!challenge || challenge.accountId !== account.id) return changeStartAgain(reply)
      return codePage(reply, deps.accounts.codeSentTo(challenge))
    },
  )
  http.post<{ Body: { code?: string } }>(
    '/portal/account/confirm-change',
    {
      config: { access: citizenAccess },
      schema: { body: Type.Object({ code: text(100), _csrf: text(200) }) },
    },
    async (request, reply) => {
      const account = await own(request)
      const challenge = await deps.accounts.challenge(challengeTokenOf(request), 'change')
      if (!challenge || challenge.accountId !== account.id) return changeStartAgain(reply)
      try {
        const field = await deps.accounts.confirmSignInChange(account, challenge, request.body.code ?? '')
        reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
        return reply.redirect(`/portal/account?changed=${field}`, 303)
      } catch (error) {
        if (error instanceof DomainError && error.code === 'too-many-codes')
          return changeStartAgain(reply, error.message)
        return refusedForm(reply, error, (errors) =>
          codePage(reply, deps.accounts.codeSentTo(challenge), errors),
        )
      }
    },
  )

  // CP-29: a new password, giving the current one. Every session ends, this one too.
  const passwordPage = (reply: FastifyReply, errors?: unknown) =>
    reply.render('portal/account-password.njk', { title: 'Change your password', errors })
  http.get('/portal/account/password', { config: { access: citizenAccess } }, async (request, reply) => {
    const account = await builtIn(request, reply)
    return account ? passwordPage(reply) : reply
  })
  http.post<{ Body: { current?: string; password?: string; confirm?: string } }>(
    '/portal/account/password',
    {
      config: { access: citizenAccess },
      schema: {
        body: Type.Object({
          current: text(1000),
          password: text(1000),
          confirm: text(1000),
          _csrf: text(200),
        }),
      },
    },
    async (request, reply) => {
      const account = await builtIn(request, reply)
      if (!account) return reply
      try {
        await deps.accounts.changePassword(account, request.body)
      } catch (error) {
        // Passwords are never put back into the form.
        return refusedForm(reply, error, (errors) => passwordPage(reply, errors))
      }
      await deps.citizenSessions.signOut(request, reply)
      return reply.redirect('/portal/account/password-changed', 303)
    },
  )
  http.get('/portal/account/password-changed', { config: { access: 'public' } }, async (_request, reply) =>
    reply.render('portal/account-password-changed.njk', { title: 'Your password has been changed' }),
  )

  const notificationsPage = 'portal/account-notifications.njk'
  http.get('/portal/account/notifications', { config: { access: citizenAccess } }, async (request, reply) => {
    const account = await own(request)
    return reply.render(notificationsPage, {
      title: 'How we contact you',
      account,
      values: {
        channel: account.notifyChannel,
        quietFrom: account.quietFrom?.toString() ?? '',
        quietTo: account.quietTo?.toString() ?? '',
      },
    })
  })
  http.post<{ Body: Record<string, string | undefined> }>(
    '/portal/account/notifications',
    {
      config: { access: citizenAccess },
      schema: {
        body: Type.Object({ channel: text(10), quietFrom: text(2), quietTo: text(2), _csrf: text(200) }),
      },
    },
    async (request, reply) => {
      const account = await own(request)
      try {
        await deps.profiles.updatePreferences(account, request.body)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          reply.render(notificationsPage, {
            title: 'How we contact you',
            account,
            values: request.body,
            errors,
          }),
        )
      }
      return reply.redirect('/portal/account?changed=notifications', 303)
    },
  )

  // CP-26: what to do when a change cannot be made here.
  http.get('/portal/account/help', { config: { access: 'public' } }, async (_request, reply) =>
    reply.render('portal/account-help.njk', { title: 'Help with your account' }),
  )

  http.get('/portal/account/delete', { config: { access: citizenAccess } }, async (request, reply) => {
    await own(request)
    return reply.render('portal/account-delete.njk', { title: 'Delete your account' })
  })
  http.post<{ Body: { confirm?: string } }>(
    '/portal/account/delete',
    {
      config: { access: citizenAccess },
      schema: { body: Type.Object({ confirm: text(10), _csrf: text(200) }) },
    },
    async (request, reply) => {
      const account = await own(request)
      if (request.body.confirm !== 'yes') {
        reply.code(400)
        return reply.render('portal/account-delete.njk', {
          title: 'Delete your account',
          errors: [{ field: 'confirm', message: 'Confirm that you want to delete your account' }],
        })
      }
      await deps.profiles.deleteAccount(account)
      await deps.citizenSessions.signOut(request, reply)
      return reply.redirect('/portal/account/deleted', 303)
    },
  )
  http.get('/portal/account/deleted', { config: { access: 'public' } }, async (_request, reply) =>
    reply.render('portal/account-deleted.njk', { title: 'Your account has been deleted' }),
  )
}
