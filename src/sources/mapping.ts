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

export interface MappingProfile {
  /** Paths (dot-separated; numbers index arrays) of the envelope fields. */
  eventId: string
  eventType: string
  occurredAt: string
  /** 'iso' (default) or a Luxon format read in Europe/London, e.g. "dd/MM/yyyy HH:mm:ss". */
  dateFormat?: string
  /** Source event type → what it means in the model. */
  eventTypes: Record<string, ChangeKind>
  /** Model field (see `recordFields`) → path in the payload. */
  fields: Record<string, string>
  /** Where the list of people is, and person field (see `personFields`) → path within one. */
  people?: { path: string; fields: Record<string, string> }
  /** Model field → source code → model value (e.g. "incident.grading": { "G1": "Immediate" }). */
  codes?: Record<string, Record<string, string>>
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
  'phone',
  'email',
  'address',
  'preferredChannel',
  'language',
  'markers',
  'removedMarkers',
] as const

const dateFields = new Set(['incident.openedAt', 'incident.closedAt', 'crime.recordedAt', 'crime.closedAt'])

/** Values each coded field must end up as, after its code map. */
const allowedValues: Record<string, readonly string[]> = {
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
  | { ok: false; errors: string[]; sourceEventId?: string }

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
    const parsed = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true }).parse(
      text,
      true,
    )
    const keys = Object.keys(parsed).filter((k) => k !== '?xml')
    return { ok: true, value: keys.length === 1 ? parsed[keys[0]!] : parsed }
  } catch (error) {
    return {
      ok: false,
      error: `the ${xml ? 'XML' : 'JSON'} could not be read: ${(error as Error).message.split('\n')[0]}`,
    }
  }
}

