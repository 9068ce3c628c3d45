// Pages of the handlers' tools: a contact's private notes (read by the force's contact staff,
// written with mentions of colleagues); the force's canned responses (kept by contact
// supervisors) and the reply page that puts one into a reply, by a plain form without JavaScript;
// the force's labels (kept by supervisors) and the labels on a contact.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import {
  type AgentToolsService,
  CANNED_BODY_MAX,
  CANNED_TITLE_MAX,
  type CannedResponsesService,
  type ContactLabelsService,
  LABEL_MAX,
  NOTE_MAX,
} from './agent-tools.ts'
import type { QueueService } from './queue.ts'
import { acting, contactStaff, forceOf } from './single-view-routes.ts'

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

export function registerAgentToolsRoutes(
  http: FastifyInstance,
  deps: {
    tools: AgentToolsService
    labels: ContactLabelsService
    canned: CannedResponsesService
    queue: QueueService
    audit: AuditService
  },
): void {
  const access = { staff: contactStaff, product: 'contact' as const }

  const renderNotes = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: { body: string; mention: string[] } } = {},
  ) => {
    const forceId = forceOf(request)
    const me = acting(request)
    const found = await deps.tools.notes(forceId, request.params.id, me.staffId, (tx) =>
      deps.audit.recordView(
        request,
        { forceId, recordType: 'contact-notes', recordId: request.params.id },
        tx,
      ),
    )
    return reply.render('contact/notes.njk', {
      title: 'Private notes on a contact',
      itemId: request.params.id,
      ...found,
      me: me.staffId,
      noteMax: NOTE_MAX,
      errors: form.errors,
      values: form.values ?? { body: '', mention: [] },
    })
  }

  http.get<{ Params: { id: string } }>(
    '/console/contact/queue/contacts/:id/notes',
    { config: { access }, schema: { params: idParams } },
    (request, reply) => renderNotes(request, reply),
  )

  http.post<{ Params: { id: string }; Body: { body?: string; mention?: string | string[] } }>(
    '/console/contact/queue/contacts/:id/notes',
    {
      config: { access },
      schema: {
        params: idParams,
        body: Type.Object({
          body: formText(NOTE_MAX),
          mention: Type.Optional(
            Type.Union([
              Type.String({ maxLength: 40 }),
              Type.Array(Type.String({ maxLength: 40 }), { maxItems: 200 }),
            ]),
          ),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.tools.addNote(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/queue/contacts/${request.params.id}/notes`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderNotes(request, reply, {
            errors,
            values: { body: request.body.body ?? '', mention: [request.body.mention ?? []].flat() },
          }),
        )
      }
    },
  )

  const supervisors = { staff: ['contact_supervisor'] as const, product: 'contact' as const }
  const cannedBody = Type.Object({
    title: formText(CANNED_TITLE_MAX),
    body: formText(CANNED_BODY_MAX),
    ...csrf,
  })

  const renderCanned = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { editing?: { id: string }; errors?: FieldError[]; values?: { title: string; body: string } } = {},
  ) =>
    reply.render('contact/canned-responses.njk', {
      title: form.editing ? 'Change a canned response' : 'Canned responses',
      responses: form.editing ? [] : await deps.canned.list(forceOf(request)),
      editing: form.editing,
      titleMax: CANNED_TITLE_MAX,
      bodyMax: CANNED_BODY_MAX,
      errors: form.errors,
      values: form.values ?? { title: '', body: '' },
    })

  http.get('/console/contact/canned-responses', { config: { access: supervisors } }, (request, reply) =>
    renderCanned(request, reply),
  )

  http.post<{ Body: { title?: string; body?: string } }>(
    '/console/contact/canned-responses',
    { config: { access: supervisors }, schema: { body: cannedBody } },
    async (request, reply) => {
      try {
        await deps.canned.save(forceOf(request), null, request.body, acting(request))
        return reply.redirect('/console/contact/canned-responses', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderCanned(request, reply, {
            errors,
            values: { title: request.body.title ?? '', body: request.body.body ?? '' },
          }),
        )
      }
    },
  )

  http.get<{ Params: { id: string } }>(
    '/console/contact/canned-responses/:id',
    { config: { access: supervisors }, schema: { params: idParams } },
    async (request, reply) => {
      const found = await deps.canned.get(forceOf(request), request.params.id)
      return renderCanned(request, reply, { editing: found, values: found })
    },
  )

  http.post<{ Params: { id: string }; Body: { title?: string; body?: string } }>(
    '/console/contact/canned-responses/:id',
    { config: { access: supervisors }, schema: { params: idParams, body: cannedBody } },
    async (request, reply) => {
      try {
        await deps.canned.save(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect('/console/contact/canned-responses', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderCanned(request, reply, {
            editing: { id: request.params.id },
            errors,
            values: { title: request.body.title ?? '', body: request.body.body ?? '' },
          }),
        )
      }
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/contact/canned-responses/:id/remove',
    { config: { access: supervisors }, schema: { params: idParams, body: Type.Object(csrf) } },
    async (request, reply) => {
      await deps.canned.remove(forceOf(request), request.params.id, acting(request))
      return reply.redirect('/console/contact/canned-responses', 303)
    },
  )

  // The handler's reply page: choosing a canned response (a plain GET form) puts it in the reply,
  // which is sent by the conversation's own reply form.
  const handlers = { staff: ['contact_handler'] as const, product: 'contact' as const }
  http.get<{ Params: { id: string }; Querystring: { canned?: string } }>(
    '/console/contact/queue/contacts/:id/reply',
    {
      config: { access: handlers },
      schema: {
        params: idParams,
        querystring: Type.Object({
          canned: Type.Optional(Type.Union([Type.Literal(''), Type.String({ format: 'uuid' })])),
        }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const found = await deps.queue.contact(forceId, request.params.id, (tx, item) =>
        deps.audit.recordView(request, { forceId, recordType: 'contact', recordId: item.id }, tx),
      )
      const chosen = request.query.canned ? await deps.canned.get(forceId, request.query.canned) : null
      return reply.render('contact/reply.njk', {
        title: 'Reply to a contact',
        item: found.item,
        responses: await deps.canned.list(forceId),
        chosen,
      })
    },
  )

  const renderLabels = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: { name: string } } = {},
  ) =>
    reply.render('contact/labels.njk', {
      title: 'Contact labels',
      labels: await deps.labels.list(forceOf(request)),
      labelMax: LABEL_MAX,
      errors: form.errors,
      values: form.values ?? { name: '' },
    })

  http.get('/console/contact/labels', { config: { access: supervisors } }, (request, reply) =>
    renderLabels(request, reply),
  )

  http.post<{ Body: { name?: string } }>(
    '/console/contact/labels',
    {
      config: { access: supervisors },
      schema: { body: Type.Object({ name: formText(LABEL_MAX), ...csrf }) },
    },
    async (request, reply) => {
      try {
        await deps.labels.add(forceOf(request), request.body, acting(request))
        return reply.redirect('/console/contact/labels', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderLabels(request, reply, { errors, values: { name: request.body.name ?? '' } }),
        )
      }
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/contact/labels/:id/remove',
    { config: { access: supervisors }, schema: { params: idParams, body: Type.Object(csrf) } },
    async (request, reply) => {
      await deps.labels.remove(forceOf(request), request.params.id, acting(request))
      return reply.redirect('/console/contact/labels', 303)
    },
  )

  const renderContactLabels = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    form: { errors?: FieldError[]; chosen?: string[] } = {},
  ) => {
    const forceId = forceOf(request)
    const current = await deps.labels.of(forceId, request.params.id)
    return reply.render('contact/contact-labels.njk', {
      title: 'Labels on a contact',
      itemId: request.params.id,
      current,
      labels: await deps.labels.list(forceId),
      chosen: form.chosen ?? current.map((l) => l.id),
      errors: form.errors,
    })
  }

  http.get<{ Params: { id: string } }>(
    '/console/contact/queue/contacts/:id/labels',
    { config: { access: handlers }, schema: { params: idParams } },
    (request, reply) => renderContactLabels(request, reply),
  )

  http.post<{ Params: { id: string }; Body: { label?: string | string[] } }>(
    '/console/contact/queue/contacts/:id/labels',
    {
      config: { access: handlers },
      schema: {
        params: idParams,
        body: Type.Object({
          label: Type.Optional(
            Type.Union([
              Type.String({ maxLength: 40 }),
              Type.Array(Type.String({ maxLength: 40 }), { maxItems: 200 }),
            ]),
          ),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.labels.set(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/queue/contacts/${request.params.id}/labels`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderContactLabels(request, reply, {
            errors,
            chosen: [request.body.label ?? []].flat().filter((l) => l !== ''),
          }),
        )
      }
    },
  )
}
