// /api/v1/portal/cases/{caseId}/messages: the person's messages with their investigating officer
// through the national front-end (CP-76, CP-102), and the force's reply for a named officer
// (CP-94). The Portal's own rules apply: only while an officer is assigned and the case is open,
// the force's length limits, new-crime signposting (CP-81, CP-84, CP-125).
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { apiProblems, problemResponses } from '../../platform/api/api-schemas.ts'
import { callerOf, PORTAL_API_SINCE, portalAccess, subjectOf } from './routes.ts'
import { CaseParams, portalHeaders } from './schemas.ts'
import type { PortalApiService } from './service.ts'

const since = PORTAL_API_SINCE
const tags = ['Portal messages']
const formats = ['application/json', 'application/xml', 'application/yaml']
const uuid = { format: 'uuid' } as const

const Message = Type.Object({
  id: Type.String(uuid),
  fromPerson: Type.Boolean({ description: 'True for what the person wrote, false for the force’s' }),
  author: Type.String({ description: '“You”, or the officer’s name' }),
  body: Type.String({ description: 'Empty when the officer recalled it' }),
  sentAt: Type.String({ format: 'date-time' }),
  kind: Type.String({ description: 'message, information-request, information or extra-information' }),
  read: Type.Boolean({ description: 'The force’s messages: read by the person' }),
  recalled: Type.Boolean(),
  edited: Type.Boolean(),
  openRequest: Type.Boolean({ description: 'A request for information not answered yet (CP-107)' }),
})

const Thread = Type.Object({
  caseId: Type.String(uuid),
  messages: Type.Array(Message),
  unread: Type.Integer(),
  canSend: Type.Boolean(),
  cannotSendBecause: Type.Union([Type.String(), Type.Null()]),
  limits: Type.Object({ minLength: Type.Integer(), maxLength: Type.Integer() }),
  answerWithin: Type.String({ description: 'When the officer aims to answer, in words (CP-86)' }),
})

