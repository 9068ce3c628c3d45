// Contact's standard reports (CRM-26, CRM-30): for a period of whole UK days ending today, the
// contacts that arrived by channel and hour; per channel how many reached a handler, how long
// they waited and how many within the target for their priority; calls the caller gave up on
// (abandonment); handling time and outcomes of the contacts closed; and the time handlers were
// not ready, by reason; and the tags scripts put on contacts. Every read is bounded by the period on an index (migrations 1230, 1233).
import { type SQL, sql } from 'drizzle-orm'
import { DateTime } from 'luxon'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows } from '../platform/db/database.ts'
import { outcomes } from './queue.ts'
import { handledIn } from './teams.ts'
import { answerTargets, wallboardChannels } from './wallboard.ts'

export const periodChoices = [1, 7, 28, 91, 365] as const

export interface Period {
  days: number
  from: Date
  to: Date
}

export interface ChannelFigures {
  channel: string
  arrived: number
  answered: number
  averageWaitSeconds: number | null
  answeredInTarget: number
  outsideTarget: number
  closed: number
  averageHandlingSeconds: number | null
}

export interface StandardReports {
  period: Period
  volumes: { hour: number; counts: Record<string, number>; total: number }[]
  channels: ChannelFigures[]
  calls: { offered: number; abandoned: number }
  outcomes: { code: string; text: string; failureDemand: boolean; count: number }[]
  notReady: { reason: string; seconds: number }[]
  /** Tags scripts' answers put on contacts in the period (CRM-19), most used first. */
  tags: { tag: string; count: number }[]
}

const targetOf = sql.raw(
  `(case a.priority ${Object.entries(answerTargets)
    .map(([p, s]) => `when ${Number(p)} then ${Number(s)}`)
    .join(' ')} end)`,
)

/** Contacts that arrived in the period, each with when it first reached a handler. */
export function arrivedIn(period: { from: Date; to: Date }, teamId?: string | null): SQL {
  return sql`select i.channel, i.priority, i.enqueued_at, f.answered_at from contact_items i
    left join lateral (select min(e.at) as answered_at from contact_item_events e
      where e.item_id = i.id and e.kind in ('assigned', 'claimed')) f on true
    where i.enqueued_at >= ${period.from} and i.enqueued_at < ${period.to}
      and ${handledIn(sql`i.team_id`, teamId)}`
}

/** Contacts closed in the period, from the covering index of closed contacts. */
export function closedIn(period: { from: Date; to: Date }, teamId?: string | null): SQL {
  return sql`select i.channel, i.outcome, i.failure_demand, i.assigned_at, i.closed_at from contact_items i
    where i.status = 'closed' and i.closed_at >= ${period.from} and i.closed_at < ${period.to}
      and ${handledIn(sql`i.team_id`, teamId)}`
}

export class ContactMi {
  readonly #db: Database
  readonly #clock: Clock

  constructor(deps: { db: Database; clock: Clock }) {
    this.#db = deps.db
    this.#clock = deps.clock
  }

