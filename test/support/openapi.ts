// Checks that an answer Waypoint gave is what its served OpenAPI description says: the status is
// described for the operation, under the answer's media type, and the body matches the schema.
// The schema check covers the JSON Schema the description uses (types, properties, required,
// additionalProperties, items, anyOf/oneOf, enum, const, $ref to components, patternProperties).
import type { LightMyRequestResponse } from 'fastify'

type Schema = Record<string, unknown>
export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { responses: Record<string, Schema & { content?: Record<string, { schema: Schema }> }> }>
  >
  components: { schemas?: Record<string, Schema> }
}

/**
 * The operation's path template that a concrete path matches, e.g. /a/{id} for /a/7; a literal
 * path first, as a router does (/a/deliveries is not /a/{id}).
 */
export function templateFor(document: OpenApiDocument, path: string): string | undefined {
  if (document.paths[path]) return path
  return Object.keys(document.paths).find((template) => {
    const pattern = template.replace(/[$.]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')
    return new RegExp(`^${pattern}$`).test(path)
  })
}

/**
 * The differences between an answer and the description, as readable lines (none when it
 * conforms). `operation` is "METHOD /path/template".
 */
export function describedAnswerProblems(
  document: OpenApiDocument,
  method: string,
  url: string,
  response: LightMyRequestResponse,
): { operation: string; problems: string[] } {
  const path = url.split('?')[0]!
  const template = templateFor(document, path)
  const operation = `${method} ${template ?? path}`
  const op = template ? document.paths[template]?.[method.toLowerCase()] : undefined
  if (!op) return { operation, problems: [`${operation} is not described`] }
  const status = String(response.statusCode)
  const described = op.responses[status] ?? op.responses[`${status[0]}XX`]
  if (!described) return { operation, problems: [`${operation} does not describe status ${status}`] }
  if (!described.content || !response.body) {
    const mismatch = described.content ? 'has no body' : response.body ? 'has a body not described' : ''
    return { operation, problems: mismatch ? [`${operation} ${status} ${mismatch}`] : [] }
  }
  const mediaType = String(response.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
  const content = described.content?.[mediaType]
  if (!content) return { operation, problems: [`${operation} ${status} does not describe ${mediaType}`] }
  const body = mediaType.endsWith('json') ? response.json() : response.body
  const problems: string[] = []
  check(document, content.schema, body, '', problems)
  return { operation, problems: problems.map((p) => `${operation} ${status}: ${p}`) }
}

function check(
  document: OpenApiDocument,
  schema: Schema,
  value: unknown,
  at: string,
  problems: string[],
): void {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '')
    const target = document.components.schemas?.[name]
    if (!target) problems.push(`${at || 'body'}: unknown $ref ${schema.$ref}`)
    else check(document, target, value, at, problems)
    return
  }
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
  if (variants) {
    const fits = variants.some((variant) => {
      const found: string[] = []
      check(document, variant, value, at, found)
      return found.length === 0
    })
    if (!fits) problems.push(`${at || 'body'}: matches none of the alternatives`)
    return
  }
  if ('const' in schema && value !== schema.const)
    problems.push(`${at || 'body'}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`)
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${at || 'body'}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`)
  const types = schema.type === undefined ? undefined : ([] as unknown[]).concat(schema.type)
  if (types && !types.some((type) => hasType(value, String(type)))) {
    problems.push(`${at || 'body'}: ${JSON.stringify(value)} is not ${types.join(' or ')}`)
    return
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      check(document, schema.items as Schema, item, `${at}[${i}]`, problems)
    })
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>
    const properties = (schema.properties ?? {}) as Record<string, Schema>
    for (const name of (schema.required ?? []) as string[])
      if (!(name in object)) problems.push(`${at ? `${at}.` : ''}${name}: missing`)
    const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>)
    for (const [name, inner] of Object.entries(object)) {
      const where = at ? `${at}.${name}` : name
      if (properties[name]) {
        check(document, properties[name], inner, where, problems)
        continue
      }
      const pattern = patterns.find(([p]) => new RegExp(p).test(name))
      if (pattern) check(document, pattern[1], inner, where, problems)
      else if (schema.additionalProperties === false) problems.push(`${where}: not described`)
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
        check(document, schema.additionalProperties as Schema, inner, where, problems)
    }
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null
    case 'array':
      return Array.isArray(value)
    case 'object':
      return !!value && typeof value === 'object' && !Array.isArray(value)
    case 'integer':
      return Number.isInteger(value)
    case 'number':
      return typeof value === 'number'
    default:
      return typeof value === type
  }
}
