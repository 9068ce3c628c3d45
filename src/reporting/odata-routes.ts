// The OData v4 feed that force Power BI dashboards read (UJ-16). A caller is either an API
// client with the `reporting:read` scope (OAuth2 bearer token) or a Power BI API key
// (`X-API-Key` header or `?apikey=`), which Power BI's OData connector can send. Either way the
// feed is confined to that one force.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../platform/errors.ts'
import { metadataDocument } from './odata.ts'
import type { ForceService } from '../platform/tenancy/force-service.ts'
import type { ReportingService } from './service.ts'

const ODATA_ROOT = '/api/v1/odata'
export const REPORTING_SCOPE = 'reporting:read'
const access = { custom: 'OData API key or bearer token' }

export function registerODataRoutes(
  http: FastifyInstance,
  deps: { reporting: ReportingService; forces: Pick<ForceService, 'hasProduct'> },
): void {
  const { reporting, forces } = deps
  const forceOf = async (request: FastifyRequest): Promise<string> => {
    const forceId = await callerForce(request)
    if (!(await forces.hasProduct(forceId, 'journeys')))
      throw new DomainError('forbidden', 'Your force does not use Waypoint Journeys', { status: 403 })
    return forceId
  }
  const callerForce = async (request: FastifyRequest): Promise<string> => {
    if (request.client) {
      if (!request.client.scopes.has(REPORTING_SCOPE))
        throw new DomainError('forbidden', `This client needs the ${REPORTING_SCOPE} scope`, { status: 403 })
      return request.client.forceId
    }
    const header = request.headers['x-api-key']
    const key = (Array.isArray(header) ? header[0] : header) ?? queryOptions(request).apikey
    if (!key)
      throw new DomainError('unauthorised', 'Send a bearer token or an X-API-Key header', { status: 401 })
    const forceId = await reporting.forceForApiKey(key.trim())
    if (!forceId)
      throw new DomainError('unauthorised', 'The API key is not valid or has been revoked', { status: 401 })
    return forceId
  }

  const odataHeaders = (reply: FastifyReply) =>
    reply.header('OData-Version', '4.0').header('cache-control', 'no-store')

  const serviceDocument = async (request: FastifyRequest, reply: FastifyReply) => {
    await forceOf(request)
    odataHeaders(reply).type('application/json;odata.metadata=minimal;charset=utf-8')
    return reply.send({
      '@odata.context': `${baseUrl(request)}/$metadata`,
      value: ['Messages', 'DailyMessageCounts'].map((name) => ({ name, kind: 'EntitySet', url: name })),
    })
  }
  http.get(ODATA_ROOT, { config: { access, fixedFormat: true } }, serviceDocument)
  http.get(`${ODATA_ROOT}/`, { config: { access, fixedFormat: true } }, serviceDocument)

  http.get(`${ODATA_ROOT}/$metadata`, { config: { access, fixedFormat: true } }, async (request, reply) => {
    await forceOf(request)
    odataHeaders(reply).type('application/xml;charset=utf-8')
    return reply.send(metadataDocument())
  })

  http.get<{ Params: { set: string } }>(
    `${ODATA_ROOT}/:set`,
    { config: { access, fixedFormat: true } },
    async (request, reply) => {
      const forceId = await forceOf(request)
      const set = reporting.entitySet(request.params.set)
      const query = queryOptions(request)
      const page = await reporting.odataPage(forceId, set, query)
      const body: Record<string, unknown> = { '@odata.context': `${baseUrl(request)}/$metadata#${set.name}` }
      if (page.count !== undefined) body['@odata.count'] = page.count
      body.value = page.value
      if (page.nextSkip !== undefined) {
        const next = new URLSearchParams()
        for (const [k, v] of Object.entries(query)) if (v !== undefined && k !== '$skip') next.set(k, v)
        if (query.$top !== undefined)
          next.set('$top', String(Number(query.$top) - (page.nextSkip - Number(query.$skip ?? 0))))
        next.set('$skip', String(page.nextSkip))
        body['@odata.nextLink'] = `${baseUrl(request)}/${set.name}?${next.toString()}`
      }
      odataHeaders(reply).type('application/json;odata.metadata=minimal;charset=utf-8')
      return reply.send(body)
    },
  )
}

/**
 * The query options, one value each: Power Query's `ApiKeyName` adds `apikey` to every request,
 * including the nextLink that already carries it, so a repeated option takes its first value.
 */
function queryOptions(request: FastifyRequest): Record<string, string | undefined> {
  const options: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(request.query as Record<string, string | string[] | undefined>))
    options[k] = Array.isArray(v) ? v[0] : v
  return options
}

function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${ODATA_ROOT}`
}
