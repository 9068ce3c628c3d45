// Mapping profiles (UJ-4, CP-162): each force's STORM/SMARTStorm and Athena builds differ, so a
// versioned JSON document per force and source says where each model field is in the payload,
// how codes translate (e.g. grading codes) and how dates are written. No code change per force.
import { XMLParser } from 'fast-xml-parser'
import { DateTime } from 'luxon'
import {
  type CaseChange,
  type ChangeKind,
  changeKinds,
  contactChannels,
  crimeStatuses,
  gradings,
  markerKinds,
  partyRoles,
  type PersonFacts,
  vcopCategories,
} from '../cases/model.ts'
import { normaliseEmail, normaliseUkPhone } from './contact-details.ts'

/**
 * Where a value comes from. A text is a path: dot-separated element or key names, numbers index
 * lists, `@name` is an XML attribute (`@msgId`, `Party.@role`) and `.` alone is the record itself.
 * An object composes: `{ "path": "…", "default": "…" }` uses the default when the path finds
 * nothing; `{ "join": ["Forename", "Surname"], "separator": " " }` joins the parts found;
 * `{ "value": "…" }` is a constant. Values are always read as text: "1A", "1B" and "01" stay apart.
 */
export type FieldSpec =
  | string
  | { path: string; default?: string }
  | { join: string[]; separator?: string; default?: string }
  | { value: string }

export interface MappingProfile {
  /** Where the envelope fields are (see `FieldSpec`). */
  eventId: FieldSpec
  eventType: FieldSpec
  occurredAt: FieldSpec
  /** 'iso' (default) or a Luxon format read in Europe/London, e.g. "dd/MM/yyyy HH:mm:ss". */
  dateFormat?: string
  /** Source event type → what it means in the model. */
  eventTypes: Record<string, ChangeKind>
  /** Model field (see `recordFields`) → where it is in the payload. */
  fields: Record<string, FieldSpec>
  /** Where the list of people is, and person field (see `personFields`) → where within one. */
  people?: { path: string; fields: Record<string, FieldSpec> }
  /** Model field → source code → model value (e.g. "incident.grading": { "G1": "Immediate" }). */
  codes?: Record<string, Record<string, string>>
  /** Model fields an event of their record (incident or crime) must carry, or it is not mapped. */
  required?: string[]
}

export const recordFields = [
  'incident.cadRef',
  'incident.openedAt',
  'incident.closedAt',
  'incident.grading',
  'incident.incidentType',
  'incident.openingCode',
  'incident.closingCode',
  'incident.location',
  'incident.linkedCrimeRefs',
  'crime.crimeRef',
  'crime.linkedCadRefs',
  'crime.crimeType',
  'crime.homeOfficeClass',
  'crime.status',
  'crime.outcome',
  'crime.recordedAt',
  'crime.closedAt',
  'crime.vcopCategory',
  'crime.vcopReason',
  'crime.officer.collar',
  'crime.officer.name',
  'crime.officer.email',
  'crime.officer.team',
  'crime.supervisor.collar',
  'crime.supervisor.name',
  'crime.supervisor.email',
  'crime.supervisor.team',
] as const

export const personFields = [
  'stormNominal',
  'athenaUrn',
  'name',
  'dateOfBirth',
  'role',
  'actsFor',
  'phone',
  'email',
  'address',
  'preferredChannel',
  'language',
  'markers',
  'removedMarkers',
] as const

const dateFields = new Set(['incident.openedAt', 'incident.closedAt', 'crime.recordedAt', 'crime.closedAt'])

/**
 * Fields whose source codes may be translated to a force's own words (a crime code to the crime
 * type journeys are written for); a code with no translation passes through as it is.
 */
export const translatedFields = ['incident.incidentType', 'crime.crimeType'] as const

/** Values each coded field must end up as, after its code map. */
export const allowedValues: Record<string, readonly string[]> = {
  'incident.grading': gradings,
  'crime.status': crimeStatuses,
  'crime.vcopCategory': vcopCategories,
  'person.role': partyRoles,
  'person.markers': markerKinds,
  'person.preferredChannel': contactChannels,
}

