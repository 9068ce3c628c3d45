// The wallboard (CRM-9): the force's live queue at a glance, for a screen on the wall of the
// contact centre and for external wallboards. What waits on each channel and for how long, how
// many handlers are in each state, and today's service level: the share of today's contacts a
// handler took within the target for their priority. Counts only: no person is named, so the
// figures are not personal data; the page and the feeds are still confined to one force.
import { sql } from 'drizzle-orm'
import { DateTime } from 'luxon'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows } from '../platform/db/database.ts'
import { contactChannels } from './channels.ts'
import type { OnDuty } from './queue.ts'
import { agentStates } from './queue-repository.ts'
import { handledIn, inTeam } from './teams.ts'

/** Seconds within which a contact of each priority should reach a handler (the service level). */
export const answerTargets: Record<number, number> = { 1: 5 * 60, 2: 15 * 60, 3: 60 * 60, 4: 4 * 60 * 60 }

/** Every channel of the queue (channels.ts), in the wallboard's and the MI's order. */
export const wallboardChannels = contactChannels

export interface Wallboard {
  /** When the figures were read. */
  at: string
  waiting: { total: number; longestWaitSeconds: number | null }
  channels: { channel: string; waiting: number; longestWaitSeconds: number | null }[]
  agents: Record<(typeof agentStates)[number], number>
  /** The duty roster now (CRM-35): rostered handlers, how many of them are signed in, and who is ready off it. */
  roster: { covered: boolean; rostered: number; signedIn: number; ready: number; readyOffRoster: number }
  today: {
    /** Contacts that arrived since midnight (UK time). */
    arrived: number
    /** Of those, reached a handler within the target for their priority. */
    answeredInTarget: number
    /** Reached a handler late, or still waiting past the target. */
    outsideTarget: number
    /** answeredInTarget as a whole-number share of those decided; null before any is. */
    serviceLevelPercent: number | null
    closed: number
    failureDemand: number
  }
}

/** The priority's answering target in seconds, as SQL, for a contact row aliased `i`. */
const targetOf = sql.raw(
  `(case i.priority ${Object.entries(answerTargets)
    .map(([p, s]) => `when ${Number(p)} then ${Number(s)}`)
    .join(' ')} end)`,
)

export class WallboardService {
  readonly #db: Database
  readonly #clock: Clock
  readonly #onDuty: OnDuty | undefined

  constructor(deps: { db: Database; clock: Clock; onDuty?: OnDuty }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#onDuty = deps.onDuty
  }

  /**
   * The force's figures now; with a team (decision 0047), its handlers' states and roster now, and
   * today's contacts handled in it (by a handler while in the team: migration 1420). What waits is
   * the force's: the queue is one for all teams.
   */
  snapshot(forceId: string, teamId?: string | null): Promise<Wallboard> {
    return this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      const midnight = DateTime.fromJSDate(now, { zone: ukZone }).startOf('day').toJSDate()
      const waiting = await rows<{ channel: string; n: number; oldest: string | Date }>(
        tx,
        sql`select channel, count(*)::int as n, min(enqueued_at) as oldest
            from contact_items where status = 'waiting' group by channel`,
      )
      const states = await rows<{ state: string; n: number }>(
        tx,
        sql`select state, count(*)::int as n from contact_agents where ${inTeam(sql`staff_id`, teamId)} group by state`,
      )
      const members = teamId
        ? new Set(
            (
              await rows<{ staffId: string }>(
                tx,
                sql`select staff_id as "staffId" from contact_team_members where team_id = ${teamId}`,
              )
            ).map((m) => m.staffId),
          )
        : null
      const onDuty = new Set(
        (this.#onDuty ? await this.#onDuty(tx, now) : [])
          .map((s) => s.staffId)
          .filter((id) => !members || members.has(id)),
      )
      const present = await rows<{ staffId: string; state: string }>(
        tx,
        sql`select staff_id as "staffId", state from contact_agents
            where state <> 'offline' and ${inTeam(sql`staff_id`, teamId)}`,
      )
      const [today] = await rows<{
        arrived: number
        met: number
        missed: number
        closed: number
        failure: number
      }>(
        tx,
        sql`select count(*)::int as arrived,
              count(*) filter (where f.answered_at is not null
                and f.answered_at - i.enqueued_at <= ${targetOf} * interval '1 second')::int as met,
              count(*) filter (where coalesce(f.answered_at, ${now}::timestamptz) - i.enqueued_at
                > ${targetOf} * interval '1 second')::int as missed,
              count(*) filter (where i.status = 'closed')::int as closed,
              count(*) filter (where i.failure_demand)::int as failure
            from contact_items i
            left join lateral (select min(e.at) as answered_at from contact_item_events e
              where e.item_id = i.id and e.kind in ('assigned', 'claimed')) f on true
            where i.force_id = ${forceId} and i.enqueued_at >= ${midnight} and i.enqueued_at <= ${now}
              and ${handledIn(sql`i.team_id`, teamId)}`,
      )
      const waitOf = (oldest: string | Date | undefined) =>
        oldest === undefined
          ? null
          : Math.max(0, Math.floor((now.getTime() - new Date(oldest).getTime()) / 1000))
      const channels = wallboardChannels.map((channel) => {
        const row = waiting.find((w) => w.channel === channel)
        return { channel, waiting: row?.n ?? 0, longestWaitSeconds: waitOf(row?.oldest) }
      })
      const longest = channels
        .map((c) => c.longestWaitSeconds)
        .filter((s): s is number => s !== null)
        .sort((a, b) => b - a)[0]
      const met = today?.met ?? 0
      const missed = today?.missed ?? 0
      return {
        at: now.toISOString(),
        waiting: { total: channels.reduce((n, c) => n + c.waiting, 0), longestWaitSeconds: longest ?? null },
        channels,
        agents: Object.fromEntries(
          agentStates.map((s) => [s, states.find((r) => r.state === s)?.n ?? 0]),
        ) as Wallboard['agents'],
        roster: {
          covered: onDuty.size > 0,
          rostered: onDuty.size,
          signedIn: present.filter((a) => onDuty.has(a.staffId)).length,
          ready: present.filter((a) => a.state === 'ready' && onDuty.has(a.staffId)).length,
          readyOffRoster:
            onDuty.size > 0 ? present.filter((a) => a.state === 'ready' && !onDuty.has(a.staffId)).length : 0,
        },
        today: {
          arrived: today?.arrived ?? 0,
          answeredInTarget: met,
          outsideTarget: missed,
          serviceLevelPercent: met + missed === 0 ? null : Math.round((100 * met) / (met + missed)),
          closed: today?.closed ?? 0,
          failureDemand: today?.failure ?? 0,
        },
      }
    })
  }
}

/** A wait as people read it on a wall: "4 min", "1 h 05 min", "under a minute". */
export function formatWait(seconds: number | null): string {
  if (seconds === null) return 'None waiting'
  if (seconds < 60) return 'under a minute'
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`
}
