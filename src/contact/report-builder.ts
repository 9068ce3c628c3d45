// Contact's bespoke reports (CRM-30, CRM-26; decision 0054). A contact supervisor or force
// administrator chooses dimensions, measures, a period and filters, each from the lists below;
// each key maps to SQL written here, so nothing a person types reaches a statement except as a
// bound parameter. A report reads two kinds of fact in one grouped query: the contacts that
// arrived in the period (one row each) and the spells handlers were not ready (one row each,
// clipped to the period, counted at the time it started). Reports are saved per force (row-level
// security, migration 1400), and a saved report with a schedule is emailed to members of the
// force's staff by the job below, once per slot however many workers run it (migration 1401),
// each recipient's email sent, retried and recorded on its own (migration 1442, decision 0065).
import { type Static, Type } from '@sinclair/typebox'
import { type SQL, sql } from 'drizzle-orm'
import { DateTime } from 'luxon'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { StaffMail } from '../platform/auth/staff-mail.ts'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { type FieldError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { defineJob, EmptyPayload } from '../platform/jobs.ts'
import type { Logger } from '../platform/logger.ts'
import { contactChannelNames } from './channels.ts'
import { type Acting, auditActing, outcomes } from './queue.ts'
import { answerTargets } from './wallboard.ts'

/** Who builds, saves and schedules reports. */
export const reportBuilders: readonly StaffRole[] = ['contact_supervisor', 'force_admin']
/** Who may receive a scheduled report: those who can open the saved report its email links to. */
export const reportRecipientRoles: readonly StaffRole[] = reportBuilders

export const REPORT_NAME_MAX = 80
export const SAVED_REPORTS_MAX = 100
export const RECIPIENTS_MAX = 20
export const DIMENSIONS_MAX = 3
/** Rows one page of the preview shows. */
export const PAGE_SIZE = 50
/** Rows a CSV (downloaded or emailed) holds at most; a report with more is refused. */
export const REPORT_ROWS_MAX = 10_000
/** A scheduled report's email is tried this many times, 1, 2, 4 and 8 minutes apart (decision 0065). */
export const DELIVERY_ATTEMPTS = 5
/** An email left `sending` this long was a stopped worker's: it is sent again (decision 0065). */
export const SENDING_STALE_MS = 15 * 60_000
/** Emails one run of the schedule job sends at most; the rest wait for the next minute. */
const DELIVERIES_PER_RUN = 200
/** The longest period between two dates. */
export const PERIOD_DAYS_MAX = 366

export const channelNames: Record<string, string> = contactChannelNames
export const reasonNames: Record<string, string> = {
  break: 'Break',
  lunch: 'Lunch',
  training: 'Training',
  meeting: 'Meeting',
  admin: 'Admin work',
  coaching: 'Coaching',
  unknown: 'No reason given',
}
export const gradings = ['Immediate', 'Prompt', 'Scheduled', 'Appointment', 'No Response'] as const

/** Which facts a dimension or measure reads: contacts, time not ready, or both. */
type Facts = 'contacts' | 'not-ready' | 'both'

interface Dimension {
  label: string
  facts: Facts
  /** Names a person (a handler): such a report is never attached to an email. */
  namesPeople?: boolean
  /** The value grouped by. */
  key: SQL
  /** What is shown, from the group's rows (an aggregate); without it the key is shown. */
  shown?: SQL
  /** The order of the groups, given the key's column; by default the key's. */
  order?: (key: SQL) => SQL
  text(key: unknown, label: unknown): string
}

const hourText = (h: number) => `${String(h).padStart(2, '0')}:00 to ${String(h).padStart(2, '0')}:59`
const local = sql.raw(`(f.at at time zone '${ukZone}')`)

export const dimensions = {
  day: {
    label: 'Day',
    facts: 'both',
    key: sql`to_char(${local}::date, 'YYYY-MM-DD')`,
    text: (k) => String(k),
  },
  week: {
    label: 'Week starting',
    facts: 'both',
    key: sql`to_char(date_trunc('week', ${local})::date, 'YYYY-MM-DD')`,
    text: (k) => String(k),
  },
  hour: {
    label: 'Hour (UK time)',
    facts: 'both',
    key: sql`extract(hour from ${local})::int`,
    text: (k) => hourText(Number(k)),
  },
  channel: {
    label: 'Channel',
    facts: 'contacts',
    key: sql`f.channel`,
    text: (k) => channelNames[String(k)] ?? String(k),
  },
  team: {
    label: 'Team',
    facts: 'both',
    key: sql`t.id`,
    shown: sql`min(t.name)`,
    order: () => sql`min(t.name) nulls last`,
    text: (_k, l) => (l == null ? 'No team' : String(l)),
  },
  handler: {
    label: 'Handler',
    facts: 'both',
    namesPeople: true,
    key: sql`f.staff_id`,
    shown: sql`min(u.display_name)`,
    order: () => sql`min(u.display_name) nulls last`,
    text: (_k, l) => (l == null ? 'Not with a handler' : String(l)),
  },
  reason: {
    label: 'Reason not ready',
    facts: 'not-ready',
    key: sql`f.reason`,
    text: (k) => reasonNames[String(k)] ?? String(k),
  },
  outcome: {
    label: 'Outcome',
    facts: 'contacts',
    key: sql`f.outcome`,
    order: (k) => sql`${k} nulls last`,
    text: (k) => (k == null ? 'Not closed' : (outcomes.find((o) => o.code === k)?.text ?? String(k))),
  },
  priority: {
    label: 'Priority',
    facts: 'contacts',
    key: sql`f.priority`,
    text: (k) => `${k} (answer within ${Math.round((answerTargets[Number(k)] ?? 0) / 60)} minutes)`,
  },
  grading: {
    label: 'THRIVE grading',
    facts: 'contacts',
    key: sql`f.grading`,
    order: (k) =>
      sql`array_position(array['Immediate', 'Prompt', 'Scheduled', 'Appointment', 'No Response'], ${k}) nulls last`,
    text: (k) => (k == null ? 'Not assessed' : String(k)),
  },
} satisfies Record<string, Dimension>

export type DimensionKey = keyof typeof dimensions

interface Measure {
  label: string
  /** The CSV's heading, with its unit. */
  heading: string
  facts: Exclude<Facts, 'both'>
  value: SQL
  /** How the preview shows it. */
  unit: 'count' | 'seconds' | 'percent'
}

export const measures = {
  contacts: {
    label: 'Contacts',
    heading: 'Contacts',
    facts: 'contacts',
    value: sql`count(*) filter (where f.kind = 'contact')::int`,
    unit: 'count',
  },
  answered: {
    label: 'Answered (reached a handler)',
    heading: 'Answered',
    facts: 'contacts',
    value: sql`count(*) filter (where f.answered)::int`,
    unit: 'count',
  },
  abandoned: {
    label: 'Abandoned calls',
    heading: 'Abandoned calls',
    facts: 'contacts',
    value: sql`count(*) filter (where f.abandoned)::int`,
    unit: 'count',
  },
  handlingMean: {
    label: 'Mean handling time',
    heading: 'Mean handling time (seconds)',
    facts: 'contacts',
    value: sql`round(avg(f.handling)::numeric)::int`,
    unit: 'seconds',
  },
  handlingP90: {
    label: '90th percentile handling time',
    heading: '90th percentile handling time (seconds)',
    facts: 'contacts',
    value: sql`round((percentile_cont(0.9) within group (order by f.handling))::numeric)::int`,
    unit: 'seconds',
  },
  slaMet: {
    label: 'Answered within target (%)',
    heading: 'Answered within target (%)',
    facts: 'contacts',
    value: sql`round(100.0 * count(*) filter (where f.met) / nullif(count(*) filter (where f.met or f.missed), 0), 1)::float8`,
    unit: 'percent',
  },
  failureShare: {
    label: 'Failure demand (% of closed)',
    heading: 'Failure demand (% of closed)',
    facts: 'contacts',
    value: sql`round(100.0 * count(*) filter (where f.failure) / nullif(count(*) filter (where f.closed), 0), 1)::float8`,
    unit: 'percent',
  },
  notReady: {
    label: 'Time not ready',
    heading: 'Time not ready (minutes)',
    facts: 'not-ready',
    value: sql`round(sum(f.not_ready)::numeric)::int`,
    unit: 'seconds',
  },
} satisfies Record<string, Measure>

export type MeasureKey = keyof typeof measures

export const periods = {
  today: 'Today so far',
  yesterday: 'Yesterday',
  'last-7': 'The last 7 days',
  'last-28': 'The last 28 days',
  'last-91': 'The last 91 days',
  'last-365': 'The last 365 days',
  dates: 'Between two dates',
} as const
export type PeriodKey = keyof typeof periods

export const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']

/** A report's choices: only keys of the lists above, and ids and codes checked against the force's. */
export const ReportDefinitionSchema = Type.Object({
  dimensions: Type.Array(Type.String({ maxLength: 20 }), { maxItems: DIMENSIONS_MAX }),
  measures: Type.Array(Type.String({ maxLength: 20 }), { minItems: 1, maxItems: 8 }),
  period: Type.String({ maxLength: 10 }),
  from: Type.Optional(Type.String({ format: 'date' })),
  to: Type.Optional(Type.String({ format: 'date' })),
  channel: Type.Optional(Type.String({ maxLength: 10 })),
  teamId: Type.Optional(Type.String({ format: 'uuid' })),
  outcome: Type.Optional(Type.String({ maxLength: 30 })),
})

export interface ReportDefinition {
  dimensions: DimensionKey[]
  measures: MeasureKey[]
  period: PeriodKey
  /** ISO dates, both days included (period 'dates' only). */
  from?: string
  to?: string
  channel?: string
  teamId?: string
  outcome?: string
}

/** What the builder's form and query string send: every field as typed, not yet checked. */
export type DefinitionInput = {
  dimension?: string | string[]
  measure?: string | string[]
  period?: string
  'from-day'?: string
  'from-month'?: string
  'from-year'?: string
  'to-day'?: string
  'to-month'?: string
  'to-year'?: string
  channel?: string
  team?: string
  outcome?: string
}

const listOf = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v])
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function dateOf(day?: string, month?: string, year?: string): string | null | undefined {
  if (!day && !month && !year) return undefined
  if (!/^\d{1,2}$/.test(day ?? '') || !/^\d{1,2}$/.test(month ?? '') || !/^\d{4}$/.test(year ?? ''))
    return null
  const d = DateTime.fromObject(
    { year: Number(year), month: Number(month), day: Number(day) },
    { zone: ukZone },
  )
  return d.isValid ? d.toISODate() : null
}