export interface MappedEvent {
  sourceEventId: string
  sourceEventType: string
  occurredAt: Date
  change: CaseChange
  /** Problems that did not stop the event (e.g. an unusable phone number). */
  warnings: string[]
}

export type MappingOutcome =
  | { ok: true; event: MappedEvent }
  | {
      ok: false
      errors: string[]
      sourceEventId?: string
      /** The people the event names, as far as they could be read: staff see whom it concerns. */
      people?: PersonFacts[]
    }

/**
 * XML is read with its attributes (as `@name` keys) and every value as text: no number, boolean
 * or entity guessing, so grading "1A" is not "1" and "02" is not 2. An element with attributes
 * and text keeps the text under `#text`, which paths reach through the element itself.
 */
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
})

/** Reads a payload as received: JSON, or XML (its single root element is unwrapped). */
export function parsePayload(
  text: string,
  contentType: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  // The first character decides when it is unambiguous: a corrected payload may change format.
  const first = text.trimStart()[0]
  const xml = first === '<' || (first !== '{' && first !== '[' && /xml/i.test(contentType))
  try {
    if (!xml) return { ok: true, value: JSON.parse(text) }
    const parsed = xmlParser.parse(text, true)
    const keys = Object.keys(parsed).filter((k) => k !== '?xml')
    return { ok: true, value: keys.length === 1 ? parsed[keys[0]!] : parsed }
  } catch (error) {
    return {
      ok: false,
      error: `the ${xml ? 'XML' : 'JSON'} could not be read: ${(error as Error).message.split('\n')[0]}`,
    }
  }
}

export const profileKeys = [
  'eventId',
  'eventType',
  'occurredAt',
  'dateFormat',
  'eventTypes',
  'fields',
  'people',
  'codes',
  'required',
] as const

