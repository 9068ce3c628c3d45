// The single view's pages (CRM-10, CRM-12, CRM-14, CRM-24): finding a person, their view with
// source filters and pages by key, the people who may be them (with the confidence explained),
// merging and unmerging, and settling disagreements between the sources. Product `contact`; every
// view of a person is audited in the transaction that read it.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CaseService } from '../cases/service.ts'
import { type AuditService, whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { type FieldError, NotFoundError } from '../platform/errors.ts'
import { formText, MAX_LENGTH } from '../platform/http/limits.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import { type TimelineSource, timelineSources } from './repository.ts'
import type { Acting, SingleViewService } from './single-view.ts'

/** Who works the contact centre's pages. */
export const contactStaff: readonly StaffRole[] = ['contact_handler', 'contact_supervisor']

export const sourceNames: Record<TimelineSource, string> = {
  cad: 'CAD',
  rms: 'RMS',
  case: 'Case record',
  journey: 'Journey message',
  portal: 'Portal',
  sms: 'Text message',
  email: 'Email',
  chat: 'Web chat',
  phone: 'Phone',
  letter: 'Letter',
}

export const forceOf = staffForce('Contact works with one force’s records; sign in with a force account')

export function acting(request: FastifyRequest): Acting & { name: string } {
  const staff = staffOf(request)
  return { ...whoAndWhere(request), staffId: staff.id, name: staff.displayName }
}

const idParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }

export function registerSingleViewRoutes(
  http: FastifyInstance,
  deps: {
    singleView: SingleViewService
    cases: CaseService
    audit: AuditService
    /**
     * The person's automated summary (CRM-11), or null when the force has switched summaries
     * off; shown on the view's first page with no source filter (it summarises every source),
     * whose audited view covers it.
     */
    summary?: (forceId: string, personId: string) => Promise<unknown>
  },
): void {
  const access = { staff: contactStaff, product: 'contact' as const }

  http.get<{ Querystring: { q?: string } }>(
    '/console/contact/people',
    {
      config: { access },
      schema: {
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: MAX_LENGTH.search })) }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const q = (request.query.q ?? '').trim()
      const found = q ? await deps.cases.search(forceId, q) : null
      if (found)
        // The search and what it showed, without the words searched for (they may be a name).
        await deps.audit.recordView(request, {
          forceId,
          recordType: 'contact-person-search',
          recordId: 'people',
          detail: { shown: found.people.map((p) => `person ${p.id}`) },
        })
      return reply.render('contact/people.njk', { title: 'Find a person', q, people: found?.people ?? null })
    },
  )

  http.get<{
    Params: { id: string }
    Querystring: { source?: TimelineSource[]; before?: string; done?: 'merged' | 'unmerged' | 'corrected' }
  }>(
    '/console/contact/people/:id',
    {
      config: { access },
      schema: {
        params: idParams,
        querystring: Type.Object({
          source: Type.Optional(
            Type.Array(Type.Union(timelineSources.map((s) => Type.Literal(s))), {
              maxItems: timelineSources.length,
            }),
          ),
          before: Type.Optional(Type.String({ maxLength: 200 })),
          done: Type.Optional(
            Type.Union([Type.Literal('merged'), Type.Literal('unmerged'), Type.Literal('corrected')]),
          ),
        }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const chosen = [...new Set(request.query.source ?? [])]
      const view = await deps.singleView.view(
        forceId,
        request.params.id,
        { sources: chosen, ...(request.query.before ? { before: request.query.before } : {}) },
        (tx, shown) =>
          deps.audit.recordView(
            request,
            {
              forceId,
              recordType: 'person',
              recordId: request.params.id,
              detail: { view: 'contact', ...shown },
            },
            tx,
          ),
      )
      const filter = chosen.map((s) => `source=${s}`).join('&')
      const summary =
        deps.summary && !request.query.before && chosen.length === 0 && !view.mergedInto
          ? await deps.summary(forceId, request.params.id)
          : null
      return reply.render('contact/person.njk', {
        summary,
        title: view.record.person.displayName ?? 'Person',
        ...view,
        person: view.record.person,
        chosen,
        sources: timelineSources.map((s) => ({
          value: s,
          text: sourceNames[s],
          checked: chosen.includes(s),
        })),
        sourceNames,
        nextHref: view.next
          ? `/console/contact/people/${request.params.id}?${filter ? `${filter}&` : ''}before=${view.next}#history`
          : null,
        firstHref: request.query.before
          ? `/console/contact/people/${request.params.id}${filter ? `?${filter}` : ''}#history`
          : null,
        done: request.query.done ?? null,
      })
    },
  )

  const renderMatches = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    errors?: FieldError[],
  ) => {
    const forceId = forceOf(request)
    const found = await deps.singleView.candidates(forceId, request.params.id, async (tx, shown) => {
      await deps.audit.recordView(
        request,
        { forceId, recordType: 'person', recordId: request.params.id, detail: { view: 'contact-matches' } },
        tx,
      )
      for (const id of shown)
        await deps.audit.recordView(
          request,
          { forceId, recordType: 'person', recordId: id, detail: { view: 'contact-match-candidate' } },
          tx,
        )
    })
    return reply.render('contact/matches.njk', {
      title: `Records that may be ${found.record.person.displayName ?? 'this person'}`,
      person: found.record.person,
      candidates: found.candidates,
      errors,
    })
  }

  http.get<{ Params: { id: string } }>(
    '/console/contact/people/:id/matches',
    { config: { access }, schema: { params: idParams } },
    (request, reply) => renderMatches(request, reply),
  )

  http.post<{ Params: { id: string }; Body: { candidate?: string } }>(
    '/console/contact/people/:id/merge',
    {
      config: { access },
      schema: {
        params: idParams,
        body: Type.Object({ candidate: Type.Optional(Type.String({ maxLength: 40 })), ...csrf }),
      },
    },
    async (request, reply) => {
      const candidate = request.body.candidate ?? ''
      try {
        if (!/^[0-9a-f-]{36}$/i.test(candidate))
          return await renderMatches(request, reply.code(400), [
            { field: 'candidate', message: 'Choose the record to merge' },
          ])
        await deps.singleView.merge(forceOf(request), request.params.id, candidate, acting(request))
        return reply.redirect(`/console/contact/people/${request.params.id}?done=merged`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderMatches(request, reply, errors))
      }
    },
  )

  const renderUnmerge = async (
    request: FastifyRequest<{ Params: { id: string; linkId: string } }>,
    reply: FastifyReply,
    form: { errors?: FieldError[]; reason?: string } = {},
  ) => {
    const forceId = forceOf(request)
    const view = await deps.singleView.view(forceId, request.params.id, { pageSize: 1 }, (tx) =>
      deps.audit.recordView(
        request,
        { forceId, recordType: 'person', recordId: request.params.id, detail: { view: 'contact-unmerge' } },
        tx,
      ),
    )
    const link = view.merged.find((l) => l.id === request.params.linkId)
    if (!link) throw new NotFoundError('The merge')
    return reply.render('contact/unmerge.njk', {
      title: 'Unmerge records',
      person: view.record.person,
      link,
      errors: form.errors,
      reason: form.reason ?? '',
    })
  }

  const linkParams = Type.Object({
    id: Type.String({ format: 'uuid' }),
    linkId: Type.String({ format: 'uuid' }),
  })

  http.get<{ Params: { id: string; linkId: string } }>(
    '/console/contact/people/:id/links/:linkId/unmerge',
    { config: { access }, schema: { params: linkParams } },
    (request, reply) => renderUnmerge(request, reply),
  )

  http.post<{ Params: { id: string; linkId: string }; Body: { reason?: string } }>(
    '/console/contact/people/:id/links/:linkId/unmerge',
    {
      config: { access },
      schema: { params: linkParams, body: Type.Object({ reason: formText(MAX_LENGTH.shortText), ...csrf }) },
    },
    async (request, reply) => {
      const reason = request.body.reason ?? ''
      try {
        await deps.singleView.unmerge(
          forceOf(request),
          request.params.id,
          request.params.linkId,
          reason,
          acting(request),
        )
        return reply.redirect(`/console/contact/people/${request.params.id}?done=unmerged`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderUnmerge(request, reply, { errors, reason }))
      }
    },
  )

  http.post<{ Params: { id: string }; Body: { field?: string; value?: string } }>(
    '/console/contact/people/:id/corrections',
    {
      config: { access },
      schema: {
        params: idParams,
        body: Type.Object({
          field: Type.Optional(Type.String({ maxLength: 20 })),
          value: formText(MAX_LENGTH.name),
          ...csrf,
        }),
      },
    },
    async (request, reply) => {
      try {
        await deps.singleView.correct(forceOf(request), request.params.id, request.body, acting(request))
        return reply.redirect(
          `/console/contact/people/${request.params.id}?done=corrected#discrepancies`,
          303,
        )
      } catch (error) {
        return refusedForm(reply, error, async (errors) => {
          const forceId = forceOf(request)
          const view = await deps.singleView.view(forceId, request.params.id, {}, (tx, shown) =>
            deps.audit.recordView(
              request,
              {
                forceId,
                recordType: 'person',
                recordId: request.params.id,
                detail: { view: 'contact', ...shown },
              },
              tx,
            ),
          )
          return reply.render('contact/person.njk', {
            title: view.record.person.displayName ?? 'Person',
            ...view,
            person: view.record.person,
            chosen: [],
            sources: timelineSources.map((s) => ({ value: s, text: sourceNames[s], checked: false })),
            sourceNames,
            nextHref: view.next
              ? `/console/contact/people/${request.params.id}?before=${view.next}#history`
              : null,
            firstHref: null,
            errors,
          })
        })
      }
    },
  )

  http.get<{ Querystring: { after?: string } }>(
    '/console/contact/discrepancies',
    {
      config: { access },
      schema: { querystring: Type.Object({ after: Type.Optional(Type.String({ format: 'uuid' })) }) },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const found = await deps.singleView.discrepancyList(forceId, request.query.after ?? null)
      await deps.audit.recordView(request, {
        forceId,
        recordType: 'contact-discrepancies',
        recordId: 'people',
        detail: { shown: found.people.map((p) => `person ${p.personId}`) },
      })
      return reply.render('contact/discrepancies.njk', {
        title: 'Discrepancies between systems',
        people: found.people,
        nextHref: found.next ? `/console/contact/discrepancies?after=${found.next}` : null,
        firstHref: request.query.after ? '/console/contact/discrepancies' : null,
      })
    },
  )
}
