// The warehouse poller's console page (CP-157): a force administrator sets the connection, query,
// watermark column, interval and on/off, tries the saved query, and polls now. Only the signed-in
// person's own force is ever read or changed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { StaffRole } from '../platform/auth/roles.ts'
import { auditContext } from '../platform/http/server.ts'
import type { QueryTrial, WarehouseSettings, WarehouseSettingsInput } from './warehouse-settings.ts'
import { refusedForm, staffForce } from '../platform/http/request.ts'

const SETTINGS_ROLES: readonly StaffRole[] = ['force_admin']
const access = { staff: SETTINGS_ROLES }
const PAGE = '/console/sources/warehouse'

export function registerWarehouseRoutes(http: FastifyInstance, deps: { settings: WarehouseSettings }): void {
  const { settings } = deps

  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: Record<string, unknown>; errors?: unknown; trial?: QueryTrial } = {},
  ) => {
    const source = await settings.view(forceOf(request))
    const query = request.query as { saved?: string; polled?: string; busy?: string }
    return reply.render('warehouse.njk', {
      source,
      values: extra.values ?? { ...source, startAfter: '' },
      errors: extra.errors,
      trial: extra.trial,
      saved: query.saved === '1',
      polled: query.polled === '1',
      busy: query.busy === '1',
    })
  }

  http.get(PAGE, { config: { access } }, async (request, reply) => page(request, reply))

  http.post<{ Body: Record<string, string | undefined> }>(
    PAGE,
    { config: { access } },
    async (request, reply) => {
      const body = request.body ?? {}
      const input: WarehouseSettingsInput = {
        connection: body.connection,
        query: body.query,
        watermarkColumn: body.watermarkColumn,
        startAfter: body.startAfter,
        pollIntervalMinutes: body.pollIntervalMinutes,
        enabled: body.enabled === 'yes',
      }
      try {
        await settings.save(forceOf(request), input, auditContext(request))
      } catch (error) {
        // The connection string typed in holds a password, so it is not sent back.
        return refusedForm(reply, error, (errors) =>
          page(request, reply, { values: { ...input, connection: '' }, errors }),
        )
      }
      return reply.redirect(`${PAGE}?saved=1`, 303)
    },
  )

  http.post(`${PAGE}/try`, { config: { access } }, async (request, reply) => {
    const trial = await settings.tryQuery(forceOf(request), auditContext(request))
    return page(request, reply, { trial })
  })

  http.post(`${PAGE}/poll`, { config: { access } }, async (request, reply) => {
    const result = await settings.pollNow(forceOf(request), auditContext(request))
    if (!result) {
      reply.code(400)
      return page(request, reply, {
        errors: [{ field: 'connection', message: 'Save the warehouse settings before polling' }],
      })
    }
    return reply.redirect(`${PAGE}?${result.busy ? 'busy' : 'polled'}=1`, 303)
  })
}

/** A warehouse belongs to a force; staff without one (region-wide roles) have none here. */
const forceOf = staffForce('The warehouse poller is set up by the staff of each force')