/** Checks a profile document before it is saved as a new version; returns readable errors. */
export function checkProfile(document: unknown): string[] {
  const errors: string[] = []
  if (!isRecord(document)) return [`The profile must be a JSON object; it is ${describe(document)}`]
  const p = document as Record<string, unknown>
  for (const key of Object.keys(p)) {
    if (!(profileKeys as readonly string[]).includes(key))
      errors.push(`"${key}" is not a profile setting; use ${profileKeys.map((k) => `"${k}"`).join(', ')}`)
  }
  const spec = (where: string, value: unknown) => {
    const problem = specProblem(value)
    if (problem) errors.push(`${where} ${problem}`)
  }
  for (const key of ['eventId', 'eventType', 'occurredAt'] as const) {
    if (p[key] === undefined || p[key] === '')
      errors.push(`"${key}" must be the path of that field in the payload`)
    else spec(`"${key}"`, p[key])
  }
  if (!isRecord(p.eventTypes)) errors.push('"eventTypes" must map source event types to model changes')
  else
    for (const [code, kind] of Object.entries(p.eventTypes)) {
      if (!(changeKinds as readonly unknown[]).includes(kind))
        errors.push(
          `event type "${code}" maps to unknown change ${typeof kind === 'string' ? `"${kind}"` : describe(kind)}; use one of ${changeKinds.join(', ')}`,
        )
    }
  if (!isRecord(p.fields)) errors.push('"fields" must map model fields to payload paths')
  else
    for (const [field, value] of Object.entries(p.fields)) {
      if (!(recordFields as readonly string[]).includes(field))
        errors.push(`"${field}" is not a model field; use one of ${recordFields.join(', ')}`)
      else spec(`"fields" → "${field}"`, value)
    }
  if (p.people !== undefined) {
    if (!isRecord(p.people))
      errors.push(`"people" must be an object with "path" and "fields"; it is ${describe(p.people)}`)
    else {
      const { path, fields } = p.people
      if (typeof path !== 'string' || !path)
        errors.push(`"people" → "path" must be the path of the list of people; it is ${describe(path)}`)
      else {
        const problem = pathProblem(path)
        if (problem) errors.push(`"people" → "path" ${problem}`)
      }
      if (!isRecord(fields))
        errors.push(`"people" → "fields" must map person fields to paths; it is ${describe(fields)}`)
      else
        for (const [field, value] of Object.entries(fields)) {
          if (!(personFields as readonly string[]).includes(field))
            errors.push(
              `"people.fields.${field}" is not a person field; use one of ${personFields.join(', ')}`,
            )
          else spec(`"people" → "fields" → "${field}"`, value)
        }
    }
  }
  if (p.codes !== undefined && !isRecord(p.codes))
    errors.push(`"codes" must be an object; it is ${describe(p.codes)}`)
  for (const [field, map] of Object.entries(isRecord(p.codes) ? p.codes : {})) {
    const allowed = allowedValues[field]
    if ((translatedFields as readonly string[]).includes(field)) {
      if (!isRecord(map))
        errors.push(`codes for "${field}" must map source codes to values; it is ${describe(map)}`)
      else
        for (const [code, value] of Object.entries(map))
          if (typeof value !== 'string' || !value.trim() || value.length > 200)
            errors.push(
              `codes for "${field}": "${code}" must map to text of 1 to 200 characters; it is ${describe(value)}`,
            )
      continue
    }
    if (!allowed) {
      errors.push(`codes for "${field}": that field takes no codes`)
      continue
    }
    if (!isRecord(map)) {
      errors.push(`codes for "${field}" must map source codes to values; it is ${describe(map)}`)
      continue
    }
    for (const [code, value] of Object.entries(map)) {
      if (!allowed.includes(value as string))
        errors.push(
          `codes for "${field}": "${code}" maps to ${typeof value === 'string' ? `"${value}"` : describe(value)}, which is not one of ${allowed.join(', ')}`,
        )
    }
  }
  if (p.required !== undefined) {
    if (!Array.isArray(p.required))
      errors.push(`"required" must be a list of model fields; it is ${describe(p.required)}`)
    else
      for (const field of p.required)
        if (!(recordFields as readonly unknown[]).includes(field))
          errors.push(
            `"required" names ${describe(field)}, which is not a model field; use one of ${recordFields.join(', ')}`,
          )
  }
  if (p.dateFormat !== undefined && typeof p.dateFormat !== 'string')
    errors.push(`"dateFormat" must be "iso" or a Luxon format (text); it is ${describe(p.dateFormat)}`)
  else if (
    p.dateFormat &&
    p.dateFormat !== 'iso' &&
    !DateTime.fromFormat(
      DateTime.fromISO('2026-01-02T03:04:05Z').setZone('Europe/London').toFormat(p.dateFormat),
      p.dateFormat,
      { zone: 'Europe/London' },
    ).isValid
  ) {
    errors.push(`"dateFormat" "${p.dateFormat}" is not a usable Luxon format`)
  }
  return errors
}

const specShapes: Record<string, readonly string[]> = {
  path: ['path', 'default'],
  join: ['join', 'separator', 'default'],
  value: ['value'],
}

/** Why a field spec cannot be used (a sentence ending), or undefined when it can. */
function specProblem(spec: unknown): string | undefined {
  if (typeof spec === 'string') return pathProblem(spec)
  if (!isRecord(spec))
    return `must be a path (text, such as "log.reference") or an object with "path", "join" or "value"; it is ${describe(spec)}`
  const kinds = Object.keys(specShapes).filter((k) => k in spec)
  if (kinds.length !== 1) return 'must have exactly one of "path", "join" or "value"'
  const kind = kinds[0]!
  const extra = Object.keys(spec).find((k) => !specShapes[kind]!.includes(k))
  if (extra)
    return `has "${extra}", which a "${kind}" does not take (it takes ${specShapes[kind]!.map((k) => `"${k}"`).join(', ')})`
  for (const key of ['default', 'separator', 'value']) {
    if (key in spec && typeof spec[key] !== 'string')
      return `→ "${key}" must be text; it is ${describe(spec[key])}`
  }
  if (kind === 'path') {
    if (typeof spec.path !== 'string') return `→ "path" must be text; it is ${describe(spec.path)}`
    return pathProblem(spec.path)
  }
  if (kind === 'join') {
    const parts = spec.join
    if (!Array.isArray(parts) || !parts.length || parts.some((part) => typeof part !== 'string'))
      return `→ "join" must be a list of paths (texts); it is ${describe(parts)}`
    for (const part of parts as string[]) {
      const problem = pathProblem(part)
      if (problem) return `→ "join" ${problem}`
    }
  }
  return undefined
}

