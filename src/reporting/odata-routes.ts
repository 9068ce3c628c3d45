// The OData v4 feed that force Power BI dashboards read (UJ-16). A caller is either an API
// client with the `reporting:read` scope (OAuth2 bearer token) or a Power BI API key
// (`X-API-Key` header or `?apikey=`), which Power BI's OData connector can send. Either way the
// feed is confined to that one force.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { problemResponses } from '../platform/api/api-schemas.ts'
import { DomainError } from '../platform/errors.ts'
import { entitySets, metadataDocument } from './odata.ts'
import { EntityPage, ODataQueryOptions, ServiceDocument } from './odata-schemas.ts'
import type { ForceService } from '../platform/tenancy/force-service.ts'
import type { ReportingService } from './service.ts'

const ODATA_ROOT = '/api/v1/odata'
export const REPORTING_SCOPE = 'reporting:read'
const access = { custom: 'OData API key or bearer token' }
const security: Record<string, string[]>[] = [
  { oauth2: [REPORTING_SCOPE] },
  { odataApiKey: [] },
  { odataApiKeyQuery: [] },
]
const tags = ['Reporting (OData)']
const refusals = {
  401: 'No bearer token or API key, or one that is not valid or has been revoked',
  403: `The client lacks the ${REPORTING_SCOPE} scope, or the force does not use Waypoint Journeys`,
}
const problems = problemResponses([401, 403, 429], refusals)
const serviceDocumentSchema = {
  summary: 'The OData service document: the entity sets of the feed',
  description: 'Power BI’s OData connector starts here (OData v4, JSON format).',
  tags,
  security,
  response: { 200: ServiceDocument, ...problems },
}

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
      value: entitySets.map(({ name }) => ({ name, kind: 'EntitySet', url: name })),
    })
  }
  http.get(
    ODATA_ROOT,
    {
      config: { access, fixedFormat: true },
      schema: { ...serviceDocumentSchema, operationId: 'odataService' },
    },
    serviceDocument,
  )
  // The same document with a trailing slash, as some OData clients ask; described once, above.
  http.get(
    `${ODATA_ROOT}/`,
    { config: { access, fixedFormat: true }, schema: { ...serviceDocumentSchema, hide: true } },
    serviceDocument,
  )

  http.get(
    `${ODATA_ROOT}/$metadata`,
    {
      config: { access, fixedFormat: true },
      schema: {
        summary: 'The OData metadata document (CSDL XML) describing each entity set',
        operationId: 'odataMetadata',
        tags,
        security,
        response: {
          200: {
            description: 'CSDL XML (OData v4)',
            content: { 'application/xml': { schema: { type: 'string' } } },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      await forceOf(request)
      odataHeaders(reply).type('application/xml;charset=utf-8')
      return reply.send(metadataDocument())
    },
  )

  http.get<{ Params: { set: string } }>(
    `${ODATA_ROOT}/:set`,
    {
      config: { access, fixedFormat: true },
      schema: {
        summary: 'One page of an entity set, filtered, ordered and paged by OData query options',
        description:
          'At most one page of entities per request: when more remain, `@odata.nextLink` asks for ' +
          'the next page. Options that cannot be read are refused with each named in `errors`.',
        operationId: 'odataEntitySet',
        tags,
        security,
        params: Type.Object({
          set: Type.String({
            description:
              'The entity set: Messages, DailyMessageCounts, MessageResponses, PortalFeedback, Contacts, FailureDemandWeeks or QualityReviews',
          }),
        }),
        querystring: ODataQueryOptions,
        response: {
          200: EntityPage,
          ...problemResponses([400, 401, 403, 404, 429], {
            ...refusals,
            400: 'A query option cannot be read: each is named in `errors`',
            404: 'There is no entity set of that name',
          }),
        },
      },
    },
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