/** Whether a report names people (a handler): then it is never attached to an email. */
export function namesPeople(definition: ReportDefinition): boolean {
  return definition.dimensions.some((d) => (dimensions[d] as Dimension).namesPeople)
}

const factsOf = (definition: ReportDefinition) => ({
  contacts: definition.measures.some((m) => measures[m].facts === 'contacts'),
  notReady: definition.measures.some((m) => measures[m].facts === 'not-ready'),
})

/**
 * Checks what a person chose against the lists and the force's teams, and answers the
 * definition, or throws the GOV.UK errors of every field that is wrong.
 */
export function checkDefinition(input: DefinitionInput, teamIds: readonly string[]): ReportDefinition {
  const errors: FieldError[] = []
  const dims = [...new Set(listOf(input.dimension))]
  const chosenMeasures = [...new Set(listOf(input.measure))]
  if (dims.some((d) => !Object.hasOwn(dimensions, d)))
    errors.push({ field: 'dimension', message: 'Choose dimensions from the list' })
  else if (dims.length > DIMENSIONS_MAX)
    errors.push({ field: 'dimension', message: `Choose at most ${DIMENSIONS_MAX} dimensions` })
  if (chosenMeasures.length === 0) errors.push({ field: 'measure', message: 'Choose at least one measure' })
  else if (chosenMeasures.some((m) => !Object.hasOwn(measures, m)))
    errors.push({ field: 'measure', message: 'Choose measures from the list' })
  const period = (input.period || 'last-7') as PeriodKey
  if (!Object.hasOwn(periods, period)) errors.push({ field: 'period', message: 'Choose a period' })
  const definition: ReportDefinition = {
    dimensions: dims as DimensionKey[],
    measures: chosenMeasures as MeasureKey[],
    period,
  }
  if (period === 'dates') {
    const from = dateOf(input['from-day'], input['from-month'], input['from-year'])
    const to = dateOf(input['to-day'], input['to-month'], input['to-year'])
    if (!from)
      errors.push({
        field: 'from-day',
        message:
          from === undefined ? 'Enter the first day of the period' : 'The first day must be a real date',
      })
    if (!to)
      errors.push({
        field: 'to-day',
        message: to === undefined ? 'Enter the last day of the period' : 'The last day must be a real date',
      })
    if (from && to) {
      const days = DateTime.fromISO(to).diff(DateTime.fromISO(from), 'days').days + 1
      if (days < 1)
        errors.push({ field: 'to-day', message: 'The last day must be the same as or after the first' })
      else if (days > PERIOD_DAYS_MAX)
        errors.push({ field: 'to-day', message: `The period must be ${PERIOD_DAYS_MAX} days or shorter` })
      definition.from = from
      definition.to = to
    }
  }
  if (input.channel) {
    if (!Object.hasOwn(channelNames, input.channel))
      errors.push({ field: 'channel', message: 'Choose a channel from the list' })
    else definition.channel = input.channel
  }
  if (input.team) {
    if (!uuid.test(input.team) || !teamIds.includes(input.team))
      errors.push({ field: 'team', message: 'Choose one of your force’s teams' })
    else definition.teamId = input.team
  }
  if (input.outcome) {
    if (!outcomes.some((o) => o.code === input.outcome))
      errors.push({ field: 'outcome', message: 'Choose an outcome from the list' })
    else definition.outcome = input.outcome
  }
  if (errors.length === 0) {
    const facts = factsOf(definition)
    for (const d of definition.dimensions) {
      const dim = dimensions[d] as Dimension
      if (facts.notReady && dim.facts === 'contacts')
        errors.push({
          field: 'dimension',
          message: `Time not ready cannot be broken down by ${dim.label.toLowerCase()}: take away one or the other`,
        })
      if (facts.contacts && dim.facts === 'not-ready')
        errors.push({
          field: 'dimension',
          message: `${dim.label} goes only with time not ready: take away the measures of contacts, or the reason`,
        })
    }
    if (facts.notReady && (definition.channel || definition.outcome))
      errors.push({
        field: definition.channel ? 'channel' : 'outcome',
        message: 'Time not ready cannot be filtered by channel or outcome: take away one or the other',
      })
  }
  if (errors.length) throw new ValidationError(errors)
  return definition
}