function pathProblem(path: string): string | undefined {
  if (!path.trim()) return 'must not be an empty path'
  if (path !== '.' && path.split('.').some((part) => part.trim() === ''))
    return `"${path}" has an empty step (two dots together, or a dot at either end)`
  return undefined
}

function describe(value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value)
  const short = shown.length > 40 ? `${shown.slice(0, 37)}…` : shown
  if (Array.isArray(value)) return `a list (${short})`
  if (value === null) return 'null'
  if (value === undefined) return 'missing'
  if (typeof value === 'object') return `an object (${short})`
  if (typeof value === 'number') return `a number (${short})`
  if (typeof value === 'boolean') return `${short} (true/false)`
  return `the text ${short}`
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** How a field spec is shown in a message: its path, or the spec itself. */
function shown(spec: FieldSpec | undefined): string {
  return typeof spec === 'string' || spec === undefined ? String(spec) : JSON.stringify(spec)
}

/** The value a field spec reads from `from`, as text (see `FieldSpec`). */
export function readSpec(spec: FieldSpec | undefined, from: unknown): string | undefined {
  if (spec === undefined) return undefined
  if (typeof spec === 'string') return asText(valueAt(from, spec))
  if ('value' in spec) return spec.value
  if ('join' in spec) {
    const parts = spec.join.map((path) => asText(valueAt(from, path))).filter((v): v is string => !!v)
    return parts.length ? parts.join(spec.separator ?? ' ') : spec.default
  }
  return asText(valueAt(from, spec.path)) ?? spec.default
}

/** The values a field spec reads as a list (repeated elements, JSON arrays). */
function readList(spec: FieldSpec | undefined, from: unknown): unknown[] {
  if (spec === undefined) return []
  if (typeof spec === 'string') return asList(valueAt(from, spec))
  if ('path' in spec) {
    const found = asList(valueAt(from, spec.path))
    return found.length || spec.default === undefined ? found : [spec.default]
  }
  const one = readSpec(spec, from)
  return one === undefined ? [] : [one]
}

/** The payload paths a spec reads, unless a default or a constant stands in when they find nothing. */
function pathsOf(spec: FieldSpec | undefined): string[] {
  if (spec === undefined) return []
  if (typeof spec === 'string') return [spec]
  if ('value' in spec || spec.default !== undefined) return []
  return 'join' in spec ? spec.join : [spec.path]
}

/**
 * Paths of a profile that find nothing in any of the sample payloads, as warnings for the person
 * trying the profile: a misspelt path, or an attribute read as an element, shows here before it
 * costs a quarantined event. (A field no event of the sample carries shows here too.)
 */
export function unmatchedPaths(profile: MappingProfile, payloads: unknown[]): string[] {
  const warnings: string[] = []
  const found = (path: string, from: unknown) =>
    asList(valueAt(from, path)).some((v) => asText(v) !== undefined)
  const inAny = (path: string) => payloads.some((payload) => found(path, payload))
  const sample = payloads.length === 1 ? 'the sample' : 'any event of the sample'
  const envelope = { eventId: 'event id', eventType: 'event type', occurredAt: 'event time' } as const
  for (const [key, label] of Object.entries(envelope)) {
    for (const path of pathsOf(profile[key as keyof typeof envelope]))
      if (!inAny(path)) warnings.push(`Nothing found at "${path}" (${label}) in ${sample}`)
  }
  for (const [name, spec] of Object.entries(profile.fields)) {
    for (const path of pathsOf(spec))
      if (!inAny(path)) warnings.push(`Nothing found at "${path}" (${name}) in ${sample}`)
  }
  if (profile.people) {
    const people = payloads.flatMap((payload) => asList(valueAt(payload, profile.people!.path)))
    if (!people.length)
      warnings.push(
        `No people found at "${profile.people.path}" in ${sample}, so nobody would be attached to a case`,
      )
    else
      for (const [name, spec] of Object.entries(profile.people.fields)) {
        for (const path of pathsOf(spec))
          if (!people.some((entry) => found(path, entry)))
            warnings.push(`Nothing found at "${path}" (person ${name}) for any person in ${sample}`)
      }
  }
  return warnings
}

