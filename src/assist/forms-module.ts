// Assist's standard forms as a module (issue 16, item 5; CRM-20): from a contact's page, a handler
// prepares a safeguarding referral or a public protection notice that Waypoint has filled in from
// the contact and the person's single view, each field's source shown; they check, change and
// submit it (GOV.UK form, no JavaScript needed), and download the submitted form as a PDF. The
// force administrator switches form filling on (off by default). Contact's reads are handed in by
// the composition root.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { acting, contactStaff, forceOf } from '../contact/single-view-routes.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { Module } from '../platform/modules.ts'
import { displayValue, type FormDefinition, formDefinitions } from './forms.ts'
import { renderFormPdf, changeWords } from './forms-pdf.ts'
import {
  FormsService,
  type PersonHistoryWithRecord,
  type ReadContact,
  type StoredForm,
} from './forms-service.ts'

/** Who switches the force's form filling on and off. */
export const formSettingsEditors: readonly StaffRole[] = ['force_admin']

/** How many submitted forms the list shows. */
const listed = 100

export function createAssistForms(deps: {
  db: Database
  audit: AuditService
  clock: Clock
  readContact: ReadContact
  personHistory: (forceId: string, personId: string, limit: number) => Promise<PersonHistoryWithRecord>
  forceName: (forceId: string) => Promise<string | undefined>
}): Module<{ forms: FormsService }> {
  const forms = new FormsService(deps)
  return {
    name: 'assist-forms',
    services: { forms },
    routes: (http) =>
      registerFormRoutes(http, { forms, audit: deps.audit, clock: deps.clock, forceName: deps.forceName }),
    navigation: [
      {
        text: 'Submitted forms',
        href: '/console/assist/forms',
        roles: contactStaff,
        group: 'contact',
        forceOnly: true,
      },
      {
        text: 'Standard forms',
        href: '/console/assist/forms/settings',
        roles: formSettingsEditors,
        group: 'settings',
        forceOnly: true,
      },
    ],
  }
}

const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const csrf = { _csrf: formText(200) }

/** Each form's fields as the route accepts them: every free text up to the backstop of a long text. */
function bodySchema() {
  const names = new Set(formDefinitions.flatMap((f) => f.fields.map((x) => [x.name, x.kind] as const)))
  const properties: Record<string, ReturnType<typeof formText> | ReturnType<typeof Type.Optional>> = {}
  for (const [name, kind] of names)
    properties[name] =
      kind === 'checkboxes'
        ? Type.Optional(
            Type.Union([
              Type.String({ maxLength: 100 }),
              Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 }),
            ]),
          )
        : formText(MAX_LENGTH.longText)
  return Type.Object({ ...properties, ...csrf })
}