/** The form's values for a definition (to fill the builder again). */
export function inputOf(definition: ReportDefinition): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {
    dimension: definition.dimensions,
    measure: definition.measures,
    period: definition.period,
    channel: definition.channel ?? '',
    team: definition.teamId ?? '',
    outcome: definition.outcome ?? '',
  }
  for (const [name, iso] of [
    ['from', definition.from],
    ['to', definition.to],
  ] as const) {
    if (!iso) continue
    const d = DateTime.fromISO(iso)
    values[`${name}-day`] = String(d.day)
    values[`${name}-month`] = String(d.month)
    values[`${name}-year`] = String(d.year)
  }
  return values
}

/** The query string of a definition, for links to the same report. */
export function queryOf(definition: ReportDefinition): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(inputOf(definition)))
    for (const x of Array.isArray(v) ? v : [v]) if (x !== '') params.append(k, x)
  return params.toString()
}

export interface ReportPeriod {
  from: Date
  to: Date
  /** The first and last UK days, both included. */
  firstDay: string
  lastDay: string
}

/** The period of a definition at `now`: whole UK days (today: from midnight to now). */
export function periodOf(definition: ReportDefinition, now: Date): ReportPeriod {
  const today = DateTime.fromJSDate(now, { zone: ukZone }).startOf('day')
  let first: DateTime
  let last: DateTime
  switch (definition.period) {
    case 'today':
      first = today
      last = today
      break
    case 'yesterday':
      first = today.minus({ days: 1 })
      last = first
      break
    case 'dates':
      first = DateTime.fromISO(definition.from!, { zone: ukZone })
      last = DateTime.fromISO(definition.to!, { zone: ukZone })
      break
    default: {
      const days = Number(definition.period.slice('last-'.length))
      first = today.minus({ days })
      last = today.minus({ days: 1 })
    }
  }
  return {
    from: first.toJSDate(),
    to: last.plus({ days: 1 }).toJSDate(),
    firstDay: first.toISODate() as string,
    lastDay: last.toISODate() as string,
  }
}

const targetOf = sql.raw(
  `(case i.priority ${Object.entries(answerTargets)
    .map(([p, s]) => `when ${Number(p)} then ${Number(s)}`)
    .join(' ')} end)`,
)

/** One fact row per contact that arrived in the period, in the team it was handled in (migration 1420). */
function contactFacts(period: { from: Date; to: Date }, until: Date): SQL {
  return sql`select 'contact'::text as kind, i.enqueued_at as at, i.assigned_to as staff_id, i.team_id, i.channel,
      i.priority::int as priority, i.outcome, g.grading, null::text as reason,
      a.answered_at is not null as answered,
      exists (select 1 from contact_calls c where c.item_id = i.id and c.abandoned) as abandoned,
      case when i.status = 'closed' and i.assigned_at is not null
        then extract(epoch from (i.closed_at - i.assigned_at))::float8 end as handling,
      a.answered_at - i.enqueued_at <= ${targetOf} * interval '1 second' as met,
      coalesce(a.answered_at, ${until}::timestamptz) - i.enqueued_at > ${targetOf} * interval '1 second' as missed,
      i.status = 'closed' as closed, i.failure_demand as failure, null::float8 as not_ready
    from contact_items i
    left join lateral (select min(e.at) as answered_at from contact_item_events e
      where e.item_id = i.id and e.kind in ('assigned', 'claimed')) a on true
    left join lateral (select t.grading from contact_thrive_assessments t where t.item_id = i.id
      order by t.seq desc limit 1) g on true
    where i.enqueued_at >= ${period.from} and i.enqueued_at < ${period.to}`
}

/**
 * One fact row per spell a handler was not ready in the period, clipped to it, in the team the
 * handler was in when it started (migration 1420).
 */
function notReadyFacts(period: { from: Date; to: Date }, until: Date): SQL {
  return sql`select 'not-ready'::text as kind, greatest(s.started_at, ${period.from}::timestamptz) as at,
      s.staff_id,
      (select sp.team_id from contact_team_spells sp where sp.staff_id = s.staff_id
        and sp.joined_at <= s.started_at and (sp.left_at is null or sp.left_at > s.started_at)
        order by sp.joined_at desc limit 1) as team_id,
      null::text as channel, null::int as priority, null::text as outcome, null::text as grading,
      coalesce(s.reason, 'unknown') as reason, false as answered, false as abandoned, null::float8 as handling,
      null::boolean as met, null::boolean as missed, false as closed, null::boolean as failure,
      extract(epoch from (least(coalesce(s.ended_at, ${until}::timestamptz), ${until}::timestamptz)
        - greatest(s.started_at, ${period.from}::timestamptz)))::float8 as not_ready
    from contact_agent_states s
    where s.state = 'not_ready' and s.started_at < ${until}
      and coalesce(s.ended_at, ${until}::timestamptz) > ${period.from}`
}