/** Maps a parsed payload to a model change with a profile; every problem is listed readably. */
export function mapPayload(profile: MappingProfile, payload: unknown): MappingOutcome {
  const errors: string[] = []
  const warnings: string[] = []
  const text = (spec: FieldSpec | undefined, from: unknown = payload) => readSpec(spec, from)
  const sourceEventId = text(profile.eventId)
  if (!sourceEventId) errors.push(`no event id at "${shown(profile.eventId)}"`)
  const sourceEventType = text(profile.eventType) ?? ''
  const kind = Object.hasOwn(profile.eventTypes, sourceEventType)
    ? profile.eventTypes[sourceEventType]
    : undefined
  if (!kind)
    errors.push(
      `event type "${sourceEventType}" at "${shown(profile.eventType)}" is not in this force's profile`,
    )
  const date = (raw: string | undefined, where: string) => {
    if (raw === undefined) return undefined
    const parsed = parseDate(raw, profile.dateFormat)
    if (!parsed)
      errors.push(`${where} "${raw}" is not a date in the format ${profile.dateFormat ?? 'ISO 8601'}`)
    return parsed
  }
  const day = (raw: string | undefined, where: string) => {
    if (raw === undefined) return undefined
    const parsed = parseDay(raw)
    if (!parsed) errors.push(`${where} "${raw}" is not a date (YYYY-MM-DD or DD/MM/YYYY)`)
    return parsed
  }
  const occurredAt = date(text(profile.occurredAt), 'event time')
  if (!text(profile.occurredAt)) errors.push(`no event time at "${shown(profile.occurredAt)}"`)
  const coded = (field: string, raw: string | undefined) => {
    if (raw === undefined) return undefined
    const map = profile.codes?.[field]
    const value = map && Object.hasOwn(map, raw) ? map[raw]! : raw
    const allowed = allowedValues[field]
    if (allowed && !allowed.includes(value)) {
      errors.push(`${field.replace('.', ' ')} code "${raw}" is not in this force's profile`)
      return undefined
    }
    return value
  }
  const field = (name: string) => {
    const spec = profile.fields[name]
    if (spec === undefined) return undefined
    if (dateFields.has(name)) return date(text(spec), name)
    return coded(name, text(spec))
  }
  const change: CaseChange = { kind: kind ?? 'incident.updated', people: [] }
  /** A list field (one value or many: a JSON array, repeated or wrapped XML elements). */
  const list = (name: string) => {
    const found = readList(profile.fields[name], payload)
      .map(asText)
      .filter((v): v is string => !!v)
    return found.length ? found : undefined
  }
  if (kind?.startsWith('incident.')) {
    const cadRef = field('incident.cadRef') as string | undefined
    if (!cadRef) errors.push(`no CAD log reference at "${shown(profile.fields['incident.cadRef'])}"`)
    else
      change.incident = compact({
        cadRef,
        openedAt: field('incident.openedAt'),
        closedAt: field('incident.closedAt'),
        grading: field('incident.grading'),
        incidentType: field('incident.incidentType'),
        openingCode: field('incident.openingCode'),
        closingCode: field('incident.closingCode'),
        location: field('incident.location'),
        // The crime(s) the log was crimed as: the log and the crime become one occurrence.
        linkedCrimeRefs: list('incident.linkedCrimeRefs'),
      }) as CaseChange['incident']
  }
  if (kind?.startsWith('crime.')) {
    const crimeRef = field('crime.crimeRef') as string | undefined
    if (!crimeRef) errors.push(`no crime reference at "${shown(profile.fields['crime.crimeRef'])}"`)
    else {
      const officer = (role: 'officer' | 'supervisor') => {
        const collar = field(`crime.${role}.collar`) as string | undefined
        return collar
          ? compact({
              collar,
              name: field(`crime.${role}.name`),
              email: field(`crime.${role}.email`),
              team: field(`crime.${role}.team`),
            })
          : undefined
      }
      change.crime = compact({
        crimeRef,
        linkedCadRefs: list('crime.linkedCadRefs'),
        crimeType: field('crime.crimeType'),
        homeOfficeClass: field('crime.homeOfficeClass'),
        status: field('crime.status'),
        outcome: field('crime.outcome'),
        recordedAt: field('crime.recordedAt'),
        closedAt: field('crime.closedAt'),
        vcopCategory: field('crime.vcopCategory'),
        vcopReason: field('crime.vcopReason'),
        officer: officer('officer'),
        supervisor: officer('supervisor'),
      }) as CaseChange['crime']
    }
  }
  for (const name of profile.required ?? []) {
    const record = name.startsWith('incident.') ? change.incident : change.crime
    const applies = kind?.startsWith(name.startsWith('incident.') ? 'incident.' : 'crime.')
    if (applies && record && !readList(profile.fields[name], payload).some((v) => asText(v) !== undefined))
      errors.push(`${name} is required, and nothing was found at "${shown(profile.fields[name])}"`)
  }
  if (profile.people) {
    const list = asList(valueAt(payload, profile.people.path))
    list.forEach((entry, index) => {
      const f = profile.people!.fields
      const at = (name: string) => text(f[name], entry)
      const person: PersonFacts = compact({
        stormNominal: at('stormNominal'),
        athenaUrn: at('athenaUrn'),
        name: at('name'),
        dateOfBirth: day(at('dateOfBirth'), `person ${index + 1} date of birth`),
        role: coded('person.role', at('role')),
        actsFor: at('actsFor'),
        address: at('address'),
        preferredChannel: coded('person.preferredChannel', at('preferredChannel')),
        language: at('language'),
        phones: [],
        emails: [],
        markers: [],
      }) as PersonFacts
      for (const raw of readList(f.phone, entry).map(asText)) {
        if (!raw) continue
        const phone = normaliseUkPhone(raw)
        if (phone.ok) person.phones.push(phone.value)
        else warnings.push(`person ${index + 1}: ${phone.reason}; not stored`)
      }
      for (const raw of readList(f.email, entry).map(asText)) {
        if (!raw) continue
        const email = normaliseEmail(raw)
        if (email.ok) person.emails.push(email.value)
        else warnings.push(`person ${index + 1}: ${email.reason}; not stored`)
      }
      for (const raw of readList(f.markers, entry).map(asText)) {
        const marker = raw ? coded('person.markers', raw) : undefined
        if (marker) person.markers.push(marker as PersonFacts['markers'][number])
      }
      // Markers the source has ended use the same codes as the markers it sets.
      const removed = readList(f.removedMarkers, entry).map(asText)
      const removedMarkers = removed
        .map((raw) => (raw ? coded('person.markers', raw) : undefined))
        .filter((m): m is PersonFacts['markers'][number] => m !== undefined)
      if (removedMarkers.length) person.removedMarkers = removedMarkers
      if (!person.role)
        warnings.push(
          `person ${index + 1} has no role${f.role === undefined ? '' : ` at "${shown(f.role)}"`}, so is not attached to the case; give the role a default in the profile`,
        )
      change.people.push(person)
    })
  }
  if (errors.length || !sourceEventId || !occurredAt)
    return { ok: false, errors, sourceEventId, people: change.people }
  return { ok: true, event: { sourceEventId, sourceEventType, occurredAt, change, warnings } }
}

