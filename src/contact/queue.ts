// The omnichannel queue: a message a person sends (a text, an email, later a web chat) makes their
// conversation a contact in the force's one queue, with a priority and the skill it needs; routing
// gives the most urgent, longest-waiting contact to the least-loaded ready handler with that skill,
// up to their capacity. Handlers set their state (ready, not ready with a reason), claim contacts
// by hand, transfer them to a colleague or back to the queue with a note, end them (wrap-up) and
// record an outcome. Every change is audited and pushed to the live queue page.
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import type { PushService } from '../platform/push/push-service.ts'
import {
  type AgentRow,
  type AgentState,
  type ItemEventRow,
  type ItemRow,
  type NotReadyReason,
  notReadyReasons,
  type QueueRepository,
  type Skill,
  skills,
  type ThriveRow,
} from './queue-repository.ts'

/** The live queue's push topic (no key: the force's whole queue). */
export const queueTopic = 'contact-queue'

export const priorityNames: Record<number, string> = { 1: 'Urgent', 2: 'High', 3: 'Normal', 4: 'Low' }

export const reasonNames: Record<NotReadyReason, string> = {
  break: 'Break',
  lunch: 'Lunch',
  training: 'Training',
  meeting: 'Meeting',
  admin: 'Admin work',
  coaching: 'Coaching',
}

export const skillNames: Record<Skill, string> = {
  sms: 'Text messages',
  email: 'Email',
  chat: 'Web chat',
  portal: 'Portal messages',
  phone: 'Phone calls and call-backs',
  vulnerability: 'Vulnerable callers',
}

/**
 * What a contact ended with. Failure demand is contact the force caused by not doing something,
 * or not doing it right, first time: chasing an update above all (CRM-13).
 */
export const outcomes = [
  { code: 'update-request', text: 'Asked for an update on their case', failureDemand: true },
  { code: 'repeat-contact', text: 'Contacted again about something not yet resolved', failureDemand: true },
  { code: 'information-given', text: 'Information or advice given', failureDemand: false },
  { code: 'crime-reported', text: 'Crime reported', failureDemand: false },
  { code: 'incident-raised', text: 'Incident raised on CAD', failureDemand: false },
  { code: 'referred', text: 'Referred to another team or agency', failureDemand: false },
  { code: 'no-action', text: 'No action needed', failureDemand: false },
] as const
export type OutcomeCode = (typeof outcomes)[number]['code']

export interface Acting {
  actor: AuditEvent['actor']
  ip?: string | null
  correlationId?: string | null
  staffId: string
  name: string
}

/** Audits, in `tx`, what a member of the force's staff did to one record. */
export function auditActing(
  audit: AuditService,
  tx: Tx,
  forceId: string,
  acting: Acting,
  event: { action: string; recordType: string; recordId: string; detail?: Record<string, unknown> },
): Promise<unknown> {
  return audit.record(
    {
      action: event.action,
      forceId,
      actor: acting.actor,
      ip: acting.ip ?? null,
      correlationId: acting.correlationId ?? null,
      recordType: event.recordType,
      recordId: event.recordId,
      detail: event.detail ?? {},
    },
    tx,
  )
}

export interface QueueBoard {
  me: AgentRow
  agents: AgentRow[]
  waiting: ItemRow[]
  working: ItemRow[]
  mine: ItemRow[]
  /** Seconds the handler has been not ready today, by reason. */
  notReadyToday: { reason: string; seconds: number }[]
  /**
   * The duty roster now (CRM-35): when each rostered handler's shift ends, and the ready handlers
   * not on it (only when a roster covers now).
   */
  roster: { covered: boolean; until: Record<string, Date>; readyOffRoster: AgentRow[] }
}

/** Who the force's duty roster has on a shift at an instant (decision 0040). */
export type OnDuty = (tx: Tx, at: Date) => Promise<{ staffId: string; endsAt: Date }[]>

const NOTE_MAX = 1000
export const CTI_AGENT_MAX = 100
const ctiAgentPattern = /^[A-Za-z0-9._@-]{1,100}$/

export class QueueService {
  readonly #db: Database
  readonly #repo: QueueRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #push: PushService | undefined
  readonly #onDuty: OnDuty | undefined

