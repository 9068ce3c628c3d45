// Telephony (CRM-6, CRM-8): the force's telephony platform (CTI) posts what happens to each call,
// and a call becomes a contact in the one queue. An offered call is a message on the channel
// `phone` in the caller's conversation (matched to a known person by the number, as a text's
// sender is), so the queue, the contact page and the single view take it as they take any other;
// its later events (answered, held, resumed, transferred, ended, further IVR choices) are kept
// in order on the call, each once by the platform's event id, and measure the wait, the hold and
// the handling time. A call the caller gave up on waiting stays in the queue as a call-back, and
// a handler can turn any contact into one: demand moves between channels.
import { createHash } from 'node:crypto'
import type { ConversationService } from '../messaging/conversations/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import type { PushService } from '../platform/push/push-service.ts'
import type { Acting, QueueService } from './queue.ts'
import { queueTopic } from './queue.ts'
import type { QueueRepository, Skill } from './queue-repository.ts'
import type {
  CallbackRow,
  CallEventRow,
  CallRow,
  IvrChoice,
  TelephonyRepository,
} from './telephony-repository.ts'

export const callEventTypes = [
  'call.offered',
  'call.ivr',
  'call.answered',
  'call.held',
  'call.resumed',
  'call.transferred',
  'call.ended',
] as const
export type CallEventType = (typeof callEventTypes)[number]

/** One event as the telephony platform sends it (the API's body). */
export interface CallEvent {
  eventId: string
  type: CallEventType
  callId: string
  occurredAt: string
  /** The caller's number (CLI); absent or null when withheld. */
  caller?: string | null
  /** The number the caller dialled (101, a direct line). */
  dialled?: string | null
  /** IVR menus the caller went through and what they chose. */
  ivr?: { menu: string; choice: string; label?: string | null }[]
  /** The platform's agent (login or extension) who answered, held or transferred it. */
  agent?: string | null
  /** Where a transfer went (a team, a queue, a number). */
  to?: string | null
}

export interface CallReceipt {
  status: 'applied' | 'duplicate'
  /** Waypoint's id for the call, and the contact it is. */
  call: string
  contact: string | null
}

/** A call's wait (offered to answered) and handling time (answered to ended), in seconds. */
export interface CallTimes {
  waitSeconds: number | null
  handlingSeconds: number | null
  holdSeconds: number
}

export function callTimes(call: CallRow, now: Date): CallTimes {
  const seconds = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000))
  const held = call.heldSeconds + (call.heldSince ? seconds(call.heldSince, call.endedAt ?? now) : 0)
  return {
    waitSeconds: call.answeredAt
      ? seconds(call.offeredAt, call.answeredAt)
      : call.endedAt
        ? null
        : seconds(call.offeredAt, now),
    handlingSeconds: call.answeredAt ? seconds(call.answeredAt, call.endedAt ?? now) : null,
    holdSeconds: held,
  }
}

/** What the conversation keeps of a call: who rang, what they dialled and chose. */
export function describeCall(number: string | null, dialled: string | null, ivr: IvrChoice[]): string {
  const choices = ivr.map((c) => c.label ?? `${c.menu}: ${c.choice}`).join('; ')
  return [
    `Phone call from ${number ?? 'a withheld number'}`,
    dialled ? ` to ${dialled}` : '',
    choices ? `. IVR: ${choices}` : '',
  ].join('')
}

/**
 * IVR choices that make a call urgent and route it to handlers with the vulnerability skill: the
 * caller said they are in danger, unsafe or calling about domestic abuse (CRM-6).
 */
export const urgentIvr = /\b(danger|unsafe|domestic|abuse|threat|safeguard)/i

/** A number withheld is kept as its own address, never matched to anyone (one per call). */
function withheldAddress(callRef: string): string {
  const digits = [...createHash('sha256').update(callRef).digest()].map((b) => String(b % 10)).join('')
  return `9${digits.slice(0, 14)}`
}

/** A decision about a call's place in the queue, from what the caller said (Assist's speech; CRM-6). */
export interface SpeechDecision {
  priority: number
  skill: Skill
  /** Priority 1 for handlers with the vulnerability skill, whoever has the call. */
  urgent: boolean
  /** Why, in words. */
  reason: string
}

/**
 * Asked in the transaction that offers a call: whether what the caller said in the IVR before the
 * call was offered decided its place (Assist's speech, built after Contact; none by default).
 */
export type SpokenReasonOnOffer = (
  tx: Tx,
  forceId: string,
  call: { callRef: string; callId: string; itemId: string | null },
) => Promise<SpeechDecision | undefined>

const MAX_FUTURE_MS = 5 * 60_000
const NOTE_MAX = 500

