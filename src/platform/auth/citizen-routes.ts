// The citizen's account pages: the first page only a signed-in citizen may reach. Signing in
// itself is done by an identity provider (GOV.UK One Login, with the Portal) through
// `CitizenSessions.signIn`; until one is set up the sign-in page says so.
import type { FastifyInstance } from 'fastify'
import type { CitizenSessions } from '../http/citizen-sessions.ts'

export function registerCitizenAccountRoutes(http: FastifyInstance, citizenSessions: CitizenSessions): void {
  http.get('/account', { config: { access: { citizen: true } } }, async (request, reply) => {
    return reply.render('account/account.njk', { title: 'Your account', signedIn: request.citizen })
  })

  http.get('/account/sign-in', { config: { access: 'public' } }, async (_request, reply) => {
    return reply.render('account/sign-in.njk', { title: 'Sign in to your account' })
  })

  http.post('/account/sign-out', { config: { access: { citizen: true } } }, async (request, reply) => {
    await citizenSessions.signOut(request, reply)
    return reply.redirect('/account/signed-out', 303)
  })

  http.get('/account/signed-out', { config: { access: 'public' } }, async (_request, reply) => {
    return reply.render('account/signed-out.njk', { title: 'You have signed out' })
  })
}
