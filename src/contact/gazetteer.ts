// The gazetteer (CRM-32): address search and matching by UPRN behind one interface. The embedded
// gazetteer loads an AddressBase-style CSV (the columns of AddressBase Plus that make an address:
// UPRN, organisation, sub-building, building name and number, street, locality, post town,
// postcode and the British National Grid coordinates) and matches fuzzily by character trigrams,
// as pg_trgm does, so "14 hihg st chelmsford" still finds 14 High Street; the OS Places API
// adapter (gazetteer-os-places.ts) asks Ordnance Survey instead.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface GazetteerAddress {
  uprn: string
  /** One line, in capitals as OS Places gives it: "14 HIGH STREET, CHELMSFORD, CM1 1BE". */
  address: string
  postcode: string | null
  /** British National Grid easting and northing (EPSG:27700), when known. */
  x: number | null
  y: number | null
  /** How well it matches the search, 0 to 1. */
  match: number
}

export interface Gazetteer {
  /** Which gazetteer answered, kept with each confirmed address. */
  readonly name: string
  search(query: string, limit?: number): Promise<GazetteerAddress[]>
  byUprn(uprn: string): Promise<GazetteerAddress | undefined>
}

/** The sample that covers the demo's addresses. */
export const sampleGazetteerCsv = join(import.meta.dirname, 'gazetteer-sample.csv')

export const QUERY_MAX = 200

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const out: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      row.push(field)
      if (row.some((f) => f !== '')) out.push(row)
      row = []
      field = ''
    } else field += ch
  }
  row.push(field)
  if (row.some((f) => f !== '')) out.push(row)
  return out
}

const normalise = (text: string) =>
  ` ${text
    .toUpperCase()
    .replace(/\bST\b/g, 'STREET')
    .replace(/\bRD\b/g, 'ROAD')
    .replace(/\bAVE\b/g, 'AVENUE')
    .replace(/\bCL\b/g, 'CLOSE')
    .replace(/\bLN\b/g, 'LANE')
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()} `

/** The trigrams of each word, padded as pg_trgm pads them. */
export function trigrams(text: string): Set<string> {
  const found = new Set<string>()
  for (const word of normalise(text).split(' ').filter(Boolean)) {
    const padded = `  ${word} `
    for (let i = 0; i + 3 <= padded.length; i++) found.add(padded.slice(i, i + 3))
  }
  return found
}

const postcodeOf = (text: string) => {
  const m = /\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b/.exec(text.toUpperCase())
  return m ? `${m[1]} ${m[2]}` : null
}

interface Entry {
  address: GazetteerAddress
  grams: Set<string>
  numbers: Set<string>
}

/** The embedded gazetteer: an AddressBase-style CSV held in memory with a trigram index. */
export class EmbeddedGazetteer implements Gazetteer {
  readonly name = 'embedded'
  #csv: string | undefined
  readonly #entries: Entry[] = []
  readonly #byGram = new Map<string, number[]>()
  readonly #byUprn = new Map<string, Entry>()

  /**
   * Checks the CSV's header at once, so a wrong file stops the start; the index is built on the
   * first search (every process and test starts Contact, few look an address up).
   */
  constructor(csv: string) {
    const firstLine = csv.slice(0, csv.search(/\r?\n|$/))
    const [header] = parseCsv(firstLine)
    if (header && !header.some((h) => h.trim().toUpperCase() === 'UPRN'))
      throw new Error('The gazetteer CSV has no UPRN column')
    this.#csv = csv
  }

