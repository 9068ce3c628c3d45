// The citizen's messages with their investigating officer, as GOV.UK pages (CP-76..86, CP-98,
// CP-102, CP-107, CP-125): the conversation about one case with guidance, the form to write, a
// confirmation once sent (with where to report a new crime when the message reads as one), the
// form answering the force's request for information, and marking read, unread or deleted. HTTP
// only: PortalMessageService holds the rules, and a case the account has no link to is not found.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { NotFoundError } from '../platform/errors.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { AccountService } from './account-service.ts'
import { citizenAccount, termsFirst } from './citizen-routes.ts'
import { messageField, type PortalMessageService } from './message-service.ts'

/** The backstop on the form; the force's own limit (at most 5,000) is checked by the service. */
const FORM_MAX = 5000
const uuid = Type.String({ format: 'uuid' })
const access = { citizen: true as const, product: 'portal' as const }
/** A message the person writes, new or answering a request for information. */
const messageForm = Type.Object({
  message: Type.Optional(Type.String({ maxLength: FORM_MAX })),
  // CP-103: how many times this message has been refused so far (the form carries it).
  attempt: Type.Optional(Type.String({ maxLength: 2 })),
  _csrf: Type.Optional(Type.String({ maxLength: 200 })),
})

/**
 * CP-103: the tries a person has at sending one message; after the last refusal the page shows
 * what they wrote and points them to help and the force instead of the form (decision 0035).
 */
export const SEND_ATTEMPTS = 3
const triesSoFar = (body: { attempt?: string }) =>
  Math.min(Math.max(Number.parseInt(body.attempt ?? '0', 10) || 0, 0), SEND_ATTEMPTS)
/** The page of a refused send, with the tries made and whether any remain. */
const afterRefusal = (body: { attempt?: string }, errors: unknown[] = []) => {
  const attempts = Math.min(triesSoFar(body) + 1, SEND_ATTEMPTS)
  const outOfAttempts = attempts >= SEND_ATTEMPTS
  // Without the form there is no field for the error summary to link to: the warning says it.
  return { attempts, sendAttempts: SEND_ATTEMPTS, outOfAttempts, errors: outOfAttempts ? [] : errors }
}
/** A form posted after its tries ran out is not sent again; the same guidance is shown. */
const outOfTries = (body: { attempt?: string }) => triesSoFar(body) >= SEND_ATTEMPTS

