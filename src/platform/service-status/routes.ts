// The service-incident log in the staff console (CP-185, UJ-17, CRM-33). System administrators
// and service support record incidents and actions; force administrators read and export the
// incidents that affect their force.
import { Type } from '@sinclair/typebox'
import { formText, MAX_LENGTH } from '../http/limits.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DateTime } from 'luxon'
import type { StaffRole } from '../auth/roles.ts'
import { csvStream } from '../audit/csv-export.ts'
import type { ForceService } from '../tenancy/force-service.ts'
import type { StatusFilter } from './service-incident-repository.ts'
import {
  type ServiceIncidentForm,
  type ServiceIncidentReader,
  type ServiceIncidentService,
  serviceIncidentKinds,
  serviceIncidentSeverities,
} from './service-incident-service.ts'
import { refusedForm, staffOf } from '../http/request.ts'

const managers: StaffRole[] = ['system_admin', 'service_support']
const readers = { staff: [...managers, 'force_admin'] as StaffRole[] }
const writers = { staff: managers }

export function registerServiceStatusRoutes(
  http: FastifyInstance,
  services: { serviceIncidents: ServiceIncidentService; forces: ForceService },
): void {
  const { serviceIncidents: incidents, forces } = services

  // The log's earlier addresses (under /console/incidents) lead to the same pages; a form posted
  // to one is posted again to its new address (308 keeps the method and body).
  for (const method of ['GET', 'POST'] as const)
    for (const url of ['/console/incidents', '/console/incidents/*'])
      http.route({
        method,
        url,
        config: { access: readers },
        handler: (request, reply) =>
          reply.redirect(
            request.url.replace(/^\/console\/incidents/, '/console/service-status'),
            method === 'GET' ? 301 : 308,
          ),
      })

  http.get('/console/service-status', { config: { access: readers } }, async (request, reply) => {
    const reader = readerOf(request)
    const status = statusOf(request)
    const list = await incidents.list(reader, status)
    const names = await forceNames(forces)
    return reply.render('service-status/list.njk', {
      title: 'Service incidents',
      status,
      canManage: reader.regionWide,
      incidents: list.map((i) => ({ ...i, forces: i.forceIds.map((f) => names.get(f) ?? f).join(', ') })),
      kinds: serviceIncidentKinds,
      severities: serviceIncidentSeverities,
    })
  })

  http.get('/console/service-status/export.csv', { config: { access: readers } }, async (request, reply) => {
    const rows = await incidents.exportActions(readerOf(request), statusOf(request))
    const stamp = DateTime.now().setZone('Europe/London').toFormat('yyyyLLdd-HHmm')
    reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="waypoint-incidents-${stamp}.csv"`)
      .header('cache-control', 'no-store')
    return reply.send(
      csvStream(
        [
          'Incident number',
          'Kind',
          'Title',
          'Severity',
          'Forces affected',
          'Started at (UTC)',
          'Status',
          'Resolved at (UTC)',
          'Action taken at (UTC)',
          'Action by',
          'Action type',
          'Action',
        ],
        rows,
        ({ incident, action }) => [
          incident.number,
          incident.kind,
          incident.title,
          incident.severity,
          incident.forceIds.join(' '),
          incident.startedAt,
          incident.status,
          incident.resolvedAt,
          action.takenAt,
          action.actorName,
          action.kind,
          action.description,
        ],
      ),
    )
  })

  http.get('/console/service-status/new', { config: { access: writers } }, async (_request, reply) =>
    renderForm(reply, forces, {}, []),
  )

  const incidentForm = {
    body: Type.Object({
      title: formText(MAX_LENGTH.name),
      startedDate: formText(MAX_LENGTH.name),
      startedTime: formText(MAX_LENGTH.name),
      description: formText(MAX_LENGTH.longText),
    }),
  }
  http.post(
    '/console/service-status',
    { config: { access: writers }, schema: incidentForm },
    async (request, reply) => {
      const body = request.body as Record<string, string | string[] | undefined>
      const form: ServiceIncidentForm = {
        kind: text(body.kind),
        title: text(body.title),
        severity: text(body.severity),
        forceIds: ([] as string[]).concat(body.forceIds ?? []),
        startedDate: text(body.startedDate),
        startedTime: text(body.startedTime),
        description: text(body.description),
      }
      try {
        const incident = await incidents.record(readerOf(request), form)
        return reply.redirect(`/console/service-status/${incident.id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderForm(reply, forces, form, errors))
      }
    },
  )

  http.get('/console/service-status/:id', { config: { access: readers } }, async (request, reply) => {
    const { id } = request.params as { id: string }
    return renderDetail(request, reply, incidents, forces, id, [])
  })

  http.post(
    '/console/service-status/:id/actions',
    {
      config: { access: writers },
      schema: { body: Type.Object({ description: formText(MAX_LENGTH.longText) }) },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      try {
        await incidents.addAction(
          readerOf(request),
          id,
          text((request.body as Record<string, string>).description),
        )
        return reply.redirect(`/console/service-status/${id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderDetail(request, reply, incidents, forces, id, errors),
        )
      }
    },
  )

  http.post(
    '/console/service-status/:id/resolve',
    {
      config: { access: writers },
      schema: { body: Type.Object({ resolution: formText(MAX_LENGTH.longText) }) },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string }
      try {
        await incidents.resolve(
          readerOf(request),
          id,
          text((request.body as Record<string, string>).resolution),
        )
        return reply.redirect(`/console/service-status/${id}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          renderDetail(request, reply, incidents, forces, id, errors),
        )
      }
    },
  )
}

function readerOf(request: FastifyRequest): ServiceIncidentReader {
  const staff = staffOf(request)
  return { request, forceId: staff.forceId, regionWide: managers.some((r) => staff.roles.has(r)) }
}

function statusOf(request: FastifyRequest): StatusFilter {
  const status = (request.query as { status?: string }).status
  return status === 'resolved' || status === 'all' ? status : 'open'
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

async function forceNames(forces: ForceService): Promise<Map<string, string>> {
  return new Map((await forces.list()).map((f) => [f.id, f.name]))
}

async function renderForm(
  reply: FastifyReply,
  forces: ForceService,
  form: ServiceIncidentForm,
  errors: { field: string; message: string }[],
) {
  const chosen = new Set(form.forceIds ?? [])
  return reply.render('service-status/new.njk', {
    title: 'Record a service incident',
    form,
    errors,
    kindItems: Object.entries(serviceIncidentKinds).map(([value, label]) => ({
      value,
      text: label,
      checked: form.kind === value,
    })),
    severityItems: Object.entries(serviceIncidentSeverities).map(([value, label]) => ({
      value,
      text: label,
      checked: form.severity === value,
    })),
    forceItems: (await forces.list()).map((f) => ({ value: f.id, text: f.name, checked: chosen.has(f.id) })),
  })
}

async function renderDetail(
  request: FastifyRequest,
  reply: FastifyReply,
  incidents: ServiceIncidentService,
  forces: ForceService,
  id: string,
  errors: { field: string; message: string }[],
) {
  const reader = readerOf(request)
  const { incident, actions } = await incidents.get(reader, id, { audited: errors.length === 0 })
  const names = await forceNames(forces)
  return reply.render('service-status/detail.njk', {
    title: `Service incident ${incident.number}: ${incident.title}`,
    incident,
    actions,
    errors,
    body: request.body ?? {},
    canManage: reader.regionWide,
    kind: serviceIncidentKinds[incident.kind],
    severity: serviceIncidentSeverities[incident.severity],
    forces: incident.forceIds.map((f) => names.get(f) ?? f).join(', '),
  })
}
