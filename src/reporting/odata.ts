// The OData v4 subset Power BI's OData connector uses (UJ-16): entity sets with $filter
// (eq, ne, gt, ge, lt, le joined by and), $select, $orderby, $top, $skip and $count, and
// server-driven paging. Query options become SQL only through a whitelist of properties and
// bound parameters, never by pasting text.
import { type SQL, sql } from 'drizzle-orm'
import { contactLabelFacts } from '../contact/agent-tools.ts'
import { failureDemandWeeks } from '../contact/outcomes.ts'
import { qualityReviewFacts } from '../contact/qa-repository.ts'
import { scriptVersionFacts } from '../contact/scripts.ts'
import { ValidationError } from '../platform/errors.ts'
import {
  contactFacts,
  dailyCounts,
  messageFacts,
  messageResponses,
  portalFeedbackFacts,
} from './repository.ts'

export type EdmType = 'Edm.String' | 'Edm.Int32' | 'Edm.Boolean' | 'Edm.Date' | 'Edm.DateTimeOffset'

export interface EntitySet {
  name: string
  entityType: string
  key: string
  properties: { name: string; type: EdmType }[]
  base: () => SQL
}

export const entitySets: EntitySet[] = [
  {
    name: 'Messages',
    entityType: 'Message',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'SentAt', type: 'Edm.DateTimeOffset' },
      { name: 'SentDate', type: 'Edm.Date' },
      { name: 'SentHour', type: 'Edm.Int32' },
      { name: 'Channel', type: 'Edm.String' },
      { name: 'TemplateTitle', type: 'Edm.String' },
      { name: 'CaseType', type: 'Edm.String' },
      { name: 'Status', type: 'Edm.String' },
      { name: 'Delivered', type: 'Edm.Boolean' },
      // Why a message was held back (suppressed), cancelled or failed, in words staff use.
      { name: 'StatusReason', type: 'Edm.String' },
      // When it was sent, or for one that never left, when it was held back, cancelled or due.
      { name: 'ReportedAt', type: 'Edm.DateTimeOffset' },
    ],
    base: messageFacts,
  },
  {
    name: 'DailyMessageCounts',
    entityType: 'DailyMessageCount',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'Date', type: 'Edm.Date' },
      { name: 'Channel', type: 'Edm.String' },
      { name: 'TemplateTitle', type: 'Edm.String' },
      { name: 'CaseType', type: 'Edm.String' },
      { name: 'Sent', type: 'Edm.Int32' },
      { name: 'Delivered', type: 'Edm.Int32' },
      { name: 'Undelivered', type: 'Edm.Int32' },
    ],
    base: dailyCounts,
  },
  {
    // CP-148: answers to people's portal messages against the force's working-hours SLA.
    name: 'MessageResponses',
    entityType: 'MessageResponse',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'SentAt', type: 'Edm.DateTimeOffset' },
      { name: 'SentDate', type: 'Edm.Date' },
      { name: 'CrimeReference', type: 'Edm.String' },
      { name: 'OfficerCollar', type: 'Edm.String' },
      { name: 'DueBy', type: 'Edm.DateTimeOffset' },
      { name: 'AnsweredAt', type: 'Edm.DateTimeOffset' },
      { name: 'EscalatedAt', type: 'Edm.DateTimeOffset' },
      { name: 'AnsweredInTime', type: 'Edm.Boolean' },
      { name: 'MinutesToAnswer', type: 'Edm.Int32' },
    ],
    base: messageResponses,
  },
  {
    // CP-146: each answer to the Portal's satisfaction survey (decision 0035).
    name: 'PortalFeedback',
    entityType: 'PortalFeedbackAnswer',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'GivenAt', type: 'Edm.DateTimeOffset' },
      { name: 'GivenDate', type: 'Edm.Date' },
      { name: 'Rating', type: 'Edm.Int32' },
      { name: 'Satisfied', type: 'Edm.Boolean' },
      { name: 'FoundWhatNeeded', type: 'Edm.String' },
      { name: 'HasComment', type: 'Edm.Boolean' },
    ],
    base: portalFeedbackFacts,
  },
  {
    name: 'Contacts',
    entityType: 'Contact',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'Channel', type: 'Edm.String' },
      { name: 'Priority', type: 'Edm.Int32' },
      { name: 'Skill', type: 'Edm.String' },
      { name: 'Status', type: 'Edm.String' },
      { name: 'QueuedAt', type: 'Edm.DateTimeOffset' },
      { name: 'QueuedDate', type: 'Edm.Date' },
      { name: 'QueuedHour', type: 'Edm.Int32' },
      { name: 'ClosedAt', type: 'Edm.DateTimeOffset' },
      { name: 'WaitSeconds', type: 'Edm.Int32' },
      { name: 'HandlingSeconds', type: 'Edm.Int32' },
      // What the contact ended with (Contact's outcome codes) and whether that was failure demand.
      { name: 'Outcome', type: 'Edm.String' },
      { name: 'FailureDemand', type: 'Edm.Boolean' },
      { name: 'Transfers', type: 'Edm.Int32' },
      // The latest THRIVE assessment's grading, the one Waypoint suggested, and its vulnerability flag.
      { name: 'ThriveGrading', type: 'Edm.String' },
      { name: 'ThriveSuggestedGrading', type: 'Edm.String' },
      { name: 'Vulnerable', type: 'Edm.Boolean' },
    ],
    base: contactFacts,
  },
  {
    // CRM-13: per week (from Monday, UK time), the contacts closed, those chasing an update and
    // all failure demand, beside the journey messages sent: the Journeys KPI's baseline.
    name: 'FailureDemandWeeks',
    entityType: 'FailureDemandWeek',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'WeekStarting', type: 'Edm.Date' },
      { name: 'Contacts', type: 'Edm.Int32' },
      { name: 'UpdateRequests', type: 'Edm.Int32' },
      { name: 'FailureDemand', type: 'Edm.Int32' },
      { name: 'JourneyMessagesSent', type: 'Edm.Int32' },
    ],
    base: () => failureDemandWeeks(),
  },
  {
    // CRM-23: each contact chosen for quality review, who handled it, why it was chosen, its
    // score and whether it failed a compliance question or the handler disputed it.
    name: 'QualityReviews',
    entityType: 'QualityReview',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'ContactId', type: 'Edm.String' },
      { name: 'Channel', type: 'Edm.String' },
      { name: 'HandlerId', type: 'Edm.String' },
      { name: 'Handler', type: 'Edm.String' },
      { name: 'Reason', type: 'Edm.String' },
      { name: 'WeekStarting', type: 'Edm.Date' },
      { name: 'Status', type: 'Edm.String' },
      { name: 'ScoredAt', type: 'Edm.DateTimeOffset' },
      { name: 'ScoredDate', type: 'Edm.Date' },
      { name: 'Score', type: 'Edm.Int32' },
      { name: 'Failed', type: 'Edm.Boolean' },
      { name: 'Disputed', type: 'Edm.Boolean' },
    ],
    base: qualityReviewFacts,
  },
  {
    // CRM-27 (decision 0047): each label on a contact, who put it there and when, with the
    // contact's channel and outcome, so dashboards count complaints and the like.
    name: 'ContactLabels',
    entityType: 'ContactLabel',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'ContactId', type: 'Edm.String' },
      { name: 'Channel', type: 'Edm.String' },
      { name: 'Outcome', type: 'Edm.String' },
      { name: 'LabelId', type: 'Edm.String' },
      { name: 'Label', type: 'Edm.String' },
      { name: 'AddedById', type: 'Edm.String' },
      { name: 'AddedBy', type: 'Edm.String' },
      { name: 'AddedAt', type: 'Edm.DateTimeOffset' },
      { name: 'AddedDate', type: 'Edm.Date' },
    ],
    base: contactLabelFacts,
  },
  {
    // CRM-27 (decision 0047): each published version of a script (published or retired by a
    // later one), who published it and when, and how many contacts followed it.
    name: 'ScriptVersions',
    entityType: 'ScriptVersion',
    key: 'Id',
    properties: [
      { name: 'Id', type: 'Edm.String' },
      { name: 'Force', type: 'Edm.String' },
      { name: 'ScriptId', type: 'Edm.String' },
      { name: 'Script', type: 'Edm.String' },
      { name: 'Version', type: 'Edm.Int32' },
      { name: 'Status', type: 'Edm.String' },
      { name: 'Questions', type: 'Edm.Int32' },
      { name: 'PublishedById', type: 'Edm.String' },
      { name: 'PublishedBy', type: 'Edm.String' },
      { name: 'PublishedAt', type: 'Edm.DateTimeOffset' },
      { name: 'PublishedDate', type: 'Edm.Date' },
      { name: 'Contacts', type: 'Edm.Int32' },
    ],
    base: scriptVersionFacts,
  },
]

