// Console pages for API clients (CP-172): force administrators manage their own force's
// clients, system administrators any force's. A new client's secret is shown once.
import { formText, MAX_LENGTH } from '../http/limits.ts'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AuditService } from '../audit/audit-service.ts'
import type { StaffPrincipal } from '../auth/roles.ts'
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts'
import { auditContext } from '../http/server.ts'
import type { ForceService } from '../tenancy/force-service.ts'
import type { ApiClientService } from './client-service.ts'
import { apiScopes } from './scopes.ts'
import { readApiVersion, releasedApiVersions } from './version.ts'
import { refusedForm, staffOf } from '../http/request.ts'

const admins = { staff: ['system_admin', 'force_admin'] as const }
const uuidPattern = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

export interface ApiClientConsoleDependencies {
  apiClients: ApiClientService
  forces: ForceService
  audit: AuditService
}

/** The force a member of staff administers; null for a system administrator (every force). */
function administeredForce(staff: StaffPrincipal): string | null {
  if (staff.roles.has('system_admin')) return null
  if (!staff.forceId) throw new ForbiddenError('You are not an administrator of a force')
  return staff.forceId
}

export function registerApiClientConsoleRoutes(
  http: FastifyInstance,
  deps: ApiClientConsoleDependencies,
): void {
  const { apiClients, forces, audit } = deps

  const formContext = async (request: FastifyRequest, values: Record<string, unknown> = {}) => {
    const staff = staffOf(request)
    const allForces = administeredForce(staff) === null ? await forces.list() : []
    return {
      values,
      forceItems: allForces.map((f) => ({ value: f.id, text: f.name, selected: values.forceId === f.id })),
      scopeItems: Object.entries(apiScopes).map(([value, text]) => ({
        value,
        text: value,
        hint: { text },
        checked: ((values.scopes as string[] | undefined) ?? []).includes(value),
      })),
    }
  }

  http.get(
    '/console/api-clients',
    {
      config: { access: admins },
      schema: {
        querystring: Type.Object({
          disabled: Type.Optional(Type.String({ maxLength: MAX_LENGTH.name })),
          pinned: Type.Optional(Type.String({ maxLength: MAX_LENGTH.name })),
        }),
      },
    },
    async (request, reply) => {
      const forceId = administeredForce(staffOf(request))
      const list = await apiClients.list(forceId)
      const current = readApiVersion()
      return reply.render('api-clients/list.njk', {
        clients: list,
        currentVersion: current,
        versionItems: (pinned: string | null) => [
          { value: '', text: `Current (${current})`, selected: !pinned },
          ...releasedApiVersions
            .filter((v) => v !== current)
            .map((v) => ({ value: v, text: v, selected: pinned === v })),
        ],
        showForce: forceId === null,
        disabledName: (request.query as { disabled?: string }).disabled,
        pinnedName: (request.query as { pinned?: string }).pinned,
      })
    },
  )

  http.get('/console/api-clients/new', { config: { access: admins } }, async (request, reply) =>
    reply.render('api-clients/new.njk', await formContext(request)),
  )

  http.post(
    '/console/api-clients',
    {
      config: { access: admins },
      schema: {
        body: Type.Object({
          name: formText(MAX_LENGTH.name),
          forceId: formText(MAX_LENGTH.name),
          scopes: Type.Optional(Type.Array(Type.String())),
        }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request)
      const body = request.body as { name?: string; forceId?: string; scopes?: string[] }
      const forceId = administeredForce(staff) ?? body.forceId ?? ''
      try {
        // Only an unknown force is the person's mistake; any other failure propagates.
        const known =
          !!forceId &&
          (await forces.get(forceId).then(
            () => true,
            (error) => {
              if (error instanceof NotFoundError) return false
              throw error
            },
          ))
        if (!known) {
          throw new ValidationError([{ field: 'forceId', message: 'Select the force the client acts for' }])
        }
        const { client, clientSecret } = await apiClients.create(
          { forceId, name: body.name ?? '', scopes: body.scopes ?? [] },
          staff.id,
        )
        await audit.record({
          ...auditContext(request),
          action: 'api-client.created',
          forceId,
          recordType: 'api-client',
          recordId: client.id,
          detail: { clientId: client.clientId, scopes: client.scopes },
        })
        reply.header('cache-control', 'no-store')
        return reply.render('api-clients/created.njk', { client, clientSecret })
      } catch (error) {
        return refusedForm(reply, error, async (errors) =>
          reply.render('api-clients/new.njk', {
            ...(await formContext(request, { ...body, forceId })),
            errors,
          }),
        )
      }
    },
  )

  http.post(
    '/console/api-clients/:id/disable',
    {
      config: { access: admins },
      schema: { params: Type.Object({ id: Type.String({ pattern: uuidPattern }) }) },
    },
    async (request, reply) => {
      const staff = staffOf(request)
      const { id } = request.params as { id: string }
      const client = await apiClients.get(administeredForce(staff), id)
      if (!client.disabledAt) {
        await apiClients.disable(client.forceId, client.id, staff.id)
        await audit.record({
          ...auditContext(request),
          action: 'api-client.disabled',
          forceId: client.forceId,
          recordType: 'api-client',
          recordId: client.id,
          detail: { clientId: client.clientId },
        })
      }
      return reply.redirect(`/console/api-clients?disabled=${encodeURIComponent(client.name)}`, 303)
    },
  )

  // CP-179: a faulty new API version is rolled back for one client, at once and without a
  // redeploy, by pinning it to an earlier release; an empty choice returns it to the current one.
  http.post(
    '/console/api-clients/:id/version',
    {
      config: { access: admins },
      schema: {
        params: Type.Object({ id: Type.String({ pattern: uuidPattern }) }),
        body: Type.Object({ version: formText(20) }),
      },
    },
    async (request, reply) => {
      const staff = staffOf(request)
      const { id } = request.params as { id: string }
      const version = (request.body as { version?: string }).version?.trim() || null
      const before = await apiClients.get(administeredForce(staff), id)
      const client = await apiClients.pinVersion(administeredForce(staff), id, version, staff.id)
      await audit.record({
        ...auditContext(request),
        action: 'api-client.version-pinned',
        forceId: client.forceId,
        recordType: 'api-client',
        recordId: client.id,
        detail: { clientId: client.clientId, from: before.pinnedVersion, to: version },
      })
      return reply.redirect(`/console/api-clients?pinned=${encodeURIComponent(client.name)}`, 303)
    },
  )
}
