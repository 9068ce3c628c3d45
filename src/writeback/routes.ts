// Console pages for write-back: the outbox and its dead letters with replay (CP-163), endpoint
// settings per target, and the officer's RMS update that sends nothing to the victim (CP-105).
// Everything is scoped to the signed-in person's own force; another force's entry is "not found".
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { StaffRole } from '../platform/auth/roles.ts'
import { NotFoundError } from '../platform/errors.ts'
import { auditContext } from '../platform/http/server.ts'
import {
  type EndpointSettingsInput,
  targetNames,
  type WritebackEndpointSettings,
} from './endpoint-settings.ts'
import type { OfficerRmsUpdates, OfficerUpdateInput } from './officer-update.ts'
import type { WritebackTarget } from './schema.ts'
import type { WritebackService } from './service.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'

export const OUTBOX_ROLES: readonly StaffRole[] = ['force_admin', 'service_support']
const SETTINGS_ROLES: readonly StaffRole[] = ['force_admin']
const OFFICER_ROLES: readonly StaffRole[] = ['investigating_officer', 'supervisor']

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
const entryParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: UUID } },
  required: ['id'],
} as const
const targetParams = {
  type: 'object',
  properties: { target: { type: 'string', enum: ['cad', 'rms'] } },
  required: ['target'],
} as const

export interface WritebackRouteServices {
  writeback: WritebackService
  endpoints: WritebackEndpointSettings
  officerUpdates: OfficerRmsUpdates
}

export function registerWritebackRoutes(http: FastifyInstance, services: WritebackRouteServices): void {
  const { writeback, endpoints, officerUpdates } = services

  http.get('/console/writeback', { config: { access: { staff: OUTBOX_ROLES } } }, async (request, reply) => {
    const forceId = forceOf(request)
    const query = request.query as { replayed?: string; saved?: string }
    const { counts, dead } = await writeback.overview(forceId)
    return reply.render('writeback/overview.njk', {
      counts,
      dead,
      endpoints: await endpoints.list(forceId),
      canEditSettings: SETTINGS_ROLES.some((r) => staffOf(request).roles.has(r)),
      replayed: query.replayed === undefined ? undefined : Number(query.replayed),
      saved:
        query.saved && query.saved in targetNames ? targetNames[query.saved as WritebackTarget] : undefined,
    })
  })

  http.get<{ Params: { id: string } }>(
    '/console/writeback/entries/:id',
    { config: { access: { staff: OUTBOX_ROLES } }, schema: { params: entryParams } },
    async (request, reply) => {
      const detail = await writeback.entryDetail(forceOf(request), request.params.id, auditContext(request))
      return reply.render('writeback/entry.njk', { ...detail, targetName: targetNames[detail.entry.target] })
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/writeback/entries/:id/replay',
    { config: { access: { staff: OUTBOX_ROLES } }, schema: { params: entryParams } },
    async (request, reply) => {
      const replayed = await writeback.replay(forceOf(request), [request.params.id], auditContext(request))
      // Not dead (already replayed or delivered) and not this force's read the same, so the
      // answer reveals nothing about other forces' entries.
      if (replayed === 0) throw new NotFoundError('A dead letter with that reference')
      return reply.redirect('/console/writeback?replayed=1', 303)
    },
  )

  http.post(
    '/console/writeback/replay-all',
    { config: { access: { staff: OUTBOX_ROLES } } },
    async (request, reply) => {
      const replayed = await writeback.replay(forceOf(request), 'all-dead', auditContext(request))
      return reply.redirect(`/console/writeback?replayed=${replayed}`, 303)
    },
  )

  http.get<{ Params: { target: WritebackTarget } }>(
    '/console/writeback/endpoints/:target',
    { config: { access: { staff: SETTINGS_ROLES } }, schema: { params: targetParams } },
    async (request, reply) => {
      const endpoint = await endpoints.get(forceOf(request), request.params.target)
      return reply.render('writeback/endpoint.njk', { endpoint, values: endpoint })
    },
  )

  http.post<{ Params: { target: WritebackTarget }; Body: Record<string, string | undefined> }>(
    '/console/writeback/endpoints/:target',
    { config: { access: { staff: SETTINGS_ROLES } }, schema: { params: targetParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const { target } = request.params
      const body = request.body ?? {}
      const input: EndpointSettingsInput = {
        url: body.url,
        authKind: body.authKind,
        username: body.username,
        secret: body.secret,
        timeoutSeconds: body.timeoutSeconds,
        enabled: body.enabled === 'yes',
      }
      try {
        await endpoints.save(forceId, target, input, auditContext(request))
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          // The secret typed in is not sent back to the browser.
          reply.render('writeback/endpoint.njk', {
            endpoint: await endpoints.get(forceId, target),
            values: { ...input, secret: '' },
            errors,
          }),
        )
      }
      return reply.redirect(`/console/writeback?saved=${target}`, 303)
    },
  )

  http.get(
    '/console/rms-updates/new',
    { config: { access: { staff: OFFICER_ROLES } } },
    async (request, reply) => {
      forceOf(request)
      const query = request.query as { recorded?: string }
      return reply.render('writeback/officer-update.njk', {
        values: { idempotencyKey: randomUUID() },
        recorded: query.recorded,
      })
    },
  )

  http.post<{ Body: Record<string, string | undefined> }>(
    '/console/rms-updates',
    { config: { access: { staff: OFFICER_ROLES } } },
    async (request, reply) => {
      const body = request.body ?? {}
      const input: OfficerUpdateInput = {
        crimeReference: body.crimeReference,
        update: body.update,
        idempotencyKey: body.idempotencyKey,
      }
      try {
        const entry = await officerUpdates.record(forceOf(request), input, auditContext(request))
        return reply.redirect(`/console/rms-updates/new?recorded=${encodeURIComponent(entry.targetRef)}`, 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          reply.render('writeback/officer-update.njk', {
            values: { ...input, idempotencyKey: input.idempotencyKey || randomUUID() },
            errors,
          }),
        )
      }
    },
  )
}

/** Write-back belongs to a force; staff without one (region-wide roles) have no outbox here. */
const forceOf = staffForce('Write-back is managed by the staff of each force')
