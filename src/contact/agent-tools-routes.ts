// Pages of the handlers' tools: a contact's private notes (read by the force's contact staff,
// written with mentions of colleagues).
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import { type AgentToolsService, NOTE_MAX } from './agent-tools.ts'
import { acting, contactStaff, forceOf } from './single-view-routes.ts'

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

export function registerAgentToolsRoutes(
  http: FastifyInstance,
  deps: { tools: AgentToolsService; audit: AuditService },
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
}