/** The grouped query of a report: every piece is from the lists above or a bound parameter. */
export function reportQuery(
  definition: ReportDefinition,
  now: Date,
  page: { limit: number; offset: number },
): SQL {
  // A definition read back from the database is checked against the lists again.
  if (
    !definition.dimensions.every((d) => Object.hasOwn(dimensions, d)) ||
    !definition.measures.every((m) => Object.hasOwn(measures, m)) ||
    definition.measures.length === 0
  )
    throw new Error('A report definition names a dimension or measure that is not on the lists')
  const period = periodOf(definition, now)
  const until = new Date(Math.min(now.getTime(), period.to.getTime()))
  const facts = factsOf(definition)
  const parts = [
    ...(facts.contacts ? [contactFacts(period, until)] : []),
    ...(facts.notReady ? [notReadyFacts(period, until)] : []),
  ]
  const dims = definition.dimensions.map((d) => dimensions[d] as Dimension)
  const selected = [
    ...dims.flatMap((d, n) => [
      sql`${d.key} as ${sql.raw(`k${n}`)}`,
      sql`${d.shown ?? sql`null`} as ${sql.raw(`l${n}`)}`,
    ]),
    ...definition.measures.map((m, n) => sql`${measures[m].value} as ${sql.raw(`m${n}`)}`),
    sql`count(*) over ()::int as total`,
  ]
  const filters = [
    ...(definition.channel ? [sql`f.channel = ${definition.channel}`] : []),
    ...(definition.outcome ? [sql`f.outcome = ${definition.outcome}`] : []),
    ...(definition.teamId ? [sql`f.team_id = ${definition.teamId}`] : []),
  ]
  return sql`select ${sql.join(selected, sql`, `)}
    from (${sql.join(parts, sql` union all `)}) f
    left join contact_teams t on t.id = f.team_id
    left join staff_users u on u.id = f.staff_id
    where ${filters.length ? sql.join(filters, sql` and `) : sql`true`}
    ${
      dims.length
        ? sql`group by ${sql.join(
            dims.map((d) => d.key),
            sql`, `,
          )}`
        : sql``
    }
    ${
      dims.length
        ? sql`order by ${sql.join(
            dims.flatMap((d) => [d.order?.(d.key) ?? d.key, d.key]),
            sql`, `,
          )}`
        : sql``
    }
    limit ${page.limit} offset ${page.offset}`
}

export interface ReportResult {
  period: ReportPeriod
  /** The headings: the dimensions', then the measures'. */
  columns: { label: string; heading: string; numeric: boolean; unit?: Measure['unit'] }[]
  rows: { cells: string[]; values: (number | null)[] }[]
  /** Rows in the whole report. */
  total: number
}

/** Runs reports for the builder, the CSV and the scheduled emails, in the force's transaction. */
export class ReportBuilder {
  readonly #db: Database
  readonly #clock: Clock

  constructor(deps: { db: Database; clock: Clock }) {
    this.#db = deps.db
    this.#clock = deps.clock
  }

  run(
    forceId: string,
    definition: ReportDefinition,
    page: { limit: number; offset: number },
    at: Date = this.#clock.now(),
  ): Promise<ReportResult> {
    return this.#db.withForce(forceId, (tx) => this.runIn(tx, definition, page, at))
  }

  async runIn(
    tx: Tx,
    definition: ReportDefinition,
    page: { limit: number; offset: number },
    at: Date,
  ): Promise<ReportResult> {
    const found = await rows<Record<string, unknown>>(tx, reportQuery(definition, at, page))
    const dims = definition.dimensions.map((d) => dimensions[d] as Dimension)
    let total = Number(found[0]?.total ?? 0)
    // A page past the end has no rows to count from: ask for the first row's count.
    if (found.length === 0 && page.offset > 0)
      total = Number(
        (await rows<{ total: number }>(tx, reportQuery(definition, at, { limit: 1, offset: 0 })))[0]?.total ??
          0,
      )
    return {
      period: periodOf(definition, at),
      columns: [
        ...dims.map((d) => ({ label: d.label, heading: d.label, numeric: false })),
        ...definition.measures.map((m) => ({
          label: measures[m].label,
          heading: measures[m].heading,
          numeric: true,
          unit: measures[m].unit,
        })),
      ],
      rows: found.map((r) => ({
        cells: dims.map((d, n) => d.text(r[`k${n}`], r[`l${n}`])),
        values: definition.measures.map((_, n) => (r[`m${n}`] == null ? null : Number(r[`m${n}`]))),
      })),
      total,
    }
  }
}

/** A measure's value as the CSV holds it: time not ready in minutes, the rest as counted. */
export function csvValue(definition: ReportDefinition, n: number, value: number | null): number | null {
  if (value === null) return null
  return definition.measures[n] === 'notReady' ? Math.round(value / 60) : value
}

/** The CSV of a whole report (at most REPORT_ROWS_MAX rows), as text. */
export function csvText(definition: ReportDefinition, result: ReportResult): string {
  const cell = (v: string | number | null) => {
    if (v === null) return ''
    const s = String(v)
    const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
  }
  const lines = [result.columns.map((c) => cell(c.heading)).join(',')]
  for (const r of result.rows)
    lines.push([...r.cells, ...r.values.map((v, n) => csvValue(definition, n, v))].map(cell).join(','))
  return `\uFEFF${lines.join('\r\n')}\r\n`
}

// ---------------------------------------------------------------------------------------------
// Saved reports and their schedule

export type Schedule = 'none' | 'daily' | 'weekly'

export interface SavedReport {
  id: string
  name: string
  definition: ReportDefinition
  schedule: Schedule
  weekday: number | null
  sendAt: string | null
  recipients: string[]
  scheduledFrom: Date | null
  updatedAt: Date
  lastSentAt: Date | null
}

export interface Recipient {
  staffId: string
  name: string
}

export type SaveInput = {
  name?: string
  schedule?: string
  weekday?: string
  time?: string
  recipient?: string | string[]
}