  constructor(deps: {
    db: Database
    repo: QueueRepository
    clock: Clock
    audit: AuditService
    push?: PushService
    /** The duty roster: routing prefers handlers on a shift now. */
    onDuty?: OnDuty
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#push = deps.push
    this.#onDuty = deps.onDuty
  }

  /** The staff on a rostered shift now; empty when no roster covers now. */
  async #rostered(tx: Tx, at: Date): Promise<Map<string, Date>> {
    if (!this.#onDuty) return new Map()
    return new Map((await this.#onDuty(tx, at)).map((s) => [s.staffId, s.endsAt]))
  }

  async #changed(tx: Tx, forceId: string, itemId?: string): Promise<void> {
    await this.#push?.publish(
      { forceId, topic: queueTopic, ...(itemId ? { ids: { item: itemId } } : {}) },
      tx,
    )
  }

  async #record(
    tx: Tx,
    forceId: string,
    acting: Acting | 'system',
    action: string,
    itemId: string,
    detail = {},
  ) {
    await this.#audit.record(
      {
        action,
        forceId,
        ...(acting === 'system'
          ? { actor: { kind: 'system', name: 'Contact routing' } }
          : { actor: acting.actor, ip: acting.ip ?? null, correlationId: acting.correlationId ?? null }),
        recordType: 'contact',
        recordId: itemId,
        detail,
      },
      tx,
    )
  }

  /**
   * A person's message arrived (conversations' listener, in its transaction): their conversation
   * joins the queue unless it is already there. A person with a vulnerability, domestic abuse or
   * safeguarding marker is urgent and needs the vulnerability skill; otherwise the channel's.
   */
  async enqueue(
    tx: Tx,
    event: {
      forceId: string
      conversationId: string
      personId: string | null
      channel: string
      /** A priority and skill chosen before the queue (a chatbot's, by intent or danger). */
      priority?: number
      skill?: Skill
    },
  ): Promise<string | undefined> {
    if (await this.#repo.openItemOf(tx, event.conversationId)) return undefined
    const markers = event.personId ? await this.#repo.urgentMarkers(tx, event.personId) : []
    const skill: Skill =
      markers.length > 0 ? 'vulnerability' : (event.skill ?? skills.find((s) => s === event.channel) ?? 'sms')
    const now = this.#clock.now()
    const id = await this.#repo.insertItem(tx, {
      forceId: event.forceId,
      conversationId: event.conversationId,
      personId: event.personId,
      channel: event.channel,
      priority: markers.length > 0 ? 1 : (event.priority ?? 3),
      skill,
      at: now,
    })
    await this.#repo.addEvent(tx, { forceId: event.forceId, itemId: id, kind: 'queued', skill, at: now })
    await this.#record(tx, event.forceId, 'system', 'contact.queued', id, {
      skill,
      markers,
      ...(event.priority ? { priority: event.priority } : {}),
    })
    await this.#route(tx, event.forceId)
    await this.#changed(tx, event.forceId, id)
    return id
  }

  /**
   * Gives waiting contacts to ready handlers: each contact in turn (most urgent, then longest
   * waiting) to the ready handler with its skill and room under their capacity who has the fewest
   * contacts, and of those the one ready longest. When the duty roster has handlers on a shift
   * now, a ready handler on it comes before one off it; one off it still takes what no rostered
   * handler can, so nothing waits for the roster (decision 0040). A contact a handler has just put
   * back in the queue is not given back to them (`putBack`). Returns how many were given.
   */
  async #route(tx: Tx, forceId: string, putBack?: { itemId: string; staffId: string }): Promise<number> {
    await this.#repo.lockRouting(tx, forceId)
    const ready = (await this.#repo.agents(tx)).filter((a) => a.state === 'ready')
    if (ready.length === 0) return 0
    let given = 0
    const now = this.#clock.now()
    const rostered = await this.#rostered(tx, now)
    const off = (a: AgentRow) => (rostered.size > 0 && !rostered.has(a.staffId) ? 1 : 0)
    for (const item of await this.#repo.waiting(tx, 200)) {
      const agent = ready
        .filter(
          (a) =>
            a.skills.includes(item.skill) &&
            a.load < a.capacity &&
            !(putBack?.itemId === item.id && putBack.staffId === a.staffId),
        )
        .sort(
          (a, b) => off(a) - off(b) || a.load - b.load || a.stateSince.getTime() - b.stateSince.getTime(),
        )[0]
      if (!agent) continue
      if (
        !(await this.#repo.move(tx, item.id, ['waiting'], {
          status: 'assigned',
          assignedTo: agent.staffId,
          at: now,
        }))
      )
        continue
      agent.load += 1
      given += 1
      await this.#repo.addEvent(tx, {
        forceId,
        itemId: item.id,
        kind: 'assigned',
        to: agent.staffId,
        at: now,
      })
      await this.#record(tx, forceId, 'system', 'contact.assigned', item.id, {
        to: agent.staffId,
        ...(off(agent) ? { offRoster: true } : {}),
      })
      await this.#changed(tx, forceId, item.id)
    }
    return given
  }

  /** Routes what waits now (after a change elsewhere: a restart, a capacity raised). */
  route(forceId: string): Promise<number> {
    return this.#db.withForce(forceId, (tx) => this.#route(tx, forceId))
  }

  /** The live queue as one handler sees it (they become an agent, offline, when first here). */
  async board(
    forceId: string,
    acting: Acting,
    audit: (tx: Tx, people: string[]) => Promise<unknown>,
  ): Promise<QueueBoard> {
    return this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      await this.#repo.ensureAgent(tx, forceId, acting.staffId, acting.name, now)
      const agents = await this.#repo.agents(tx)
      const waiting = await this.#repo.waiting(tx, 100)
      const working = await this.#repo.working(tx)
      const midnight = new Date(now)
      midnight.setUTCHours(0, 0, 0, 0)
      const notReadyToday = (await this.#repo.stateTime(tx, midnight, now))
        .filter((s) => s.staffId === acting.staffId && s.state === 'not_ready')
        .map((s) => ({
          reason: reasonNames[s.reason as NotReadyReason] ?? s.reason ?? '',
          seconds: s.seconds,
        }))
      await audit(tx, [...new Set([...waiting, ...working].flatMap((i) => (i.personId ? [i.personId] : [])))])
      const rostered = await this.#rostered(tx, now)
      return {
        roster: {
          covered: rostered.size > 0,
          until: Object.fromEntries(rostered),
          readyOffRoster:
            rostered.size > 0 ? agents.filter((a) => a.state === 'ready' && !rostered.has(a.staffId)) : [],
        },
        me: agents.find((a) => a.staffId === acting.staffId)!,
        agents,
        waiting,
        working,
        mine: working.filter((i) => i.assignedTo === acting.staffId),
        notReadyToday,
      }
    })
  }

  /** A handler's state: ready (routing gives them contacts), not ready with a reason, or offline. */
  async setState(
    forceId: string,
    input: { state?: string; reason?: string },
    acting: Acting,
  ): Promise<AgentState> {
    const state = input.state
    if (state !== 'ready' && state !== 'not_ready' && state !== 'offline')
      throw new ValidationError([{ field: 'state', message: 'Choose your state' }])
    const reason = state === 'not_ready' ? notReadyReasons.find((r) => r === input.reason) : undefined
    if (state === 'not_ready' && !reason)
      throw new ValidationError([{ field: 'reason', message: 'Choose why you are not ready' }])
    return this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      await this.#repo.ensureAgent(tx, forceId, acting.staffId, acting.name, now)
      await this.#repo.setState(tx, forceId, acting.staffId, state, reason ?? null, now)
      await this.#audit.record(
        {
          action: 'contact.agent-state-changed',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact-agent',
          recordId: acting.staffId,
          detail: { state, reason: reason ?? null },
        },
        tx,
      )
      if (state === 'ready') await this.#route(tx, forceId)
      await this.#changed(tx, forceId)
      return state
    })
  }

  /** The force's handlers, their state, skills and load. */
  agents(forceId: string): Promise<AgentRow[]> {
    return this.#db.withForce(forceId, (tx) => this.#repo.agents(tx))
  }

  /**
   * A supervisor sets a handler's skills, how many contacts they take at once and the telephony
   * platform's agent login or extension for them (so a call they answer becomes their contact).
   */
  async setSkills(
    forceId: string,
    staffId: string,
    input: { skills?: string[]; capacity?: string; ctiAgent?: string },
    acting: Acting,
  ): Promise<void> {
    const chosen = skills.filter((s) => (input.skills ?? []).includes(s))
    const capacity = Number(input.capacity)
    const ctiAgent = (input.ctiAgent ?? '').trim() || null
    const errors = []
    if (chosen.length === 0) errors.push({ field: 'skills', message: 'Choose at least one skill' })
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 20)
      errors.push({ field: 'capacity', message: 'Enter how many contacts at once, from 1 to 20' })
    if (ctiAgent && !ctiAgentPattern.test(ctiAgent))
      errors.push({
        field: 'ctiAgent',
        message: `Telephony agent ID must be ${CTI_AGENT_MAX} characters or fewer: letters, numbers, dots, dashes, underscores or @`,
      })
    if (errors.length) throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      const holder = ctiAgent ? await this.#repo.agentByCti(tx, ctiAgent) : undefined
      if (holder && holder.staffId !== staffId)
        throw new ValidationError([
          { field: 'ctiAgent', message: `${holder.displayName} already has telephony agent ID ${ctiAgent}` },
        ])
      if (!(await this.#repo.setSkills(tx, staffId, chosen, capacity, ctiAgent)))
        throw new NotFoundError('The handler')
      await this.#audit.record(
        {
          action: 'contact.agent-skills-changed',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact-agent',
          recordId: staffId,
          detail: { skills: chosen, capacity, ctiAgent },
        },
        tx,
      )
      await this.#route(tx, forceId)
      await this.#changed(tx, forceId)
    })
  }

  /**
   * Makes a member of staff a handler (offline) if they are not one yet, and gives them a
   * telephony agent ID if they have none and nobody else holds it (the demo's seeding: the
   * telephony simulator answers calls on it). Returns whether the ID was given.
   */
  async enrolWithCtiAgent(
    forceId: string,
    handler: { staffId: string; name: string },
    ctiAgent: string,
    actor: AuditEvent['actor'],
  ): Promise<boolean> {
    return this.#db.withForce(forceId, async (tx) => {
      await this.#repo.ensureAgent(tx, forceId, handler.staffId, handler.name, this.#clock.now())
      const agent = await this.#repo.agent(tx, handler.staffId)
      if (!agent || agent.ctiAgent || (await this.#repo.agentByCti(tx, ctiAgent))) return false
      await this.#repo.setSkills(tx, handler.staffId, agent.skills, agent.capacity, ctiAgent)
      await this.#audit.record(
        {
          action: 'contact.agent-skills-changed',
          forceId,
          actor,
          recordType: 'contact-agent',
          recordId: handler.staffId,
          detail: { skills: agent.skills, capacity: agent.capacity, ctiAgent },
        },
        tx,
      )
      return true
    })
  }

  /** One contact, with what happened to it and who it could go to. */
  async contact(
    forceId: string,
    itemId: string,
    audit: (tx: Tx, item: ItemRow) => Promise<unknown>,
  ): Promise<{ item: ItemRow; events: ItemEventRow[]; agents: AgentRow[]; assessments: ThriveRow[] }> {
    return this.#db.withForce(forceId, async (tx) => {
      const item = await this.#repo.item(tx, itemId)
      if (!item) throw new NotFoundError('The contact')
      await audit(tx, item)
      return {
        item,
        events: await this.#repo.events(tx, itemId),
        agents: await this.#repo.agents(tx),
        assessments: await this.#repo.thrive(tx, itemId),
      }
    })
  }

  /** Takes a waiting contact by hand. */
  async claim(forceId: string, itemId: string, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      await this.#repo.ensureAgent(tx, forceId, acting.staffId, acting.name, now)
      if (!(await this.#repo.item(tx, itemId))) throw new NotFoundError('The contact')
      if (
        !(await this.#repo.move(tx, itemId, ['waiting'], {
          status: 'assigned',
          assignedTo: acting.staffId,
          at: now,
        }))
      )
        throw new ValidationError([
          { field: 'claim', message: 'This contact is no longer waiting: someone has it' },
        ])
      await this.#repo.addEvent(tx, {
        forceId,
        itemId,
        kind: 'claimed',
        by: acting.staffId,
        to: acting.staffId,
        at: now,
      })
      await this.#record(tx, forceId, acting, 'contact.claimed', itemId)
      await this.#changed(tx, forceId, itemId)
    })
  }

  /**
   * Passes a contact the handler has to a colleague (who is not offline), or back to the queue for
   * a skill, with a note. Only the handler who has it may.
   */
  async transfer(
    forceId: string,
    itemId: string,
    input: { to?: string; skill?: string; note?: string },
    acting: Acting,
  ): Promise<void> {
    const note = (input.note ?? '').trim()
    if (note.length > NOTE_MAX)
      throw new ValidationError([{ field: 'note', message: `Note must be ${NOTE_MAX} characters or fewer` }])
    if (!note)
      throw new ValidationError([{ field: 'note', message: 'Enter a note for whoever takes the contact' }])
    await this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      const item = await this.#repo.item(tx, itemId)
      if (!item) throw new NotFoundError('The contact')
      if (item.status !== 'assigned' || item.assignedTo !== acting.staffId)
        throw new ValidationError([
          { field: 'to', message: 'Only the handler who has this contact may transfer it' },
        ])
      if (input.to === 'queue') {
        const skill = skills.find((s) => s === input.skill) ?? item.skill
        await this.#repo.move(tx, itemId, ['assigned'], {
          status: 'waiting',
          assignedTo: null,
          at: now,
          transfer: true,
          skill,
          fromAgent: acting.staffId,
        })
        await this.#repo.addEvent(tx, {
          forceId,
          itemId,
          kind: 'transferred',
          by: acting.staffId,
          skill,
          note,
          at: now,
        })
        await this.#record(tx, forceId, acting, 'contact.transferred', itemId, { to: 'queue', skill })
        await this.#route(tx, forceId, { itemId, staffId: acting.staffId })
      } else {
        const to = input.to ? await this.#repo.agent(tx, input.to) : undefined
        if (!to || to.staffId === acting.staffId || to.state === 'offline')
          throw new ValidationError([
            { field: 'to', message: 'Choose a colleague who is not offline, or the queue' },
          ])
        await this.#repo.move(tx, itemId, ['assigned'], {
          status: 'assigned',
          assignedTo: to.staffId,
          at: now,
          transfer: true,
          fromAgent: acting.staffId,
        })
        await this.#repo.addEvent(tx, {
          forceId,
          itemId,
          kind: 'transferred',
          by: acting.staffId,
          to: to.staffId,
          note,
          at: now,
        })
        await this.#record(tx, forceId, acting, 'contact.transferred', itemId, { to: to.staffId })
      }
      await this.#changed(tx, forceId, itemId)
    })
  }

  /** Ends the contact: the handler goes into wrap-up until they record its outcome. */
  async end(forceId: string, itemId: string, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      if (!(await this.#repo.item(tx, itemId))) throw new NotFoundError('The contact')
      if (
        !(await this.#repo.move(tx, itemId, ['assigned'], {
          status: 'wrap_up',
          at: now,
          fromAgent: acting.staffId,
        }))
      )
        throw new ValidationError([
          { field: 'end', message: 'Only the handler who has this contact may end it' },
        ])
      await this.#repo.setState(tx, forceId, acting.staffId, 'wrap_up', null, now)
      await this.#repo.addEvent(tx, { forceId, itemId, kind: 'ended', by: acting.staffId, at: now })
      await this.#record(tx, forceId, acting, 'contact.ended', itemId)
      await this.#changed(tx, forceId, itemId)
    })
  }

  /**
   * Records what the contact ended with (CRM-13's reason and outcome) and closes it; a handler in
   * wrap-up with nothing else to wrap up is ready again, and routing may give them the next one.
   */
  async recordOutcome(
    forceId: string,
    itemId: string,
    input: { outcome?: string; note?: string },
    acting: Acting,
  ): Promise<void> {
    const outcome = outcomes.find((o) => o.code === input.outcome)
    const note = (input.note ?? '').trim()
    const errors = []
    if (!outcome) errors.push({ field: 'outcome', message: 'Choose the outcome of the contact' })
    if (note.length > NOTE_MAX)
      errors.push({ field: 'note', message: `Note must be ${NOTE_MAX} characters or fewer` })
    if (errors.length || !outcome) throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      if (!(await this.#repo.item(tx, itemId))) throw new NotFoundError('The contact')
      const closed = await this.#repo.move(tx, itemId, ['assigned', 'wrap_up'], {
        status: 'closed',
        at: now,
        outcome: outcome.code,
        outcomeNote: note || null,
        failureDemand: outcome.failureDemand,
        fromAgent: acting.staffId,
      })
      if (!closed)
        throw new ValidationError([
          { field: 'outcome', message: 'Only the handler who has this contact may record its outcome' },
        ])
      await this.#repo.addEvent(tx, {
        forceId,
        itemId,
        kind: 'closed',
        by: acting.staffId,
        note: note || null,
        at: now,
      })
      await this.#record(tx, forceId, acting, 'contact.closed', itemId, {
        outcome: outcome.code,
        failureDemand: outcome.failureDemand,
      })
      const me = await this.#repo.agent(tx, acting.staffId)
      const stillWrapping = (await this.#repo.working(tx)).some(
        (i) => i.assignedTo === acting.staffId && i.status === 'wrap_up',
      )
      if (me?.state === 'wrap_up' && !stillWrapping) {
        await this.#repo.setState(tx, forceId, acting.staffId, 'ready', null, now)
        await this.#route(tx, forceId)
      }
      await this.#changed(tx, forceId, itemId)
    })
  }
}
