// Outcomes and failure demand (CRM-13): each week, the contacts the force closed, how many were
// people chasing an update on their case and how many were failure demand of any kind, beside
// the journey messages the force sent that week. Update-chasing contacts are the baseline and the
// measure of the Journeys KPI (at least 50% fewer once victims are kept informed), so the two are
// read side by side. Weeks start on Monday, UK time. Contacts are read by the covering index of
// closed contacts (migration 1230) and messages from the counts kept per day (migration 1000), so
// a year costs about the same as a week.
import { type SQL, sql } from 'drizzle-orm'
import { DateTime } from 'luxon'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows } from '../platform/db/database.ts'

/** The outcome codes that are a person chasing an update (see `outcomes` in queue.ts). */
export const updateChasingOutcomes = ['update-request'] as const

export interface FailureDemandWeek {
  /** The Monday the week starts on, YYYY-MM-DD (UK). */
  weekStarting: string
  /** Contacts closed with an outcome that week. */
  contacts: number
  /** Of those, people chasing an update on their case. */
  updateRequests: number
  /** Of those, failure demand of any kind (update requests among them). */
  failureDemand: number
  /** Journey messages (text and email) that left Waypoint that week. */
  journeyMessagesSent: number
}

export const weekChoices = [4, 12, 26, 52] as const

/**
 * Per force and week, the contacts closed and the journey messages sent: the SQL behind the page,
 * the CSV and the OData set `FailureDemandWeeks`. `from`/`to` (UK dates, `to` exclusive) bound both
 * reads when given; the OData set reads every week the force has and is filtered after.
 */
export function failureDemandWeeks(bounds?: { from: string; to: string }): SQL {
  const updates = sql.join(
    updateChasingOutcomes.map((o) => sql`${o}`),
    sql`, `,
  )
  const contactBounds = bounds
    ? sql`and i.closed_at >= (${bounds.from}::date::timestamp at time zone 'Europe/London')
          and i.closed_at < (${bounds.to}::date::timestamp at time zone 'Europe/London')`
    : sql``
  const messageBounds = bounds ? sql`and h.day >= ${bounds.from}::date and h.day < ${bounds.to}::date` : sql``
  return sql`
    select to_char(w.week, 'YYYY-MM-DD') as "Id", w.force_id as "Force", to_char(w.week, 'YYYY-MM-DD') as "WeekStarting",
      coalesce(c.contacts, 0)::int as "Contacts", coalesce(c.updates, 0)::int as "UpdateRequests",
      coalesce(c.failure, 0)::int as "FailureDemand", coalesce(m.sent, 0)::int as "JourneyMessagesSent"
    from (
      select force_id, week from (
        select i.force_id, date_trunc('week', i.closed_at at time zone 'Europe/London')::date as week
        from contact_items i where i.status = 'closed' ${contactBounds}
        union
        select h.force_id, date_trunc('week', h.day)::date from message_hourly_counts h where h.count > 0 ${messageBounds}
      ) k group by force_id, week
    ) w
    left join (
      select i.force_id, date_trunc('week', i.closed_at at time zone 'Europe/London')::date as week,
        count(*) as contacts, count(*) filter (where i.outcome in (${updates})) as updates,
        count(*) filter (where i.failure_demand) as failure
      from contact_items i where i.status = 'closed' ${contactBounds}
      group by 1, 2
    ) c on c.force_id = w.force_id and c.week = w.week
    left join (
      select h.force_id, date_trunc('week', h.day)::date as week, sum(h.count) as sent
      from message_hourly_counts h where true ${messageBounds}
      group by 1, 2
    ) m on m.force_id = w.force_id and m.week = w.week`
}

export class OutcomesReport {
  readonly #db: Database
  readonly #clock: Clock

  constructor(deps: { db: Database; clock: Clock }) {
    this.#db = deps.db
    this.#clock = deps.clock
  }

  /** The Monday (UK) `weeks` weeks before this week's, and next Monday: the period shown. */
  period(weeks: number): { from: string; to: string } {
    const monday = DateTime.fromJSDate(this.#clock.now(), { zone: ukZone }).startOf('week')
    return {
      from: monday.minus({ weeks: weeks - 1 }).toISODate()!,
      to: monday.plus({ weeks: 1 }).toISODate()!,
    }
  }

  /** Every week of the period, oldest first, including weeks with nothing. */
  async weeks(forceId: string, weeks: number): Promise<FailureDemandWeek[]> {
    const period = this.period(weeks)
    const found = await this.#db.withForce(forceId, (tx) =>
      rows<{
        WeekStarting: string
        Contacts: number
        UpdateRequests: number
        FailureDemand: number
        JourneyMessagesSent: number
      }>(tx, failureDemandWeeks(period)),
    )
    const byWeek = new Map(found.map((r) => [r.WeekStarting, r]))
    const out: FailureDemandWeek[] = []
    for (
      let week = DateTime.fromISO(period.from, { zone: ukZone });
      week.toISODate()! < period.to;
      week = week.plus({ weeks: 1 })
    ) {
      const r = byWeek.get(week.toISODate()!)
      out.push({
        weekStarting: week.toISODate()!,
        contacts: r?.Contacts ?? 0,
        updateRequests: r?.UpdateRequests ?? 0,
        failureDemand: r?.FailureDemand ?? 0,
        journeyMessagesSent: r?.JourneyMessagesSent ?? 0,
      })
    }
    return out
  }
}
