// The only SQL of reporting. Reports join messages to templates and to the crime or incident
// they were sent about, across capabilities, read-only (docs/decisions/0007-reporting-reads.md);
// the console's Journeys report reads the per-day counts triggers keep of the same (migration
// 1000, decision 0022). Every query runs inside `db.withForce`, so row-level security confines
// it to one force.
import { type SQL, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

export interface Period {
  /** Inclusive start, an instant. */
  from: Date
  /** Exclusive end, an instant. */
  to: Date
}

export type Grouping = 'template' | 'case-type'

export interface OutcomeCountRow {
  group: string
  sms: number
  email: number
  sent: number
  delivered: number
  awaitingReceipt: number
  permanentFailure: number
  temporaryFailure: number
  technicalFailure: number
}

export interface NotSentRow {
  group: string
  /** Cancelled, suppressed, or a failure before the provider accepted the message. */
  status: string
  reason: string
  count: number
}

export interface DailyRow {
  day: string
  group: string
  sms: number
  email: number
  total: number
}

export interface HourlyRow {
  hour: number
  sms: number
  email: number
  total: number
}

export interface SentMessageRow {
  sentAt: Date
  channel: string
  group: string
  status: string
}

/** One victim's Victims' Code first-contact deadline and what became of their first contact. */
export interface VcopDeadlineRow {
  caseId: string
  personId: string
  reference: string
  victimName: string
  caseType: string
  category: string
  dueAt: Date
  /** The earliest time a message of the journey was handed to the provider (sent or delivered). */
  handedAt: Date | null
  /** The earliest time one was delivered, when the provider confirmed delivery. */
  deliveredAt: Date | null
  /** The first message the journey wrote for the person, whatever became of it. */
  firstStatus: string | null
  firstReason: string | null
  firstSendAfter: Date | null
}

export interface VcopCountRow {
  /** Deadlines in the period. */
  total: number
  met: number
  deliveredInTime: number
  missed: number
  due: number
}

export interface ApiKeyRow {
  id: string
  forceId: string
  name: string
  keyPrefix: string
  createdAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

/** One row per message to the public with what reports need, never the recipient or the text. */
export function messageFacts(): SQL {
  return sql`
    select m.id::text as "Id", m.force_id as "Force", s.at as "SentAt",
      to_char(s.at at time zone 'Europe/London', 'YYYY-MM-DD') as "SentDate",
      extract(hour from s.at at time zone 'Europe/London')::int as "SentHour",
      m.channel as "Channel",
      coalesce(t.title, m.template_key, 'No template') as "TemplateTitle",
      coalesce(c.crime_type, i.incident_type, 'Not recorded') as "CaseType",
      m.status as "Status", (m.status = 'delivered') as "Delivered",
      coalesce(m.status_reason, m.last_error) as "StatusReason",
      coalesce(m.sent_at, m.completed_at, m.due_at) as "ReportedAt"
    from messages m
    -- When the message left Waypoint: a provider receipt can land before the dispatch records
    -- 'sent', leaving only the receipt time; a failure the provider never accepted did not leave.
    cross join lateral (select case
      when m.status in ('sent', 'delivered') or (m.status in ('permanent-failure', 'temporary-failure',
        'technical-failure') and (m.sent_at is not null or m.provider_ref is not null))
      then coalesce(m.sent_at, m.completed_at) end as at) s
    left join message_templates t on t.id = m.template_id
    left join crimes c on c.id::text = m.case_id
    left join incidents i on i.id::text = m.case_id
    -- A journey designer's test send went to staff, not a victim: no report counts it.
    where not m.is_test`
}

/**
 * Each message a person wrote in the Portal with when it was due an answer under the force's
 * working-hours SLA and when it was answered or escalated (CP-148): the feed's MessageResponses.
 */
export function messageResponses(): SQL {
  return sql`
    select m.id::text as "Id", m.force_id as "Force", m.sent_at as "SentAt",
      to_char(m.sent_at at time zone 'Europe/London', 'YYYY-MM-DD') as "SentDate",
      coalesce(cr.crime_ref, '') as "CrimeReference", coalesce(o.collar_number, '') as "OfficerCollar",
      m.due_by as "DueBy", m.answered_at as "AnsweredAt", m.escalated_at as "EscalatedAt",
      (m.answered_at is not null and m.answered_at <= m.due_by) as "AnsweredInTime",
      case when m.answered_at is null then null
        else (extract(epoch from (m.answered_at - m.sent_at)) / 60)::int end as "MinutesToAnswer"
    from conversation_messages m
    join conversations c on c.id = m.conversation_id
    left join crimes cr on cr.id::text = c.case_id
    left join officers o on o.id = cr.officer_id
    where m.direction = 'inbound' and m.channel = 'portal' and m.due_by is not null`
}

/**
 * CP-146: each answer to the Portal's satisfaction survey (decision 0035), without its comment,
 * which is free text a person wrote and stays on the force's console page.
 */
export function portalFeedbackFacts(): SQL {
  return sql`
    select f.id::text as "Id", f.force_id as "Force", f.given_at as "GivenAt",
      to_char(f.given_at at time zone 'Europe/London', 'YYYY-MM-DD') as "GivenDate",
      f.rating::int as "Rating", (f.rating >= 4) as "Satisfied",
      coalesce(f.found_what_needed, '') as "FoundWhatNeeded", (f.comment is not null) as "HasComment"
    from portal_feedback f`
}

/**
 * Contact's contacts (CRM-13, CRM-17): one row a contact, with its channel, priority, waiting and
 * handling times, outcome and whether it was failure demand, and its latest THRIVE grading.
 */
export function contactFacts(): SQL {
  return sql`
    select i.id::text as "Id", i.force_id as "Force", i.channel as "Channel", i.priority::int as "Priority",
      i.skill as "Skill", i.status as "Status", i.enqueued_at as "QueuedAt",
      to_char(i.enqueued_at at time zone 'Europe/London', 'YYYY-MM-DD') as "QueuedDate",
      extract(hour from i.enqueued_at at time zone 'Europe/London')::int as "QueuedHour",
      i.closed_at as "ClosedAt",
      (extract(epoch from (coalesce(i.assigned_at, i.closed_at) - i.enqueued_at)))::int as "WaitSeconds",
      (extract(epoch from (i.closed_at - i.assigned_at)))::int as "HandlingSeconds",
      i.outcome as "Outcome", i.failure_demand as "FailureDemand", i.transfers::int as "Transfers",
      t.grading as "ThriveGrading", t.suggested_grading as "ThriveSuggestedGrading",
      coalesce(t.vulnerable, false) as "Vulnerable"
    from contact_items i
    left join lateral (select a.grading, a.suggested_grading, a.vulnerable from contact_thrive_assessments a
      where a.item_id = i.id order by a.assessed_at desc, a.seq desc limit 1) t on true`
}

/** Per day, channel, template and case type: the Power BI feed's daily counts (UJ-16). */
export function dailyCounts(): SQL {
  return sql`
    select concat_ws('|', f."SentDate", f."Channel", f."TemplateTitle", f."CaseType") as "Id",
      f."Force", f."SentDate" as "Date", f."Channel", f."TemplateTitle", f."CaseType",
      count(*)::int as "Sent",
      (count(*) filter (where f."Status" = 'delivered'))::int as "Delivered",
      (count(*) filter (where f."Status" in ('permanent-failure', 'temporary-failure', 'technical-failure')))::int
        as "Undelivered"
    from (${messageFacts()}) f
    where f."SentAt" is not null
    group by f."Force", f."SentDate", f."Channel", f."TemplateTitle", f."CaseType"`
}

const groupColumn = (grouping: Grouping) =>
  grouping === 'template' ? sql`coalesce(t.title, d.template_key, 'No template')` : sql`d.case_type`

/**
 * The period's London days, read from the daily counts (migration 1000): a report's period is
 * whole London days (ReportingService.parsePeriod), so the days from the one `from` falls in up
 * to the one `to` falls in hold exactly the messages whose time is in [from, to).
 */
const days = (period: Period) =>
  sql`d.day >= (${period.from.toISOString()}::timestamptz at time zone 'Europe/London')::date
    and d.day < (${period.to.toISOString()}::timestamptz at time zone 'Europe/London')::date`

/** A sum of the daily counts, 0 when no row matches. */
const total = (condition?: SQL) =>
  condition ? sql`(coalesce(sum(d.count) filter (where ${condition}), 0))::int` : sql`sum(d.count)::int`

export class ReportingRepository {
  /**
   * UJ-13..UJ-16: the Journeys report's four tables in one statement, from one read of the
   * period's daily counts (and its hourly counts): what was sent and what became of it per group
   * (`outcomes`), what never left with its reason (`notSent`), sending per London day and group
   * (`perDay`) and per London hour (`perHour`). Each table is ordered as the report shows it.
   */
  async messageCounts(
    tx: Tx,
    period: Period,
    grouping: Grouping,
  ): Promise<{
    outcomes: OutcomeCountRow[]
    notSent: NotSentRow[]
    perDay: DailyRow[]
    perHour: HourlyRow[]
  }> {
    const [row] = await rows<{
      outcomes: OutcomeCountRow[]
      notSent: NotSentRow[]
      perDay: DailyRow[]
      perHour: HourlyRow[]
    }>(
      tx,
      sql`with d as materialized (
          select ${groupColumn(grouping)} as grp, d.day, d.sent, d.channel, d.status, d.reason, d.count
          from message_daily_counts d left join message_templates t on t.id = d.template_id
          where ${days(period)}
        ),
        outcomes as (
          select d.grp as "group",
            ${total(sql`d.channel = 'sms'`)} as sms, ${total(sql`d.channel = 'email'`)} as email,
            ${total()} as sent, ${total(sql`d.status = 'delivered'`)} as delivered,
            ${total(sql`d.status in ('sent', 'sending')`)} as "awaitingReceipt",
            ${total(sql`d.status = 'permanent-failure'`)} as "permanentFailure",
            ${total(sql`d.status = 'temporary-failure'`)} as "temporaryFailure",
            ${total(sql`d.status = 'technical-failure'`)} as "technicalFailure"
          from d where d.sent group by 1 having sum(d.count) <> 0
        ),
        not_sent as (
          select d.grp as "group", d.status, coalesce(d.reason, 'No reason recorded') as reason, ${total()} as count
          from d where not d.sent group by 1, 2, 3 having sum(d.count) <> 0
        ),
        per_day as (
          select to_char(d.day, 'YYYY-MM-DD') as day, d.grp as "group",
            ${total(sql`d.channel = 'sms'`)} as sms, ${total(sql`d.channel = 'email'`)} as email, ${total()} as total
          from d where d.sent group by 1, 2 having sum(d.count) <> 0
        ),
        per_hour as (
          select d.hour::int as hour, ${total(sql`d.channel = 'sms'`)} as sms,
            ${total(sql`d.channel = 'email'`)} as email, ${total()} as total
          from message_hourly_counts d
          where ${days(period)}
          group by 1 having sum(d.count) <> 0
        )
        select
          (select coalesce(json_agg(o order by o."group"), '[]') from outcomes o) as outcomes,
          (select coalesce(json_agg(n order by n."group", n.status, n.count desc, n.reason), '[]') from not_sent n)
            as "notSent",
          (select coalesce(json_agg(p order by p.day, p."group"), '[]') from per_day p) as "perDay",
          (select coalesce(json_agg(h order by h.hour), '[]') from per_hour h) as "perHour"`,
    )
    const parse = <T>(value: T[] | string): T[] => (typeof value === 'string' ? JSON.parse(value) : value)
    return {
      outcomes: parse(row!.outcomes),
      notSent: parse(row!.notSent),
      perDay: parse(row!.perDay),
      perHour: parse(row!.perHour),
    }
  }

  /** UJ-14: each message's send date and time, for the CSV. */
  async *sentMessages(tx: Tx, period: Period, grouping: Grouping): AsyncIterable<SentMessageRow> {
    const group = grouping === 'template' ? sql`f."TemplateTitle"` : sql`f."CaseType"`
    yield* await rows<SentMessageRow>(
      tx,
      sql`select f."SentAt" as "sentAt", f."Channel" as channel, ${group} as "group", f."Status" as status
      from (${messageFacts()}) f
      where f."SentAt" >= ${period.from.toISOString()}::timestamptz and f."SentAt" < ${period.to.toISOString()}::timestamptz
      order by f."SentAt", f."Id"`,
    )
  }

  /** Rows of an OData entity set: `base` filtered, ordered and paged by the caller's clauses. */
  async entityRows(
    tx: Tx,
    base: SQL,
    query: { where: SQL[]; orderBy: SQL[]; limit: number; offset: number },
  ): Promise<Record<string, unknown>[]> {
    const where = query.where.length ? sql`where ${sql.join(query.where, sql` and `)}` : sql``
    const order = query.orderBy.length ? sql`order by ${sql.join(query.orderBy, sql`, `)}` : sql``
    return rows(
      tx,
      sql`select * from (${base}) e ${where} ${order} limit ${query.limit} offset ${query.offset}`,
    )
  }

  async entityCount(tx: Tx, base: SQL, where: SQL[]): Promise<number> {
    const clause = where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``
    const [row] = await rows<{ count: number }>(
      tx,
      sql`select count(*)::int as count from (${base}) e ${clause}`,
    )
    return row?.count ?? 0
  }

  /**
   * CP-65: victims whose first-contact deadline falls in the period, with the crime reference,
   * the victim's name and when a message of their journey actually reached the provider: the
   * deadline is met by a message handed over, not by one only scheduled, held back or failed.
   * Reads `enrolments` (with their index on force and deadline), `enrolment_steps`, `messages`,
   * `crimes` and `people` (decision 0007). With `page`, only those deadlines of the period's
   * order (deadline, reference, victim) are read in full.
   */
  async vcopDeadlines(
    tx: Tx,
    period: Period,
    page?: { limit: number; offset: number },
  ): Promise<VcopDeadlineRow[]> {
    await noJit(tx)
    // A page reads its deadlines from the journeys' deadline index (vcopPageSet); the whole
    // period, for the CSV, from the journeys themselves.
    const chosen = page
      ? vcopPageSet(period, page)
      : sql`select d.*, coalesce(c.crime_ref, d.case_id::text) as reference
          from (${vcopDeadlineSet(period)}) d left join crimes c on c.id = d.crime_id`
    const window = page ? sql`limit ${page.limit} offset ${page.offset}` : sql``
    const found = await rows<VcopDeadlineRow>(
      tx,
      sql`select coalesce(d.crime_id, d.case_id)::text as "caseId", d.person_id::text as "personId",
          d.reference, coalesce(p.display_name, 'Name not recorded') as "victimName",
          crime.case_type as "caseType", crime.category, d.due_at as "dueAt",
          contact.handed_at as "handedAt", contact.delivered_at as "deliveredAt",
          first.status as "firstStatus", first.reason as "firstReason", first.send_after as "firstSendAfter"
        from (
          -- The page is chosen before anything is read per deadline: its crime, victim and messages.
          select d.* from (${chosen}) d
          order by d.due_at, d.reference, d.person_id
          ${window}
        ) d
        cross join lateral (
          select coalesce(c.crime_type, 'Not recorded') as case_type, coalesce(c.vcop_category, 'standard') as category
          from (select 1) one left join crimes c on c.id = d.crime_id
        ) crime
        left join people p on p.id = d.person_id
        cross join lateral (
          select array_agg(x.id) as ids from enrolments x
          where x.id = any(d.ids) or x.merged_into = any(d.ids)
        ) journeys
        left join lateral (
          -- A receipt can land before dispatch records 'sent': then the receipt time is the first
          -- sign the provider had it.
          select min(coalesce(m.sent_at, m.completed_at)) as handed_at,
            min(m.completed_at) filter (where m.status = 'delivered') as delivered_at
          from enrolment_steps s join messages m on m.id = s.message_id
          where s.enrolment_id = any(journeys.ids) and m.status in ('sent', 'delivered') and not m.is_test
        ) contact on true
        left join lateral (
          select m.status, coalesce(m.status_reason, m.last_error) as reason, m.send_after
          from enrolment_steps s join messages m on m.id = s.message_id
          where s.enrolment_id = any(journeys.ids) and not m.is_test
          order by s.recorded_at, s.id limit 1
        ) first on true
        order by d.due_at, d.reference, d.person_id`,
    )
    const at = (v: unknown) =>
      v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v))
    return found.map((r) => ({
      ...r,
      dueAt: at(r.dueAt)!,
      handedAt: at(r.handedAt),
      deliveredAt: at(r.deliveredAt),
      firstSendAfter: at(r.firstSendAfter),
    }))
  }

  /**
   * CP-65 counts over every deadline in the period, in one pass: for each, whether a message of
   * its journeys was handed to the provider by the deadline (met), and delivered by it; not met
   * is missed once the deadline is before `now`, due until then. The same outcome as
   * `vcopDeadlines` gives row by row, read from each journey's deadline and earliest hand-over
   * and delivery, its own and those of the journeys merged into it (`vcop_deadline_contacts`,
   * kept by triggers, migration 0982), in one read of their index by deadline: a deadline is met
   * exactly when the earliest hand-over of its journeys is at or before the earliest deadline.
   */
  async vcopCounts(tx: Tx, period: Period, now: Date): Promise<VcopCountRow> {
    await noJit(tx)
    const at = now.toISOString()
    const [row] = await rows<VcopCountRow>(
      tx,
      sql`with deadline as (
          select min(v.due_at) as due_at, min(v.handed_at) as handed_at, min(v.delivered_at) as delivered_at
          from vcop_deadline_contacts v
          where v.due_at >= ${period.from.toISOString()}::timestamptz and v.due_at < ${period.to.toISOString()}::timestamptz
          group by v.crime_id, v.person_id
        ),
        outcome as (
          select d.due_at, coalesce(d.handed_at <= d.due_at, false) as met,
            coalesce(d.delivered_at <= d.due_at, false) as delivered
          from deadline d
        )
        select count(*)::int as total, (count(*) filter (where met))::int as met,
          (count(*) filter (where met and delivered))::int as "deliveredInTime",
          (count(*) filter (where not met and due_at < ${at}::timestamptz))::int as missed,
          (count(*) filter (where not met and due_at >= ${at}::timestamptz))::int as due
        from outcome`,
    )
    return row!
  }

  async insertApiKey(
    tx: Tx,
    key: { forceId: string; name: string; keyPrefix: string; keyHash: string; createdBy: string | null },
  ): Promise<ApiKeyRow> {
    const [row] = await rows<ApiKeyRow>(
      tx,
      sql`insert into report_api_keys (force_id, name, key_prefix, key_hash, created_by)
        values (${key.forceId}, ${key.name}, ${key.keyPrefix}, ${key.keyHash}, ${key.createdBy}::uuid)
        returning ${apiKeyColumns}`,
    )
    return normaliseKey(row!)
  }

  async apiKeys(tx: Tx): Promise<ApiKeyRow[]> {
    const found = await rows<ApiKeyRow>(
      tx,
      sql`select ${apiKeyColumns} from report_api_keys order by revoked_at nulls first, created_at desc`,
    )
    return found.map(normaliseKey)
  }

  async revokeApiKey(tx: Tx, id: string, actorId: string | null, at: Date): Promise<ApiKeyRow | undefined> {
    const [row] = await rows<ApiKeyRow>(
      tx,
      sql`update report_api_keys set revoked_at = ${at.toISOString()}::timestamptz, revoked_by = ${actorId}::uuid
        where id = ${id}::uuid and revoked_at is null returning ${apiKeyColumns}`,
    )
    return row ? normaliseKey(row) : undefined
  }

  /** Finds a live key by its hash across forces (system role): the key says which force it is. */
  async useApiKey(tx: Tx, keyHash: string, at: Date): Promise<ApiKeyRow | undefined> {
    const [row] = await rows<ApiKeyRow>(
      tx,
      sql`update report_api_keys set last_used_at = ${at.toISOString()}::timestamptz
        where key_hash = ${keyHash} and revoked_at is null returning ${apiKeyColumns}`,
    )
    return row ? normaliseKey(row) : undefined
  }
}

