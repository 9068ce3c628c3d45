// What Waypoint accepts from a source, checked before an event touches the case model, so that
// awkward input ends as a quarantined inbox row with a reason a person understands, never as a
// database error (decision 0011).
//
// - Field lengths are declared here (`fieldLimits`) and published in the API description; an
//   over-long value quarantines the event, naming the field and its length.
// - Null characters (U+0000), bytes that are not UTF-8 and lone UTF-16 surrogates are REFUSED,
//   never silently cleaned: the event is quarantined naming where they are. PostgreSQL text
//   cannot hold them, so the stored copy has U+FFFD in their place (`storable`); staff correct
//   the payload and replay it.
// - Dates outside 1850–2200 and payloads nested deeper than `maxDepth` are refused the same way.
import type { CaseChange } from '../cases/model.ts'
import type { MappedEvent, MappingOutcome } from './mapping.ts'

/** The longest value, in characters, Waypoint accepts for each field a profile maps. */
export const fieldLimits: Record<string, number> = {
  eventId: 200,
  eventType: 100,
  'incident.cadRef': 100,
  'incident.grading': 50,
  'incident.incidentType': 200,
  'incident.openingCode': 100,
  'incident.closingCode': 100,
  'incident.location': 1000,
  'incident.linkedCrimeRefs': 100,
  'crime.crimeRef': 100,
  'crime.linkedCadRefs': 100,
  'crime.crimeType': 200,
  'crime.homeOfficeClass': 100,
  'crime.status': 50,
  'crime.outcome': 200,
  'crime.vcopCategory': 50,
  'crime.vcopReason': 2000,
  'crime.officer.collar': 50,
  'crime.officer.name': 200,
  'crime.officer.email': 254,
  'crime.officer.team': 200,
  'crime.supervisor.collar': 50,
  'crime.supervisor.name': 200,
  'crime.supervisor.email': 254,
  'crime.supervisor.team': 200,
  'person.stormNominal': 100,
  'person.athenaUrn': 100,
  'person.name': 300,
  'person.address': 1000,
  'person.language': 35,
  'person.preferredChannel': 50,
}

/** How deeply a payload may nest objects, arrays or elements. */
export const maxDepth = 64

/** The most people, or entries of a list field (linked logs, phones, markers), one event may carry. */
export const maxListLength = 100

/** The longest reason or warning kept on an inbox row. */
const maxReasonLength = 1000

const earliest = Date.UTC(1850, 0, 1)
const latest = Date.UTC(2200, 0, 1)

/** The limits as one sentence, for the API description. */
export function describeLimits(): string {
  return (
    'Field limits (characters): ' +
    Object.entries(fieldLimits)
      .map(([field, limit]) => `${field} ${limit}`)
      .join(', ') +
    `. An over-long value, a null character (U+0000), bytes that are not UTF-8, a lone surrogate, a date ` +
    `outside 1850–2200, more than ${maxListLength} people or list entries, or nesting deeper than ${maxDepth} ` +
    'levels quarantines the event with a reason naming ' +
    'the field; the event is kept (null characters and invalid bytes as U+FFFD) for correction and replay.'
  )
}

const nul = '\u0000'
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Text PostgreSQL can store: null characters and lone surrogates become U+FFFD; clipped if `max`. */
export function storable(text: string, max?: number): string {
  let clean = text.includes(nul) ? text.replaceAll(nul, '\uFFFD') : text
  clean = clean.toWellFormed()
  if (max !== undefined && clean.length > max) {
    clean = `${clean.slice(0, max).toWellFormed()}… (${clean.length.toLocaleString('en-GB')} characters)`
  }
  return clean
}

/** A reason or warning as kept on an inbox row. */
export function storableReason(text: string): string {
  return storable(text, maxReasonLength)
}

/** Problems with the event's bytes as received, before it is read. */
export function checkRawPayload(payload: string, invalidUtf8: boolean): string[] {
  const problems: string[] = []
  if (invalidUtf8)
    problems.push(
      'the event contains bytes that are not UTF-8, which Waypoint refuses; it is kept with U+FFFD in their place',
    )
  const at = payload.indexOf(nul)
  if (at >= 0)
    problems.push(
      `the event contains a null character (U+0000) at character ${at + 1}, which Waypoint refuses; ` +
        'it is kept with U+FFFD in its place',
    )
  return problems
}

/**
 * Problems with a parsed payload: null characters or lone surrogates in any name or value (named
 * by path), and nesting deeper than `maxDepth`. Iterative, so no payload can exhaust the stack.
 */
export function checkParsedPayload(value: unknown): string[] {
  const problems: string[] = []
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }]
  const describe = (text: string, where: string) => {
    if (text.includes(nul))
      problems.push(`${where} contains a null character (U+0000), which Waypoint refuses`)
    else if (loneSurrogate.test(text))
      problems.push(`${where} contains a lone surrogate (half of a character), which Waypoint refuses`)
  }
  while (stack.length && problems.length < 5) {
    const { value: current, path, depth } = stack.pop()!
    if (typeof current === 'string') {
      describe(current, path ? `"${path}"` : 'the payload')
      continue
    }
    if (!current || typeof current !== 'object') continue
    if (depth >= maxDepth) {
      problems.push(`the payload is nested more than ${maxDepth} levels deep, which Waypoint refuses`)
      break
    }
    for (const [key, child] of Object.entries(current)) {
      const childPath = path ? `${path}.${storable(key, 60)}` : storable(key, 60)
      describe(key, `the name "${childPath}"`)
      stack.push({ value: child, path: childPath, depth: depth + 1 })
    }
  }
  return problems
}

/**
 * Checks a mapped event against `fieldLimits` and the date range; an event with a problem becomes
 * a mapping failure naming each field. A failed mapping keeps its event id only if that id is
 * itself acceptable.
 */
