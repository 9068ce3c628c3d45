// The script designer (contact supervisors and force administrators) and a handler following a
// script on a contact (CRM-18, CRM-19, CRM-28). Plain forms: everything works without JavaScript.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import { SCRIPT_LIMITS, type ScriptQuestion, type ScriptService } from './scripts.ts'
import { acting, contactStaff, forceOf } from './single-view-routes.ts'

export const scriptDesigners: readonly StaffRole[] = ['contact_supervisor', 'force_admin']

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const uuid = Type.String({ format: 'uuid' })
const optionSlots = Array.from({ length: SCRIPT_LIMITS.options }, (_, i) => i + 1)

/** How a question's answers go on, in words. */
function describe(questions: ScriptQuestion[]) {
  const name = (next: string | null, fallback: string) =>
    next === 'end'
      ? 'the script ends'
      : next
        ? `go to “${questions.find((q) => q.id === next)?.text ?? 'a removed question'}”`
        : fallback
  return questions.map((q, i) => {
    const following = questions[i + 1] ? 'the next question' : 'the script ends'
    return {
      ...q,
      number: i + 1,
      answers: q.options.map((o) => ({ ...o, afterwards: name(o.next, following) })),
      afterwards: name(q.next, following),
    }
  })
}

export function registerScriptRoutes(
  http: FastifyInstance,
  deps: { scripts: ScriptService; audit: AuditService },
): void {
  const designers = { staff: scriptDesigners, product: 'contact' as const }
  const handlers = { staff: ['contact_handler'] as const, product: 'contact' as const }
  const staff = { staff: contactStaff, product: 'contact' as const }

  const renderList = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { errors?: FieldError[]; title?: string } = {},
  ) =>
    reply.render('contact/scripts.njk', {
      title: 'Scripts',
      scripts: await deps.scripts.list(forceOf(request)),
      errors: form.errors,
      values: { title: form.title ?? '' },
      limits: SCRIPT_LIMITS,
    })

  http.get('/console/contact/scripts', { config: { access: designers } }, (request, reply) =>
    renderList(request, reply),
  )

  http.post<{ Body: { title?: string } }>(
    '/console/contact/scripts',
    {
      config: { access: designers },
      schema: { body: Type.Object({ title: formText(SCRIPT_LIMITS.title), ...csrf }) },
    },
    async (request, reply) => {
      try {
        const id = await deps.scripts.create(forceOf(request), request.body, acting(request))
        return reply.redirect(`/console/contact/scripts/${id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderList(request, reply, { errors, title: request.body.title ?? '' }),
        )
      }
    },
  )

  const renderScript = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    form: { errors?: FieldError[]; values?: Record<string, string> } = {},
  ) => {
    const script = await deps.scripts.script(forceOf(request), request.params.id)
    const draft = script.versions.find((v) => v.status === 'draft')
    const published = script.versions.find((v) => v.status === 'published')
    const targets = (draft?.questions ?? []).map((q, i) => ({ value: q.id, text: `${i + 1}. ${q.text}` }))
    const nextItems = (chosen: string | undefined) =>
      [{ value: '', text: 'The next question' }, ...targets, { value: 'end', text: 'End the script' }].map(
        (i) => ({ ...i, selected: i.value === (chosen ?? '') }),
      )
    const routeItems = (self: string, chosen: string | null) =>
      [
        { value: '', text: 'The next question' },
        ...targets.filter((t) => t.value !== self),
        { value: 'end', text: 'End the script' },
      ].map((i) => ({ ...i, selected: i.value === (chosen ?? '') }))
    const values = form.values ?? {}
    return reply.render('contact/script.njk', {
      title: script.title,
      script,
      draft: draft
        ? {
            ...draft,
            questions: describe(draft.questions).map((q) => ({
              ...q,
              routes: q.options.map((o, i) => ({
                n: i + 1,
                label: o.label,
                items: routeItems(q.id, o.next),
              })),
              wordsRoute: routeItems(q.id, q.next),
            })),
          }
        : undefined,
      published: published ? { ...published, questions: describe(published.questions) } : undefined,
      slots: optionSlots.map((n) => ({ n, nextItems: nextItems(values[`option${n}Next`]) })),
      nextItems: nextItems(values.next),
      values,
      errors: form.errors,
      limits: SCRIPT_LIMITS,
    })
  }

  http.get<{ Params: { id: string } }>(
    '/console/contact/scripts/:id',
    { config: { access: designers }, schema: { params: Type.Object({ id: uuid }) } },
    (request, reply) => renderScript(request, reply),
  )

  const questionBody = Type.Object({
    text: formText(SCRIPT_LIMITS.question),
    guidance: formText(SCRIPT_LIMITS.guidance),
    next: formText(40),
    ...Object.fromEntries(
      optionSlots.flatMap((n) => [
        [`option${n}Label`, formText(SCRIPT_LIMITS.option)],
        [`option${n}Tags`, formText(200)],
        [`option${n}Next`, formText(40)],
      ]),
    ),
    ...csrf,
  })

  http.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    '/console/contact/scripts/:id/questions',
    { config: { access: designers }, schema: { params: Type.Object({ id: uuid }), body: questionBody } },
    async (request, reply) => {
      const b = request.body
      try {
        await deps.scripts.addQuestion(
          forceOf(request),
          request.params.id,
          {
            text: b.text,
            guidance: b.guidance,
            next: b.next,
            options: optionSlots.map((n) => ({
              label: b[`option${n}Label`],
              tags: b[`option${n}Tags`],
              next: b[`option${n}Next`],
            })),
          },
          acting(request),
        )
        return reply.redirect(`/console/contact/scripts/${request.params.id}#draft`, 303)
      } catch (error) {
        const values = Object.fromEntries(
          Object.entries(b).filter(([k, v]) => k !== '_csrf' && typeof v === 'string'),
        ) as Record<string, string>
        return refusedForm(reply, error, (errors) => renderScript(request, reply, { errors, values }))
      }
    },
  )

  http.post<{ Params: { id: string; question: string } }>(
    '/console/contact/scripts/:id/questions/:question/remove',
    {
      config: { access: designers },
      schema: {
        params: Type.Object({ id: uuid, question: Type.String({ maxLength: 40 }) }),
        body: Type.Object(csrf),
      },
    },
    async (request, reply) => {
      try {
        await deps.scripts.removeQuestion(
          forceOf(request),
          request.params.id,
          request.params.question,
          acting(request),
        )
        return reply.redirect(`/console/contact/scripts/${request.params.id}#draft`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderScript(request, reply, { errors }))
      }
    },
  )

  http.post<{ Params: { id: string; question: string }; Body: Record<string, string | undefined> }>(
    '/console/contact/scripts/:id/questions/:question/routes',
    {
      config: { access: designers },
      schema: {
        params: Type.Object({ id: uuid, question: Type.String({ maxLength: 40 }) }),
        body: Type.Object({
          next: formText(40),
          ...Object.fromEntries(optionSlots.map((n) => [`option${n}Next`, formText(40)])),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.scripts.setRoutes(
          forceOf(request),
          request.params.id,
          request.params.question,
          { options: optionSlots.map((n) => request.body[`option${n}Next`]), next: request.body.next },
          acting(request),
        )
        return reply.redirect(`/console/contact/scripts/${request.params.id}#draft`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderScript(request, reply, { errors }))
      }
    },
  )

  for (const [path, act] of [
    ['publish', (f: string, id: string, r: FastifyRequest) => deps.scripts.publish(f, id, acting(r))],
    ['draft', (f: string, id: string, r: FastifyRequest) => deps.scripts.newDraft(f, id, acting(r))],
  ] as const)
    http.post<{ Params: { id: string } }>(
      `/console/contact/scripts/:id/${path}`,
      {
        config: { access: designers },
        schema: { params: Type.Object({ id: uuid }), body: Type.Object(csrf) },
      },
      async (request, reply) => {
        try {
          await act(forceOf(request), request.params.id, request)
          return reply.redirect(`/console/contact/scripts/${request.params.id}`, 303)
        } catch (error) {
          return refusedForm(reply, error, (errors) => renderScript(request, reply, { errors }))
        }
      },
    )

  const renderRun = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    errors?: FieldError[],
  ) => {
    const forceId = forceOf(request)
    const me = acting(request)
    const { run, item } = await deps.scripts.runOf(forceId, request.params.id, async (tx, found) => {
      await deps.audit.recordView(
        request,
        { forceId, recordType: 'contact', recordId: request.params.id },
        tx,
      )
      if (found.personId)
        await deps.audit.recordView(
          request,
          { forceId, recordType: 'person', recordId: found.personId, detail: { view: 'contact-script' } },
          tx,
        )
    })
    return reply.render('contact/contact-script.njk', {
      title: run ? run.title : 'Follow a script',
      itemId: request.params.id,
      run,
      mine: ['assigned', 'wrap_up'].includes(item.status) && item.assignedTo === me.staffId,
      scripts: run && !run.completedAt ? [] : await deps.scripts.published(forceId),
      errors,
      limits: SCRIPT_LIMITS,
    })
  }

  const itemParams = Type.Object({ id: uuid })
  http.get<{ Params: { id: string } }>(
    '/console/contact/queue/contacts/:id/script',
    { config: { access: staff }, schema: { params: itemParams } },
    (request, reply) => renderRun(request, reply),
  )

  http.post<{ Params: { id: string }; Body: { script?: string } }>(
    '/console/contact/queue/contacts/:id/script',
    {
      config: { access: handlers },
      schema: { params: itemParams, body: Type.Object({ script: formText(40), ...csrf }) },
    },
    async (request, reply) => {
      try {
        await deps.scripts.start(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/queue/contacts/${request.params.id}/script`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderRun(request, reply, errors))
      }
    },
  )

  http.post<{ Params: { id: string }; Body: { question?: string; choice?: string; answer?: string } }>(
    '/console/contact/queue/contacts/:id/script/answer',
    {
      config: { access: handlers },
      schema: {
        params: itemParams,
        body: Type.Object({
          question: formText(40),
          choice: formText(3),
          answer: formText(SCRIPT_LIMITS.answer),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.scripts.answer(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(`/console/contact/queue/contacts/${request.params.id}/script`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderRun(request, reply, errors))
      }
    },
  )
}
