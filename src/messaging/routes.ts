// Messaging over HTTP: provider callbacks (bearer token), one-click unsubscribe (signed link),
// and the console pages: dev outbox, message detail, opt-outs and failed contact details.
import type { ApprovalService } from '../platform/approvals/approval-service.ts'
import type { TemplateChanges } from './template-changes.ts'
import type { Force } from '../platform/tenancy/force-repository.ts'
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { Type } from '@sinclair/typebox'
import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { Config } from '../platform/config.ts'
import type { PushService } from '../platform/push/push-service.ts'
import type { Database } from '../platform/db/database.ts'
import { DomainError, ValidationError } from '../platform/errors.ts'
import { problemResponses } from '../platform/api/api-schemas.ts'
import type { MessageDispatcher } from './dispatch.ts'
import type { NotifyChannel } from './channels.ts'
import type { ConversationService } from './conversations/service.ts'
import type { Channel } from './schema.ts'
import type { MessagingServices } from './messaging-services.ts'
import type { TemplateEditing } from './template-service.ts'
import type { UnsubscribeLinks } from './unsubscribe-links.ts'
import { registerMessagingConsoleRoutes } from './console-routes.ts'
import { outboxReaders, registerOutboxRoutes } from './outbox-routes.ts'
import type { OutboxService } from './outbox-service.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'

const ForceParams = Type.Object({ forceId: Type.String({ description: 'The force the callback is for' }) })

/** GOV.UK Notify's delivery receipt; fields Waypoint does not use are accepted and ignored. */
const NotifyReceipt = Type.Object(
  {
    id: Type.Optional(Type.String({ description: 'Notify’s id for the message' })),
    reference: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    status: Type.Optional(Type.String({ description: 'delivered, permanent-failure, …' })),
  },
  { additionalProperties: true },
)