function registerFormRoutes(
  http: FastifyInstance,
  deps: {
    forms: FormsService
    audit: AuditService
    clock: Clock
    forceName: (forceId: string) => Promise<string | undefined>
  },
): void {
  const access = { staff: contactStaff, product: 'contact' as const }

  const renderForm = (
    reply: FastifyReply,
    found: StoredForm,
    form: { errors?: FieldError[]; values?: Record<string, unknown> } = {},
  ) => {
    const values =
      form.values ?? Object.fromEntries(Object.entries(found.suggested).map(([k, s]) => [k, s.value]))
    return reply.render('assist/form.njk', {
      title: `${found.form.title}: check and submit`,
      found,
      fields: fieldsOf(found.form, values),
      errors: form.errors,
      filled: Object.keys(found.suggested).length,
    })
  }

  const renderSubmitted = (reply: FastifyReply, found: StoredForm, justSubmitted = false) =>
    reply.render('assist/form-submitted.njk', {
      title: found.form.title,
      found,
      justSubmitted,
      rows: found.form.fields.map((f) => ({
        label: f.label,
        value: displayValue(f, found.submitted?.[f.name]),
        change: changeWords[found.changes?.[f.name]?.change ?? 'empty'],
        automatic: Boolean(found.suggested[f.name]),
        sources: found.suggested[f.name]?.sources ?? [],
      })),
    })

  // From a contact's page: the form, filled in from the records; each opening is kept and audited.
  http.get<{ Params: { id: string; form: string } }>(
    '/console/contact/queue/contacts/:id/forms/:form',
    {
      config: { access },
      schema: {
        params: Type.Object({
          id: Type.String({ format: 'uuid' }),
          form: Type.Union(formDefinitions.map((f) => Type.Literal(f.id))),
        }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const found = await deps.forms.prepare(
        forceId,
        request.params.form,
        request.params.id,
        acting(request),
        async (tx, item) => {
          await deps.audit.recordView(
            request,
            { forceId, recordType: 'contact', recordId: item.id, detail: { view: 'assist-form' } },
            tx,
          )
          if (item.personId)
            await deps.audit.recordView(
              request,
              { forceId, recordType: 'person', recordId: item.personId, detail: { view: 'assist-form' } },
              tx,
            )
        },
      )
      return renderForm(reply, found)
    },
  )

  const open = (
    request: FastifyRequest<{ Params: { id: string } }>,
    detail: Record<string, unknown> = {},
  ) => {
    const forceId = forceOf(request)
    return deps.forms.open(forceId, request.params.id, (tx, found) =>
      deps.audit.recordView(
        request,
        {
          forceId,
          recordType: 'assist-form',
          recordId: found.id,
          detail: { form: found.form.id, ...detail },
        },
        tx,
      ),
    )
  }

  http.get<{ Params: { id: string }; Querystring: { submitted?: string } }>(
    '/console/assist/forms/:id',
    {
      config: { access },
      schema: {
        params: idParams,
        querystring: Type.Object({ submitted: Type.Optional(Type.String({ maxLength: 1 })) }),
      },
    },
    async (request, reply) => {
      const found = await open(request)
      return found.status === 'submitted'
        ? renderSubmitted(reply, found, request.query.submitted === '1')
        : renderForm(reply, found)
    },
  )

  http.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/console/assist/forms/:id',
    { config: { access }, schema: { params: idParams, body: bodySchema() } },
    async (request, reply) => {
      const forceId = forceOf(request)
      try {
        await deps.forms.submit(forceId, request.params.id, request.body, acting(request))
        return reply.redirect(`/console/assist/forms/${request.params.id}?submitted=1`, 303)
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          renderForm(reply, await open(request, { refused: true }), { errors, values: request.body }),
        )
      }
    },
  )

  http.get<{ Params: { id: string } }>(
    '/console/assist/forms/:id/form.pdf',
    { config: { access }, schema: { params: idParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const found = await deps.forms.open(forceId, request.params.id, async () => undefined)
      if (found.status !== 'submitted') return reply.redirect(`/console/assist/forms/${found.id}`, 303)
      await deps.forms.downloaded(forceId, found, acting(request))
      const pdf = await renderFormPdf(found, (await deps.forceName(forceId)) ?? forceId, deps.clock.now())
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${found.form.id}-${found.id.slice(0, 8)}.pdf"`)
        .header('cache-control', 'no-store')
        .send(pdf)
    },
  )

  http.get('/console/assist/forms', { config: { access } }, async (request, reply) => {
    const forceId = forceOf(request)
    const submitted = await deps.forms.submitted(forceId, listed, (tx, shown) =>
      deps.audit.recordView(
        request,
        {
          forceId,
          recordType: 'assist-forms',
          recordId: 'submitted',
          detail: { shown: shown.map((s) => s.id) },
        },
        tx,
      ),
    )
    return reply.render('assist/forms.njk', { title: 'Submitted forms', submitted, limit: listed })
  })

  const settings = { staff: formSettingsEditors }
  const renderSettings = async (request: FastifyRequest, reply: FastifyReply, extra: object = {}) =>
    reply.render('assist/form-settings.njk', {
      title: 'Standard forms',
      enabled: (await deps.forms.setting(forceOf(request))).enabled,
      forms: formDefinitions,
      ...extra,
    })
  http.get<{ Querystring: { saved?: string } }>(
    '/console/assist/forms/settings',
    {
      config: { access: settings },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) },
    },
    (request, reply) => renderSettings(request, reply, { saved: request.query.saved === '1' }),
  )
  http.post<{ Body: { enabled?: string } }>(
    '/console/assist/forms/settings',
    { config: { access: settings }, schema: { body: Type.Object({ enabled: formText(3), ...csrf }) } },
    async (request, reply) => {
      try {
        await deps.forms.setEnabled(forceOf(request), request.body.enabled, acting(request))
        return reply.redirect('/console/assist/forms/settings?saved=1', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderSettings(request, reply, { errors }))
      }
    },
  )
}

/** The form's fields for the page: each with its value now and what was suggested, with sources. */
function fieldsOf(form: FormDefinition, values: Record<string, unknown>) {
  return form.fields.map((f) => {
    const raw = values[f.name]
    const value =
      f.kind === 'checkboxes' ? [raw ?? []].flat().map(String) : typeof raw === 'string' ? raw : ''
    return {
      ...f,
      value,
      items: f.options?.map((o) => ({
        value: o.value,
        text: o.text,
        checked: Array.isArray(value) ? value.includes(o.value) : value === o.value,
      })),
    }
  })
}