function valueAt(from: unknown, path: string | undefined): unknown {
  if (!path || typeof path !== 'string') return undefined
  if (path === '.') return from
  let current: unknown = from
  for (const part of path.split('.')) {
    if (current === null || current === undefined) return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

function asText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  if (typeof value === 'object') {
    // An XML element with attributes keeps its text apart: <Grading code="x">1A</Grading>.
    const inner = (value as Record<string, unknown>)['#text']
    return Array.isArray(value) || inner === undefined ? undefined : asText(inner)
  }
  const s = String(value).trim()
  return s === '' ? undefined : s
}

/** A single XML element parses as an object, several as an array: treat both as a list. */
// XML wraps a list in an element (<persons><person>…</person></persons>): a wrapper with one
// child is unwrapped so one profile reads the JSON and XML forms of the same event.
function asList(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return []
  if (Array.isArray(value)) return value
  if (typeof value === 'object') {
    const keys = Object.keys(value)
    const inner = keys.length === 1 ? (value as Record<string, unknown>)[keys[0]!] : undefined
    if (Array.isArray(inner)) return inner
    if (
      inner !== undefined &&
      (typeof inner !== 'object' || inner === null || Object.keys(inner).length > 1)
    ) {
      return [inner]
    }
  }
  return [value]
}

function parseDay(raw: string): string | undefined {
  for (const format of ['yyyy-MM-dd', 'dd/MM/yyyy']) {
    const parsed = DateTime.fromFormat(raw.slice(0, 10), format, { zone: 'utc' })
    if (parsed.isValid) return parsed.toISODate() ?? undefined
  }
  return undefined
}

function parseDate(raw: string, format: string | undefined): Date | undefined {
  const parsed =
    !format || format === 'iso'
      ? DateTime.fromISO(raw, { zone: 'Europe/London', setZone: false })
      : DateTime.fromFormat(raw, format, { zone: 'Europe/London' })
  return parsed.isValid ? parsed.toJSDate() : undefined
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

export interface FieldResult {
  /** `eventId`, `eventType`, `occurredAt`, a model field, or `person.<field>`. */
  target: string
  /** Distinct values the sample gives, as the case will hold them (after codes and dates). */
  values: string[]
  /** Why a value found in the sample cannot be used, or that nothing was found. */
  problems: string[]
}

/**
 * What each field of a profile reads from a sample, field by field, so a force admin sees which
 * row of the mapping form is wrong before publishing: the values it gives, and the codes with no
 * translation, dates in another format and fields the sample never has.
 */
export function fieldResults(profile: MappingProfile, payloads: unknown[]): FieldResult[] {
  const results: FieldResult[] = []
  const envelope = ['eventId', 'eventType', 'occurredAt'] as const
  const people = payloads.flatMap((p) => (profile.people ? asList(valueAt(p, profile.people.path)) : []))
  const targets: [string, FieldSpec, unknown[]][] = [
    ...envelope.map((key): [string, FieldSpec, unknown[]] => [key, profile[key], payloads]),
    ...Object.entries(profile.fields).map(([name, spec]): [string, FieldSpec, unknown[]] => [
      name,
      spec,
      payloads,
    ]),
    ...Object.entries(profile.people?.fields ?? {}).map(([name, spec]): [string, FieldSpec, unknown[]] => [
      `person.${name}`,
      spec,
      people,
    ]),
  ]
  for (const [target, spec, records] of targets) {
    const values = new Set<string>()
    const problems = new Set<string>()
    const found = records.flatMap((r) => readList(spec, r).map(asText)).filter((v): v is string => !!v)
    if (!found.length) problems.add('Nothing found in the sample')
    for (const raw of found) {
      const value = translated(profile, target, raw)
      if (value.problem) problems.add(value.problem)
      else values.add(value.text)
    }
    results.push({ target, values: [...values].slice(0, 20), problems: [...problems] })
  }
  return results
}

function translated(
  profile: MappingProfile,
  target: string,
  raw: string,
): { text: string; problem?: string } {
  if (target === 'eventType')
    return Object.hasOwn(profile.eventTypes, raw)
      ? { text: `${raw} → ${profile.eventTypes[raw]}` }
      : { text: raw, problem: `Event type "${raw}" has no meaning set` }
  if (target === 'occurredAt' || dateFields.has(target)) {
    const date = parseDate(raw, profile.dateFormat)
    return date
      ? { text: date.toISOString() }
      : { text: raw, problem: `"${raw}" is not a date in the format ${profile.dateFormat ?? 'ISO 8601'}` }
  }
  if (target === 'person.dateOfBirth') {
    const day = parseDay(raw)
    return day ? { text: day } : { text: raw, problem: `"${raw}" is not a date (YYYY-MM-DD or DD/MM/YYYY)` }
  }
  const map = profile.codes?.[target]
  const value = map && Object.hasOwn(map, raw) ? map[raw]! : raw
  const allowed = allowedValues[target]
  if (allowed && !allowed.includes(value))
    return {
      text: raw,
      problem: `Code "${raw}" has no value mapping (it must become one of ${allowed.join(', ')})`,
    }
  return { text: value === raw ? value : `${raw} → ${value}` }
}
