// The caller page of a contact: its calls and their events (CRM-6, CRM-8), verifying the caller by
// a one-time code or security questions (CRM-15), finding and confirming their address in the
// gazetteer (CRM-32), and turning the contact into a call-back. Product `contact`; handlers act,
// supervisors watch; every view is audited, of the contact and of each person it shows. Plain
// forms and links: it works without JavaScript.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { CallerService } from './caller.ts'
import type { GazetteerAddress } from './gazetteer.ts'
import { QUERY_MAX } from './gazetteer.ts'
import { acting, contactStaff, forceOf } from './single-view-routes.ts'
import type { TelephonyService } from './telephony.ts'
import { CODE_MINUTES, MAX_CODE_TRIES, questionNames, type VerificationService } from './verification.ts'

const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

const eventNames: Record<string, string> = {
  offered: 'Offered to the queue',
  ivr: 'IVR choice',
  answered: 'Answered',
  held: 'Put on hold',
  resumed: 'Taken off hold',
  transferred: 'Transferred',
  ended: 'Ended',
}

export const callerPath = (id: string) => `/console/contact/queue/contacts/${id}/caller`

export function registerTelephonyRoutes(
  http: FastifyInstance,
  deps: {
    caller: CallerService
    telephony: TelephonyService
    verification: VerificationService
    audit: AuditService
  },
): void {
  const access = { staff: contactStaff, product: 'contact' as const }
  const handlers = { staff: ['contact_handler'] as const, product: 'contact' as const }

  const render = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    form: {
      errors?: FieldError[]
      values?: Record<string, string>
      query?: string
      results?: GazetteerAddress[]
      notice?: string
    } = {},
  ) => {
    const forceId = forceOf(request)
    const me = acting(request)
    const page = await deps.caller.page(forceId, request.params.id, async (tx, p) => {
      await deps.audit.recordView(
        request,
        { forceId, recordType: 'contact', recordId: p.item.id, detail: { view: 'caller' } },
        tx,
      )
      const people = new Set([
        ...(p.item.personId ? [p.item.personId] : []),
        ...p.verification.candidates.map((c) => c.personId),
      ])
      for (const id of people)
        await deps.audit.recordView(
          request,
          { forceId, recordType: 'person', recordId: id, detail: { view: 'contact-caller' } },
          tx,
        )
    })
    return reply.render('contact/caller.njk', {
      title: `Caller: ${page.item.personName ?? 'unknown caller'}`,
      ...page,
      mine: page.item.assignedTo === me.staffId && page.item.status === 'assigned',
      eventNames,
      questionNames,
      codeMinutes: CODE_MINUTES,
      maxCodeTries: MAX_CODE_TRIES,
      gazetteer: deps.caller.gazetteerName,
      queryMax: QUERY_MAX,
      query: form.query ?? '',
      results: form.results,
      notice: form.notice,
      errors: form.errors,
      values: form.values ?? {},
    })
  }

  http.get<{ Params: { id: string }; Querystring: { address?: string; sent?: string } }>(
    '/console/contact/queue/contacts/:id/caller',
    {
      config: { access },
      schema: {
        params: idParams,
        querystring: Type.Object({
          address: Type.Optional(Type.String({ maxLength: QUERY_MAX + 50 })),
          sent: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
    },
    async (request, reply) => {
      const query = request.query.address
      const notice =
        request.query.sent === 'code' ? 'A code was sent to the caller’s mobile number.' : undefined
      if (query === undefined) return render(request, reply, { ...(notice ? { notice } : {}) })
      try {
        const results = await deps.caller.searchAddresses(query)
        return render(request, reply, { query, results })
      } catch (error) {
        return refusedForm(reply, error, (errors) => render(request, reply, { errors, query }))
      }
    },
  )

  const post = <B extends Record<string, unknown>>(
    path: string,
    body: Record<string, ReturnType<typeof formText>>,
    act: (request: FastifyRequest<{ Params: { id: string }; Body: B }>) => Promise<string>,
  ) =>
    http.post<{ Params: { id: string }; Body: B }>(
      `/console/contact/queue/contacts/:id/caller/${path}`,
      { config: { access: handlers }, schema: { params: idParams, body: Type.Object({ ...body, ...csrf }) } },
      async (request, reply) => {
        try {
          return reply.redirect(await act(request), 303)
        } catch (error) {
          const values = Object.fromEntries(
            Object.entries(request.body ?? {})
              .filter(([k, v]) => k !== '_csrf' && typeof v === 'string')
              .map(([k, v]) => [k, v as string]),
          )
          return refusedForm(reply, error, (errors) => render(request, reply, { errors, values }))
        }
      },
    )

  post<{ person?: string }>('code', { person: formText(40) }, async (request) => {
    await deps.verification.sendCode(forceOf(request), request.params.id, request.body, acting(request))
    return `${callerPath(request.params.id)}?sent=code#verify`
  })

  post<{ code?: string }>('code-check', { code: formText(12) }, async (request) => {
    await deps.verification.checkCode(forceOf(request), request.params.id, request.body, acting(request))
    return `${callerPath(request.params.id)}#verify`
  })

  post<{ person?: string; dateOfBirth?: string; postcode?: string; crimeReference?: string }>(
    'answers',
    { person: formText(40), dateOfBirth: formText(20), postcode: formText(12), crimeReference: formText(40) },
    async (request) => {
      await deps.verification.checkAnswers(forceOf(request), request.params.id, request.body, acting(request))
      return `${callerPath(request.params.id)}#verify`
    },
  )

  post<{ uprn?: string }>('address', { uprn: formText(12) }, async (request) => {
    await deps.caller.confirmAddress(forceOf(request), request.params.id, request.body, acting(request))
    return `${callerPath(request.params.id)}#caller-address`
  })

  post<{ number?: string; note?: string }>(
    'callback',
    { number: formText(40), note: formText(MAX_LENGTH.shortText) },
    async (request) => {
      await deps.telephony.requestCallback(forceOf(request), request.params.id, request.body, acting(request))
      return '/console/contact/queue'
    },
  )
}