export const NAMESPACE = 'Waypoint.Reporting'

export interface ODataQuery {
  select: string[]
  where: SQL[]
  orderBy: SQL[]
  top: number | undefined
  skip: number
  count: boolean
}

const operators: Record<string, SQL> = {
  eq: sql`=`,
  ne: sql`<>`,
  gt: sql`>`,
  ge: sql`>=`,
  lt: sql`<`,
  le: sql`<=`,
}

/** Parses the query options of a request for an entity set; bad options are field errors. */
export function parseODataQuery(set: EntitySet, options: Record<string, string | undefined>): ODataQuery {
  const errors: { field: string; message: string }[] = []
  const property = (name: string, option: string) => {
    const found = set.properties.find((p) => p.name === name)
    if (!found) errors.push({ field: option, message: `${set.name} has no property ${name}` })
    return found
  }
  const select = (options.$select ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const name of select) property(name, '$select')

  const orderBy: SQL[] = []
  for (const clause of (options.$orderby ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, direction = 'asc', ...rest] = clause.split(/\s+/)
    if (rest.length || !['asc', 'desc'].includes(direction!)) {
      errors.push({ field: '$orderby', message: `Cannot order by “${clause}”` })
      continue
    }
    if (property(name!, '$orderby')) orderBy.push(sql`${sql.identifier(name!)} ${sql.raw(direction!)}`)
  }
  orderBy.push(sql`${sql.identifier(set.key)} asc`)

  const where: SQL[] = []
  if (options.$filter?.trim()) {
    for (const condition of splitOnAnd(options.$filter.trim())) {
      const match = /^\(?\s*([A-Za-z]+)\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*\)?$/.exec(condition.trim())
      if (!match) {
        errors.push({
          field: '$filter',
          message: `Cannot read the condition “${condition}”: use Property eq|ne|gt|ge|lt|le value, joined by and`,
        })
        continue
      }
      const [, name, op, literal] = match
      const p = property(name!, '$filter')
      if (!p) continue
      const value = literalValue(p.type, literal!)
      if (value === undefined) {
        errors.push({ field: '$filter', message: `${literal} is not a valid ${p.type} for ${name}` })
        continue
      }
      where.push(sql`${sql.identifier(name!)} ${operators[op!]!} ${typed(p.type, value)}`)
    }
  }

  const whole = (option: '$top' | '$skip') => {
    const text = options[option]
    if (text === undefined) return undefined
    if (!/^\d{1,9}$/.test(text)) {
      errors.push({ field: option, message: `${option} must be a whole number of 0 or more` })
      return undefined
    }
    return Number(text)
  }
  const top = whole('$top')
  const skip = whole('$skip') ?? 0
  const countText = options.$count
  if (countText !== undefined && !['true', 'false'].includes(countText))
    errors.push({ field: '$count', message: '$count must be true or false' })
  if (errors.length) throw new ValidationError(errors, 'The OData query options are not valid')
  return { select, where, orderBy, top, skip, count: countText === 'true' }
}

