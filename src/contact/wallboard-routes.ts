// The wallboard's page and its feeds (CRM-9). The page is for the force's contact staff: it
// follows the queue's push topic and fills itself again on each change; without JavaScript it
// is reloaded, or refreshes by itself at an interval the viewer chooses (`?refresh=60`, the HTTP
// Refresh header, never by default). External wallboards read the same figures as JSON, or
// follow them as server-sent events, with an API client of the force holding `reporting:read`.
// The page and both feeds take `?team=`, one of the force's teams (another force's is not found).
// The figures are counts, naming no person, so reading them is not audited as a view of a record.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { problemResponses } from '../platform/api/api-schemas.ts'
import type { PushEvent, PushService } from '../platform/push/push-service.ts'
import { contactChannelNames } from './channels.ts'
import { queueTopic } from './queue.ts'
import { contactStaff, forceOf } from './single-view-routes.ts'
import type { TeamsService } from './teams.ts'
import { chosenTeam, teamQuery } from './teams-routes.ts'
import {
  answerTargets,
  formatWait,
  type Wallboard,
  type WallboardService,
  wallboardChannels,
} from './wallboard.ts'

export const WALLBOARD_SCOPE = 'reporting:read'

const channelNames: Record<string, string> = contactChannelNames
const stateNames: Record<string, string> = {
  ready: 'Ready',
  not_ready: 'Not ready',
  wrap_up: 'Wrap-up',
  offline: 'Offline',
}

const Wait = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
  description: 'Seconds the longest-waiting contact has waited; null when none waits',
})
const WallboardBody = Type.Object(
  {
    at: Type.String({ format: 'date-time', description: 'When the figures were read' }),
    waiting: Type.Object({ total: Type.Integer({ minimum: 0 }), longestWaitSeconds: Wait }),
    channels: Type.Array(
      Type.Object({
        channel: Type.String({ enum: [...wallboardChannels] }),
        waiting: Type.Integer({ minimum: 0 }),
        longestWaitSeconds: Wait,
      }),
    ),
    agents: Type.Object(
      {
        ready: Type.Integer({ minimum: 0 }),
        not_ready: Type.Integer({ minimum: 0 }),
        wrap_up: Type.Integer({ minimum: 0 }),
        offline: Type.Integer({ minimum: 0 }),
      },
      { description: 'Handlers in each state' },
    ),
    roster: Type.Object(
      {
        covered: Type.Boolean({ description: 'Whether the duty roster has anyone on a shift now' }),
        rostered: Type.Integer({ minimum: 0, description: 'Handlers on a rostered shift now' }),
        signedIn: Type.Integer({ minimum: 0, description: 'Of those, signed in (not offline)' }),
        ready: Type.Integer({ minimum: 0, description: 'Of those, ready' }),
        readyOffRoster: Type.Integer({
          minimum: 0,
          description: 'Ready handlers not on a rostered shift now',
        }),
      },
      { description: 'The duty roster now against who is signed in and ready (CRM-35)' },
    ),
    today: Type.Object(
      {
        arrived: Type.Integer({ minimum: 0 }),
        answeredInTarget: Type.Integer({ minimum: 0 }),
        outsideTarget: Type.Integer({ minimum: 0 }),
        serviceLevelPercent: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()]),
        closed: Type.Integer({ minimum: 0 }),
        failureDemand: Type.Integer({ minimum: 0 }),
      },
      { description: 'Contacts that arrived since midnight, UK time' },
    ),
  },
  { description: 'The force’s contact queue now' },
)

const refusals = {
  401: 'No bearer token, or one that is not valid',
  403: `The client lacks the ${WALLBOARD_SCOPE} scope, or its force does not use Waypoint Contact`,
}

