// JSON is the primary format (CP-173); XML and YAML are accepted by Content-Type and produced
// by Accept on every /api/v1 route, problem documents included (CP-170, CP-183).
import { XMLBuilder, XMLParser } from 'fast-xml-parser'
import YAML from 'yaml'

export type ApiFormat = 'json' | 'xml' | 'yaml'

const mediaTypes: Record<string, ApiFormat> = {
  'application/json': 'json',
  'application/problem+json': 'json',
  'application/*': 'json',
  '*/*': 'json',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/problem+xml': 'xml',
  'application/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'text/yaml': 'yaml',
}

export const xmlMediaTypes = ['application/xml', 'text/xml']
export const yamlMediaTypes = ['application/yaml', 'application/x-yaml', 'text/yaml']

/**
 * The format to answer in for an Accept header (RFC 9110 §12.5.1: highest q wins, then the
 * order given); JSON when there is no header, undefined when nothing acceptable is offered.
 */
export function negotiateFormat(accept: string | undefined): ApiFormat | undefined {
  if (!accept?.trim()) return 'json'
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1, index }
    })
    .filter((r) => r.q > 0 && !Number.isNaN(r.q))
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const r of ranges) {
    const format = mediaTypes[r.type]
    if (format) return format
  }
  return undefined
}

export function contentTypeFor(format: ApiFormat, problem: boolean): string {
  if (format === 'xml')
    return problem ? 'application/problem+xml; charset=utf-8' : 'application/xml; charset=utf-8'
  if (format === 'yaml') return 'application/yaml; charset=utf-8'
  return problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8'
}

const xmlParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: true,
  trimValues: true,
  processEntities: true,
  ignoreDeclaration: true,
})
const xmlBuilder = new XMLBuilder({ format: true, suppressEmptyNode: true, processEntities: true })

/** An XML request body: the children of its root element become the object's properties. */
export function parseXmlBody(text: string): unknown {
  // No document type definitions: they only bring entity expansion attacks (XXE, billion laughs).
  if (/<!DOCTYPE/i.test(text)) throw new Error('document type definitions are not accepted')
  const document = xmlParser.parse(text, true) as Record<string, unknown>
  const roots = Object.keys(document)
  if (roots.length !== 1) throw new Error('An XML body must have exactly one root element')
  const root = document[roots[0]]
  return root === '' ? {} : root
}

export function parseYamlBody(text: string): unknown {
  return YAML.parse(text, { maxAliasCount: 100 })
}

/** XML for a response; RFC 9457 §A names the root of a problem document `problem`. */
export function toXml(value: unknown, problem: boolean): string {
  const root = problem ? 'problem' : 'response'
  const body = Array.isArray(value) ? { item: value } : (value ?? {})
  const xml = xmlBuilder.build({ [root]: withXmlSafeNames(body) }) as string
  const namespaced = problem ? xml.replace('<problem>', '<problem xmlns="urn:ietf:rfc:7807">') : xml
  return `<?xml version="1.0" encoding="UTF-8"?>\n${namespaced}`
}

export function toYaml(value: unknown): string {
  return YAML.stringify(value)
}

// Keys that are not XML names (e.g. readiness check names with spaces) become `_` separated.
function withXmlSafeNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withXmlSafeNames)
  if (value instanceof Date) return value.toISOString()
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.replace(/^[^A-Za-z_]|[^\w.-]/g, '_'), withXmlSafeNames(v)]),
    )
  }
  return value
}