/** GOV.UK Notify's received text message; fields Waypoint does not use are accepted and ignored. */
const NotifyInboundSms = Type.Object(
  {
    id: Type.Optional(Type.String()),
    source_number: Type.Optional(Type.String({ description: 'The sender’s phone number' })),
    destination_number: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    date_received: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
)

export interface MessagingRouteDependencies {
  config: Config
  db: Database
  messaging: MessagingServices
  /** The outbox pages' reads and staff actions (cancel, resend). */
  outbox: OutboxService
  dispatcher: MessageDispatcher
  links: UnsubscribeLinks
  audit: AuditService
  /** The values messages are given, so the template editor can check and preview them. */
  editing: TemplateEditing
  /** For "Test connection" on the messaging settings page, and received text messages. */
  notify?: NotifyChannel
  /** Where received messages are kept. */
  conversations?: ConversationService
  /** A force's name and branding: the unsubscribe page a message links to wears them. */
  force?: (forceId: string) => Promise<Force>
  /** Whether a force of this id exists: a callback for none is answered 404. */
  forceExists?: (forceId: string) => Promise<boolean>
  /** Tells open outbox pages that a message was sent or its delivery changed. */
  push?: PushService
  /** Template saves and rollbacks, under second-person approval when the force needs it. */
  changes: TemplateChanges
  approvals: ApprovalService
}

const optOutRecorders: StaffRole[] = [
  'force_admin',
  'contact_handler',
  'contact_supervisor',
  'investigating_officer',
  'supervisor',
]

export function registerMessagingRoutes(http: FastifyInstance, deps: MessagingRouteDependencies): void {
  const { db, messaging, dispatcher, links, audit } = deps
  registerMessagingConsoleRoutes(http, {
    config: deps.config,
    db,
    messaging,
    audit,
    editing: deps.editing,
    changes: deps.changes,
    approvals: deps.approvals,
    ...(deps.notify ? { notify: deps.notify } : {}),
  })
  registerOutboxRoutes(http, { db, messaging, outbox: deps.outbox, audit })
  const notifyCallback = { custom: 'Notify callback bearer token' } as const
  const notifyCallbackSecurity = [{ notifyCallback: [] }]
  deps.push?.defineTopic({ name: 'outbox', staff: outboxReaders })

  // Runs at onRequest, before the API platform reads bearer tokens as machine-client tokens:
  // Notify's token is checked here and then removed, as it belongs to this route alone.
  const checkBearer = async (request: FastifyRequest) => {
    const given = Buffer.from((request.headers.authorization ?? '').replace(/^Bearer /i, ''))
    // While NOTIFY_CALLBACK_TOKEN_PREVIOUS is set, the token Notify was given before is accepted
    // too, so receipts keep arriving while the new one is entered at Notify (decision 0049).
    const { callbackToken, callbackTokenPrevious } = deps.config.messaging.notify
    const accepted = [callbackToken, ...(callbackTokenPrevious ? [callbackTokenPrevious] : [])].some(
      (token) => {
        const expected = Buffer.from(token)
        return given.length === expected.length && timingSafeEqual(given, expected)
      },
    )
    if (!accepted) {
      throw new DomainError('unauthenticated', 'The callback token is not valid', { status: 401 })
    }
    delete request.headers.authorization
  }

  // Delivery receipts from GOV.UK Notify (UJ-15): https://docs.notifications.service.gov.uk/rest-api.html#callbacks
  http.post<{
    Params: { forceId: string }
    Body: { id?: string; reference?: string | null; status?: string }
  }>(
    '/callbacks/notify/:forceId/receipts',
    {
      config: { access: notifyCallback },
      onRequest: checkBearer,
      schema: {
        summary: 'A delivery receipt from GOV.UK Notify',
        description:
          'GOV.UK Notify calls this with the status of each message it was given ' +
          '(https://docs.notifications.service.gov.uk/rest-api.html#delivery-receipts).',
        operationId: 'receiveNotifyReceipt',
        tags: ['GOV.UK Notify callbacks'],
        security: notifyCallbackSecurity,
        params: ForceParams,
        body: NotifyReceipt,
        response: {
          204: Type.Null({ description: 'The receipt is recorded' }),
          404: Type.Null({ description: 'No message has that id' }),
          ...problemResponses([400, 401], {
            400: 'The receipt has no id or status',
            401: 'The callback token is not valid',
          }),
        },
      },
    },
    async (request, reply) => {
      const { id, reference, status } = request.body ?? {}
      if (!id || !status) throw new ValidationError([{ field: 'id', message: 'id and status are required' }])
      const outcome = await dispatcher.applyReceipt(request.params.forceId, id, reference ?? null, status)
      if (outcome === 'applied')
        await deps.push?.publish({ forceId: request.params.forceId, topic: 'outbox' })
      return reply.code(outcome === 'unknown-message' ? 404 : 204).send()
    },
  )

  // Received text messages (CP-76): each is kept as an inbound conversation message (matched to
  // the person, or kept for triage), once per Notify id; STOP and its variants also opt the
  // number out (UJ-6).
  http.post<{ Params: { forceId: string }; Body: unknown }>(
    '/callbacks/notify/:forceId/inbound-sms',
    {
      config: { access: notifyCallback },
      onRequest: checkBearer,
      schema: {
        summary: 'A text message received by GOV.UK Notify',
        description:
          'Kept as an inbound conversation message; STOP and its variants also opt the number out ' +
          '(https://docs.notifications.service.gov.uk/rest-api.html#received-text-messages).',
        operationId: 'receiveNotifyTextMessage',
        tags: ['GOV.UK Notify callbacks'],
        security: notifyCallbackSecurity,
        params: ForceParams,
        body: NotifyInboundSms,
        response: {
          200: Type.Object(
            {
              optedOut: Type.Literal(true),
              cancelled: Type.Integer({ description: 'Messages to the number that were cancelled' }),
            },
            { description: 'The message asked to stop: the number is opted out' },
          ),
          204: Type.Null({ description: 'The message is kept' }),
          ...problemResponses([400, 401, 404], {
            400: 'The message has no source_number or message',
            401: 'The callback token is not valid',
            404: 'There is no such force, or GOV.UK Notify is not configured',
          }),
        },
      },
    },
    async (request, reply) => {
      if (!deps.notify) throw new DomainError('not-found', 'GOV.UK Notify is not configured', { status: 404 })
      const inbound = deps.notify.receive(request.body)
      const forceId = request.params.forceId
      if (deps.forceExists && !(await deps.forceExists(forceId)))
        throw new DomainError('not-found', 'There is no such force', { status: 404 })
      if (!deps.conversations)
        throw new DomainError('not-found', 'Conversations are not set up', { status: 404 })
      const result = await deps.conversations.receiveText(forceId, inbound, {
        system: 'GOV.UK Notify',
        correlationId: request.id,
      })
      const stop = result.optedOut
      if (!stop) return reply.code(204).send()
      return reply.code(200).send({ optedOut: true, cancelled: result.cancelled })
    },
  )

  // One-click unsubscribe (RFC 8058): the mail client POSTs; a person following the link gets a
  // page with a button, so link scanners that fetch GET cannot unsubscribe anyone.
  http.get<{ Params: { token: string } }>(
    '/unsubscribe/:token',
    { config: { access: 'public' } },
    async (request, reply) => {
      const target = links.verify(request.params.token)
      if (!target)
        return reply
          .code(404)
          .render('messaging/unsubscribe.njk', { title: 'This link is not valid', invalid: true })
      return reply.render('messaging/unsubscribe.njk', {
        title: 'Stop emails',
        token: request.params.token,
        brandForce: await deps.force?.(target.forceId),
      })
    },
  )
  http.post<{ Params: { token: string } }>(
    '/unsubscribe/:token',
    { config: { access: { custom: 'signed unsubscribe link' } } },
    async (request, reply) => {
      const target = links.verify(request.params.token)
      if (!target)
        return reply
          .code(404)
          .render('messaging/unsubscribe.njk', { title: 'This link is not valid', invalid: true })
      await db.withForce(target.forceId, async (tx) => {
        const recorded = await messaging.optOuts.recordOptOut(tx, {
          forceId: target.forceId,
          channel: target.channel,
          address: target.addressKey,
          source: 'email-link',
        })
        await audit.record(
          {
            action: 'message-opt-out.recorded',
            forceId: target.forceId,
            actor: { kind: 'system', name: 'Unsubscribe link' },
            recordType: 'message-opt-out',
            recordId: recorded.optOut.id,
            detail: { source: 'email-link', cancelled: recorded.cancelled },
            ip: request.ip,
            correlationId: request.id,
          },
          tx,
        )
      })
      return reply.render('messaging/unsubscribe.njk', {
        title: 'You have unsubscribed',
        done: true,
        brandForce: await deps.force?.(target.forceId),
      })
    },
  )

  /** The opt-outs page: the force's opt-outs and failed contact details, with the form's state. */
  const renderOptOuts = async (reply: FastifyReply, forceId: string, form: Record<string, unknown>) => {
    const [optOuts, failures] = await db.withForce(
      forceId,
      async (tx) =>
        [
          await messaging.optOuts.optOuts(tx, forceId),
          await messaging.optOuts.badContactPoints(tx, forceId),
        ] as const,
    )
    return reply.render('messaging/opt-outs.njk', {
      title: 'Opt-outs and failed contact details',
      optOuts,
      failures,
      ...form,
    })
  }

  http.get<{ Querystring: { saved?: string; removed?: string } }>(
    '/console/opt-outs',
    { config: { access: { staff: optOutRecorders } } },
    async (request, reply) =>
      renderOptOuts(reply, ownForce(request), {
        values: {},
        saved: request.query.saved === '1',
        removed: request.query.removed === '1',
      }),
  )

  http.post<{ Body: { channel?: string; address?: string; note?: string } }>(
    '/console/opt-outs',
    {
      config: { access: { staff: optOutRecorders } },
      schema: {
        body: Type.Object({ address: formText(MAX_LENGTH.email), note: formText(MAX_LENGTH.shortText) }),
      },
    },
    async (request, reply) => {
      const forceId = ownForce(request)
      const body = request.body ?? {}
      const channel = (['sms', 'email', 'all'].includes(body.channel ?? '') ? body.channel : undefined) as
        | Channel
        | 'all'
        | undefined
      try {
        if (!channel)
          throw new ValidationError([{ field: 'channel', message: 'Select what the person wants to stop' }])
        await db.withForce(forceId, async (tx) => {
          const recorded = await messaging.optOuts.recordOptOut(tx, {
            forceId,
            channel,
            address: body.address ?? '',
            source: 'staff',
            note: body.note?.slice(0, 500) ?? '',
            actorId: staffOf(request).id,
          })
          await audit.record(
            {
              action: 'message-opt-out.recorded',
              forceId,
              ...whoAndWhere(request),
              recordType: 'message-opt-out',
              recordId: recorded.optOut.id,
              detail: { source: 'staff', channel, cancelled: recorded.cancelled },
            },
            tx,
          )
        })
        return reply.redirect('/console/opt-outs?saved=1', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderOptOuts(reply, forceId, { errors, values: body }))
      }
    },
  )
}

const ownForce = staffForce('Choose a force first: messages belong to a force')