  /** Builds the trigram index from the CSV, once. */
  #index(): void {
    const csv = this.#csv
    if (csv === undefined) return
    this.#csv = undefined
    const [header, ...lines] = parseCsv(csv)
    if (!header) return
    const col = (name: string) => header.findIndex((h) => h.trim().toUpperCase() === name)
    const at = Object.fromEntries(
      [
        'UPRN',
        'ORGANISATION_NAME',
        'SUB_BUILDING_NAME',
        'BUILDING_NAME',
        'BUILDING_NUMBER',
        'THOROUGHFARE',
        'DEPENDENT_LOCALITY',
        'POST_TOWN',
        'POSTCODE',
        'X_COORDINATE',
        'Y_COORDINATE',
      ].map((c) => [c, col(c)]),
    ) as Record<string, number>
    if (at.UPRN! < 0) throw new Error('The gazetteer CSV has no UPRN column')
    for (const line of lines) {
      const get = (c: string) => (at[c]! >= 0 ? (line[at[c]!] ?? '').trim() : '')
      const uprn = get('UPRN')
      if (!/^\d{1,12}$/.test(uprn)) continue
      const number = get('BUILDING_NUMBER')
      const street = get('THOROUGHFARE')
      const parts = [
        get('ORGANISATION_NAME'),
        get('SUB_BUILDING_NAME'),
        get('BUILDING_NAME'),
        number && street ? `${number} ${street}` : number || street,
        get('DEPENDENT_LOCALITY'),
        get('POST_TOWN'),
        get('POSTCODE'),
      ].filter(Boolean)
      const x = Number.parseFloat(get('X_COORDINATE'))
      const y = Number.parseFloat(get('Y_COORDINATE'))
      const address: GazetteerAddress = {
        uprn,
        address: parts.join(', ').toUpperCase(),
        postcode: get('POSTCODE').toUpperCase() || null,
        x: Number.isFinite(x) ? x : null,
        y: Number.isFinite(y) ? y : null,
        match: 1,
      }
      const entry: Entry = {
        address,
        grams: trigrams(address.address),
        numbers: new Set(address.address.match(/\d+[A-Z]?/g) ?? []),
      }
      const index = this.#entries.push(entry) - 1
      this.#byUprn.set(uprn, entry)
      for (const g of entry.grams) {
        const list = this.#byGram.get(g)
        if (list) list.push(index)
        else this.#byGram.set(g, [index])
      }
    }
  }

  static fromFile(path: string = sampleGazetteerCsv): EmbeddedGazetteer {
    return new EmbeddedGazetteer(readFileSync(path, 'utf8'))
  }

  get size(): number {
    this.#index()
    return this.#entries.length
  }

  /**
   * Addresses like the query, best first: the share of the query's trigrams each address holds
   * (so a short query matches a long address), less a little for the address's other trigrams;
   * a house number or postcode that differs from the query's counts against it.
   */
  async search(query: string, limit = 10): Promise<GazetteerAddress[]> {
    this.#index()
    const text = query.slice(0, QUERY_MAX)
    const grams = trigrams(text)
    if (grams.size === 0) return []
    const shared = new Map<number, number>()
    for (const g of grams) for (const i of this.#byGram.get(g) ?? []) shared.set(i, (shared.get(i) ?? 0) + 1)
    const numbers = new Set(text.toUpperCase().match(/\d+[A-Z]?/g) ?? [])
    const postcode = postcodeOf(text)
    const scored: GazetteerAddress[] = []
    for (const [i, n] of shared) {
      const entry = this.#entries[i]!
      const containment = n / grams.size
      const jaccard = n / (grams.size + entry.grams.size - n)
      let score = 0.8 * containment + 0.2 * jaccard
      const houseNumbers = [...numbers].filter((x) => !postcode?.replace(' ', '').includes(x))
      if (houseNumbers.length > 0 && !houseNumbers.some((x) => entry.numbers.has(x))) score *= 0.6
      if (postcode) score = entry.address.postcode === postcode ? Math.min(1, score + 0.15) : score * 0.6
      if (score >= 0.35) scored.push({ ...entry.address, match: Math.round(score * 100) / 100 })
    }
    return scored.sort((a, b) => b.match - a.match || a.address.localeCompare(b.address)).slice(0, limit)
  }

  async byUprn(uprn: string): Promise<GazetteerAddress | undefined> {
    this.#index()
    const entry = this.#byUprn.get(uprn)
    return entry ? { ...entry.address } : undefined
  }
}
