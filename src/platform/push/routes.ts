// The two ways a page follows live events: server-sent events (`/push/events`, what the console
// uses through EventSource) and a WebSocket (`/push/socket`). Both take `topic` (repeatable, as
// `name` or `name:key`), authorise the subscription once before anything is sent, and end after
// a while so that the browser reconnects and is authorised again (a session that has ended then
// gets no more events).
import { Type } from '@sinclair/typebox'
import fastifyWebsocket from '@fastify/websocket'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { problemResponses } from '../api/api-schemas.ts'
import type { CitizenPrincipal } from '../http/server.ts'
import {
  type PushEvent,
  PushRefused,
  type PushService,
  type Subscriber,
  type Subscription,
  type TopicRequest,
} from './push-service.ts'

export interface PushRouteOptions {
  /** How long one stream lives before the browser is asked to reconnect. */
  streamSeconds?: number
  heartbeatSeconds?: number
}

declare module 'fastify' {
  interface FastifyRequest {
    pushSubscription: Subscription | undefined
  }
}

const access = { custom: 'a staff or citizen session; each topic is authorised on subscribe' } as const

/** The topics to follow: one to ten. */
const Topics = Type.Object({
  topic: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String())], {
      description: 'A topic to follow, as `name` or `name:key`; repeat for several',
    }),
  ),
})

/**
 * Pages follow live events here with their browser session, so the routes are not part of the
 * integration API's description; the schema still reads the query and names the answers.
 */
const pushSchema = (summary: string) => ({
  summary,
  hide: true,
  querystring: Topics,
  response: problemResponses([400, 401, 403], {
    400: 'No topic, or more than ten',
    401: 'No staff or citizen session',
    403: 'A topic that does not exist or that the session may not follow, or a WebSocket opened by another site',
  }),
})

export async function registerPushRoutes(
  http: FastifyInstance,
  push: PushService,
  options: PushRouteOptions = {},
): Promise<void> {
  const streamMs = (options.streamSeconds ?? 600) * 1000
  const heartbeatMs = (options.heartbeatSeconds ?? 25) * 1000
  const open = new Set<() => void>()
  http.decorateRequest('pushSubscription', undefined)
  await ensureWebSockets(http)
  // Open streams would hold the server open: they end before it closes.
  http.addHook('preClose', async () => {
    for (const end of [...open]) end()
  })

  const authorise = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const topics = topicsOf(request.query)
      request.pushSubscription = await push.authorise(subscriberOf(request, push, topics), topics)
    } catch (error) {
      if (!(error instanceof PushRefused)) throw error
      return reply.code(error.status).type('application/problem+json').send({
        type: 'about:blank',
        title: error.message,
        status: error.status,
        correlationId: request.id,
      })
    }
  }

  http.get(
    '/push/events',
    {
      config: { access },
      schema: pushSchema('Follow live events as server-sent events'),
      preHandler: authorise,
    },
    async (request, reply) => {
      const subscription = request.pushSubscription!
      reply.hijack()
      const out = reply.raw
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-accel-buffering': 'no',
        'x-correlation-id': request.id,
      })
      out.write('retry: 3000\n\nevent: ready\ndata: {}\n\n')
      const send = (event: PushEvent) => {
        out.write(`event: ${event.topic}\ndata: ${JSON.stringify(eventBody(event))}\n\n`)
      }
      const unsubscribe = push.subscribe(subscription, send)
      const heartbeat = setInterval(() => out.write(': still here\n\n'), heartbeatMs)
      const end = () => {
        unsubscribe()
        clearInterval(heartbeat)
        clearTimeout(lifetime)
        open.delete(end)
        out.end()
      }
      const lifetime = setTimeout(end, streamMs)
      open.add(end)
      request.raw.on('close', end)
    },
  )

  http.get(
    '/push/socket',
    {
      config: { access },
      schema: pushSchema('Follow live events over a WebSocket'),
      websocket: true,
      preHandler: [sameOrigin, authorise],
    },
    (socket, request) => {
      const subscription = request.pushSubscription!
      const unsubscribe = push.subscribe(subscription, (event) => {
        socket.send(JSON.stringify({ type: 'event', ...eventBody(event) }))
      })
      const end = () => {
        unsubscribe()
        clearTimeout(lifetime)
        open.delete(end)
        if (socket.readyState === socket.OPEN) socket.close(1012, 'reconnect')
      }
      const lifetime = setTimeout(end, streamMs)
      open.add(end)
      socket.on('close', end)
      // The socket only listens: anything sent to it is ignored.
      socket.on('message', () => {})
      socket.send(JSON.stringify({ type: 'ready' }))
    },
  )
}

/**
 * WebSockets on the one HTTP server, registered once for every route that takes them (this push
 * socket, Contact's web chat). A frame may hold a chat message (16 KiB at most); the push socket
 * ignores whatever it is sent.
 */
export async function ensureWebSockets(http: FastifyInstance): Promise<void> {
  if (http.hasDecorator('websocketServer')) return
  await http.register(fastifyWebsocket, { options: { maxPayload: 16 * 1024 } })
}

/** A WebSocket is not bound by the same-origin policy: one opened by another site is refused. */
async function sameOrigin(request: FastifyRequest, reply: FastifyReply) {
  const origin = request.headers.origin
  const host = request.headers.host
  let allowed = false
  try {
    allowed = !!origin && !!host && new URL(origin).host === host
  } catch {
    // Expected: an Origin header that is not a URL is not this site.
    allowed = false
  }
  if (!allowed)
    return reply.code(403).type('application/problem+json').send({
      type: 'about:blank',
      title: 'A live connection must come from this site',
      status: 403,
      correlationId: request.id,
    })
}

function eventBody(event: PushEvent) {
  return { topic: event.topic, ...(event.key ? { key: event.key } : {}), ids: event.ids ?? {} }
}

function topicsOf(query: unknown): TopicRequest[] {
  const given = (query as { topic?: string | string[] } | undefined)?.topic
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given]
  return list.slice(0, 11).map((value) => {
    const at = String(value).indexOf(':')
    return at < 0
      ? { topic: String(value) }
      : { topic: String(value).slice(0, at), key: String(value).slice(at + 1) }
  })
}

/**
 * Who subscribes: a member of staff, or a citizen. A browser may hold both sessions; the
 * citizen's is used for topics only citizens may follow.
 */
function subscriberOf(
  request: FastifyRequest,
  push: PushService,
  topics: TopicRequest[],
): Subscriber | undefined {
  const citizen: CitizenPrincipal | undefined = request.citizen
  const wantsCitizenTopics = topics.length > 0 && topics.every((t) => push.isCitizenTopic(t.topic))
  if (request.staff && !(citizen && wantsCitizenTopics)) return { kind: 'staff', staff: request.staff }
  if (citizen) return { kind: 'citizen', citizen: { id: citizen.id, forceId: citizen.forceId } }
  return undefined
}
