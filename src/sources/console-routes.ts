// Staff console for source systems (item 5, CP-163, CP-166): integration health per source,
// quarantined events that can be corrected and replayed one by one or all together, and the
// force's mapping profiles, edited as new versions and tried against a pasted sample (UJ-4, CP-162).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { DomainError, ForbiddenError } from '../platform/errors.ts'
import { type SourceSystem, sourceSystems } from './default-profiles.ts'
import type { SourceService } from './service.ts'

const access = { staff: ['force_admin'] as const }
const idParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const
const systemParams = {
  type: 'object',
  properties: { system: { type: 'string', enum: [...sourceSystems] } },
  required: ['system'],
} as const

export function registerSourceConsoleRoutes(
  http: FastifyInstance,
  deps: { sources: SourceService; audit: AuditService },
): void {
  const { sources } = deps
  const audit = (
    request: FastifyRequest,
    action: string,
    recordType: string,
    recordId: string,
    detail = {},
  ) =>
    deps.audit.record({
      action,
      forceId: forceOf(request),
      actor: { kind: 'staff', id: request.staff!.id, name: request.staff!.displayName },
      recordType,
      recordId,
      detail,
      ip: request.ip,
      correlationId: request.id,
    })

  http.get('/console/sources', { config: { access } }, async (request, reply) => {
    const forceId = forceOf(request)
    return reply.render('sources/health.njk', {
      health: await sources.health(forceId),
      quarantined: await sources.events(forceId, { status: 'quarantined', limit: 100 }),
      recent: await sources.events(forceId, { limit: 20 }),
    })
  })

  http.post('/console/sources/replay', { config: { access } }, async (request, reply) => {
    const results = await sources.replayAll(forceOf(request))
    await audit(request, 'source-events.replayed', 'source_event', 'all', {
      count: results.length,
      applied: results.filter((r) => r.status === 'applied').length,
    })
    return reply.redirect('/console/sources')
  })

  http.get<{ Params: { id: string } }>(
    '/console/sources/events/:id',
    { config: { access }, schema: { params: idParams } },
    async (request, reply) => {
      const event = await sources.event(forceOf(request), request.params.id)
      if (!event) throw new DomainError('not-found', 'The source event was not found', { status: 404 })
      await audit(request, 'source-event.viewed', 'source_event', event.id)
      return reply.render('sources/event.njk', { event, payload: event.payload })
    },
  )

  http.post<{ Params: { id: string }; Body: { payload?: string } }>(
    '/console/sources/events/:id/payload',
    { config: { access }, schema: { params: idParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const payload = request.body.payload ?? ''
      try {
        await sources.correctPayload(forceId, request.params.id, payload)
      } catch (error) {
        if (!(error instanceof DomainError) || error.status !== 400) throw error
        const event = await sources.event(forceId, request.params.id)
        return reply.code(400).render('sources/event.njk', { event, payload, errors: error.fieldErrors })
      }
      await audit(request, 'source-event.corrected', 'source_event', request.params.id)
      return replayOne(request, reply, request.params.id)
    },
  )

  http.post<{ Params: { id: string } }>(
    '/console/sources/events/:id/replay',
    { config: { access }, schema: { params: idParams } },
    async (request, reply) => replayOne(request, reply, request.params.id),
  )

  const replayOne = async (request: FastifyRequest, reply: FastifyReply, id: string) => {
    const result = await sources.replay(forceOf(request), id)
    await audit(request, 'source-event.replayed', 'source_event', id, { status: result.status })
    return reply.redirect(`/console/sources/events/${id}`)
  }

  http.get<{ Params: { system: SourceSystem } }>(
    '/console/sources/profiles/:system',
    { config: { access }, schema: { params: systemParams } },
    async (request, reply) => {
      const versions = await sources.profileVersions(forceOf(request), request.params.system)
      return reply.render('sources/profile.njk', {
        system: request.params.system,
        versions,
        document: versions[0] ? JSON.stringify(versions[0].document, null, 2) : '',
        sample: '',
      })
    },
  )

  http.post<{
    Params: { system: SourceSystem }
    Body: { document?: string; sample?: string; note?: string; action?: string }
  }>(
    '/console/sources/profiles/:system',
    { config: { access }, schema: { params: systemParams } },
    async (request, reply) => {
      const forceId = forceOf(request)
      const { system } = request.params
      const document = request.body.document ?? ''
      const sample = request.body.sample ?? ''
      const page = async (extra: Record<string, unknown>, status = 200) =>
        reply.code(status).render('sources/profile.njk', {
          system,
          versions: await sources.profileVersions(forceId, system),
          document,
          sample,
          note: request.body.note,
          ...extra,
        })
      try {
        if (request.body.action === 'save') {
          const version = await sources.saveProfile(
            forceId,
            system,
            document,
            request.body.note?.trim() || null,
            request.staff!.id,
          )
          await audit(request, 'mapping-profile.saved', 'mapping_profile', `${system}:${version}`, {
            version,
          })
          return page({ saved: version })
        }
        if (!sample.trim())
          return page(
            { errors: [{ field: 'sample', message: 'Paste a sample event to try the profile' }] },
            400,
          )
        const outcome = sources.tryProfile(
          document,
          sample,
          sample.trimStart().startsWith('<') ? 'application/xml' : 'application/json',
        )
        return page({
          tried: outcome.ok ? { ok: true, mapped: JSON.stringify(outcome.event, null, 2) } : outcome,
        })
      } catch (error) {
        if (!(error instanceof DomainError) || error.status !== 400) throw error
        return page({ errors: error.fieldErrors }, 400)
      }
    },
  )
}

function forceOf(request: FastifyRequest): string {
  const forceId = request.staff?.forceId
  if (!forceId) throw new ForbiddenError('Source systems are set up per force; sign in with a force account')
  return forceId
}
