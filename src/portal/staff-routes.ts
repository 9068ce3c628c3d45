// The force's side of the Portal in the staff console: whether a person has an account or was
// invited, on the person and case pages (CP-50, CP-78); the "Invite to the portal" action; and the
// force's portal page with its invitation rules in words. HTTP only: the services hold the rules.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { describeCondition } from '../journeys/conditions.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { FieldError } from '../platform/errors.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import type { Database } from '../platform/db/database.ts'
import { roleWords } from './eligibility.ts'
import type { InvitationService } from './invitation-service.ts'
import type { PortalRepository } from './repository.ts'
import { portalRoles } from './schema.ts'

/** Who may invite a person and see the portal pages: the roles that see cases. */
export const portalStaffRoles: readonly StaffRole[] = [
  'investigating_officer',
  'supervisor',
  'contact_handler',
  'force_admin',
]
const forceOf = staffForce('The Portal is run per force; sign in with a force account')

interface PartyLike {
  personId: string
  role: string
  crimeId: string | null
  incidentId: string | null
  actsForPersonId?: string | null
  displayName?: string | null
}

/** The port the case and person pages read (cases/routes.ts `portalStanding`). */
export function portalStandingForPage(deps: {
  invitations: InvitationService
  forceHasPortal: (forceId: string) => Promise<boolean>
}) {
  return async (
    request: FastifyRequest,
    forceId: string,
    page: { kind: 'incident' | 'crime' | 'person'; id: string; found: Record<string, unknown> },
  ): Promise<Record<string, unknown>> => {
    if (!(await deps.forceHasPortal(forceId))) return {}
    const parties = ((page.found.parties as PartyLike[] | undefined) ?? []).filter(
      (p) => p.role !== 'suspect',
    )
    const mayInvite = portalStaffRoles.some((r) => request.staff?.roles.has(r))
    if (page.kind === 'person') {
      const party = parties.find((p) => p.crimeId) ?? parties[0]
      const caseKey = party
        ? party.crimeId
          ? { kind: 'crime' as const, id: party.crimeId }
          : { kind: 'incident' as const, id: party.incidentId! }
        : undefined
      const standing = await deps.invitations.standing(forceId, page.id, caseKey)
      return { portal: { ...standing, inviteCase: caseKey, mayInvite } }
    }
    const people = []
    const nameOf = (personId: string | null | undefined) =>
      parties.find((p) => p.personId === personId)?.displayName ?? 'a person on this case'
    for (const party of parties) {
      const standing = await deps.invitations.standing(forceId, party.personId)
      // The role the account follows this case in, and for whom (CP-50).
      const link = standing.links.find((l) => l.caseId === page.id)
      people.push({
        personId: party.personId,
        name: party.displayName ?? 'Name not known',
        role: roleWords(party.role),
        actsFor: party.actsForPersonId ? nameOf(party.actsForPersonId) : null,
        account: link
          ? {
              role: roleWords(link.role),
              actsFor: link.actsForPersonId ? nameOf(link.actsForPersonId) : null,
            }
          : null,
        hasAccount: standing.hasAccount,
        invitation: standing.invitations.find((i) => i.caseId === page.id) ?? standing.invitations[0],
      })
    }
    return { portalPeople: people }
  }
}

export function registerPortalStaffRoutes(
  http: FastifyInstance,
  deps: { invitations: InvitationService; repo: PortalRepository; db: Database },
): void {
  const access = { staff: portalStaffRoles, product: 'portal' as const }

  http.post<{ Params: { id: string }; Body: { caseKind: string; caseId: string } }>(
    '/console/people/:id/portal-invitation',
    {
      config: { access },
      schema: {
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: Type.Object({
          caseKind: Type.Union([Type.Literal('crime'), Type.Literal('incident')]),
          caseId: Type.String({ format: 'uuid' }),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request)
      const outcome = await deps.invitations.inviteByStaff({
        forceId: forceOf(request),
        personId: request.params.id,
        caseKind: request.body.caseKind as 'crime' | 'incident',
        caseId: request.body.caseId,
        actor: { id: staff.id, name: staff.displayName },
      })
      if (outcome.kind === 'refused') {
        reply.code(409)
        return reply.render('portal/invitation-refused.njk', {
          title: 'The invitation was not sent',
          reason: outcome.reason,
          personId: request.params.id,
        })
      }
      // Invited in the person's place (a child's parent or guardian): their page shows the invitation.
      const invited = outcome.kind === 'invited' ? outcome.invitation.personId : request.params.id
      return reply.redirect(`/console/people/${invited}#portal`, 303)
    },
  )

  const renderInvitations = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown>; saved?: boolean } = {},
  ) => {
    const forceId = forceOf(request)
    const settings = await deps.invitations.settingsOf(forceId)
    const counts = await deps.db.withForce(forceId, (tx) => deps.repo.counts(tx))
    return reply.render('portal/invitations.njk', {
      title: 'Portal invitations',
      ...extra,
      counts,
      settings,
      mayChange: !!request.staff?.roles.has('force_admin'),
      roleItems: portalRoles.map((r) => ({
        value: r,
        text: r.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase()),
      })),
      rules: {
        roles: settings.eligibility.roles.map((r) => r.replaceAll('_', ' ')),
        include: describeCondition(settings.eligibility.include),
        exclude: settings.eligibility.exclude.map((e) => ({
          reason: e.reason,
          when: describeCondition(e.when),
        })),
      },
    })
  }

  http.get<{ Querystring: { saved?: string } }>(
    '/console/portal/invitations',
    {
      config: { access },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 5 })) }) },
    },
    async (request, reply) => renderInvitations(request, reply, { saved: request.query.saved === 'yes' }),
  )

  // CP-7, CP-9: the force's roles and periods, changed by its administrators only.
  http.post<{
    Body: {
      roles?: string | string[]
      linkValidDays?: string
      remindAfterDays?: string
      maxReminders?: string
    }
  }>(
    '/console/portal/invitations',
    {
      config: { access: { staff: ['force_admin'] as const, product: 'portal' as const } },
      schema: {
        body: Type.Object({
          roles: Type.Optional(
            Type.Union([
              Type.String({ maxLength: 40 }),
              Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 }),
            ]),
          ),
          linkValidDays: Type.Optional(Type.String({ maxLength: 10 })),
          remindAfterDays: Type.Optional(Type.String({ maxLength: 10 })),
          maxReminders: Type.Optional(Type.String({ maxLength: 10 })),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request)
      const body = request.body
      const form = {
        roles: body.roles === undefined ? [] : Array.isArray(body.roles) ? body.roles : [body.roles],
        linkValidDays: body.linkValidDays ?? '',
        remindAfterDays: body.remindAfterDays ?? '',
        maxReminders: body.maxReminders ?? '',
      }
      try {
        await deps.invitations.saveSettings(forceOf(request), form, { id: staff.id, name: staff.displayName })
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderInvitations(request, reply, { errors, values: form }),
        )
      }
      return reply.redirect('/console/portal/invitations?saved=yes', 303)
    },
  )
}
