// Console pages for sharing agreements between forces (UJ-5, CP-5, CRM-5): force A may read
// force B's records of the chosen kinds for a stated purpose between two dates. Row-level
// security consults these rows, so creating or revoking one takes effect on the next query.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { PlatformServices } from '../services.ts'
import { DomainError, type FieldError } from '../errors.ts'
import { formText, MAX_LENGTH } from '../http/limits.ts'
import { auditContext } from '../http/server.ts'
import { asList } from './force-routes.ts'
import { recordKinds } from './force-service.ts'
import { staffOf } from '../http/request.ts'

type Form = Record<string, string | string[] | undefined>

const kindNames: Record<string, string> = {
  case: 'Cases',
  person: 'People',
  message: 'Messages',
  conversation: 'Conversations',
  contact: 'Contact-centre records',
}

export function registerSharingRoutes(
  http: FastifyInstance,
  services: Pick<PlatformServices, 'forces' | 'audit'>,
): void {
  const { forces, audit } = services
  const access = { staff: ['system_admin'] as const }

  http.get('/console/sharing-agreements', { config: { access } }, async (request, reply) => {
    const names = new Map((await forces.list()).map((f) => [f.id, f.name]))
    const agreements = (await forces.listAgreements()).map((a) => ({
      ...a,
      fromName: names.get(a.fromForceId) ?? a.fromForceId,
      toName: names.get(a.toForceId) ?? a.toForceId,
      kinds: a.recordKinds.map((k) => kindNames[k] ?? k).join(', '),
      status: forces.agreementStatus(a),
    }))
    return reply.render('tenancy/sharing-agreements.njk', {
      agreements,
      done: (request.query as { done?: string }).done,
    })
  })

  http.get('/console/sharing-agreements/new', { config: { access } }, async (_request, reply) =>
    reply.render('tenancy/sharing-agreement-new.njk', await newFormContext(services, {})),
  )

  const agreementForm = { body: Type.Object({ purpose: formText(MAX_LENGTH.shortText) }) }
  http.post<{ Body: Form }>(
    '/console/sharing-agreements',
    { config: { access }, schema: agreementForm },
    async (request, reply) => {
      const body = request.body
      try {
        const dates = parseDates(body)
        const agreement = await forces.createAgreement(
          {
            fromForceId: text(body.fromForceId),
            toForceId: text(body.toForceId),
            recordKinds: asList(body.recordKinds),
            purpose: text(body.purpose),
            startsAt: dates.startsAt,
            expiresAt: dates.expiresAt,
          },
          staffOf(request).id,
          dates.errors,
        )
        await audit.record({
          action: 'sharing-agreement.created',
          forceId: agreement.fromForceId,
          recordType: 'sharing_agreement',
          recordId: agreement.id,
          detail: {
            toForceId: agreement.toForceId,
            recordKinds: agreement.recordKinds,
            startsAt: agreement.startsAt.toISOString(),
            expiresAt: agreement.expiresAt?.toISOString() ?? null,
          },
          ...auditContext(request),
        })
        return reply.redirect('/console/sharing-agreements?done=created', 303)
      } catch (error) {
        if (!(error instanceof DomainError) || !error.fieldErrors.length) throw error
        reply.code(400)
        return reply.render(
          'tenancy/sharing-agreement-new.njk',
          await newFormContext(services, body, error.fieldErrors),
        )
      }
    },
  )

  http.get<{ Params: { id: string } }>(
    '/console/sharing-agreements/:id/revoke',
    {
      config: { access },
      schema: { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } },
    },
    async (request, reply) => {
      const agreement = await forces.getAgreement(request.params.id)
      const names = new Map((await forces.list()).map((f) => [f.id, f.name]))
      return reply.render('tenancy/sharing-agreement-revoke.njk', {
        agreement: {
          ...agreement,
          fromName: names.get(agreement.fromForceId),
          toName: names.get(agreement.toForceId),
          kinds: agreement.recordKinds.map((k) => kindNames[k] ?? k).join(', '),
          status: forces.agreementStatus(agreement),
        },
      })
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/sharing-agreements/:id/revoke',
    {
      config: { access },
      schema: { params: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } } },
    },
    async (request, reply) => {
      const agreement = await forces.getAgreement(request.params.id)
      await forces.revokeAgreement(agreement.id, staffOf(request).id)
      await audit.record({
        action: 'sharing-agreement.revoked',
        forceId: agreement.fromForceId,
        recordType: 'sharing_agreement',
        recordId: agreement.id,
        detail: { toForceId: agreement.toForceId },
        ...auditContext(request),
      })
      return reply.redirect('/console/sharing-agreements?done=revoked', 303)
    },
  )
}

async function newFormContext(
  services: Pick<PlatformServices, 'forces'>,
  body: Form,
  errors: FieldError[] = [],
) {
  const forceList = await services.forces.list()
  const chosenKinds = asList(body.recordKinds)
  const forceItems = (selected: string) => [
    { value: '', text: 'Choose a force' },
    ...forceList.map((f) => ({ value: f.id, text: f.name, selected: f.id === selected })),
  ]
  return {
    values: body,
    errors,
    fromItems: forceItems(text(body.fromForceId)),
    toItems: forceItems(text(body.toForceId)),
    kindItems: recordKinds.map((k) => ({ value: k, text: kindNames[k], checked: chosenKinds.includes(k) })),
  }
}

function text(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value : ''
}

/**
 * Reads GOV.UK date inputs (`startsAt-day` …); an agreement starts and ends at midnight UTC. An
 * unreadable date is reported with the other field errors, the start date then standing at epoch.
 */
function parseDates(body: Form): { startsAt: Date; expiresAt: Date | null; errors: FieldError[] } {
  const errors: FieldError[] = []
  const read = (name: string, label: string, required: boolean): Date | null => {
    const parts = ['day', 'month', 'year'].map((p) => text(body[`${name}-${p}`]).trim())
    if (parts.every((p) => p === '')) {
      if (required) errors.push({ field: `${name}-day`, message: `Enter the ${label}` })
      return null
    }
    const [day, month, year] = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN))
    const date = new Date(Date.UTC(year, month - 1, day))
    if (
      Number.isNaN(date.getTime()) ||
      year < 2000 ||
      year > 2100 ||
      date.getUTCDate() !== day ||
      date.getUTCMonth() !== month - 1
    ) {
      errors.push({ field: `${name}-day`, message: `The ${label} must be a real date, like 27 3 2026` })
      return null
    }
    return date
  }
  const startsAt = read('startsAt', 'start date', true)
  const expiresAt = read('expiresAt', 'end date', false)
  return { startsAt: startsAt ?? new Date(0), expiresAt: errors.length ? null : expiresAt, errors }
}
