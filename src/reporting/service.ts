// Journeys reports (UJ-13, UJ-14, UJ-15, UJ-16), the Power BI feed and its API keys, and the
// Victims' Code timeliness report (CP-65). Rules only: periods, paging, key handling; the SQL is
// in the repository and every read is confined to one force by row-level security.
import { createHash, randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { ukZone as ZONE } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { type EntitySet, entityJson, entitySets, parseODataQuery } from './odata.ts'
import type {
  ApiKeyRow,
  DailyRow,
  Grouping,
  HourlyRow,
  NotSentRow,
  OutcomeCountRow,
  Period,
  ReportingRepository,
  SentMessageRow,
  VcopDeadlineRow,
} from './repository.ts'

export interface MessageReport {
  outcomes: OutcomeCountRow[]
  totals: Omit<OutcomeCountRow, 'group'>
  notSent: NotSentRow[]
  /** Messages held back (suppressed) with a reason, by the contact policy or by messaging. */
  heldBack: number
  perDay: DailyRow[]
  perHour: HourlyRow[]
}

/**
 * CP-65 outcome of a first-contact deadline. `met`: a message of the victim's journey was handed
 * to the provider (GOV.UK Notify, the mail server or the outbox) at or before the deadline.
 * `missed`: the deadline has passed without one; a message held back, failed, still waiting or
 * handed over late does not meet it. `due`: not met yet and the deadline is still ahead.
 */
export type VcopOutcome = 'met' | 'missed' | 'due'

export interface VcopReportRow {
  caseId: string
  personId: string
  reference: string
  victimName: string
  caseType: string
  category: string
  dueAt: Date
  /** When the first message was handed to the provider, if it has been. */
  handedAt: Date | null
  /** When the first delivered message was delivered, if the provider confirmed it. */
  deliveredAt: Date | null
  outcome: VcopOutcome
  /** Whether a message was delivered by the deadline (met and confirmed by the provider). */
  deliveredInTime: boolean
  /** What became of the first message, in words: "Held back: …", "Waiting to send until …". */
  firstContact: string
}

export interface VcopCounts {
  met: number
  deliveredInTime: number
  missed: number
  due: number
}

export interface DateParts {
  day?: string
  month?: string
  year?: string
}

export interface Actor {
  id: string | null
  name?: string | null
  ip?: string | null
  correlationId?: string | null
}

export interface ODataPage {
  value: Record<string, unknown>[]
  count?: number
  nextSkip?: number
}

export class ReportingService {
  readonly #db: Database
  readonly #repo: ReportingRepository
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #pageSize: number

  constructor(deps: {
    db: Database
    repo: ReportingRepository
    audit: AuditService
    clock: Clock
    odataPageSize: number
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#pageSize = deps.odataPageSize
  }

  /** The last 30 days up to today (London), the period a report shows when none is chosen. */
  defaultPeriod(): { from: DateParts; to: DateParts } {
    const today = DateTime.fromJSDate(this.#clock.now(), { zone: ZONE }).startOf('day')
    const parts = (d: DateTime) => ({ day: String(d.day), month: String(d.month), year: String(d.year) })
    return { from: parts(today.minus({ days: 29 })), to: parts(today) }
  }

  /**
   * Reads a period from GOV.UK date inputs (London days, both inclusive). Errors name the
   * field (`from-day`, `to-day`) so the error summary links to it.
   */
  parsePeriod(from: DateParts, to: DateParts): Period {
    const errors: { field: string; message: string }[] = []
    const read = (parts: DateParts, field: string, label: string) => {
      const [d, m, y] = [parts.day, parts.month, parts.year].map((v) => (v ?? '').trim())
      if (!d || !m || !y) {
        errors.push({ field, message: `Enter the ${label} date, including a day, month and year` })
        return undefined
      }
      const date =
        /^\d{1,2}$/.test(d) && /^\d{1,2}$/.test(m) && /^\d{4}$/.test(y)
          ? DateTime.fromObject({ day: Number(d), month: Number(m), year: Number(y) }, { zone: ZONE })
          : undefined
      if (!date?.isValid) {
        errors.push({ field, message: `The ${label} date must be a real date` })
        return undefined
      }
      return date
    }
    const start = read(from, 'from-day', 'start')
    const end = read(to, 'to-day', 'end')
    if (start && end && end < start)
      errors.push({ field: 'to-day', message: 'The end date must be the same as or after the start date' })
    if (errors.length || !start || !end) throw new ValidationError(errors)
    return { from: start.toJSDate(), to: end.plus({ days: 1 }).toJSDate() }
  }

  /** UJ-13 sent, UJ-14 when, UJ-15 delivered, UJ-16 undelivered: one force, one period. */
  async messageReport(forceId: string, period: Period, grouping: Grouping): Promise<MessageReport> {
    return this.#db.withForce(forceId, async (tx) => {
      const { outcomes, notSent, perDay, perHour } = await this.#repo.messageCounts(tx, period, grouping)
      const totals = {
        sms: 0,
        email: 0,
        sent: 0,
        delivered: 0,
        awaitingReceipt: 0,
        permanentFailure: 0,
        temporaryFailure: 0,
        technicalFailure: 0,
      }
      for (const row of outcomes)
        for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += row[k]
      const heldBack = notSent.filter((r) => r.status === 'suppressed').reduce((n, r) => n + r.count, 0)
      return { outcomes, totals, notSent, heldBack, perDay, perHour }
    })
  }

  /** UJ-14: each message's send time, for the CSV download. */
  async sentMessages(forceId: string, period: Period, grouping: Grouping): Promise<SentMessageRow[]> {
    return this.#db.withForce(forceId, async (tx) => {
      const found: SentMessageRow[] = []
      for await (const row of this.#repo.sentMessages(tx, period, grouping)) found.push(row)
      return found
    })
  }

  /** Records that someone took a report out of Waypoint (CSV) or viewed one that lists cases. */
  async recordReportAccess(
    action: 'report.exported' | 'report.viewed',
    forceId: string,
    report: string,
    period: Period,
    actor: Actor,
  ): Promise<void> {
    await this.#audit.record({
      action,
      forceId,
      actor: { kind: 'staff', id: actor.id, name: actor.name ?? null },
      recordType: 'report',
      recordId: report,
      detail: { from: period.from.toISOString(), to: period.to.toISOString() },
      ip: actor.ip ?? null,
      correlationId: actor.correlationId ?? null,
    })
  }

  /**
   * The period the Victims' Code report shows when none is chosen: the last 30 days and the next
   * 14, so deadlines still due (5 working days ahead, more over bank holidays) are included.
   */
  defaultVcopPeriod(): { from: DateParts; to: DateParts } {
    const today = DateTime.fromJSDate(this.#clock.now(), { zone: ZONE }).startOf('day')
    const parts = (d: DateTime) => ({ day: String(d.day), month: String(d.month), year: String(d.year) })
    return { from: parts(today.minus({ days: 29 })), to: parts(today.plus({ days: 14 })) }
  }

  /**
   * CP-65: victims with a Victims' Code deadline (5 working days, 1 for enhanced rights) in the
   * period, and whether a first contact was handed to the provider in time (see VcopOutcome).
   */
  async vcopReport(forceId: string, period: Period): Promise<VcopReportRow[]> {
    const found = await this.#db.withForce(forceId, (tx) => this.#repo.vcopDeadlines(tx, period))
    return this.#vcopRows(found)
  }

  /**
   * Victims' Code deadlines at risk, for the dashboard: victims whose first-contact deadline falls
   * in the next two days with no message handed over yet (`due`), and those whose deadline passed
   * in the last seven days without one (`missed`). Read by date from the deadlines' own index,
   * so the work is bounded by nine days of deadlines whatever the year's volume.
   */
  async vcopAtRisk(forceId: string): Promise<{ due: number; missed: number }> {
    const now = this.#clock.now()
    const period = {
      from: new Date(now.getTime() - 7 * 86_400_000),
      to: new Date(now.getTime() + 2 * 86_400_000),
    }
    const counts = await this.#db.withForce(forceId, (tx) => this.#repo.vcopCounts(tx, period, now))
    return { due: counts.due, missed: counts.missed }
  }

  /**
   * One page of the period's deadlines (`page` from 1, past the last page shows the last) and
   * the counts over the whole period, as one reading.
   */
  async vcopPage(
    forceId: string,
    period: Period,
    page: number,
    pageSize: number,
  ): Promise<{ rows: VcopReportRow[]; counts: VcopCounts; total: number; page: number }> {
    const now = this.#clock.now()
    return this.#db.withForce(forceId, async (tx) => {
      const { total, ...counts } = await this.#repo.vcopCounts(tx, period, now)
      const last = Math.max(1, Math.ceil(total / pageSize))
      const chosen = Math.min(Math.max(1, page), last)
      const found = await this.#repo.vcopDeadlines(tx, period, {
        limit: pageSize,
        offset: (chosen - 1) * pageSize,
      })
      return { rows: this.#vcopRows(found, now), counts, total, page: chosen }
    })
  }

  #vcopRows(found: VcopDeadlineRow[], now = this.#clock.now()): VcopReportRow[] {
    return found.map((r) => {
      const met = !!r.handedAt && r.handedAt <= r.dueAt
      return {
        caseId: r.caseId,
        personId: r.personId,
        reference: r.reference,
        victimName: r.victimName,
        caseType: r.caseType,
        category: r.category,
        dueAt: r.dueAt,
        handedAt: r.handedAt,
        deliveredAt: r.deliveredAt,
        outcome: met ? 'met' : r.dueAt < now ? 'missed' : 'due',
        deliveredInTime: met && !!r.deliveredAt && r.deliveredAt <= r.dueAt,
        firstContact: firstContactText(r),
      }
    })
  }

  entitySet(name: string): EntitySet {
    const set = entitySets.find((s) => s.name === name)
    if (!set) throw new NotFoundError(`The entity set ${name}`)
    return set
  }

  /** One page of an OData entity set for a force (UJ-16); `nextSkip` when more rows remain. */
  async odataPage(
    forceId: string,
    set: EntitySet,
    options: Record<string, string | undefined>,
  ): Promise<ODataPage> {
    const query = parseODataQuery(set, options)
    // Server-driven paging: never more than a page, whatever $top asks for.
    const wanted = query.top ?? Number.POSITIVE_INFINITY
    const limit = Math.min(wanted, this.#pageSize)
    return this.#db.withForce(forceId, async (tx) => {
      const found = await this.#repo.entityRows(tx, set.base(), {
        where: query.where,
        orderBy: query.orderBy,
        limit: limit + 1,
        offset: query.skip,
      })
      const more = found.length > limit && wanted > limit
      const page: ODataPage = { value: found.slice(0, limit).map((r) => entityJson(set, r, query.select)) }
      if (query.count) page.count = await this.#repo.entityCount(tx, set.base(), query.where)
      if (more) page.nextSkip = query.skip + limit
      return page
    })
  }

  /** Issues a Power BI key for a force; the key itself is shown once and only its hash kept. */
  async createApiKey(forceId: string, name: string, actor: Actor): Promise<{ key: string; row: ApiKeyRow }> {
    const trimmed = name.trim()
    if (!trimmed) throw new ValidationError([{ field: 'name', message: 'Enter a name for the key' }])
    if (trimmed.length > 100)
      throw new ValidationError([{ field: 'name', message: 'The name must be 100 characters or fewer' }])
    const key = `wpr_${randomBytes(32).toString('base64url')}`
    const row = await this.#db.withForce(forceId, async (tx) => {
      const created = await this.#repo.insertApiKey(tx, {
        forceId,
        name: trimmed,
        keyPrefix: key.slice(0, 10),
        keyHash: hashKey(key),
        createdBy: actor.id,
      })
      await this.#audit.record(
        {
          action: 'report-api-key.created',
          forceId,
          actor: { kind: 'staff', id: actor.id, name: actor.name ?? null },
          recordType: 'report-api-key',
          recordId: created.id,
          detail: { name: trimmed, keyPrefix: created.keyPrefix },
          ip: actor.ip ?? null,
          correlationId: actor.correlationId ?? null,
        },
        tx,
      )
      return created
    })
    return { key, row }
  }

  async apiKeys(forceId: string): Promise<ApiKeyRow[]> {
    return this.#db.withForce(forceId, (tx) => this.#repo.apiKeys(tx))
  }

  async revokeApiKey(forceId: string, id: string, actor: Actor): Promise<ApiKeyRow> {
    return this.#db.withForce(forceId, async (tx) => {
      const revoked = await this.#repo.revokeApiKey(tx, id, actor.id, this.#clock.now())
      if (!revoked) throw new NotFoundError('A live API key with that id')
      await this.#audit.record(
        {
          action: 'report-api-key.revoked',
          forceId,
          actor: { kind: 'staff', id: actor.id, name: actor.name ?? null },
          recordType: 'report-api-key',
          recordId: id,
          ip: actor.ip ?? null,
          correlationId: actor.correlationId ?? null,
        },
        tx,
      )
      return revoked
    })
  }

  /** The force a live key belongs to, or undefined for an unknown or revoked key. */
  async forceForApiKey(key: string): Promise<string | undefined> {
    if (!/^wpr_[A-Za-z0-9_-]{43}$/.test(key)) return undefined
    const row = await this.#db.asSystem((tx) => this.#repo.useApiKey(tx, hashKey(key), this.#clock.now()))
    return row?.forceId
  }
}

const statusWords: Record<string, string> = {
  scheduled: 'Waiting to send',
  sending: 'Being handed to the provider',
  sent: 'Handed to the provider',
  delivered: 'Delivered',
  suppressed: 'Held back, not sent',
  cancelled: 'Cancelled',
  'permanent-failure': 'Not delivered',
  'temporary-failure': 'Not delivered',
  'technical-failure': 'Not delivered',
}

function firstContactText(r: VcopDeadlineRow): string {
  if (!r.firstStatus) return 'No message written'
  const words = statusWords[r.firstStatus] ?? r.firstStatus
  if (r.firstStatus === 'scheduled' && r.firstSendAfter) {
    const at = DateTime.fromJSDate(r.firstSendAfter, { zone: ZONE }).toFormat('d LLLL yyyy, h:mma')
    return `${words} until ${at.replace(/AM$/, 'am').replace(/PM$/, 'pm')}`
  }
  return r.firstReason ? `${words}: ${r.firstReason}` : words
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}
