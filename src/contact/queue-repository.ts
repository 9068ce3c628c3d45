// The only code that touches the queue's tables: agents and their states, contacts and what
// happened to each.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

export const agentStates = ['ready', 'not_ready', 'wrap_up', 'offline'] as const
export type AgentState = (typeof agentStates)[number]
export const notReadyReasons = ['break', 'lunch', 'training', 'meeting', 'admin', 'coaching'] as const
export type NotReadyReason = (typeof notReadyReasons)[number]
export const skills = ['sms', 'email', 'chat', 'portal', 'phone', 'vulnerability'] as const
export type Skill = (typeof skills)[number]
/** A new handler's skills: every channel a person contacts the force on (migration 1250). */
export const defaultSkills: readonly Skill[] = ['sms', 'email', 'chat', 'phone']

export interface AgentRow {
  staffId: string
  displayName: string
  state: AgentState
  reason: NotReadyReason | null
  skills: Skill[]
  capacity: number
  stateSince: Date
  /** The telephony platform's agent login or extension for them, if a supervisor recorded it. */
  ctiAgent: string | null
  /** Contacts assigned to them or in wrap-up. */
  load: number
}

export interface ItemRow {
  id: string
  conversationId: string
  personId: string | null
  personName: string | null
  citizenAddress: string | null
  channel: string
  priority: number
  skill: Skill
  status: 'waiting' | 'assigned' | 'wrap_up' | 'closed'
  assignedTo: string | null
  assignedName: string | null
  enqueuedAt: Date
  assignedAt: Date | null
  wrapStartedAt: Date | null
  closedAt: Date | null
  outcome: string | null
  outcomeNote: string | null
  transfers: number
}

export interface ItemEventRow {
  kind: string
  byName: string | null
  toName: string | null
  skill: string | null
  note: string | null
  at: Date
}

const dates = <T extends object>(row: T): T => {
  const fields = row as Record<string, unknown>
  for (const key of Object.keys(fields))
    if ((key.endsWith('At') || key === 'stateSince') && typeof fields[key] === 'string')
      fields[key] = new Date(fields[key])
  return row
}