export function checkMappedOutcome(outcome: MappingOutcome): MappingOutcome {
  if (!outcome.ok) {
    const id = outcome.sourceEventId
    if (id === undefined) return outcome
    const idProblems = checkText('eventId', 'the event id', id)
    return idProblems.length ? { ok: false, errors: [...idProblems, ...outcome.errors] } : outcome
  }
  const problems = checkEvent(outcome.event)
  if (!problems.length) return outcome
  const idOk = checkText('eventId', 'the event id', outcome.event.sourceEventId).length === 0
  return {
    ok: false,
    errors: problems,
    ...(idOk ? { sourceEventId: outcome.event.sourceEventId } : {}),
  }
}

function checkEvent(event: MappedEvent): string[] {
  const problems = [
    ...checkText('eventId', 'the event id', event.sourceEventId),
    ...checkText('eventType', 'the event type', event.sourceEventType),
    ...checkDate('the event time', event.occurredAt),
  ]
  const change: CaseChange = event.change
  const record = (prefix: string, facts: object | undefined, label: string) => {
    for (const [key, value] of Object.entries(facts ?? {})) {
      const field = `${prefix}.${key}`
      const name = `${label} ${key}`
      if (typeof value === 'string') problems.push(...checkText(field, name, value))
      else if (value instanceof Date) problems.push(...checkDate(name, value))
      else if (Array.isArray(value)) {
        if (value.length > maxListLength)
          problems.push(
            `${name} has ${value.length.toLocaleString('en-GB')} entries; at most ${maxListLength} are accepted`,
          )
        value.forEach((item, i) => {
          if (typeof item === 'string') problems.push(...checkText(field, `${name} ${i + 1}`, item))
        })
      } else if (value && typeof value === 'object') record(field, value, name)
    }
  }
  record('incident', change.incident, 'incident')
  record('crime', change.crime, 'crime')
  if (change.people.length > maxListLength)
    problems.push(
      `the event names ${change.people.length.toLocaleString('en-GB')} people; at most ${maxListLength} are accepted`,
    )
  change.people.forEach((person, i) => {
    const label = `person ${i + 1}`
    for (const [key, value] of Object.entries(person)) {
      if (key === 'dateOfBirth' && typeof value === 'string') {
        const year = Number(value.slice(0, 4))
        if (!(year >= 1850 && year < 2200))
          problems.push(`${label} date of birth ${value} is outside 1850–2200`)
      } else if (typeof value === 'string') {
        problems.push(...checkText(`person.${key}`, `${label} ${key}`, value))
      } else if (Array.isArray(value) && value.length > maxListLength) {
        problems.push(`${label} ${key} has ${value.length} entries; at most ${maxListLength} are accepted`)
      }
    }
  })
  return problems
}

function checkText(field: string, name: string, value: string): string[] {
  const limit = fieldLimits[field] ?? 1000
  const problems: string[] = []
  if (value.length > limit)
    problems.push(
      `${name} is ${value.length.toLocaleString('en-GB')} characters long; at most ${limit.toLocaleString('en-GB')} are accepted`,
    )
  if (value.includes(nul)) problems.push(`${name} contains a null character (U+0000), which Waypoint refuses`)
  else if (loneSurrogate.test(value))
    problems.push(`${name} contains a lone surrogate (half of a character), which Waypoint refuses`)
  return problems
}

function checkDate(name: string, value: Date): string[] {
  const time = value.getTime()
  return Number.isFinite(time) && time >= earliest && time < latest ? [] : [`${name} is outside 1850–2200`]
}

/** Why the database refused an event, as a reason a person understands (never the raw error). */
const databaseReasons: [RegExp, string][] = [
  [/^54000$/, 'a value in the event is too long for Waypoint to store'],
  [/^22001$/, 'a value in the event is too long for Waypoint to store'],
  [/^(22021|22P05)$/, 'a value in the event contains a null character or bytes that are not UTF-8'],
  [/^(22007|22008)$/, 'a date in the event is outside the range Waypoint can store'],
  [/^22003$/, 'a number in the event is outside the range Waypoint can store'],
  [/^22/, 'a value in the event is not in a form Waypoint can store'],
  [/^23/, 'the event conflicts with data Waypoint already holds'],
]

/** The SQLSTATE of a database error, wrapped or not. */
export function databaseErrorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    // SQLSTATEs are five digits or capitals; no class starts with E (EPIPE is a socket error).
    if (typeof e.code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(e.code)) return e.code
    e = e.cause as typeof e
  }
  return undefined
}

/**
 * The quarantine reason for an event the case model could not apply. A database error is named
 * by what it means, never by its text (which can quote values); anything else gets a reference
 * to the log line the caller writes.
 */
export function readableApplyReason(error: unknown, reference: string): string {
  const code = databaseErrorCode(error)
  const known = code ? databaseReasons.find(([pattern]) => pattern.test(code)) : undefined
  if (known) return `Could not apply: ${known[1]}`
  return `Could not apply: Waypoint could not store this event (reference ${reference}); correct it or replay it, and report the reference if it happens again`
}

/**
 * Whether an error is about the data (a value, a constraint, the model's rules) rather than the
 * database being unavailable: connection failures (08), insufficient resources (53), operator
 * intervention such as a shutdown (57) and system errors (58) are not retried event by event.
 */
export function refusedByData(error: unknown): boolean {
  const code = databaseErrorCode(error)
  if (code) return !/^(08|53|57|58)/.test(code)
  const unavailable = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|connect timeout/i
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 5;
    i++
  ) {
    if (unavailable.test(String(e.code ?? '')) || unavailable.test(String(e.message ?? ''))) return false
    e = e.cause as typeof e
  }
  return true
}
