// Console pages for staff accounts (CP-44, CP-45, CP-46, CP-152): list, create, detail with the
// history of every role grant, grant and revoke roles, disable and enable accounts.
import { Type } from '@sinclair/typebox'
import { formText, MAX_LENGTH } from '../http/limits.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError, ForbiddenError } from '../errors.ts'
import { auditContext } from '../http/server.ts'
import type { ForceService } from '../tenancy/force-service.ts'
import { roleDescriptions, roleNames, type StaffPrincipal, staffRoles } from './roles.ts'
import type { AdminContext, NewUserForm, StaffAdministration } from './staff-administration.ts'
import { staffOf } from '../http/request.ts'

const admins = { staff: ['system_admin', 'force_admin'] } as const

export function registerUserAdminRoutes(
  http: FastifyInstance,
  deps: { administration: StaffAdministration; forces: ForceService; ssoEnabled: boolean },
): void {
  const { administration, forces, ssoEnabled } = deps
  const context = (request: FastifyRequest): AdminContext => {
    const { ip, correlationId } = auditContext(request)
    return { staff: staffOf(request), ip, correlationId }
  }
  const grantableRoles = (staff: StaffPrincipal) =>
    staffRoles
      .filter((r) => r !== 'system_admin' || staff.roles.has('system_admin'))
      .map((r) => ({ value: r, text: roleNames[r], hint: { text: roleDescriptions[r] } }))
  const forceChoices = async (staff: StaffPrincipal) => {
    const all = await forces.list()
    return staff.roles.has('system_admin') ? all : all.filter((f) => f.id === staff.forceId)
  }
  const forceNames = async () => new Map((await forces.list()).map((f) => [f.id, f.name]))

  http.get<{ Querystring: { force?: string } }>(
    '/console/users',
    { config: { access: admins } },
    async (request, reply) => {
      const staff = staffOf(request)
      const isSystemAdmin = staff.roles.has('system_admin')
      const filter = isSystemAdmin && request.query.force ? request.query.force : undefined
      const users = await administration.list(staff, filter)
      return reply.render('users/list.njk', {
        users,
        forceNames: Object.fromEntries(await forceNames()),
        forces: isSystemAdmin ? await forces.list() : [],
        filter,
        isSystemAdmin,
      })
    },
  )

  const renderNewForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: NewUserForm,
    errors: { field: string; message: string }[] = [],
  ) =>
    reply.render('users/new.njk', {
      values: { ...values, roles: [values.roles ?? []].flat() },
      roles: grantableRoles(staffOf(request)),
      forces: await forceChoices(staffOf(request)),
      isSystemAdmin: staffOf(request).roles.has('system_admin'),
      ssoEnabled,
      errors,
    })

  http.get('/console/users/new', { config: { access: admins } }, async (request, reply) =>
    renderNewForm(request, reply, { forceId: staffOf(request).forceId ?? '' }),
  )

  http.post<{ Body: NewUserForm }>(
    '/console/users/new',
    {
      config: { access: admins },
      schema: {
        body: Type.Object({
          displayName: formText(MAX_LENGTH.name),
          email: formText(MAX_LENGTH.email),
          forceId: formText(MAX_LENGTH.name),
          signInMethod: formText(MAX_LENGTH.name),
        }),
      },
    },
    async (request, reply) => {
      try {
        const { user, linkSent } = await administration.create(context(request), request.body ?? {})
        const done = linkSent === undefined ? 'created' : linkSent ? 'created-local' : 'created-unsent'
        return reply.redirect(`/console/users/${user.id}?done=${done}`)
      } catch (error) {
        if (error instanceof DomainError && error.fieldErrors.length) {
          reply.code(error.status)
          return renderNewForm(request, reply, request.body ?? {}, error.fieldErrors)
        }
        throw error
      }
    },
  )

  http.get<{ Params: { id: string }; Querystring: { done?: string; role?: string } }>(
    '/console/users/:id',
    { config: { access: admins } },
    async (request, reply) => {
      const detail = await administration.detail(context(request), request.params.id)
      const role = request.query.role
      const roleName = role && role in roleNames ? roleNames[role as keyof typeof roleNames] : 'The role'
      const done = {
        created:
          'User added. They sign in with their force account (single sign-on) using this email address.',
        'created-local':
          'User added. A set-up link has been emailed to them to choose a password and set up their authenticator app.',
        'created-unsent':
          'User added, but the set-up email could not be sent. Send them a new set-up link below.',
        'link-sent': 'A new set-up link has been emailed. Any earlier link no longer works.',
        reset:
          'Sign-in reset. Their old password and authenticator app no longer work, they have been signed out everywhere, and a set-up link has been emailed to them.',
        'reset-unsent':
          'Sign-in reset: their old password and authenticator app no longer work. The set-up email could not be sent. Send them a new set-up link below.',
        granted: `${roleName} granted.`,
        revoked: `${roleName} removed.`,
        disabled: 'Account disabled. The person has been signed out everywhere.',
        enabled: 'Account enabled. The person can sign in again.',
      }[request.query.done ?? '']
      return reply.render('users/detail.njk', {
        ...detail,
        done,
        roleDescriptions,
        forceName: detail.user.forceId
          ? (await forceNames()).get(detail.user.forceId)
          : 'All forces (regional)',
        roleNames,
        grantable: grantableRoles(staffOf(request)).filter((r) => !detail.activeRoles.includes(r.value)),
        isSelf: detail.user.id === staffOf(request).id,
      })
    },
  )

  http.post<{ Params: { id: string }; Body: { role?: string } }>(
    '/console/users/:id/roles',
    { config: { access: admins } },
    async (request, reply) => {
      const role = request.body?.role ?? ''
      await administration.grant(context(request), request.params.id, role)
      return reply.redirect(
        `/console/users/${request.params.id}?done=granted&role=${encodeURIComponent(role)}`,
      )
    },
  )

  http.post<{ Params: { id: string }; Body: { role?: string } }>(
    '/console/users/:id/roles/revoke',
    { config: { access: admins } },
    async (request, reply) => {
      const role = request.body?.role ?? ''
      await administration.revoke(context(request), request.params.id, role)
      return reply.redirect(
        `/console/users/${request.params.id}?done=revoked&role=${encodeURIComponent(role)}`,
      )
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/users/:id/set-up-link',
    { config: { access: admins } },
    async (request, reply) => {
      const sent = await administration.reissueSetUpLink(context(request), request.params.id)
      if (!sent)
        throw new DomainError(
          'set-up-link-unsent',
          'The set-up email could not be sent. Try again later or contact your service desk.',
          { status: 503 },
        )
      return reply.redirect(`/console/users/${request.params.id}?done=link-sent`, 303)
    },
  )

  // Resetting a local user's sign-in asks first: their password and authenticator stop working.
  http.get<{ Params: { id: string } }>(
    '/console/users/:id/reset-sign-in',
    { config: { access: admins } },
    async (request, reply) => {
      const detail = await administration.detail(context(request), request.params.id)
      if (detail.user.id === staffOf(request).id)
        throw new ForbiddenError('You cannot reset your own sign-in')
      return reply.render('users/reset-sign-in.njk', { user: detail.user })
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/users/:id/reset-sign-in',
    { config: { access: admins } },
    async (request, reply) => {
      const sent = await administration.resetSignIn(context(request), request.params.id)
      return reply.redirect(
        `/console/users/${request.params.id}?done=${sent ? 'reset' : 'reset-unsent'}`,
        303,
      )
    },
  )

  // Disabling asks first: the person is signed out everywhere at once.
  http.get<{ Params: { id: string } }>(
    '/console/users/:id/disable',
    { config: { access: admins } },
    async (request, reply) => {
      const detail = await administration.detail(context(request), request.params.id)
      if (detail.user.id === staffOf(request).id)
        throw new ForbiddenError('You cannot disable your own account')
      return reply.render('users/disable.njk', { user: detail.user })
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/users/:id/disable',
    { config: { access: admins } },
    async (request, reply) => {
      await administration.disable(context(request), request.params.id)
      return reply.redirect(`/console/users/${request.params.id}?done=disabled`)
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/users/:id/enable',
    { config: { access: admins } },
    async (request, reply) => {
      await administration.enable(context(request), request.params.id)
      return reply.redirect(`/console/users/${request.params.id}?done=enabled`)
    },
  )
}