const apiKeyColumns = sql.raw(
  `id::text as id, force_id as "forceId", name, key_prefix as "keyPrefix", created_at as "createdAt",
   last_used_at as "lastUsedAt", revoked_at as "revokedAt"`,
)

// node-postgres and PGlite both return timestamptz as Date; raw `returning` through Drizzle can
// hand back strings on one engine, so normalise.
function normaliseKey(row: ApiKeyRow): ApiKeyRow {
  const at = (v: unknown) =>
    v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v))
  return {
    ...row,
    createdAt: at(row.createdAt)!,
    lastUsedAt: at(row.lastUsedAt),
    revokedAt: at(row.revokedAt),
  }
}

/**
 * One deadline per victim per crime, however many of their journeys carry it (the incident's and
 * the crime's): the earliest. An enrolment merged into another is not a deadline of its own, but
 * a message it sent still reached the victim (`ids` are the deadline's own enrolments).
 */
function vcopDeadlineSet(period: Period): SQL {
  return sql`select e.crime_id, e.person_id, min(e.vcop_due_at) as due_at,
      (array_agg(e.case_id order by e.enrolled_at, e.id))[1] as case_id,
      array_agg(e.id) as ids
    from enrolments e
    where e.vcop_due_at >= ${period.from.toISOString()}::timestamptz
      and e.vcop_due_at < ${period.to.toISOString()}::timestamptz
      and e.merged_into is null
    group by e.crime_id, e.person_id`
}

