// The citizen's account pages: the first page only a signed-in citizen may reach. Signing in
// itself is done by an identity provider (GOV.UK One Login, or the Portal's built-in accounts)
// through `CitizenSessions.signIn`; the sign-in page lists the ways the capabilities offer, and
// says so when there is none.
import type { FastifyInstance } from 'fastify'
import type { CitizenSessions } from '../http/citizen-sessions.ts'

/** A way to sign in that a capability offers (its page takes `returnTo`). */
export interface CitizenSignInOption {
  text: string
  href: string
}

export function registerCitizenAccountRoutes(
  http: FastifyInstance,
  citizenSessions: CitizenSessions,
  signInOptions: () => readonly CitizenSignInOption[] | Promise<readonly CitizenSignInOption[]> = () => [],
): void {
  http.get('/account', { config: { access: { citizen: true } } }, async (request, reply) => {
    return reply.render('account/account.njk', { title: 'Your account', signedIn: request.citizen })
  })

  http.get<{ Querystring: { returnTo?: string } }>(
    '/account/sign-in',
    {
      config: { access: 'public' },
      schema: {
        querystring: { type: 'object', properties: { returnTo: { type: 'string', maxLength: 500 } } },
      },
    },
    async (request, reply) => {
      const returnTo = request.query.returnTo
      const options = (await signInOptions()).map((o) => ({
        text: o.text,
        href: returnTo ? `${o.href}?returnTo=${encodeURIComponent(returnTo)}` : o.href,
      }))
      return reply.render('account/sign-in.njk', { title: 'Sign in to your account', options })
    },
  )

  http.post('/account/sign-out', { config: { access: { citizen: true } } }, async (request, reply) => {
    await citizenSessions.signOut(request, reply)
    return reply.redirect('/account/signed-out', 303)
  })

  // CP-20: where a person lands when their session ended while they were away; works without JS.
  http.get<{ Querystring: { returnTo?: string } }>(
    '/account/timed-out',
    {
      config: { access: 'public' },
      schema: {
        querystring: { type: 'object', properties: { returnTo: { type: 'string', maxLength: 500 } } },
      },
    },
    async (request, reply) => {
      const returnTo = request.query.returnTo
      const safe =
        typeof returnTo === 'string' && /^\/(?!\/)[\w\-/?=&%.]*$/.test(returnTo) ? returnTo : undefined
      return reply.render('account/timed-out.njk', {
        title: 'You have been signed out',
        signInHref: safe ? `/account/sign-in?returnTo=${encodeURIComponent(safe)}` : '/account/sign-in',
      })
    },
  )

  // The inactivity warning's "Stay signed in": any citizen request keeps the session alive.
  http.post('/account/keep-alive', { config: { access: { citizen: true } } }, async (_request, reply) =>
    reply.code(204).send(),
  )

  http.get('/account/signed-out', { config: { access: 'public' } }, async (_request, reply) => {
    return reply.render('account/signed-out.njk', { title: 'You have signed out' })
  })
}
