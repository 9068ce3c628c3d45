// Live push: capabilities publish small events (ids, never personal data) and pages subscribed
// over server-sent events or a WebSocket learn of them at once. Events travel through PostgreSQL
// NOTIFY on one channel, so every web process sees every event, and `pg_notify` inside a
// transaction delivers only once it commits. On PGlite (one process) the same NOTIFY reaches
// PGlite's own listener. A subscription is authorised once, when it is made: the subscriber's
// own force only, and only topics their roles (or, for a citizen, their own records) allow.
import { sql } from 'drizzle-orm'
import { hasAnyRole, type StaffPrincipal, type StaffRole } from '../auth/roles.ts'
import type { Database, Tx } from '../db/database.ts'
import type { Logger } from '../logger.ts'

export const PUSH_CHANNEL = 'waypoint_push'
/** NOTIFY payloads are small by design: pages fetch the details themselves. */
export const MAX_PAYLOAD_BYTES = 1000

export interface PushEvent {
  forceId: string
  topic: string
  /** Narrows a topic to one record (a conversation, a citizen's account). */
  key?: string
  /** Ids of what changed, for the page to fetch; never personal data. */
  ids?: Record<string, string>
}

export interface CitizenSubscriber {
  id: string
  forceId: string
}

export type Subscriber =
  | { kind: 'staff'; staff: StaffPrincipal }
  | { kind: 'citizen'; citizen: CitizenSubscriber }

export interface TopicDefinition {
  name: string
  /** Staff roles that may subscribe (within their own force); absent: no member of staff may. */
  staff?: readonly StaffRole[] | 'any'
  /**
   * For a topic whose keys are personal to a member of staff (their own cases): whether this
   * member of staff may follow `key`. Absent: any key, within their force, as their roles allow.
   */
  staffKey?(staff: StaffPrincipal, key: string | undefined): boolean
  /** Whether a citizen may subscribe to `key` of this topic; absent: no citizen may. */
  citizen?(citizen: CitizenSubscriber, key: string | undefined): boolean | Promise<boolean>
}

export interface TopicRequest {
  topic: string
  key?: string
}

export interface Subscription {
  forceId: string
  topics: readonly TopicRequest[]
}

export class PushRefused extends Error {
  readonly status: 401 | 403 | 400
  constructor(status: 401 | 403 | 400, message: string) {
    super(message)
    this.status = status
  }
}

type Listener = (event: PushEvent) => void

export class PushService {
  readonly #db: Database
  readonly #log: Logger
  readonly #topics = new Map<string, TopicDefinition>()
  readonly #listeners = new Map<Listener, Subscription>()
  #stopListening: (() => Promise<void>) | undefined

  constructor(db: Database, log: Logger) {
    this.#db = db
    this.#log = log
  }

  defineTopic(definition: TopicDefinition): void {
    if (!/^[a-z][a-z0-9-]{0,40}$/.test(definition.name)) throw new Error(`Invalid topic ${definition.name}`)
    if (this.#topics.has(definition.name)) throw new Error(`Topic ${definition.name} is defined twice`)
    this.#topics.set(definition.name, definition)
  }

  /** Whether citizens, and not staff, follow this topic. */
  isCitizenTopic(name: string): boolean {
    const definition = this.#topics.get(name)
    return !!definition?.citizen && !definition.staff
  }

  /**
   * Publishes an event. Given a transaction, the event goes only if and when it commits; without
   * one, at once.
   */
  async publish(event: PushEvent, tx?: Tx): Promise<void> {
    if (!this.#topics.has(event.topic)) throw new Error(`Unknown push topic ${event.topic}`)
    const payload = JSON.stringify({ f: event.forceId, t: event.topic, k: event.key, i: event.ids })
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES)
      throw new Error(`A push event must stay under ${MAX_PAYLOAD_BYTES} bytes`)
    const notify = sql`select pg_notify(${PUSH_CHANNEL}, ${payload})`
    if (tx) await tx.execute(notify)
    else await this.#db.asSystem((inner) => inner.execute(notify))
  }

  /** Listens for events from every process; call once at start. */
  async start(): Promise<void> {
    this.#stopListening ??= await this.#db.listen(PUSH_CHANNEL, (payload) => this.#deliver(payload))
  }

  async stop(): Promise<void> {
    const stop = this.#stopListening
    this.#stopListening = undefined
    this.#listeners.clear()
    await stop?.()
  }

  /**
   * Checks a subscription before it is made (deny by default): an unknown topic, a topic the
   * subscriber's roles do not allow, a citizen asking for another's records, or a member of staff
   * with no force are all refused.
   */
  async authorise(
    subscriber: Subscriber | undefined,
    topics: readonly TopicRequest[],
  ): Promise<Subscription> {
    if (!subscriber) throw new PushRefused(401, 'Sign in to continue')
    if (topics.length === 0 || topics.length > 10) throw new PushRefused(400, 'Ask for one to ten topics')
    for (const request of topics) {
      const definition = this.#topics.get(request.topic)
      if (!definition) throw new PushRefused(403, 'You may not follow this topic')
      if (subscriber.kind === 'staff') {
        if (!subscriber.staff.forceId || !definition.staff || !hasAnyRole(subscriber.staff, definition.staff))
          throw new PushRefused(403, 'You may not follow this topic')
        if (definition.staffKey && !definition.staffKey(subscriber.staff, request.key))
          throw new PushRefused(403, 'You may not follow this topic')
      } else if (!definition.citizen || !(await definition.citizen(subscriber.citizen, request.key))) {
        throw new PushRefused(403, 'You may not follow this topic')
      }
    }
    const forceId = subscriber.kind === 'staff' ? subscriber.staff.forceId! : subscriber.citizen.forceId
    return { forceId, topics }
  }

  /** Calls `listener` with each event the authorised subscription covers; returns an unsubscribe. */
  subscribe(subscription: Subscription, listener: Listener): () => void {
    this.#listeners.set(listener, subscription)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  get subscriberCount(): number {
    return this.#listeners.size
  }

  #deliver(payload: string): void {
    let event: PushEvent
    try {
      const raw = JSON.parse(payload) as { f: string; t: string; k?: string; i?: Record<string, string> }
      event = {
        forceId: raw.f,
        topic: raw.t,
        ...(raw.k ? { key: raw.k } : {}),
        ...(raw.i ? { ids: raw.i } : {}),
      }
    } catch {
      this.#log.warn('a push notification could not be read')
      return
    }
    for (const [listener, subscription] of this.#listeners) {
      if (subscription.forceId !== event.forceId) continue
      const wanted = subscription.topics.some(
        (t) => t.topic === event.topic && (t.key === undefined || t.key === event.key),
      )
      if (!wanted) continue
      try {
        listener(event)
      } catch (error) {
        this.#log.warn({ err: error }, 'a push listener failed')
      }
    }
  }
}