const textArray = (values: readonly string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`

const agentColumns = sql`a.staff_id as "staffId", a.display_name as "displayName", a.state, a.reason, a.skills,
  a.capacity, a.state_since as "stateSince", a.cti_agent as "ctiAgent",
  (select count(*)::int from contact_items i where i.force_id = a.force_id and i.assigned_to = a.staff_id
    and i.status in ('assigned', 'wrap_up')) as load`

const itemColumns = sql`i.id, i.conversation_id as "conversationId", i.person_id as "personId",
  p.display_name as "personName", c.citizen_address_key as "citizenAddress", i.channel, i.priority, i.skill,
  i.status, i.assigned_to as "assignedTo", a.display_name as "assignedName", i.enqueued_at as "enqueuedAt",
  i.assigned_at as "assignedAt", i.wrap_started_at as "wrapStartedAt", i.closed_at as "closedAt", i.outcome,
  i.outcome_note as "outcomeNote", i.transfers`
const itemFrom = sql`contact_items i join conversations c on c.id = i.conversation_id
  left join people p on p.id = i.person_id
  left join contact_agents a on a.force_id = i.force_id and a.staff_id = i.assigned_to`

export class QueueRepository {
  /** Serialises routing in one force: two processes never give one contact to two agents. */
  async lockRouting(tx: Tx, forceId: string): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('contact-routing'), hashtext(${forceId}))`)
  }

  async agent(tx: Tx, staffId: string): Promise<AgentRow | undefined> {
    const [row] = await rows<AgentRow>(
      tx,
      sql`select ${agentColumns} from contact_agents a where a.staff_id = ${staffId}`,
    )
    return row ? dates(row) : undefined
  }

  async agents(tx: Tx): Promise<AgentRow[]> {
    return (
      await rows<AgentRow>(
        tx,
        sql`select ${agentColumns} from contact_agents a order by a.display_name, a.staff_id`,
      )
    ).map(dates)
  }

  async ensureAgent(tx: Tx, forceId: string, staffId: string, displayName: string, at: Date): Promise<void> {
    await tx.execute(
      sql`insert into contact_agents (force_id, staff_id, display_name, state, skills, state_since)
          values (${forceId}, ${staffId}, ${displayName}, 'offline', ${textArray(defaultSkills)}, ${at})
          on conflict (force_id, staff_id) do update set display_name = excluded.display_name`,
    )
  }

  /** Moves an agent to a state, closing the spell of the state they were in. */
  async setState(
    tx: Tx,
    forceId: string,
    staffId: string,
    state: AgentState,
    reason: NotReadyReason | null,
    at: Date,
  ): Promise<void> {
    await tx.execute(
      sql`update contact_agent_states set ended_at = ${at}
          where force_id = ${forceId} and staff_id = ${staffId} and ended_at is null`,
    )
    await tx.execute(
      sql`update contact_agents set state = ${state}, reason = ${reason}, state_since = ${at}
          where force_id = ${forceId} and staff_id = ${staffId}`,
    )
    await tx.execute(
      sql`insert into contact_agent_states (force_id, staff_id, state, reason, started_at)
          values (${forceId}, ${staffId}, ${state}, ${reason}, ${at})`,
    )
  }

  async setSkills(
    tx: Tx,
    staffId: string,
    chosen: readonly Skill[],
    capacity: number,
    ctiAgent: string | null,
  ): Promise<boolean> {
    const done = await rows<{ staffId: string }>(
      tx,
      sql`update contact_agents set skills = ${textArray(chosen)}, capacity = ${capacity}, cti_agent = ${ctiAgent}
          where staff_id = ${staffId} returning staff_id as "staffId"`,
    )
    return done.length === 1
  }

  /** The handler the telephony platform knows by this agent login or extension (any case). */
  async agentByCti(tx: Tx, ctiAgent: string): Promise<AgentRow | undefined> {
    const [row] = await rows<AgentRow>(
      tx,
      sql`select ${agentColumns} from contact_agents a where lower(a.cti_agent) = lower(${ctiAgent})`,
    )
    return row ? dates(row) : undefined
  }

  /** Seconds each agent spent in each state since `from` (an open spell counts up to `to`). */
  async stateTime(
    tx: Tx,
    from: Date,
    to: Date,
  ): Promise<{ staffId: string; state: AgentState; reason: string | null; seconds: number }[]> {
    return rows(
      tx,
      sql`select staff_id as "staffId", state, reason,
            sum(extract(epoch from (least(coalesce(ended_at, ${to}), ${to}::timestamptz)
              - greatest(started_at, ${from}::timestamptz))))::int as seconds
          from contact_agent_states
          where started_at < ${to} and coalesce(ended_at, ${to}) > ${from}
          group by staff_id, state, reason order by staff_id, state, reason`,
    )
  }

  async openItemOf(tx: Tx, conversationId: string): Promise<{ id: string } | undefined> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`select id from contact_items where conversation_id = ${conversationId} and status <> 'closed'`,
    )
    return row
  }

  async insertItem(
    tx: Tx,
    item: {
      forceId: string
      conversationId: string
      personId: string | null
      channel: string
      priority: number
      skill: Skill
      at: Date
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_items (force_id, conversation_id, person_id, channel, priority, skill, enqueued_at)
          values (${item.forceId}, ${item.conversationId}, ${item.personId}, ${item.channel}, ${item.priority},
            ${item.skill}, ${item.at})
          returning id`,
    )
    return row!.id
  }

  async item(tx: Tx, id: string): Promise<ItemRow | undefined> {
    const [row] = await rows<ItemRow>(tx, sql`select ${itemColumns} from ${itemFrom} where i.id = ${id}`)
    return row ? dates(row) : undefined
  }

  /** Waiting contacts in routing order: most urgent first, then longest waiting. */
  async waiting(tx: Tx, limit: number): Promise<ItemRow[]> {
    return (
      await rows<ItemRow>(
        tx,
        sql`select ${itemColumns} from ${itemFrom} where i.status = 'waiting'
            order by i.priority, i.enqueued_at, i.id limit ${limit}`,
      )
    ).map(dates)
  }

  /** Contacts being worked (assigned or in wrap-up), by agent then age. */
  async working(tx: Tx): Promise<ItemRow[]> {
    return (
      await rows<ItemRow>(
        tx,
        sql`select ${itemColumns} from ${itemFrom} where i.status in ('assigned', 'wrap_up')
            order by i.assigned_to, i.assigned_at`,
      )
    ).map(dates)
  }

  async waitingCount(tx: Tx): Promise<number> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from contact_items where status = 'waiting'`,
    )
    return row?.n ?? 0
  }

  /** Moves a contact from one status to another, only if it is still in `from` (no lost updates). */
  async move(
    tx: Tx,
    id: string,
    from: readonly ItemRow['status'][],
    to: {
      status: ItemRow['status']
      assignedTo?: string | null
      at: Date
      outcome?: string
      outcomeNote?: string | null
      failureDemand?: boolean
      transfer?: boolean
      skill?: Skill
      fromAgent?: string
    },
  ): Promise<boolean> {
    const sets = [sql`status = ${to.status}`]
    // The contact is handled in its handler's team at the time (migration 1420), and in none while it waits.
    if (to.assignedTo !== undefined)
      sets.push(
        sql`assigned_to = ${to.assignedTo}, team_id = ${
          to.assignedTo
            ? sql`(select m.team_id from contact_team_members m where m.staff_id = ${to.assignedTo})`
            : null
        }`,
      )
    if (to.status === 'assigned') sets.push(sql`assigned_at = ${to.at}`)
    if (to.status === 'waiting') sets.push(sql`assigned_at = null`)
    if (to.status === 'wrap_up') sets.push(sql`wrap_started_at = ${to.at}`)
    if (to.status === 'closed')
      sets.push(
        sql`closed_at = ${to.at}, outcome = ${to.outcome ?? null}, outcome_note = ${to.outcomeNote ?? null},
          failure_demand = ${to.failureDemand ?? false}`,
      )
    if (to.transfer) sets.push(sql`transfers = transfers + 1`)
    if (to.skill) sets.push(sql`skill = ${to.skill}`)
    const done = await rows<{ id: string }>(
      tx,
      sql`update contact_items set ${sql.join(sets, sql`, `)}
          where id = ${id} and status in (${sql.join(
            from.map((s) => sql`${s}`),
            sql`, `,
          )}) ${to.fromAgent ? sql`and assigned_to = ${to.fromAgent}` : sql``}
          returning id`,
    )
    return done.length === 1
  }

  async addEvent(
    tx: Tx,
    e: {
      forceId: string
      itemId: string
      kind: 'queued' | 'assigned' | 'claimed' | 'transferred' | 'ended' | 'closed'
      by?: string | null
      to?: string | null
      skill?: string | null
      note?: string | null
      at: Date
    },
  ): Promise<void> {
    await tx.execute(
      sql`insert into contact_item_events (force_id, item_id, kind, by_staff_id, to_staff_id, skill, note, at)
          values (${e.forceId}, ${e.itemId}, ${e.kind}, ${e.by ?? null}, ${e.to ?? null}, ${e.skill ?? null},
            ${e.note ?? null}, ${e.at})`,
    )
  }

  async events(tx: Tx, itemId: string): Promise<ItemEventRow[]> {
    return (
      await rows<ItemEventRow>(
        tx,
        sql`select e.kind, b.display_name as "byName", t.display_name as "toName", e.skill, e.note, e.at
            from contact_item_events e
            left join contact_agents b on b.force_id = e.force_id and b.staff_id = e.by_staff_id
            left join contact_agents t on t.force_id = e.force_id and t.staff_id = e.to_staff_id
            where e.item_id = ${itemId} order by e.id`,
      )
    ).map(dates)
  }

  /** The markers that make a person's contact urgent and call for the vulnerability skill. */
  async urgentMarkers(tx: Tx, personId: string): Promise<string[]> {
    const found = await rows<{ kind: string }>(
      tx,
      sql`select kind from person_markers where person_id = ${personId} and removed_at is null
            and kind in ('vulnerability', 'domestic_abuse', 'safeguarding')`,
    )
    return found.map((m) => m.kind)
  }

  async insertThrive(
    tx: Tx,
    a: {
      forceId: string
      itemId: string
      ratings: Record<ThriveDimension, number>
      note: string | null
      suggested: Grading
      reasons: string[]
      grading: Grading
      vulnerable: boolean
      by: string
      at: Date
    },
  ): Promise<string> {
    const r = a.ratings
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into contact_thrive_assessments (force_id, item_id, threat, harm, risk, investigation, vulnerability,
            engagement, note, suggested_grading, reasons, grading, vulnerable, assessed_by, assessed_at)
          values (${a.forceId}, ${a.itemId}, ${r.threat}, ${r.harm}, ${r.risk}, ${r.investigation}, ${r.vulnerability},
            ${r.engagement}, ${a.note}, ${a.suggested}, ${sql`array[${sql.join(
              a.reasons.map((x) => sql`${x}`),
              sql`, `,
            )}]::text[]`}, ${a.grading}, ${a.vulnerable}, ${a.by}, ${a.at})
          returning id`,
    )
    return row!.id
  }

  async thrive(tx: Tx, itemId: string): Promise<ThriveRow[]> {
    return (
      await rows<ThriveRow>(
        tx,
        sql`select t.id, t.threat, t.harm, t.risk, t.investigation, t.vulnerability, t.engagement, t.note,
              t.suggested_grading as "suggested", t.reasons, t.grading, t.vulnerable, a.display_name as "byName",
              t.assessed_at as "assessedAt"
            from contact_thrive_assessments t
            left join contact_agents a on a.force_id = t.force_id and a.staff_id = t.assessed_by
            where t.item_id = ${itemId} order by t.assessed_at desc, t.seq desc`,
      )
    ).map(dates)
  }

  /** A vulnerable caller's contact is urgent and, back in the queue, goes to those with the skill. */
  /** A waiting contact's priority and skill, set by a decision before a handler has it (CRM-6). */
  async setPriority(tx: Tx, itemId: string, priority: number, skill: Skill): Promise<void> {
    await tx.execute(
      sql`update contact_items set priority = ${priority}, skill = ${skill} where id = ${itemId}`,
    )
  }

  async flagVulnerable(tx: Tx, itemId: string): Promise<void> {
    await tx.execute(sql`update contact_items set priority = 1, skill = 'vulnerability' where id = ${itemId}`)
  }
}

export const thriveDimensions = [
  'threat',
  'harm',
  'risk',
  'investigation',
  'vulnerability',
  'engagement',
] as const
export type ThriveDimension = (typeof thriveDimensions)[number]
export const gradings = ['Immediate', 'Prompt', 'Scheduled', 'Appointment', 'No Response'] as const
export type Grading = (typeof gradings)[number]

export interface ThriveRow extends Record<ThriveDimension, number> {
  id: string
  note: string | null
  suggested: Grading
  reasons: string[]
  grading: Grading
  vulnerable: boolean
  byName: string | null
  assessedAt: Date
}