/**
 * The deadlines of one page of the period in the report's order (deadline, reference, victim),
 * with their references, from the journeys' deadline index (`vcop_deadline_contacts`, migration
 * 0982): the same deadlines as `vcopDeadlineSet`, read from one index instead of the journeys.
 * Only the deadlines up to the page's last deadline are named (their crime's reference read one
 * by one), so the first pages do not read every crime of the period.
 */
function vcopPageSet(period: Period, page: { limit: number; offset: number }): SQL {
  return sql`with member as materialized (
      select v.crime_id, v.person_id, v.due_at, v.case_id, v.enrolled_at, v.enrolment_id
      from vcop_deadline_contacts v
      where v.due_at >= ${period.from.toISOString()}::timestamptz
        and v.due_at < ${period.to.toISOString()}::timestamptz
    ),
    deadline as (
      select m.crime_id, m.person_id, min(m.due_at) as due_at from member m group by m.crime_id, m.person_id
    ),
    -- The deadline of the page's last row: no row of the page comes after it.
    last_due as (
      select d.due_at from deadline d order by d.due_at offset ${page.offset + page.limit - 1} limit 1
    ),
    chosen as (
      select d.* from deadline d
      where not exists (select 1 from last_due) or d.due_at <= (select due_at from last_due)
    )
    select c.crime_id, c.person_id, c.due_at, j.case_id, j.ids,
      coalesce((select r.crime_ref from crimes r where r.id = c.crime_id), j.case_id::text) as reference
    from chosen c
    join (
      -- Their journeys: the case of the first one started names a deadline without a crime.
      select c.crime_id, c.person_id, (array_agg(m.case_id order by m.enrolled_at, m.enrolment_id))[1] as case_id,
        array_agg(m.enrolment_id) as ids
      from chosen c join member m on m.person_id = c.person_id
        and (m.crime_id = c.crime_id or (m.crime_id is null and c.crime_id is null))
      group by c.crime_id, c.person_id
    ) j on j.person_id = c.person_id and (j.crime_id = c.crime_id or (j.crime_id is null and c.crime_id is null))`
}

/**
 * PostgreSQL compiles a statement it estimates as costly with JIT; the deadline queries read
 * each deadline through indexes, and at a year's data compiling them took several times longer
 * than running them. Off for the rest of the transaction only.
 */
async function noJit(tx: Tx): Promise<void> {
  await tx.execute(sql`select set_config('jit', 'off', true)`)
}