export function registerPortalMessageApiRoutes(http: FastifyInstance, deps: { api: PortalApiService }): void {
  const { api } = deps

  http.get(
    '/api/v1/portal/cases/:caseId/messages',
    {
      config: { access: portalAccess('portal:messages'), since },
      schema: {
        summary: 'The person’s messages with the officer about one of their cases, oldest first',
        description:
          'Reading them does not mark them read: the front-end says when the person has read them.',
        operationId: 'listPortalMessages',
        tags,
        headers: portalHeaders({ subject: true }),
        params: CaseParams,
        response: { 200: Thread, ...problemResponses([...apiProblems, 404]) },
      },
    },
    async (request) => {
      const { caseId } = request.params as { caseId: string }
      const thread = await api.messages(callerOf(request), subjectOf(request), caseId, false)
      return {
        caseId,
        messages: thread.messages.map((m) => ({
          id: m.id,
          fromPerson: m.fromMe,
          author: m.author,
          body: m.body,
          sentAt: m.sentAt.toISOString(),
          kind: m.kind,
          read: m.read,
          recalled: m.recalled,
          edited: m.edited,
          openRequest: m.openRequest,
        })),
        unread: thread.unread,
        canSend: thread.canSend.ok,
        cannotSendBecause: thread.canSend.ok ? null : thread.canSend.reason,
        limits: thread.limits,
        answerWithin: thread.answerWithin,
      }
    },
  )

  http.post(
    '/api/v1/portal/cases/:caseId/messages',
    {
      config: { access: portalAccess('portal:messages'), idempotent: true, since },
      schema: {
        summary: 'The person sends a message to the officer, or answers a request for information',
        operationId: 'sendPortalMessage',
        tags,
        consumes: formats,
        headers: portalHeaders({ subject: true, idempotent: true }),
        params: CaseParams,
        body: Type.Object({
          text: Type.String({ maxLength: 10_000 }),
          answersRequest: Type.Optional(
            Type.String({ ...uuid, description: 'The request for information answered' }),
          ),
        }),
        response: {
          201: Type.Object({
            messageId: Type.String(uuid),
            sentAt: Type.String({ format: 'date-time' }),
            dueBy: Type.String({
              format: 'date-time',
              description: 'When the officer aims to have answered',
            }),
            newCrime: Type.Union(
              [
                Type.Object({
                  rule: Type.String({ description: 'Why it reads as a new crime' }),
                  signpost: Type.Unknown({ description: 'Where to report it, as the force words it' }),
                }),
                Type.Null(),
              ],
              {
                description:
                  'Set when the message reads as a new crime: show the person where to report it (CP-84, CP-85)',
              },
            ),
          }),
          ...problemResponses([...apiProblems, 404, 409, 422], {
            400: 'The message cannot go: the case is closed or has no officer, or it is outside the limits',
          }),
        },
      },
    },
    async (request, reply) => {
      const { caseId } = request.params as { caseId: string }
      const body = request.body as { text: string; answersRequest?: string }
      const sent = await api.send(callerOf(request), subjectOf(request), caseId, body)
      return reply.code(201).send({
        messageId: sent.messageId,
        sentAt: sent.sentAt.toISOString(),
        dueBy: sent.dueBy.toISOString(),
        newCrime: sent.newCrime
          ? {
              rule: sent.newCrime.because ?? 'It reads as something new that has happened',
              signpost: sent.newCrime.signpost,
            }
          : null,
      })
    },
  )

  http.post(
    '/api/v1/portal/cases/:caseId/messages/:messageId/read-state',
    {
      config: { access: portalAccess('portal:messages'), idempotent: true, since },
      schema: {
        summary: 'The person marks one of the force’s messages read or unread',
        operationId: 'setPortalMessageReadState',
        tags,
        consumes: formats,
        headers: portalHeaders({ subject: true, idempotent: true }),
        params: Type.Object({ caseId: Type.String(uuid), messageId: Type.String(uuid) }),
        body: Type.Object({ read: Type.Boolean() }),
        response: {
          200: Type.Object({ messageId: Type.String(uuid), read: Type.Boolean() }),
          ...problemResponses([...apiProblems, 404, 409, 422]),
        },
      },
    },
    async (request) => {
      const { caseId, messageId } = request.params as { caseId: string; messageId: string }
      const { read } = request.body as { read: boolean }
      await api.readState(callerOf(request), subjectOf(request), caseId, messageId, read)
      return { messageId, read }
    },
  )

  http.post(
    '/api/v1/portal/cases/:caseId/replies',
    {
      config: { access: portalAccess('portal:officer'), idempotent: true, since },
      schema: {
        summary: 'The force replies to the person for one of its officers',
        description:
          'As the officer console replies: only while the case is open and has an officer; written to ' +
          'the RMS, and the person is told there is a new message (never what it says), after quiet hours.',
        operationId: 'replyToPortalMessage',
        tags,
        consumes: formats,
        headers: portalHeaders({ subject: true, idempotent: true }),
        params: CaseParams,
        body: Type.Object({
          text: Type.String({ maxLength: 10_000 }),
          staffId: Type.String({ ...uuid, description: 'The investigating officer or supervisor replying' }),
        }),
        response: {
          201: Type.Object({
            messageId: Type.String(uuid),
            notifyAfter: Type.String({ format: 'date-time', description: 'When the person is told' }),
          }),
          ...problemResponses([...apiProblems, 404, 409, 422], {
            409: 'The person has not written about this case yet, or the key is in use',
          }),
        },
      },
    },
    async (request, reply) => {
      const { caseId } = request.params as { caseId: string }
      const sent = await api.reply(
        callerOf(request),
        subjectOf(request),
        caseId,
        request.body as { text: string; staffId: string },
      )
      return reply.code(201).send({ messageId: sent.messageId, notifyAfter: sent.sendAfter.toISOString() })
    },
  )
}