/** Checks a profile document before it is saved as a new version; returns readable errors. */
export function checkProfile(document: unknown): string[] {
  const errors: string[] = []
  if (!document || typeof document !== 'object' || Array.isArray(document))
    return ['The profile must be a JSON object']
  const p = document as Partial<MappingProfile>
  for (const key of ['eventId', 'eventType', 'occurredAt'] as const) {
    if (typeof p[key] !== 'string' || !p[key])
      errors.push(`"${key}" must be the path of that field in the payload`)
  }
  if (!p.eventTypes || typeof p.eventTypes !== 'object')
    errors.push('"eventTypes" must map source event types to model changes')
  else
    for (const [code, kind] of Object.entries(p.eventTypes)) {
      if (!(changeKinds as readonly string[]).includes(kind))
        errors.push(
          `event type "${code}" maps to unknown change "${kind}"; use one of ${changeKinds.join(', ')}`,
        )
    }
  if (!p.fields || typeof p.fields !== 'object')
    errors.push('"fields" must map model fields to payload paths')
  else
    for (const field of Object.keys(p.fields)) {
      if (!(recordFields as readonly string[]).includes(field))
        errors.push(`"${field}" is not a model field; use one of ${recordFields.join(', ')}`)
    }
  if (p.people) {
    if (typeof p.people.path !== 'string') errors.push('"people.path" must be the path of the list of people')
    for (const field of Object.keys(p.people.fields ?? {})) {
      if (!(personFields as readonly string[]).includes(field))
        errors.push(`"people.fields.${field}" is not a person field; use one of ${personFields.join(', ')}`)
    }
  }
  for (const [field, map] of Object.entries(p.codes ?? {})) {
    const allowed = allowedValues[field]
    if (!allowed) {
      errors.push(`codes for "${field}": that field takes no codes`)
      continue
    }
    for (const [code, value] of Object.entries(map)) {
      if (!allowed.includes(value))
        errors.push(
          `codes for "${field}": "${code}" maps to "${value}", which is not one of ${allowed.join(', ')}`,
        )
    }
  }
  if (
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

/** Maps a parsed payload to a model change with a profile; every problem is listed readably. */
export function mapPayload(profile: MappingProfile, payload: unknown): MappingOutcome {
  const errors: string[] = []
  const warnings: string[] = []
  const text = (path: string | undefined, from: unknown = payload) => asText(valueAt(from, path))
  const sourceEventId = text(profile.eventId)
  if (!sourceEventId) errors.push(`no event id at "${profile.eventId}"`)
  const sourceEventType = text(profile.eventType) ?? ''
  const kind = profile.eventTypes[sourceEventType]
  if (!kind)
    errors.push(`event type "${sourceEventType}" at "${profile.eventType}" is not in this force's profile`)
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
  if (!text(profile.occurredAt)) errors.push(`no event time at "${profile.occurredAt}"`)
  const coded = (field: string, raw: string | undefined) => {
    if (raw === undefined) return undefined
    const value = profile.codes?.[field]?.[raw] ?? raw
    const allowed = allowedValues[field]
    if (allowed && !allowed.includes(value)) {
      errors.push(`${field.replace('.', ' ')} code "${raw}" is not in this force's profile`)
      return undefined
    }
    return value
  }
  const field = (name: string) => {
    const path = profile.fields[name]
    if (!path) return undefined
    if (dateFields.has(name)) return date(text(path), name)
    return coded(name, text(path))
  }
  const change: CaseChange = { kind: kind ?? 'incident.updated', people: [] }
  if (kind?.startsWith('incident.')) {
    const cadRef = field('incident.cadRef') as string | undefined
    if (!cadRef) errors.push(`no CAD log reference at "${profile.fields['incident.cadRef']}"`)
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
      }) as CaseChange['incident']
  }
  if (kind?.startsWith('crime.')) {
    const crimeRef = field('crime.crimeRef') as string | undefined
    if (!crimeRef) errors.push(`no crime reference at "${profile.fields['crime.crimeRef']}"`)
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
      const linked = profile.fields['crime.linkedCadRefs']
        ? asList(valueAt(payload, profile.fields['crime.linkedCadRefs']))
        : undefined
      change.crime = compact({
        crimeRef,
        linkedCadRefs: linked?.map(asText).filter((v): v is string => !!v),
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
  if (profile.people) {
    const list = asList(valueAt(payload, profile.people.path))
    list.forEach((entry, index) => {
      const f = profile.people!.fields
      const at = (name: string) => (f[name] ? text(f[name], entry) : undefined)
      const person: PersonFacts = compact({
        stormNominal: at('stormNominal'),
        athenaUrn: at('athenaUrn'),
        name: at('name'),
        dateOfBirth: day(at('dateOfBirth'), `person ${index + 1} date of birth`),
        role: coded('person.role', at('role')),
        address: at('address'),
        preferredChannel: coded('person.preferredChannel', at('preferredChannel')),
        language: at('language'),
        phones: [],
        emails: [],
        markers: [],
      }) as PersonFacts
      for (const raw of f.phone ? asList(valueAt(entry, f.phone)).map(asText) : []) {
        if (!raw) continue
        const phone = normaliseUkPhone(raw)
        if (phone.ok) person.phones.push(phone.value)
        else warnings.push(`person ${index + 1}: ${phone.reason}; not stored`)
      }
      for (const raw of f.email ? asList(valueAt(entry, f.email)).map(asText) : []) {
        if (!raw) continue
        const email = normaliseEmail(raw)
        if (email.ok) person.emails.push(email.value)
        else warnings.push(`person ${index + 1}: ${email.reason}; not stored`)
      }
      for (const raw of f.markers ? asList(valueAt(entry, f.markers)).map(asText) : []) {
        const marker = raw ? coded('person.markers', raw) : undefined
        if (marker) person.markers.push(marker as PersonFacts['markers'][number])
      }
      // Markers the source has ended use the same codes as the markers it sets.
      const removed = f.removedMarkers ? asList(valueAt(entry, f.removedMarkers)).map(asText) : []
      const removedMarkers = removed
        .map((raw) => (raw ? coded('person.markers', raw) : undefined))
        .filter((m): m is PersonFacts['markers'][number] => m !== undefined)
      if (removedMarkers.length) person.removedMarkers = removedMarkers
      change.people.push(person)
    })
  }
  if (errors.length || !sourceEventId || !occurredAt) return { ok: false, errors, sourceEventId }
  return { ok: true, event: { sourceEventId, sourceEventType, occurredAt, change, warnings } }
}

function valueAt(from: unknown, path: string | undefined): unknown {
  if (!path) return undefined
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
  if (typeof value === 'object') return undefined
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
