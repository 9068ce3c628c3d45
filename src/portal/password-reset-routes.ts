// Resetting a built-in account's forgotten password (CP-24): the email address, a code sent to
// it, then a new password. The progress is a challenge named by the challenge cookie, as
// registering and signing in are. The first page answers the same whether or not the address has
// an account. HTTP only: AccountService holds the rules.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { DomainError } from '../platform/errors.ts'
import { MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { AccountService } from './account-service.ts'
import { CHALLENGE_COOKIE, challengeTokenOf, setChallengeCookie } from './citizen-routes.ts'

const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))

export function registerPasswordResetRoutes(
  http: FastifyInstance,
  deps: { accounts: AccountService; secureCookie: boolean },
): void {
  const { accounts } = deps
  const token = challengeTokenOf
  const startAgain = (reply: FastifyReply, message?: string) => {
    reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
    reply.code(message ? 429 : 400)
    return reply.render('portal/start-again.njk', { title: 'Start again', message, purpose: 'sign-in' })
  }
  const emailPage = (reply: FastifyReply, values: object = {}, errors?: unknown) =>
    reply.render('portal/reset-email.njk', { title: 'Reset your password', values, errors })

  http.get('/portal/reset-password', { config: { access: 'public' } }, async (_request, reply) =>
    emailPage(reply),
  )
  http.post<{ Body: { email?: string } }>(
    '/portal/reset-password',
    {
      config: { access: 'public' },
      schema: { body: Type.Object({ email: text(MAX_LENGTH.email), _csrf: text(200) }) },
    },
    async (request, reply) => {
      try {
        const started = await accounts.startReset(request.body.email ?? '')
        setChallengeCookie(reply, started.token, deps.secureCookie)
        return reply.redirect('/portal/reset-password/code', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => emailPage(reply, request.body, errors))
      }
    },
  )

  const codePage = (reply: FastifyReply, email: string | null, errors?: unknown) =>
    reply.render('portal/code.njk', {
      title: 'Check your email',
      action: '/portal/reset-password/code',
      purpose: 'reset',
      // The same words whether or not a code went: nobody learns if the address has an account.
      sentTo: email,
      errors,
    })
  http.get('/portal/reset-password/code', { config: { access: 'public' } }, async (request, reply) => {
    const challenge = await accounts.challenge(token(request), 'reset')
    if (!challenge) return startAgain(reply)
    return codePage(reply, challenge.email)
  })
  http.post<{ Body: { code?: string } }>(
    '/portal/reset-password/code',
    { config: { access: 'public' }, schema: { body: Type.Object({ code: text(20), _csrf: text(200) }) } },
    async (request, reply) => {
      const challenge = await accounts.challenge(token(request), 'reset')
      if (!challenge) return startAgain(reply)
      try {
        await accounts.resetCode(challenge, request.body.code ?? '')
        return reply.redirect('/portal/reset-password/new', 303)
      } catch (error) {
        if (error instanceof DomainError && error.code === 'too-many-codes')
          return startAgain(reply, error.message)
        if (error instanceof DomainError && error.code === 'wrong-step') return startAgain(reply)
        return refusedForm(reply, error, (errors) => codePage(reply, challenge.email, errors))
      }
    },
  )

  const passwordPage = (reply: FastifyReply, errors?: unknown) =>
    reply.render('portal/reset-password.njk', { title: 'Choose a new password', errors })
  http.get('/portal/reset-password/new', { config: { access: 'public' } }, async (request, reply) => {
    const challenge = await accounts.challenge(token(request), 'reset')
    if (challenge?.step !== 'password') return startAgain(reply)
    return passwordPage(reply)
  })
  http.post<{ Body: { password?: string; confirm?: string } }>(
    '/portal/reset-password/new',
    {
      config: { access: 'public' },
      schema: {
        body: Type.Object({
          password: text(MAX_LENGTH.secret),
          confirm: text(MAX_LENGTH.secret),
          _csrf: text(200),
        }),
      },
    },
    async (request, reply) => {
      const challenge = await accounts.challenge(token(request), 'reset')
      if (!challenge) return startAgain(reply)
      try {
        await accounts.resetPassword(challenge, request.body.password ?? '', request.body.confirm ?? '')
      } catch (error) {
        if (error instanceof DomainError && error.code === 'wrong-step') return startAgain(reply)
        return refusedForm(reply, error, (errors) => passwordPage(reply, errors))
      }
      reply.clearCookie(CHALLENGE_COOKIE, { path: '/portal' })
      return reply.redirect('/portal/sign-in?reset=1', 303)
    },
  )
}