export function registerPortalMessageRoutes(
  http: FastifyInstance,
  deps: { accounts: AccountService; messages: PortalMessageService },
): void {
  const account = (request: FastifyRequest) => citizenAccount(deps.accounts, request)
  const page = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    extra: { errors?: unknown[]; values?: object; done?: string; attempts?: number } = {},
  ) => {
    const me = await account(request)
    const thread = await deps.messages.thread(me, request.params.id, request, {
      lastSignedInAt: me.previousSignedInAt,
    })
    return {
      title: `Messages: ${thread.case.description} ${thread.case.reference}`,
      thread,
      field: messageField,
      ...extra,
    }
  }

  http.get<{ Params: { id: string }; Querystring: { done?: string } }>(
    '/portal/cases/:id/messages',
    {
      config: { access },
      schema: {
        params: Type.Object({ id: uuid }),
        querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) }),
      },
    },
    async (request, reply) => {
      const done = ['deleted', 'read', 'unread'].includes(request.query.done ?? '')
        ? request.query.done
        : undefined
      const shown = await page(request, done ? { done } : {}).catch(termsFirst)
      if (!shown) return reply.redirect('/portal/welcome', 303)
      return reply.render('portal/messages.njk', shown)
    },
  )

  http.post<{ Params: { id: string }; Body: { message?: string; attempt?: string; _csrf?: string } }>(
    '/portal/cases/:id/messages',
    {
      config: { access },
      schema: {
        params: Type.Object({ id: uuid }),
        body: messageForm,
      },
    },
    async (request, reply) => {
      const me = await account(request)
      if (outOfTries(request.body)) {
        reply.code(400)
        return reply.render(
          'portal/messages.njk',
          await page(request, { values: request.body, ...afterRefusal(request.body) }),
        )
      }
      try {
        const sent = await deps.messages.send(
          me,
          request.params.id,
          { text: request.body.message ?? '' },
          request,
        )
        return reply.redirect(`/portal/cases/${request.params.id}/messages/${sent.messageId}/sent`, 303)
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          reply.render(
            'portal/messages.njk',
            await page(request, { values: request.body, ...afterRefusal(request.body, errors) }),
          ),
        )
      }
    },
  )

  // CP-83: the confirmation, and CP-85: where to report something new when it read as a new crime.
  http.get<{ Params: { id: string; messageId: string } }>(
    '/portal/cases/:id/messages/:messageId/sent',
    { config: { access }, schema: { params: Type.Object({ id: uuid, messageId: uuid }) } },
    async (request, reply) => {
      const me = await account(request)
      const thread = await deps.messages.thread(me, request.params.id, request, { markRead: false })
      const message = thread.messages.find((m) => m.id === request.params.messageId && m.fromMe)
      if (!message) throw new NotFoundError('The message')
      return reply.render('portal/message-sent.njk', { title: 'Message sent', thread, message })
    },
  )

  // CP-107: information the force asked for, submitted as text.
  const requestPage = async (
    request: FastifyRequest<{ Params: { id: string; requestId: string } }>,
    extra: object = {},
  ) => {
    const me = await account(request)
    const thread = await deps.messages.thread(me, request.params.id, request, { markRead: false })
    const asked = thread.messages.find((m) => m.id === request.params.requestId && m.openRequest)
    return {
      title: 'Send the information your officer asked for',
      thread,
      asked,
      field: messageField,
      ...extra,
    }
  }
  http.get<{ Params: { id: string; requestId: string } }>(
    '/portal/cases/:id/messages/requests/:requestId',
    { config: { access }, schema: { params: Type.Object({ id: uuid, requestId: uuid }) } },
    async (request, reply) => {
      const view = await requestPage(request)
      if (!view.asked) throw new NotFoundError('The request for information')
      return reply.render('portal/information.njk', view)
    },
  )
  http.post<{
    Params: { id: string; requestId: string }
    Body: { message?: string; attempt?: string; _csrf?: string }
  }>(
    '/portal/cases/:id/messages/requests/:requestId',
    {
      config: { access },
      schema: {
        params: Type.Object({ id: uuid, requestId: uuid }),
        body: messageForm,
      },
    },
    async (request, reply) => {
      const me = await account(request)
      if (outOfTries(request.body)) {
        reply.code(400)
        return reply.render(
          'portal/information.njk',
          await requestPage(request, { values: request.body, ...afterRefusal(request.body) }),
        )
      }
      try {
        const sent = await deps.messages.send(
          me,
          request.params.id,
          { text: request.body.message ?? '', answersRequest: request.params.requestId },
          request,
        )
        return reply.redirect(`/portal/cases/${request.params.id}/messages/${sent.messageId}/sent`, 303)
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          reply.render(
            'portal/information.njk',
            await requestPage(request, { values: request.body, ...afterRefusal(request.body, errors) }),
          ),
        )
      }
    },
  )

  // CP-102: read, unread, deleted (from the person's view only).
  http.post<{ Params: { id: string; messageId: string }; Body: { action?: string; _csrf?: string } }>(
    '/portal/cases/:id/messages/:messageId',
    {
      config: { access },
      schema: {
        params: Type.Object({ id: uuid, messageId: uuid }),
        body: Type.Object({
          action: Type.Union([Type.Literal('read'), Type.Literal('unread'), Type.Literal('delete')]),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const me = await account(request)
      const action = request.body.action as 'read' | 'unread' | 'delete'
      await deps.messages.change(me, request.params.id, request.params.messageId, action, request)
      const done = action === 'delete' ? 'deleted' : action
      return reply.redirect(`/portal/cases/${request.params.id}/messages?done=${done}#messages`, 303)
    },
  )
}