/** The email every recipient of a run gets, kept on the run until all are sent. */
interface RunEmail {
  subject: string
  body: string
  link: string
  attachment?: { filename: string; content: string; contentType: string }
}

export interface ReportRun {
  slot: Date
  sentAt: Date
  recipients: number
  rows: number
  delivery: 'attachment' | 'link' | 'none'
  /** Its emails by state (decision 0065): sent, still to send or being sent, and failed. */
  delivered: number
  waiting: number
  failed: number
}

/**
 * The latest slot of a schedule at or before `now`: today's (or this week's) time in the UK,
 * or the one before it when that is still to come.
 */
export function latestSlot(
  schedule: { schedule: Exclude<Schedule, 'none'>; weekday: number | null; sendAt: string },
  now: Date,
): Date {
  const [hour, minute] = schedule.sendAt.split(':').map(Number) as [number, number]
  let at = DateTime.fromJSDate(now, { zone: ukZone }).set({ hour, minute, second: 0, millisecond: 0 })
  if (schedule.schedule === 'weekly') at = at.set({ weekday: schedule.weekday as 1 })
  while (at.toMillis() > now.getTime())
    at = at.minus(schedule.schedule === 'weekly' ? { weeks: 1 } : { days: 1 })
  return at.toJSDate()
}

const savedColumns = sql`r.id, r.name, r.definition, r.schedule, r.weekday, r.send_at as "sendAt",
  r.recipients, r.scheduled_from as "scheduledFrom", r.updated_at as "updatedAt",
  greatest(
    (select max(d.sent_at) from contact_report_deliveries d where d.report_id = r.id and d.status = 'sent'),
    -- A run from before its emails were kept one by one (decision 0065) was sent when taken.
    (select max(x.sent_at) from contact_report_runs x where x.report_id = r.id and x.delivery <> 'none'
      and not exists (select 1 from contact_report_deliveries d where d.report_id = x.report_id and d.slot = x.slot))
  ) as "lastSentAt"`

/** The force's staff who may receive Contact's reports now (row-level security and the force). */
const recipientsSql = (forceId: string) => sql`select u.id as "staffId", u.display_name as name, u.email
  from staff_users u where u.force_id = ${forceId} and u.disabled_at is null
    and exists (select 1 from staff_role_grants g where g.user_id = u.id and g.revoked_at is null
      and g.role in (${sql.join(
        reportRecipientRoles.map((r) => sql`${r}`),
        sql`, `,
      )}))
  order by u.display_name, u.id`

export class SavedReports {
  readonly #db: Database
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #builder: ReportBuilder
  readonly #mail: StaffMail | undefined
  readonly #publicUrl: string
  readonly #log: Logger | undefined
  readonly #hasContact: (forceId: string) => Promise<boolean>

  constructor(deps: {
    db: Database
    clock: Clock
    audit: AuditService
    builder: ReportBuilder
    mail?: StaffMail
    publicUrl?: string
    log?: Logger
    hasContact?: (forceId: string) => Promise<boolean>
  }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#builder = deps.builder
    this.#mail = deps.mail
    this.#publicUrl = (deps.publicUrl ?? 'http://localhost:3000').replace(/\/$/, '')
    this.#log = deps.log
    this.#hasContact = deps.hasContact ?? (async () => true)
  }

