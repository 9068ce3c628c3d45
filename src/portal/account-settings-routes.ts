// The citizen's account pages (decision 0027): their profile (CP-28), changing their details
// (CP-29) and notification settings (CP-25), self-help when a change cannot be made (CP-26), and
// deleting the account (CP-33). Each page acts only on the signed-in person's own account, found
// from their session; nothing in the address names an account. HTTP only.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DomainError } from '../platform/errors.ts'
import type { CitizenSessions } from '../platform/http/citizen-sessions.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { AccountService } from './account-service.ts'
import type { ProfileService } from './profile-service.ts'

const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const citizenAccess = { citizen: true as const, product: 'portal' as const }

export function registerAccountSettingsRoutes(
  http: FastifyInstance,
  deps: { accounts: AccountService; profiles: ProfileService; citizenSessions: CitizenSessions },
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
        quietText:
          account.quietFrom === null || account.quietTo === null
            ? 'None'
            : `${hour(account.quietFrom)} to ${hour(account.quietTo)}`,
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
