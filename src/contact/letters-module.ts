// Letters from a contact as a module (issue 15; CRM-21): from a contact's page a handler chooses a
// letter template and the case it is about, previews the letter with the person's name and address
// on record, and makes it: a PDF kept in the contact's conversation and shown on the person's single
// view. Plain GOV.UK forms: it works without JavaScript. Messaging's templates, the journeys'
// values and the conversation that keeps the letter are handed in by the composition root.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Tx } from '../platform/db/database.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { Module } from '../platform/modules.ts'
import { type LetterChoices, type LetterDraft, LetterService } from './letters.ts'
import type { ItemRow } from './queue-repository.ts'
import { acting, contactStaff, forceOf } from './single-view-routes.ts'

export function createContactLetters(
  deps: ConstructorParameters<typeof LetterService>[0],
): Module<{ letters: LetterService }> {
  const letters = new LetterService(deps)
  return {
    name: 'contact-letters',
    services: { letters },
    routes: (http) => registerLetterRoutes(http, { letters, audit: deps.audit }),
  }
}

const itemParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const letterBody = Type.Object({
  template: formText(36),
  case: formText(50),
  action: formText(10),
  _csrf: formText(200),
})
type LetterForm = { template?: string; case?: string; action?: string }

const languageNames: Record<string, string> = { en: 'English', cy: 'Welsh' }

function registerLetterRoutes(
  http: FastifyInstance,
  deps: { letters: LetterService; audit: AuditService },
): void {
  const access = { staff: contactStaff, product: 'contact' as const }

  /** The views of the contact and its person that reading for a letter is, in the read's transaction. */
  const audited = (request: FastifyRequest, view: string) => async (tx: Tx, item: ItemRow) => {
    const forceId = forceOf(request)
    await deps.audit.recordView(
      request,
      { forceId, recordType: 'contact', recordId: item.id, detail: { view } },
      tx,
    )
    if (item.personId)
      await deps.audit.recordView(
        request,
        { forceId, recordType: 'person', recordId: item.personId, detail: { view } },
        tx,
      )
  }

  const render = (
    reply: FastifyReply,
    found: LetterChoices,
    form: { values?: LetterForm; errors?: FieldError[]; draft?: LetterDraft } = {},
  ) =>
    reply.render('contact/letter-new.njk', {
      title: 'Make a letter',
      found,
      values: form.values ?? {},
      errors: form.errors,
      draft: form.draft,
      paragraphs: form.draft?.text.split(/\n\s*\n/).map((p) => p.split('\n')),
      templateItems: found.templates.map((t) => ({
        value: t.id,
        text: `${t.title} (${languageNames[t.language] ?? t.language})`,
        hint: { text: `Version ${t.version}` },
        checked: form.values?.template === t.id,
      })),
      caseItems: [
        ...found.cases.map((c) => ({
          value: c.value,
          text: `${c.kind === 'crime' ? 'Crime' : 'Incident'} ${c.reference}`,
          ...(c.description ? { hint: { text: c.description } } : {}),
          checked: form.values?.case === c.value,
        })),
        { divider: 'or' },
        { value: 'none', text: 'No case: the force’s values only', checked: form.values?.case === 'none' },
      ],
    })

  http.get<{ Params: { id: string } }>(
    '/console/contact/queue/contacts/:id/letter',
    { config: { access }, schema: { params: itemParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const found = await deps.letters.choices(forceId, request.params.id, audited(request, 'letter'))
      return render(reply, found)
    },
  )

  http.post<{ Params: { id: string }; Body: LetterForm }>(
    '/console/contact/queue/contacts/:id/letter',
    { config: { access }, schema: { params: itemParams, body: letterBody } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const values = { template: request.body.template, case: request.body.case }
      try {
        if (request.body.action === 'create') {
          const made = await deps.letters.create(forceId, request.params.id, values, acting(request))
          return reply.redirect(`/console/contact/letters/${made.id}?made=1`, 303)
        }
        const draft = await deps.letters.preview(
          forceId,
          request.params.id,
          values,
          audited(request, 'letter-preview'),
        )
        return render(reply, draft, { values, draft })
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          render(reply, await deps.letters.choices(forceId, request.params.id, audited(request, 'letter')), {
            values,
            errors,
          }),
        )
      }
    },
  )

  http.get<{ Params: { id: string }; Querystring: { made?: string } }>(
    '/console/contact/letters/:id',
    {
      config: { access },
      schema: {
        params: itemParams,
        querystring: Type.Object({ made: Type.Optional(Type.String({ maxLength: 1 })) }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const letter = await deps.letters.letter(forceId, request.params.id, (tx, found) =>
        deps.audit.recordView(
          request,
          {
            forceId,
            recordType: 'contact-letter',
            recordId: found.id,
            detail: { person: found.personId, contact: found.itemId },
          },
          tx,
        ),
      )
      return reply.render('contact/letter.njk', {
        title: `Letter: ${letter.templateTitle}`,
        letter,
        made: request.query.made === '1',
        paragraphs: letter.body.split(/\n\s*\n/).map((p) => p.split('\n')),
      })
    },
  )
}