export class TelephonyService {
  readonly #db: Database
  readonly #repo: TelephonyRepository
  readonly #queueRepo: QueueRepository
  readonly #queue: QueueService
  readonly #conversations: ConversationService
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #push: PushService | undefined
  readonly #spokenReason: SpokenReasonOnOffer | undefined

  constructor(deps: {
    db: Database
    repo: TelephonyRepository
    queueRepo: QueueRepository
    queue: QueueService
    conversations: ConversationService
    clock: Clock
    audit: AuditService
    push?: PushService
    spokenReason?: SpokenReasonOnOffer
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#queueRepo = deps.queueRepo
    this.#queue = deps.queue
    this.#conversations = deps.conversations
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#push = deps.push
    this.#spokenReason = deps.spokenReason
  }

  async #changed(tx: Tx, forceId: string, itemId: string | null): Promise<void> {
    await this.#push?.publish(
      { forceId, topic: queueTopic, ...(itemId ? { ids: { item: itemId } } : {}) },
      tx,
    )
  }

  /**
   * Applies one CTI event. An event id seen before changes nothing and says so; an event about a
   * call never offered is refused (the platform sends `call.offered` first).
   */
  async receive(forceId: string, event: CallEvent, client: { clientId: string }): Promise<CallReceipt> {
    const at = new Date(event.occurredAt)
    const now = this.#clock.now()
    if (Number.isNaN(at.getTime()))
      throw new ValidationError([{ field: 'occurredAt', message: 'occurredAt must be a date and time' }])
    if (at.getTime() > now.getTime() + MAX_FUTURE_MS)
      throw new ValidationError([{ field: 'occurredAt', message: 'occurredAt is in the future' }])
    const result = await this.#db.withForce(forceId, async (tx) => {
      await this.#repo.lockCall(tx, forceId, event.callId)
      const seen = await this.#repo.eventSeen(tx, event.eventId)
      if (seen) {
        const call = await this.#repo.callById(tx, seen.callId)
        return {
          status: 'duplicate' as const,
          call: seen.callId,
          contact: call?.itemId ?? null,
          route: false,
        }
      }
      const ivr: IvrChoice[] = (event.ivr ?? []).map((c) => ({
        menu: c.menu,
        choice: c.choice,
        label: c.label ?? null,
      }))
      let call = await this.#repo.callByRef(tx, event.callId)
      let route = false
      if (event.type === 'call.offered' && !call) {
        const number = event.caller?.trim() || null
        const received = await this.#conversations.receive(tx, forceId, {
          channel: 'phone',
          provider: 'cti',
          providerRef: `call:${event.callId}`,
          from: number ?? withheldAddress(event.callId),
          fromName: number ? null : 'Withheld number',
          to: event.dialled ?? null,
          subject: null,
          body: describeCall(number, event.dialled ?? null, ivr),
          receivedAt: at,
          attachments: [],
        })
        // The queue's listener opened a contact for the conversation, or it joined the open one;
        // either way the person is on the phone now.
        const item = await this.#queueRepo.openItemOf(tx, received.conversationId)
        if (item) {
          await this.#repo.toPhone(tx, item.id)
          if (ivr.some((c) => urgentIvr.test(c.label ?? '')))
            await this.#queueRepo.flagVulnerable(tx, item.id)
        }
        const id = await this.#repo.insertCall(tx, {
          forceId,
          callRef: event.callId,
          conversationId: received.conversationId,
          itemId: item?.id ?? null,
          callerNumber: number,
          dialled: event.dialled ?? null,
          ivr,
          at,
        })
        call = (await this.#repo.callById(tx, id))!
        // What the caller said in the IVR, already transcribed, sets its place before routing.
        if (item && this.#spokenReason) {
          const decided = await this.#spokenReason(tx, forceId, {
            callRef: event.callId,
            callId: id,
            itemId: item.id,
          })
          if (decided) await this.#applySpeech(tx, forceId, id, item.id, decided)
        }
        route = true
      } else if (!call) {
        throw new DomainError(
          'call-not-offered',
          `No call ${event.callId} was offered: send its call.offered event first`,
          { status: 409 },
        )
      } else {
        route = await this.#apply(tx, forceId, call, event, at, ivr)
      }
      await this.#repo.insertEvent(tx, {
        forceId,
        callId: call.id,
        eventId: event.eventId,
        kind: event.type.slice('call.'.length),
        at,
        agent: event.agent ?? null,
        detail: {
          ...(ivr.length ? { ivr } : {}),
          ...(event.to ? { to: event.to } : {}),
        },
        receivedAt: now,
      })
      await this.#audit.record(
        {
          action: `contact-call.${event.type.slice('call.'.length)}`,
          forceId,
          actor: { kind: 'system', name: 'Telephony platform' },
          recordType: 'contact-call',
          recordId: call.id,
          detail: { client: client.clientId, contact: call.itemId },
        },
        tx,
      )
      await this.#changed(tx, forceId, call.itemId)
      return { status: 'applied' as const, call: call.id, contact: call.itemId, route }
    })
    // A new contact waits for a handler with the skill; routing runs after it is committed.
    if (result.route) await this.#queue.route(forceId)
    return { status: result.status, call: result.call, contact: result.contact }
  }

  async #apply(
    tx: Tx,
    forceId: string,
    call: CallRow,
    event: CallEvent,
    at: Date,
    ivr: IvrChoice[],
  ): Promise<boolean> {
    if (call.state === 'ended' && event.type !== 'call.ended' && event.type !== 'call.offered')
      throw new DomainError('call-ended', `Call ${event.callId} has ended`, { status: 409 })
    const holdEnds = () =>
      call.heldSince
        ? {
            heldSince: null,
            heldSeconds:
              call.heldSeconds + Math.max(0, Math.round((at.getTime() - call.heldSince.getTime()) / 1000)),
          }
        : {}
    switch (event.type) {
      case 'call.offered':
        // Offered again (back from a transfer): the call carries on.
        return false
      case 'call.ivr':
        await this.#repo.updateCall(tx, call.id, { ivr: [...call.ivr, ...ivr] })
        return false
      case 'call.answered':
        if (!call.answeredAt)
          await this.#repo.updateCall(tx, call.id, {
            state: 'answered',
            answeredAt: at,
            answeredBy: event.agent ?? null,
          })
        else await this.#repo.updateCall(tx, call.id, { state: 'answered', ...holdEnds() })
        if (event.agent && call.itemId) await this.#answeredBy(tx, forceId, call.itemId, event.agent)
        return false
      case 'call.held':
        if (!call.heldSince) await this.#repo.updateCall(tx, call.id, { state: 'held', heldSince: at })
        return false
      case 'call.resumed':
        await this.#repo.updateCall(tx, call.id, { state: 'answered', ...holdEnds() })
        return false
      case 'call.transferred':
        await this.#repo.updateCall(tx, call.id, { transfers: call.transfers + 1 })
        return false
      case 'call.ended': {
        if (call.state === 'ended') return false
        const abandoned = !call.answeredAt
        await this.#repo.updateCall(tx, call.id, { state: 'ended', endedAt: at, abandoned, ...holdEnds() })
        // The caller gave up waiting: the contact stays in the queue as a call-back to their number.
        if (abandoned && call.itemId && call.callerNumber) {
          await this.#repo.insertCallback(tx, {
            forceId,
            itemId: call.itemId,
            fromChannel: 'phone',
            number: call.callerNumber,
            reason: 'abandoned',
            note: null,
            by: null,
            at,
          })
        }
        return false
      }
    }
  }

  /**
   * The handler the platform knows by `ctiAgent` answered the call: its contact becomes theirs,
   * whether it was waiting or routing had given it to someone else (who is not on the line). An
   * agent no handler is mapped to leaves the contact where it is.
   */
  async #answeredBy(tx: Tx, forceId: string, itemId: string, ctiAgent: string): Promise<void> {
    await this.#queueRepo.lockRouting(tx, forceId)
    const agent = await this.#queueRepo.agentByCti(tx, ctiAgent)
    const item = await this.#queueRepo.item(tx, itemId)
    if (!agent || !item || item.assignedTo === agent.staffId) return
    if (item.status !== 'waiting' && item.status !== 'assigned') return
    const now = this.#clock.now()
    const moved = await this.#queueRepo.move(tx, itemId, [item.status], {
      status: 'assigned',
      assignedTo: agent.staffId,
      at: now,
      transfer: item.status === 'assigned',
    })
    if (!moved) return
    await this.#queueRepo.addEvent(tx, {
      forceId,
      itemId,
      kind: 'assigned',
      to: agent.staffId,
      note: `Answered the call as ${ctiAgent}`,
      at: now,
    })
    await this.#audit.record(
      {
        action: 'contact.assigned',
        forceId,
        actor: { kind: 'system', name: 'Telephony platform' },
        recordType: 'contact',
        recordId: itemId,
        detail: { to: agent.staffId, from: item.assignedTo, answered: true },
      },
      tx,
    )
  }

  /** A call by the telephony platform's id, with its contact; none when it was never offered. */
  callFor(forceId: string, callRef: string): Promise<Pick<CallRow, 'id' | 'itemId' | 'state'> | undefined> {
    return this.#db.withForce(forceId, async (tx) => {
      const call = await this.#repo.callByRef(tx, callRef)
      return call ? { id: call.id, itemId: call.itemId, state: call.state } : undefined
    })
  }

  /**
   * What the caller said in the IVR decided their call's place in the queue (CRM-6; Assist's
   * speech, decision 0041): urgent means priority 1 for handlers with the vulnerability skill,
   * whoever has the call now; otherwise a contact still waiting takes the priority and skill
   * given. A contact made urgent by a person's markers is never lowered. Audited as the machine's
   * decision; routing runs after.
   */
  async prioritiseBySpeech(
    forceId: string,
    callId: string,
    decision: SpeechDecision,
  ): Promise<{ applied: boolean }> {
    const applied = await this.#db.withForce(forceId, async (tx) => {
      const call = await this.#repo.callById(tx, callId)
      if (!call?.itemId) return false
      return this.#applySpeech(tx, forceId, callId, call.itemId, decision)
    })
    if (applied) await this.#queue.route(forceId)
    return { applied }
  }

  async #applySpeech(
    tx: Tx,
    forceId: string,
    callId: string,
    itemId: string,
    decision: SpeechDecision,
  ): Promise<boolean> {
    const item = await this.#queueRepo.item(tx, itemId)
    if (!item || item.status === 'closed' || item.status === 'wrap_up') return false
    if (decision.urgent) await this.#queueRepo.flagVulnerable(tx, item.id)
    else if (item.status === 'waiting' && item.skill !== 'vulnerability' && item.priority !== 1)
      await this.#queueRepo.setPriority(tx, item.id, decision.priority, decision.skill)
    else return false
    await this.#audit.record(
      {
        action: 'contact.prioritised',
        forceId,
        actor: { kind: 'system', name: 'Assist speech' },
        recordType: 'contact',
        recordId: item.id,
        detail: {
          call: callId,
          priority: decision.urgent ? 1 : decision.priority,
          skill: decision.urgent ? 'vulnerability' : decision.skill,
          reason: decision.reason,
        },
      },
      tx,
    )
    await this.#changed(tx, forceId, item.id)
    return true
  }

  /** A contact's calls, each with its events and times, and its call-backs. */
  async ofContact(
    tx: Tx,
    itemId: string,
  ): Promise<{
    calls: (CallRow & { events: CallEventRow[]; times: CallTimes })[]
    callbacks: CallbackRow[]
  }> {
    const now = this.#clock.now()
    const calls = []
    for (const call of await this.#repo.callsOf(tx, itemId))
      calls.push({ ...call, events: await this.#repo.events(tx, call.id), times: callTimes(call, now) })
    return { calls, callbacks: await this.#repo.callbacks(tx, itemId) }
  }

  /**
   * The handler who has a contact turns it into a call-back: it goes back to the queue on the
   * channel `phone`, for the number given (by default the number on record or the caller's), with
   * a note. Audited; the queue hears of it.
   */
  async requestCallback(
    forceId: string,
    itemId: string,
    input: { number?: string; note?: string },
    acting: Acting,
  ): Promise<void> {
    const number = (input.number ?? '').trim()
    const note = (input.note ?? '').trim()
    const errors = []
    if (!/^\+?[0-9 ()-]{6,20}$/.test(number))
      errors.push({ field: 'number', message: 'Enter the phone number to call back, like 07700 900123' })
    if (note.length > NOTE_MAX)
      errors.push({ field: 'note', message: `Note must be ${NOTE_MAX} characters or fewer` })
    if (errors.length) throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      const item = await this.#queueRepo.item(tx, itemId)
      if (!item) throw new NotFoundError('The contact')
      const now = this.#clock.now()
      if (!(await this.#repo.toCallback(tx, itemId, acting.staffId)))
        throw new ValidationError([
          { field: 'number', message: 'Only the handler who has this contact may turn it into a call-back' },
        ])
      await this.#repo.insertCallback(tx, {
        forceId,
        itemId,
        fromChannel: item.channel,
        number,
        reason: 'requested',
        note: note || null,
        by: acting.staffId,
        at: now,
      })
      await this.#queueRepo.addEvent(tx, {
        forceId,
        itemId,
        kind: 'transferred',
        by: acting.staffId,
        skill: 'phone',
        note: `Call-back requested${note ? `: ${note}` : ''}`,
        at: now,
      })
      await this.#audit.record(
        {
          action: 'contact.callback-requested',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact',
          recordId: itemId,
          detail: { fromChannel: item.channel },
        },
        tx,
      )
      await this.#changed(tx, forceId, itemId)
    })
    await this.#queue.route(forceId)
  }
}