  /** The `days` whole UK days ending at the end of today. */
  period(days: number): Period {
    const today = DateTime.fromJSDate(this.#clock.now(), { zone: ukZone }).startOf('day')
    return {
      days,
      from: today.minus({ days: days - 1 }).toJSDate(),
      to: today.plus({ days: 1 }).toJSDate(),
    }
  }

  /**
   * The standard reports of the force, or of one team (decision 0047): then the contacts handled
   * in it (by the handler a contact is with, or last was, while in the team), its handlers' time
   * not ready while in it and the tags on its contacts. Calls offered and abandoned stay the
   * force's: an abandoned call reached nobody.
   */
  async standard(forceId: string, days: number, teamId?: string | null): Promise<StandardReports> {
    const period = this.period(days)
    const now = this.#clock.now()
    const until = new Date(Math.min(now.getTime(), period.to.getTime()))
    return this.#db.withForce(forceId, async (tx) => {
      const volumes = await rows<{ channel: string; hour: number; n: number }>(
        tx,
        sql`select i.channel, extract(hour from i.enqueued_at at time zone 'Europe/London')::int as hour,
              count(*)::int as n
            from contact_items i where i.enqueued_at >= ${period.from} and i.enqueued_at < ${period.to}
              and ${handledIn(sql`i.team_id`, teamId)}
            group by 1, 2`,
      )
      const arrived = await rows<{
        channel: string
        arrived: number
        answered: number
        wait: number | null
        met: number
        missed: number
      }>(
        tx,
        sql`select a.channel, count(*)::int as arrived, count(a.answered_at)::int as answered,
              avg(extract(epoch from (a.answered_at - a.enqueued_at)))::float8 as wait,
              count(*) filter (where a.answered_at - a.enqueued_at <= ${targetOf} * interval '1 second')::int as met,
              count(*) filter (where coalesce(a.answered_at, ${until}::timestamptz) - a.enqueued_at
                > ${targetOf} * interval '1 second')::int as missed
            from (${arrivedIn(period, teamId)}) a
            group by a.channel`,
      )
      const closed = await rows<{
        channel: string
        outcome: string
        failure: boolean
        n: number
        handling: number | null
      }>(
        tx,
        sql`select c.channel, c.outcome, c.failure_demand as failure, count(*)::int as n,
              sum(extract(epoch from (c.closed_at - c.assigned_at)))::float8 as handling
            from (${closedIn(period, teamId)}) c group by 1, 2, 3`,
      )
      const [calls] = await rows<{ offered: number; abandoned: number }>(
        tx,
        sql`select count(*)::int as offered, count(*) filter (where abandoned)::int as abandoned
            from contact_calls where offered_at >= ${period.from} and offered_at < ${period.to}`,
      )
      // With a team, each spell not ready counts for the part of it the handler was in the team.
      const notReady = await rows<{ reason: string; seconds: number }>(
        tx,
        sql`select coalesce(s.reason, 'unknown') as reason,
              sum(extract(epoch from (least(coalesce(s.ended_at, ${until}::timestamptz), ${until}::timestamptz,
                  coalesce(h.left_at, 'infinity'::timestamptz))
                - greatest(s.started_at, ${period.from}::timestamptz, h.joined_at))))::int as seconds
            from contact_agent_states s
            ${
              teamId
                ? sql`join contact_team_spells h on h.staff_id = s.staff_id and h.team_id = ${teamId}`
                : sql`cross join (select '-infinity'::timestamptz as joined_at, null::timestamptz as left_at) h`
            }
            where s.state = 'not_ready' and s.started_at < ${until} and coalesce(s.ended_at, ${until}::timestamptz) > ${period.from}
              and h.joined_at < least(coalesce(s.ended_at, ${until}::timestamptz), ${until}::timestamptz)
              and coalesce(h.left_at, 'infinity'::timestamptz) > greatest(s.started_at, ${period.from}::timestamptz)
            group by 1 order by 2 desc`,
      )
      const tags = await rows<{ tag: string; count: number }>(
        tx,
        sql`select tag, count(*)::int as count from contact_item_tags t
            where tagged_at >= ${period.from} and tagged_at < ${period.to}
              and ${teamId ? sql`exists (select 1 from contact_items i where i.id = t.item_id and ${handledIn(sql`i.team_id`, teamId)})` : sql`true`}
            group by tag order by count(*) desc, tag limit 100`,
      )
      const channels = wallboardChannels.map((channel): ChannelFigures => {
        const a = arrived.find((r) => r.channel === channel)
        const c = closed.filter((r) => r.channel === channel)
        const closedCount = c.reduce((n, r) => n + r.n, 0)
        const handling = c.reduce((n, r) => n + (r.handling ?? 0), 0)
        return {
          channel,
          arrived: a?.arrived ?? 0,
          answered: a?.answered ?? 0,
          averageWaitSeconds: a?.wait == null ? null : Math.round(a.wait),
          answeredInTarget: a?.met ?? 0,
          outsideTarget: a?.missed ?? 0,
          closed: closedCount,
          averageHandlingSeconds: closedCount ? Math.round(handling / closedCount) : null,
        }
      })
      return {
        period,
        volumes: Array.from({ length: 24 }, (_, hour) => {
          const counts = Object.fromEntries(
            wallboardChannels.map((ch) => [
              ch,
              volumes.find((v) => v.hour === hour && v.channel === ch)?.n ?? 0,
            ]),
          )
          return { hour, counts, total: Object.values(counts).reduce((n, v) => n + v, 0) }
        }),
        channels,
        calls: calls ?? { offered: 0, abandoned: 0 },
        outcomes: outcomes.map((o) => ({
          code: o.code,
          text: o.text,
          failureDemand: o.failureDemand,
          count: closed.filter((r) => r.outcome === o.code).reduce((n, r) => n + r.n, 0),
        })),
        notReady,
        tags,
      }
    })
  }
}
