// /api/v1/portal/webhooks: iHub subscribes to the force's Portal events, reads their deliveries
// (dead letters among them) and replays one (CP-163). Scope `portal:webhooks`.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { apiProblems, problemResponses } from '../../platform/api/api-schemas.ts'
import { callerOf, PORTAL_API_SINCE, portalAccess } from './routes.ts'
import { IdParams, portalHeaders } from './schemas.ts'
import type { DeliveryRow, DeliveryStatus } from './schema.ts'
import {
  portalEventTypes,
  SIGNATURE_HEADER,
  type WebhookService,
  type WebhookView,
} from './webhook-service.ts'

const access = portalAccess('portal:webhooks')
const since = PORTAL_API_SINCE
const tags = ['Portal webhooks']
const EventType = Type.Union(portalEventTypes.map((e) => Type.Literal(e)))

const Webhook = Type.Object({
  id: Type.String({ format: 'uuid' }),
  url: Type.String(),
  events: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  active: Type.Boolean(),
})

const Delivery = Type.Object({
  id: Type.String({ format: 'uuid' }),
  webhookId: Type.String({ format: 'uuid' }),
  eventId: Type.String({ format: 'uuid' }),
  eventType: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
  attempts: Type.Integer(),
  nextAttemptAt: Type.String({ format: 'date-time' }),
  lastHttpStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  payload: Type.Record(Type.String(), Type.Unknown(), { description: 'The event as it is posted' }),
})

const webhookJson = (w: WebhookView) => ({ ...w, createdAt: w.createdAt.toISOString() })
const deliveryJson = (d: DeliveryRow) => ({
  id: d.id,
  webhookId: d.webhookId,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt.toISOString(),
  lastHttpStatus: d.lastHttpStatus,
  lastError: d.lastError,
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
  createdAt: d.createdAt.toISOString(),
  payload: d.payload,
})

export function registerWebhookRoutes(http: FastifyInstance, deps: { webhooks: WebhookService }): void {
  const { webhooks } = deps

  http.post(
    '/api/v1/portal/webhooks',
    {
      config: { access, idempotent: true, since },
      schema: {
        summary: 'Subscribe an address to the force’s Portal events',
        description:
          'Each event is posted as JSON `{ id, type, occurredAt, forceId, data }` with the headers ' +
          `\`${SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>\`, ` +
          '`Waypoint-Event`, `Waypoint-Delivery` and `Idempotency-Key` (the event id). Answer 2xx to ' +
          'accept; 408, 429 and 5xx are retried with backoff for a day, anything else is a dead ' +
          'letter at once. The host must be on the deployment’s allow-list (OUTBOUND_WEBHOOK_HOSTS). ' +
          'The secret is shown only in this answer.',
        operationId: 'createPortalWebhook',
        tags,
        consumes: ['application/json', 'application/xml', 'application/yaml'],
        headers: portalHeaders({ idempotent: true }),
        body: Type.Object({
          url: Type.String({ minLength: 8, maxLength: 2000 }),
          events: Type.Array(EventType, { minItems: 1, maxItems: portalEventTypes.length }),
        }),
        response: {
          201: Type.Object({ webhook: Webhook, secret: Type.String({ description: 'Shown once' }) }),
          ...problemResponses([...apiProblems, 409, 422]),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request)
      const { webhook, secret } = await webhooks.subscribe(
        caller.forceId,
        request.body as { url: string; events: string[] },
        caller,
      )
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ webhook: webhookJson(webhook), secret })
    },
  )

  http.get(
    '/api/v1/portal/webhooks',
    {
      config: { access, since },
      schema: {
        summary: 'The force’s webhook subscriptions',
        operationId: 'listPortalWebhooks',
        tags,
        response: { 200: Type.Object({ webhooks: Type.Array(Webhook) }), ...problemResponses(apiProblems) },
      },
    },
    async (request) => ({ webhooks: (await webhooks.list(request.client!.forceId)).map(webhookJson) }),
  )

  http.delete(
    '/api/v1/portal/webhooks/:id',
    {
      config: { access, since },
      schema: {
        summary: 'Stop a subscription',
        operationId: 'deletePortalWebhook',
        tags,
        params: IdParams,
        response: {
          204: Type.Null({ description: 'No more events go to it' }),
          ...problemResponses([...apiProblems, 404]),
        },
      },
    },
    async (request, reply) => {
      await webhooks.unsubscribe(
        request.client!.forceId,
        (request.params as { id: string }).id,
        callerOf(request),
      )
      return reply.code(204).send()
    },
  )

  http.get(
    '/api/v1/portal/webhooks/deliveries',
    {
      config: { access, since },
      schema: {
        summary: 'Recent deliveries, newest first; `status=dead` for the dead letters',
        operationId: 'listPortalWebhookDeliveries',
        tags,
        querystring: Type.Object({
          status: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('dead')]),
          ),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        }),
        response: {
          200: Type.Object({ deliveries: Type.Array(Delivery) }),
          ...problemResponses(apiProblems),
        },
      },
    },
    async (request) => {
      const query = request.query as { status?: DeliveryStatus; limit?: number }
      return { deliveries: (await webhooks.deliveries(request.client!.forceId, query)).map(deliveryJson) }
    },
  )

  http.post(
    '/api/v1/portal/webhooks/deliveries/:id/replay',
    {
      config: { access, idempotent: true, since },
      schema: {
        summary: 'Send a delivery again (a dead letter, or one the receiver lost)',
        operationId: 'replayPortalWebhookDelivery',
        tags,
        headers: portalHeaders({ idempotent: true }),
        params: IdParams,
        response: {
          202: Type.Object({ id: Type.String({ format: 'uuid' }), status: Type.Literal('pending') }),
          ...problemResponses([...apiProblems, 404, 409, 422]),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request)
      const id = (request.params as { id: string }).id
      await webhooks.replay(caller.forceId, id, {
        actor: { kind: 'client', id: caller.clientId, name: null },
        ip: caller.ip,
        correlationId: caller.correlationId,
      })
      return reply.code(202).send({ id, status: 'pending' as const })
    },
  )
}