export function registerWallboardRoutes(
  http: FastifyInstance,
  deps: {
    wallboard: WallboardService
    /** The force's teams, to show one team's handlers (decision 0047). */
    teams: TeamsService
    push?: PushService
    /** How long one external stream lives before the wallboard is asked to reconnect. */
    streamSeconds?: number
  },
): void {
  const page = { staff: contactStaff, product: 'contact' as const }
  const machine = { client: [WALLBOARD_SCOPE], product: 'contact' as const }

  http.get<{ Querystring: { refresh?: string; team?: string } }>(
    '/console/contact/wallboard',
    {
      config: { access: page },
      schema: {
        querystring: Type.Object({ refresh: Type.Optional(Type.String({ maxLength: 4 })), team: teamQuery }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const teams = await chosenTeam(deps.teams, forceId, request.query.team, null, false)
      const board = await deps.wallboard.snapshot(forceId, teams.teamId)
      const refresh = Number(request.query.refresh)
      const every = [30, 60, 120, 300].includes(refresh) ? refresh : undefined
      if (every) reply.header('refresh', String(every))
      return reply.render('contact/wallboard.njk', {
        title: 'Wallboard',
        ...teams,
        board,
        every,
        topic: queueTopic,
        channelNames,
        stateNames,
        wait: formatWait,
        targets: Object.entries(answerTargets).map(([p, s]) => ({ priority: Number(p), minutes: s / 60 })),
      })
    },
  )

  const tags = ['Contact']
  http.get<{ Querystring: { team?: string } }>(
    '/api/v1/contact/wallboard',
    {
      config: { access: machine },
      schema: {
        querystring: Type.Object({ team: teamQuery }),
        summary: 'The force’s contact queue now, for an external wallboard',
        description:
          'What waits on each channel and for how long, handlers by state, and today’s service level. ' +
          'Counts only; the client’s own force. With `team`, the handlers, roster and today’s contacts ' +
          'are those of one of the force’s teams; what waits is the whole force’s.',
        operationId: 'getContactWallboard',
        tags,
        response: {
          200: WallboardBody,
          ...problemResponses([401, 403, 404, 429], {
            ...refusals,
            404: 'No such team in the client’s force',
          }),
        },
      },
    },
    async (request, reply) => {
      const forceId = request.client!.forceId
      const teams = await chosenTeam(deps.teams, forceId, request.query.team, null, false)
      const board = await deps.wallboard.snapshot(forceId, teams.teamId)
      return reply.header('cache-control', 'no-store').send(board)
    },
  )

  const streamMs = (deps.streamSeconds ?? 600) * 1000
  const open = new Set<() => void>()
  http.addHook('preClose', async () => {
    for (const end of [...open]) end()
  })
  http.get<{ Querystring: { team?: string } }>(
    '/api/v1/contact/wallboard/events',
    {
      config: { access: machine, fixedFormat: true },
      schema: {
        querystring: Type.Object({ team: teamQuery }),
        summary: 'Follow the force’s contact queue as server-sent events',
        description:
          'An event `wallboard` with the figures of getContactWallboard at once and after each change ' +
          'to the queue (at most one a second); the stream ends after ten minutes and the client ' +
          'reconnects. With `team`, the figures are those of one of the force’s teams, as in ' +
          'getContactWallboard; another force’s team is not found.',
        operationId: 'followContactWallboard',
        tags,
        // A stream, like the console's /push/events: described here, not in the OpenAPI document,
        // whose answers are checked whole (test/openapi-answers.test.ts).
        hide: true,
        response: {
          200: {
            description: 'A stream of `wallboard` events',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...problemResponses([401, 403, 404, 429], {
            ...refusals,
            404: 'No such team in the client’s force',
          }),
        },
      },
    },
    async (request: FastifyRequest<{ Querystring: { team?: string } }>, reply: FastifyReply) => {
      const forceId = request.client!.forceId
      // Checked once, before the stream opens: a refusal is a problem document, not an event.
      const { teamId } = await chosenTeam(deps.teams, forceId, request.query.team, null, false)
      const first = await deps.wallboard.snapshot(forceId, teamId)
      reply.hijack()
      const out = reply.raw
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-accel-buffering': 'no',
        'x-correlation-id': request.id,
      })
      const send = (board: Wallboard) => out.write(`event: wallboard\ndata: ${JSON.stringify(board)}\n\n`)
      out.write('retry: 3000\n\n')
      send(first)
      // Changes come in bursts (routing gives several contacts at once): one reading a second.
      let timer: NodeJS.Timeout | undefined
      let ended = false
      const onChange = (_event: PushEvent) => {
        if (timer || ended) return
        timer = setTimeout(async () => {
          timer = undefined
          if (ended) return
          try {
            send(await deps.wallboard.snapshot(forceId, teamId))
          } catch (error) {
            request.log.warn({ err: error }, 'the wallboard could not be read')
          }
        }, 1000)
      }
      const unsubscribe = deps.push?.subscribe({ forceId, topics: [{ topic: queueTopic }] }, onChange)
      const heartbeat = setInterval(() => out.write(': still here\n\n'), 25_000)
      const end = () => {
        if (ended) return
        ended = true
        unsubscribe?.()
        clearInterval(heartbeat)
        clearTimeout(lifetime)
        clearTimeout(timer)
        open.delete(end)
        out.end()
      }
      const lifetime = setTimeout(end, streamMs)
      open.add(end)
      request.raw.on('close', end)
    },
  )
}
