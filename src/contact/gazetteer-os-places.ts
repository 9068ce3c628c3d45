// The OS Places API as Contact's gazetteer (CRM-32): `find` for a free-text search (OS's own fuzzy
// matching, each result with its MATCH score) and `uprn` for one property, from the Delivery Point
// Address (DPA) dataset, in British National Grid. The key goes in the `key` header. Connections
// go only to hosts the deployment allows for the purpose `gazetteer` (OUTBOUND_GAZETTEER_HOSTS,
// decision 0016); an answer that is not OS Places' shape, or an error, is refused in words.
import { DomainError } from '../platform/errors.ts'
import { policyFetch } from '../platform/outbound-fetch.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import { type Gazetteer, type GazetteerAddress, QUERY_MAX } from './gazetteer.ts'

interface DpaRecord {
  UPRN?: string
  ADDRESS?: string
  POSTCODE?: string
  X_COORDINATE?: number
  Y_COORDINATE?: number
  MATCH?: number
}

interface PlacesAnswer {
  header?: { totalresults?: number }
  results?: { DPA?: DpaRecord }[]
}

const unavailable = () =>
  new DomainError(
    'gazetteer-unavailable',
    'The gazetteer (OS Places) did not answer: try again, or type the address',
    {
      status: 502,
    },
  )

export class OsPlacesGazetteer implements Gazetteer {
  readonly name = 'os-places'
  readonly #baseUrl: string
  readonly #key: string
  readonly #fetch: ReturnType<typeof policyFetch>

  constructor(options: { baseUrl: string; key: string; outbound: OutboundPolicy; timeoutMs?: number }) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#key = options.key
    this.#fetch = policyFetch(options.outbound, 'gazetteer', options.timeoutMs ?? 5000)
  }

  async #get(path: string, params: Record<string, string>): Promise<PlacesAnswer> {
    const url = `${this.#baseUrl}/${path}?${new URLSearchParams({ dataset: 'DPA', output_srs: 'EPSG:27700', ...params })}`
    let response: Response
    try {
      response = await this.#fetch(url, { headers: { key: this.#key, accept: 'application/json' } })
    } catch (error) {
      if (error instanceof DomainError) throw error
      throw unavailable()
    }
    if (response.status === 400) return {}
    if (!response.ok) throw unavailable()
    try {
      const body = (await response.json()) as PlacesAnswer
      if (typeof body !== 'object' || body === null) throw unavailable()
      return body
    } catch {
      throw unavailable()
    }
  }

  #address(dpa: DpaRecord): GazetteerAddress | undefined {
    if (!dpa.UPRN || !/^\d{1,12}$/.test(String(dpa.UPRN)) || !dpa.ADDRESS) return undefined
    return {
      uprn: String(dpa.UPRN),
      address: String(dpa.ADDRESS),
      postcode: dpa.POSTCODE ?? null,
      x: typeof dpa.X_COORDINATE === 'number' ? dpa.X_COORDINATE : null,
      y: typeof dpa.Y_COORDINATE === 'number' ? dpa.Y_COORDINATE : null,
      match: typeof dpa.MATCH === 'number' ? dpa.MATCH : 1,
    }
  }

  async search(query: string, limit = 10): Promise<GazetteerAddress[]> {
    const text = query.trim().slice(0, QUERY_MAX)
    if (!text) return []
    const answer = await this.#get('find', {
      query: text,
      maxresults: String(Math.min(100, limit)),
      minmatch: '0.4',
    })
    return (answer.results ?? []).flatMap((r) => (r.DPA ? (this.#address(r.DPA) ?? []) : []))
  }

  async byUprn(uprn: string): Promise<GazetteerAddress | undefined> {
    if (!/^\d{1,12}$/.test(uprn)) return undefined
    const answer = await this.#get('uprn', { uprn })
    const dpa = answer.results?.[0]?.DPA
    return dpa ? this.#address(dpa) : undefined
  }
}
