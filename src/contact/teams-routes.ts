// Teams in the console (decision 0047): contact supervisors and force administrators make the
// force's teams, name each one's leader and put handlers in them. GOV.UK forms with error
// summaries, no JavaScript; every change is audited by TeamsService.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { StaffRole } from '../platform/auth/roles.ts'
import { type FieldError, NotFoundError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import { acting, forceOf } from './single-view-routes.ts'
import { type Team, TEAM_NAME_MAX, TEAMS_MAX, type TeamsService } from './teams.ts'

/** A page's `team` query: a team's id, or empty for every handler of the force. */
export const teamQuery = Type.Optional(
  Type.Union([Type.Literal(''), Type.String({ format: 'uuid' })], {
    description: 'A team of the force; empty or absent for the whole force',
  }),
)

/**
 * The team a page is filtered by: the one asked for (another force's is "not found"), everyone
 * when `''` is asked for, and when nothing is asked the team the viewer leads if `leaderFirst`.
 * With the choices for the page's select.
 */
export async function chosenTeam(
  teams: TeamsService,
  forceId: string,
  asked: string | undefined,
  viewer: { staffId: string } | null,
  leaderFirst: boolean,
): Promise<{
  teamId: string | null
  team: Team | null
  teams: Team[]
  teamItems: { value: string; text: string; selected: boolean }[]
}> {
  const all = await teams.list(forceId)
  let teamId: string | null = null
  if (asked) {
    if (!all.some((t) => t.id === asked)) throw new NotFoundError('The team')
    teamId = asked
  } else if (asked === undefined && leaderFirst && viewer) teamId = await teams.ledBy(forceId, viewer.staffId)
  return {
    teamId,
    team: all.find((t) => t.id === teamId) ?? null,
    teams: all,
    teamItems: [
      { value: '', text: 'All teams', selected: teamId === null },
      ...all.map((t) => ({ value: t.id, text: t.name, selected: t.id === teamId })),
    ],
  }
}

/** Who keeps the force's teams. */
export const teamEditors: readonly StaffRole[] = ['contact_supervisor', 'force_admin']

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const teamBody = Type.Object({ name: formText(TEAM_NAME_MAX * 2), leader: formText(60), ...csrf })
type TeamBody = { name?: string; leader?: string }
type Form = { errors?: FieldError[]; values?: Record<string, string | undefined> }

export function registerTeamRoutes(http: FastifyInstance, deps: { teams: TeamsService }): void {
  const access = { staff: teamEditors, product: 'contact' as const }
  const limits = { name: TEAM_NAME_MAX, teams: TEAMS_MAX }

  const renderList = async (request: FastifyRequest, reply: FastifyReply, form: Form = {}) => {
    const forceId = forceOf(request)
    return reply.render('contact/teams.njk', {
      title: 'Teams',
      teams: await deps.teams.list(forceId),
      supervisors: await deps.teams.supervisors(forceId),
      limits,
      errors: form.errors,
      values: form.values ?? {},
    })
  }

  const renderTeam = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    form: Form = {},
  ) => {
    const page = await deps.teams.team(forceOf(request), request.params.id)
    return reply.render('contact/team.njk', {
      title: `Team: ${page.team.name}`,
      ...page,
      candidates: page.handlers.filter((h) => h.teamId !== page.team.id),
      limits,
      errors: form.errors,
      values: form.values ?? { name: page.team.name, leader: page.team.leaderId ?? '' },
    })
  }

  http.get('/console/contact/teams', { config: { access } }, (request, reply) => renderList(request, reply))

  http.post<{ Body: TeamBody }>(
    '/console/contact/teams',
    { config: { access }, schema: { body: teamBody } },
    async (request, reply) => {
      try {
        const id = await deps.teams.create(forceOf(request), request.body, acting(request))
        return reply.redirect(`/console/contact/teams/${id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderList(request, reply, { errors, values: request.body }),
        )
      }
    },
  )

  http.get<{ Params: { id: string } }>(
    '/console/contact/teams/:id',
    { config: { access }, schema: { params: idParams } },
    (request, reply) => renderTeam(request, reply),
  )

  http.post<{ Params: { id: string }; Body: TeamBody }>(
    '/console/contact/teams/:id',
    { config: { access }, schema: { params: idParams, body: teamBody } },
    async (request, reply) => {
      try {
        await deps.teams.update(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/teams/${request.params.id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderTeam(request, reply, { errors, values: request.body }),
        )
      }
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/contact/teams/:id/remove',
    { config: { access }, schema: { params: idParams, body: Type.Object(csrf) } },
    async (request, reply) => {
      await deps.teams.remove(forceOf(request), request.params.id, acting(request))
      return reply.redirect('/console/contact/teams', 303)
    },
  )

  http.post<{ Params: { id: string }; Body: { handler?: string } }>(
    '/console/contact/teams/:id/members',
    {
      config: { access },
      schema: { params: idParams, body: Type.Object({ handler: formText(60), ...csrf }) },
    },
    async (request, reply) => {
      try {
        await deps.teams.addMember(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/teams/${request.params.id}#members`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderTeam(request, reply, { errors }))
      }
    },
  )

  http.post<{ Params: { id: string; staffId: string } }>(
    '/console/contact/teams/:id/members/:staffId/remove',
    {
      config: { access },
      schema: {
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          staffId: Type.String({ format: 'uuid' }),
        }),
        body: Type.Object(csrf),
      },
    },
    async (request, reply) => {
      await deps.teams.removeMember(
        forceOf(request),
        request.params.id,
        request.params.staffId,
        acting(request),
      )
      return reply.redirect(`/console/contact/teams/${request.params.id}#members`, 303)
    },
  )
}