/** Splits a filter on `and` outside quoted strings, so 'Arrest and charge' stays one literal. */
function splitOnAnd(filter: string): string[] {
  const parts: string[] = []
  let quoted = false
  let start = 0
  for (let i = 0; i < filter.length; i += 1) {
    if (filter[i] === "'") quoted = !quoted
    else if (!quoted && /^\s+and\s+/i.test(filter.slice(i, i + 6))) {
      const gap = /^\s+and\s+/i.exec(filter.slice(i))![0]
      parts.push(filter.slice(start, i))
      i += gap.length - 1
      start = i + 1
    }
  }
  parts.push(filter.slice(start))
  return parts
}

function literalValue(type: EdmType, literal: string): string | number | boolean | undefined {
  switch (type) {
    case 'Edm.String': {
      const m = /^'((?:[^']|'')*)'$/.exec(literal)
      return m ? m[1]!.replaceAll("''", "'") : undefined
    }
    case 'Edm.Int32':
      return /^-?\d{1,9}$/.test(literal) ? Number(literal) : undefined
    case 'Edm.Boolean':
      return literal === 'true' ? true : literal === 'false' ? false : undefined
    case 'Edm.Date':
      return /^\d{4}-\d{2}-\d{2}$/.test(literal) ? literal : undefined
    case 'Edm.DateTimeOffset':
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(literal) &&
        !Number.isNaN(Date.parse(literal))
        ? literal
        : undefined
  }
}

function typed(type: EdmType, value: string | number | boolean): SQL {
  switch (type) {
    case 'Edm.Int32':
      return sql`${value}::int`
    case 'Edm.Boolean':
      return sql`${String(value)}::boolean`
    case 'Edm.DateTimeOffset':
      return sql`${value}::timestamptz`
    default:
      // Dates are ISO text (YYYY-MM-DD), which orders the same as the dates.
      return sql`${value}::text`
  }
}

/** The JSON value of one row with only the selected properties, in CSDL order. */
export function entityJson(
  set: EntitySet,
  row: Record<string, unknown>,
  select: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const p of set.properties) {
    if (select.length && !select.includes(p.name)) continue
    const v = row[p.name]
    // Raw rows give timestamptz as text on PGlite and as Date on node-postgres.
    out[p.name] =
      v === undefined || v === null
        ? null
        : p.type === 'Edm.DateTimeOffset'
          ? new Date(v as string | Date).toISOString()
          : v
  }
  return out
}

/** The CSDL XML metadata document (OData v4 §CSDL XML) that Power BI reads first. */
export function metadataDocument(): string {
  const types = entitySets
    .map(
      (s) =>
        `<EntityType Name="${s.entityType}"><Key><PropertyRef Name="${s.key}"/></Key>${s.properties
          .map(
            (p) =>
              `<Property Name="${p.name}" Type="${p.type}"${p.name === s.key ? ' Nullable="false"' : ''}/>`,
          )
          .join('')}</EntityType>`,
    )
    .join('')
  const sets = entitySets
    .map((s) => `<EntitySet Name="${s.name}" EntityType="${NAMESPACE}.${s.entityType}"/>`)
    .join('')
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">' +
    `<edmx:DataServices><Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="${NAMESPACE}">` +
    `${types}<EntityContainer Name="Container">${sets}</EntityContainer></Schema>` +
    '</edmx:DataServices></edmx:Edmx>'
  )
}