  list(forceId: string): Promise<SavedReport[]> {
    return this.#db.withForce(forceId, (tx) =>
      rows<SavedReport>(
        tx,
        sql`select ${savedColumns} from contact_saved_reports r order by lower(r.name), r.id`,
      ),
    )
  }

  async get(forceId: string, id: string): Promise<{ report: SavedReport; runs: ReportRun[] }> {
    if (!uuid.test(id)) throw new NotFoundError('The report')
    return this.#db.withForce(forceId, async (tx) => {
      const [report] = await rows<SavedReport>(
        tx,
        sql`select ${savedColumns} from contact_saved_reports r where r.id = ${id}`,
      )
      if (!report) throw new NotFoundError('The report')
      const runs = await rows<ReportRun>(
        tx,
        sql`select r.slot, r.sent_at as "sentAt", r.recipients, r.report_rows as "rows", r.delivery,
              count(*) filter (where d.status = 'sent')::int as delivered,
              count(*) filter (where d.status in ('pending', 'sending'))::int as waiting,
              count(*) filter (where d.status = 'failed')::int as failed
            from (select * from contact_report_runs where report_id = ${id} order by slot desc limit 10) r
              left join contact_report_deliveries d on d.report_id = r.report_id and d.slot = r.slot
            group by r.slot, r.sent_at, r.recipients, r.report_rows, r.delivery
            order by r.slot desc`,
      )
      return {
        report,
        runs: runs.map((r) => ({
          ...r,
          slot: new Date(r.slot),
          sentAt: new Date(r.sentAt),
          // A run from before its emails were kept one by one (decision 0065) was all sent.
          delivered: r.delivered + r.waiting + r.failed === 0 ? r.recipients : r.delivered,
        })),
      }
    })
  }

  /** The force's staff a report may be sent to. */
  recipients(forceId: string): Promise<Recipient[]> {
    return this.#db.withForce(forceId, async (tx) =>
      (await rows<Recipient & { email: string }>(tx, recipientsSql(forceId))).map((r) => ({
        staffId: r.staffId,
        name: r.name,
      })),
    )
  }

  async #checked(
    tx: Tx,
    forceId: string,
    input: SaveInput,
    except: string | null,
  ): Promise<{
    name: string
    schedule: Schedule
    weekday: number | null
    sendAt: string | null
    recipients: string[]
  }> {
    const errors: FieldError[] = []
    const name = (input.name ?? '').trim()
    if (!name) errors.push({ field: 'name', message: 'Enter a name for the report' })
    else if (name.length > REPORT_NAME_MAX)
      errors.push({ field: 'name', message: `The name must be ${REPORT_NAME_MAX} characters or fewer` })
    else {
      const clash = await rows(
        tx,
        sql`select 1 from contact_saved_reports where lower(name) = lower(${name})
            and ${except ? sql`id <> ${except}` : sql`true`}`,
      )
      if (clash.length)
        errors.push({ field: 'name', message: 'Your force already has a report with this name' })
    }
    const schedule = (input.schedule || 'none') as Schedule
    if (!['none', 'daily', 'weekly'].includes(schedule))
      errors.push({ field: 'schedule', message: 'Choose how often the report is emailed' })
    let weekday: number | null = null
    let sendAt: string | null = null
    const recipients = [...new Set(listOf(input.recipient))]
    if (schedule === 'daily' || schedule === 'weekly') {
      const time = (input.time ?? '').trim()
      const m = /^(\d{1,2}):(\d{2})$/.exec(time)
      if (!time) errors.push({ field: 'time', message: 'Enter the time the report is emailed' })
      else if (!m || Number(m[1]) > 23 || Number(m[2]) > 59)
        errors.push({ field: 'time', message: 'Enter the time as hours and minutes, for example 07:30' })
      else sendAt = `${m[1]!.padStart(2, '0')}:${m[2]}`
      if (schedule === 'weekly') {
        weekday = Number(input.weekday)
        if (!(weekday >= 1 && weekday <= 7)) {
          weekday = null
          errors.push({ field: 'weekday', message: 'Choose the day of the week' })
        }
      }
      const allowed = new Set((await rows<Recipient>(tx, recipientsSql(forceId))).map((r) => r.staffId))
      if (recipients.length === 0)
        errors.push({ field: 'recipient', message: 'Choose who the report is emailed to' })
      else if (recipients.length > RECIPIENTS_MAX)
        errors.push({ field: 'recipient', message: `Choose at most ${RECIPIENTS_MAX} people` })
      else if (recipients.some((r) => !allowed.has(r)))
        errors.push({
          field: 'recipient',
          message: 'Choose your force’s contact supervisors or force administrators',
        })
    }
    if (errors.length) throw new ValidationError(errors)
    return { name, schedule, weekday, sendAt, recipients: schedule === 'none' ? [] : recipients }
  }

  async create(
    forceId: string,
    definition: ReportDefinition,
    input: SaveInput,
    acting: Acting,
  ): Promise<string> {
    return this.#db.withForce(forceId, async (tx) => {
      const saved = await this.#checked(tx, forceId, input, null)
      const [{ n } = { n: 0 }] = await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from contact_saved_reports`,
      )
      if (n >= SAVED_REPORTS_MAX)
        throw new ValidationError([
          { field: 'name', message: `A force keeps at most ${SAVED_REPORTS_MAX} reports: delete one first` },
        ])
      const now = this.#clock.now()
      const [added] = await rows<{ id: string }>(
        tx,
        sql`insert into contact_saved_reports (force_id, name, definition, schedule, weekday, send_at, recipients,
              scheduled_from, created_by, created_at, updated_by, updated_at)
            values (${forceId}, ${saved.name}, ${JSON.stringify(definition)}::jsonb, ${saved.schedule}, ${saved.weekday},
              ${saved.sendAt}, ${sql`array[${sql.join(
                saved.recipients.map((r) => sql`${r}`),
                sql`, `,
              )}]::uuid[]`}, ${saved.schedule === 'none' ? null : now}, ${acting.staffId}, ${now}, ${acting.staffId}, ${now})
            returning id`,
      )
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.report-saved',
        recordType: 'contact-report',
        recordId: added!.id,
        detail: { ...saved, definition },
      })
      return added!.id
    })
  }

  async update(
    forceId: string,
    id: string,
    definition: ReportDefinition,
    input: SaveInput,
    acting: Acting,
  ): Promise<void> {
    if (!uuid.test(id)) throw new NotFoundError('The report')
    await this.#db.withForce(forceId, async (tx) => {
      const [before] = await rows<SavedReport>(
        tx,
        sql`select ${savedColumns} from contact_saved_reports r where r.id = ${id} for update`,
      )
      if (!before) throw new NotFoundError('The report')
      const saved = await this.#checked(tx, forceId, input, id)
      const now = this.#clock.now()
      // A schedule set again starts from now: no slot before the change is sent late.
      const scheduleChanged =
        saved.schedule !== before.schedule ||
        saved.weekday !== before.weekday ||
        saved.sendAt !== before.sendAt
      const scheduledFrom = saved.schedule === 'none' ? null : scheduleChanged ? now : before.scheduledFrom
      await tx.execute(
        sql`update contact_saved_reports set name = ${saved.name}, definition = ${JSON.stringify(definition)}::jsonb,
              schedule = ${saved.schedule}, weekday = ${saved.weekday}, send_at = ${saved.sendAt},
              recipients = ${sql`array[${sql.join(
                saved.recipients.map((r) => sql`${r}`),
                sql`, `,
              )}]::uuid[]`}, scheduled_from = ${scheduledFrom}, updated_by = ${acting.staffId}, updated_at = ${now}
            where id = ${id}`,
      )
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.report-changed',
        recordType: 'contact-report',
        recordId: id,
        detail: {
          ...saved,
          definition,
          was: {
            name: before.name,
            definition: before.definition,
            schedule: before.schedule,
            weekday: before.weekday,
            sendAt: before.sendAt,
            recipients: before.recipients,
          },
        },
      })
    })
  }

  async remove(forceId: string, id: string, acting: Acting): Promise<void> {
    if (!uuid.test(id)) throw new NotFoundError('The report')
    await this.#db.withForce(forceId, async (tx) => {
      const gone = await rows<{ name: string }>(
        tx,
        sql`delete from contact_saved_reports where id = ${id} returning name`,
      )
      if (!gone.length) throw new NotFoundError('The report')
      await auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.report-deleted',
        recordType: 'contact-report',
        recordId: id,
        detail: { name: gone[0]!.name },
      })
    })
  }

  /** Audits a report downloaded as CSV: the export leaves Waypoint. */
  exported(
    forceId: string,
    definition: ReportDefinition,
    reportId: string | null,
    rowCount: number,
    acting: Acting,
  ) {
    return this.#db.withForce(forceId, (tx) =>
      auditActing(this.#audit, tx, forceId, acting, {
        action: 'contact.report-exported',
        recordType: 'contact-report',
        recordId: reportId ?? 'unsaved',
        detail: { definition, rows: rowCount },
      }),
    )
  }

  /**
   * Sends every scheduled report whose latest slot has come and not been sent, then every email
   * of a slot still to send (decision 0065). A slot is taken in a transaction that first takes its
   * key (report, slot), so a second worker waits for the first and then finds it taken; the same
   * transaction writes down the email and one delivery per recipient. After downtime the latest
   * missed slot is sent, once; the slots before it are not. Answers the slots this call took.
   */
  async sendDue(): Promise<{ reportId: string; slot: Date }[]> {
    const now = this.#clock.now()
    const scheduled = await this.#db.asSystem((tx) =>
      rows<{
        id: string
        forceId: string
        schedule: 'daily' | 'weekly'
        weekday: number | null
        sendAt: string
        scheduledFrom: Date
        lastSlot: Date | null
      }>(
        tx,
        sql`select r.id, r.force_id as "forceId", r.schedule, r.weekday, r.send_at as "sendAt",
              r.scheduled_from as "scheduledFrom",
              (select max(x.slot) from contact_report_runs x where x.report_id = r.id) as "lastSlot"
            from contact_saved_reports r where r.schedule <> 'none'`,
      ),
    )
    const taken: { reportId: string; slot: Date }[] = []
    let failed: unknown
    for (const r of scheduled) {
      const slot = latestSlot(r, now)
      if (slot < new Date(r.scheduledFrom) || (r.lastSlot && slot <= new Date(r.lastSlot))) continue
      if (!(await this.#hasContact(r.forceId))) continue
      try {
        if (await this.#takeSlot(r.forceId, r.id, slot)) taken.push({ reportId: r.id, slot })
      } catch (error) {
        // The slot's key went with the transaction: the job's retry, or the next minute, takes it.
        // The other reports are not held up by this one.
        failed ??= error
        // The error's text may carry an address: only its code is logged.
        this.#log?.warn(
          { reportId: r.id, code: (error as { code?: string }).code ?? 'error' },
          'a scheduled report could not be sent; it will be tried again',
        )
      }
    }
    await this.#deliverOpen()
    if (failed) throw failed
    return taken
  }

  /**
   * Takes a slot: its run, the email its recipients get and one delivery each, in one
   * transaction. Nothing is sent here, so a failed send cannot undo the slot or the others' emails.
   */
  async #takeSlot(forceId: string, id: string, slot: Date): Promise<boolean> {
    return this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      // The idempotency key: a second worker's insert waits on this one's and then does nothing.
      const claimed = await rows(
        tx,
        sql`insert into contact_report_runs (force_id, report_id, slot, sent_at)
            values (${forceId}, ${id}, ${slot}, ${now})
            on conflict (report_id, slot) do nothing returning slot`,
      )
      if (!claimed.length) return false
      const [report] = await rows<SavedReport>(
        tx,
        sql`select ${savedColumns} from contact_saved_reports r where r.id = ${id}`,
      )
      if (!report || report.schedule === 'none') return false
      const readers = (await rows<Recipient & { email: string }>(tx, recipientsSql(forceId))).filter((s) =>
        report.recipients.includes(s.staffId),
      )
      const result = await this.#builder.runIn(
        tx,
        report.definition,
        { limit: REPORT_ROWS_MAX + 1, offset: 0 },
        slot,
      )
      const link = `${this.#publicUrl}/console/contact/reports/saved/${id}`
      const attach = !namesPeople(report.definition) && result.total <= REPORT_ROWS_MAX
      const delivery = readers.length === 0 ? 'none' : attach ? 'attachment' : 'link'
      const when = DateTime.fromJSDate(slot, { zone: ukZone }).toFormat('d LLL yyyy HH:mm')
      const periodText = `${result.period.firstDay} to ${result.period.lastDay}`
      const filename = `${
        report.name
          .replace(/[^A-Za-z0-9]+/g, '-')
          .replace(/^-|-$/g, '')
          .toLowerCase() || 'report'
      }-${result.period.lastDay}.csv`
      const email: RunEmail = {
        subject: `Waypoint report: ${report.name} (${periodText})`,
        body: attach
          ? `Your Contact report “${report.name}” for ${periodText} (UK days), due ${when}, is attached as a CSV file with ${result.total} rows.\n\nOpen it in Waypoint: ${link}\n\nYou receive it because a contact supervisor or force administrator of your force scheduled it for you.`
          : `Your Contact report “${report.name}” for ${periodText} (UK days), due ${when}, is ready in Waypoint. ${
              namesPeople(report.definition)
                ? 'It names handlers, so it is not attached: sign in to read or download it.'
                : `It has ${result.total} rows, more than the ${REPORT_ROWS_MAX} an email carries: sign in to read it.`
            }\n\n${link}\n\nYou receive it because a contact supervisor or force administrator of your force scheduled it for you.`,
        link,
        ...(attach
          ? {
              attachment: {
                filename,
                content: csvText(report.definition, result),
                contentType: 'text/csv; charset=utf-8',
              },
            }
          : {}),
      }
      await tx.execute(
        sql`update contact_report_runs set recipients = ${readers.length}, report_rows = ${result.total},
              delivery = ${delivery}, email = ${readers.length ? JSON.stringify(email) : null}::jsonb
            where report_id = ${id} and slot = ${slot}`,
      )
      if (readers.length)
        await tx.execute(
          sql`insert into contact_report_deliveries (force_id, report_id, slot, staff_id, message_id,
                next_attempt_at, updated_at)
              values ${sql.join(
                readers.map(
                  (r) =>
                    sql`(${forceId}, ${id}, ${slot}, ${r.staffId}, ${this.#messageId(id, slot, r.staffId)}, ${now}, ${now})`,
                ),
                sql`, `,
              )}`,
        )
      await this.#audit.record(
        {
          action: 'contact.report-sent',
          forceId,
          actor: { kind: 'system', name: 'Contact scheduled reports' },
          recordType: 'contact-report',
          recordId: id,
          detail: {
            slot: slot.toISOString(),
            recipients: readers.map((r) => r.staffId),
            skipped: report.recipients.filter((r) => !readers.some((x) => x.staffId === r)),
            rows: result.total,
            delivery,
          },
        },
        tx,
      )
      this.#log?.info(
        { reportId: id, slot: slot.toISOString(), recipients: readers.length, delivery },
        'scheduled report taken; its emails follow',
      )
      return true
    })
  }

  /** One email's Message-ID, the same on every attempt: `<report.{id}.{slot}.{staff}@{host}>`. */
  #messageId(reportId: string, slot: Date, staffId: string): string {
    return `<report.${reportId}.${slot.getTime()}.${staffId}@${new URL(this.#publicUrl).hostname}>`
  }

  /** Sends every email whose time has come, or that a stopped worker left mid-send, one by one. */
  async #deliverOpen(): Promise<void> {
    const now = this.#clock.now()
    const open = await this.#db.asSystem((tx) =>
      rows<{ forceId: string; reportId: string; slot: Date; staffId: string }>(
        tx,
        sql`select force_id as "forceId", report_id as "reportId", slot, staff_id as "staffId"
            from contact_report_deliveries
            where (status = 'pending' and next_attempt_at <= ${now})
               or (status = 'sending' and updated_at <= ${new Date(now.getTime() - SENDING_STALE_MS)})
            order by next_attempt_at, report_id, slot, staff_id limit ${DELIVERIES_PER_RUN}`,
      ),
    )
    const hasContact = new Map<string, boolean>()
    for (const d of open) {
      if (!hasContact.has(d.forceId)) hasContact.set(d.forceId, await this.#hasContact(d.forceId))
      if (!hasContact.get(d.forceId)) continue
      await this.#deliver(d.forceId, d.reportId, new Date(d.slot), d.staffId)
    }
  }

  /**
   * One email: marked `sending` in a transaction of its own (a second worker skips it), sent, then
   * marked sent, or put back with the next attempt's time, or failed after the last.
   */
  async #deliver(forceId: string, reportId: string, slot: Date, staffId: string): Promise<void> {
    const key = sql`report_id = ${reportId} and slot = ${slot} and staff_id = ${staffId}`
    const taken = await this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      const [d] = await rows<{
        status: 'pending' | 'sending'
        attempts: number
        messageId: string
        email: RunEmail | null
        address: string | null
      }>(
        tx,
        sql`select d.status, d.attempts, d.message_id as "messageId", r.email,
              (select u.email from (${recipientsSql(forceId)}) u where u."staffId" = d.staff_id) as address
            from contact_report_deliveries d
              join contact_report_runs r on r.report_id = d.report_id and r.slot = d.slot
            where d.report_id = ${reportId} and d.slot = ${slot} and d.staff_id = ${staffId}
              and ((d.status = 'pending' and d.next_attempt_at <= ${now})
                or (d.status = 'sending' and d.updated_at <= ${new Date(now.getTime() - SENDING_STALE_MS)}))
            for update of d skip locked`,
      )
      if (!d) return undefined
      if (!d.email || !d.address) {
        // Disabled, or no longer a supervisor or administrator since the slot was taken.
        await tx.execute(
          sql`update contact_report_deliveries set status = 'failed', last_error = 'not-a-recipient',
                updated_at = ${now} where ${key}`,
        )
        await this.#emailFailed(tx, forceId, reportId, slot, staffId, 'not-a-recipient', d.attempts)
        return undefined
      }
      if (d.status === 'sending')
        this.#log?.warn(
          { reportId, slot: slot.toISOString(), staffId },
          'a scheduled report email was left mid-send by a worker that stopped; it is sent again with the same Message-ID',
        )
      await tx.execute(
        sql`update contact_report_deliveries set status = 'sending', attempts = attempts + 1, updated_at = ${now}
            where ${key}`,
      )
      return { attempts: d.attempts + 1, messageId: d.messageId, email: d.email, address: d.address }
    })
    if (!taken) return await this.#clearSent(forceId, reportId, slot)
    let error: unknown
    try {
      if (!this.#mail) throw Object.assign(new Error('No staff mail'), { code: 'no-staff-mail' })
      await this.#mail.send({
        userId: staffId,
        to: taken.address,
        subject: taken.email.subject,
        body: taken.email.body,
        link: taken.email.link,
        messageId: taken.messageId,
        ...(taken.email.attachment ? { attachments: [taken.email.attachment] } : {}),
      })
    } catch (caught) {
      error = caught
    }
    await this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      if (!error) {
        await tx.execute(
          sql`update contact_report_deliveries set status = 'sent', sent_at = ${now}, updated_at = ${now},
                last_error = null where ${key}`,
        )
        return
      }
      // Only the code: an SMTP error's text may carry the address.
      const code = String((error as { code?: string }).code ?? 'error').slice(0, 60)
      const last = taken.attempts >= DELIVERY_ATTEMPTS
      const retryAt = new Date(now.getTime() + 60_000 * 2 ** (taken.attempts - 1))
      await tx.execute(
        sql`update contact_report_deliveries set status = ${last ? 'failed' : 'pending'},
              next_attempt_at = ${last ? now : retryAt}, last_error = ${code}, updated_at = ${now}
            where ${key}`,
      )
      if (last) await this.#emailFailed(tx, forceId, reportId, slot, staffId, code, taken.attempts)
      this.#log?.warn(
        {
          reportId,
          staffId,
          code,
          attempts: taken.attempts,
          ...(last ? {} : { retryAt: retryAt.toISOString() }),
        },
        last
          ? 'a scheduled report email could not be sent and will not be tried again'
          : 'a scheduled report email could not be sent; it will be tried again',
      )
    })
    await this.#clearSent(forceId, reportId, slot)
  }

  /** Audits an email given up on: its person, the reason (an error's code) and the attempts made. */
  #emailFailed(
    tx: Tx,
    forceId: string,
    reportId: string,
    slot: Date,
    staffId: string,
    reason: string,
    attempts: number,
  ): Promise<unknown> {
    return this.#audit.record(
      {
        action: 'contact.report-email-failed',
        forceId,
        actor: { kind: 'system', name: 'Contact scheduled reports' },
        recordType: 'contact-report',
        recordId: reportId,
        detail: { slot: slot.toISOString(), staffId, reason, attempts },
      },
      tx,
    )
  }

  /** Clears a run's email once none of its emails is left to send: the CSV is kept no longer. */
  async #clearSent(forceId: string, reportId: string, slot: Date): Promise<void> {
    await this.#db.withForce(forceId, (tx) =>
      tx.execute(
        sql`update contact_report_runs r set email = null
            where r.report_id = ${reportId} and r.slot = ${slot} and r.email is not null
              and not exists (select 1 from contact_report_deliveries d where d.report_id = r.report_id
                and d.slot = r.slot and d.status in ('pending', 'sending'))`,
      ),
    )
  }
}

/** Each minute the scheduled reports whose slot has come are emailed (decision 0054). */
export function reportScheduleJob(run: () => Promise<unknown>) {
  return defineJob({
    name: 'contact.report-schedules',
    payload: EmptyPayload,
    cron: '* * * * *',
    // A worker that starts after downtime sends what was missed at once.
    runOnStart: true,
    retryLimit: 3,
    handle: async () => {
      await run()
    },
  })
}

export type ReportDefinitionJson = Static<typeof ReportDefinitionSchema>
