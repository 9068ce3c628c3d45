// The only SQL of messages and their events: scheduling inserts them, dispatch claims and moves
// them through their statuses (every move writes an event), and the console reads them.
import { and, desc, eq, gt, inArray, type SQL, sql } from 'drizzle-orm'
import { arrayParam, type Database, rows, type Tx } from '../platform/db/database.ts'
import {
  type MessageSecretContent,
  type MessageStatus,
  messageEvents,
  messages,
  messageTemplates,
} from './schema.ts'

export type MessageRow = typeof messages.$inferSelect
export type NewMessageRow = typeof messages.$inferInsert

/** Statuses a message can still leave by being sent. */
export const pendingStatuses: MessageStatus[] = ['scheduled']

/** Statuses the per-day counts leave out (migration 1000): a move between them counts nothing. */
const uncounted = new Set<MessageStatus>(['scheduled', 'sending'])

const uuids = (ids: string[]) => arrayParam(ids, 'uuid')

export class MessageRepository {
  readonly #db: Database

  constructor(db: Database) {
    this.#db = db
  }

  /**
   * Takes the cases of the messages a statement is about to move between counted statuses, as the
   * counts' trigger does (key-share, migration 1390), before the messages themselves, in order of
   * id (decision 0061). Taken after the messages, by the trigger, a case being retyped by a source
   * batch would make this wait while it held the messages, and the batch, holding the case, could
   * then wait for those messages (a journey cancelling what waits on it): a deadlock.
   */
  async #takeCases(tx: Tx, caseIds: SQL): Promise<void> {
    const uuid = sql`'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`
    await tx.execute(
      sql`with ids as (select k.case_id::uuid as id from (${caseIds}) k (case_id) where k.case_id ~ ${uuid}),
            c as (select 1 from crimes where id in (select id from ids) order by id for key share),
            i as (select 1 from incidents where id in (select id from ids) order by id for key share)
          select (select count(*) from c) + (select count(*) from i)`,
    )
  }

  async insertMessage(
    tx: Tx,
    row: NewMessageRow,
    detail: string | null,
    actorId: string | null,
  ): Promise<MessageRow> {
    const [created] = await tx.insert(messages).values(row).returning()
    const message = created as MessageRow
    await this.#events(tx, [message], null, message.status, detail, actorId)
    return message
  }

  /**
   * Keeps what a sensitive message says to the person apart from the message staff read. Written
   * in the tenant's transaction, which may add the row but never read it back (migration 1020).
   */
  async insertSecret(tx: Tx, message: MessageRow, content: MessageSecretContent): Promise<void> {
    await tx.execute(
      sql`insert into message_secrets (message_id, force_id, content)
          values (${message.id}::uuid, ${message.forceId}, ${JSON.stringify(content)}::jsonb)`,
    )
  }

  /** What these sensitive messages say to the person, for dispatch (the system role only). */
  async secretsOf(tx: Tx, ids: string[]): Promise<Map<string, MessageSecretContent>> {
    if (ids.length === 0) return new Map()
    const found = await rows<{ id: string; content: MessageSecretContent }>(
      tx,
      sql`select message_id as id, content from message_secrets
          where message_id in (${sql.join(
            ids.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`,
    )
    return new Map(found.map((f) => [f.id, f.content]))
  }

  /**
   * Records messages the provider accepted (still `sending`), each with the provider's id for it,
   * in two statements however many there are; returns those moved to `sent`.
   */
  async markSent(
    tx: Tx,
    accepted: { id: string; providerRef: string }[],
    sentAt: Date,
  ): Promise<MessageRow[]> {
    if (accepted.length === 0) return []
    await this.#takeCases(
      tx,
      sql`select case_id from messages where id = any (${uuids(accepted.map((a) => a.id))})`,
    )
    const refs = sql`(values ${sql.join(
      accepted.map((a) => sql`(${a.id}::uuid, ${a.providerRef}::text)`),
      sql`, `,
    )}) as accepted(id, provider_ref)`
    const moved = (await tx
      .update(messages)
      .set({ status: 'sent', providerRef: sql`accepted.provider_ref`, sentAt, updatedAt: new Date() })
      .from(refs)
      .where(and(sql`${messages.id} = accepted.id`, eq(messages.status, 'sending')))
      .returning()) as MessageRow[]
    await this.#events(tx, moved, 'sending', 'sent', null, null)
    return moved
  }

  /** Moves messages from one of `from` to `to`, writing an event for each; returns those moved. */
  async transition(
    tx: Tx,
    where: {
      ids?: string[]
      forceId?: string
      personId?: string
      caseId?: string
      recipientKey?: string
      /** Only the attempt in `sending` since then (reconciliation), not a later one. */
      sendingSince?: Date | null
    },
    from: MessageStatus[],
    to: MessageStatus,
    change: Partial<NewMessageRow> & { detail?: string | null; actorId?: string | null },
  ): Promise<MessageRow[]> {
    const { detail = null, actorId = null, ...fields } = change
    const conditions = [inArray(messages.status, from)]
    if (where.ids) conditions.push(inArray(messages.id, where.ids))
    if (where.forceId) conditions.push(eq(messages.forceId, where.forceId))
    if (where.personId) conditions.push(eq(messages.personId, where.personId))
    if (where.caseId) conditions.push(eq(messages.caseId, where.caseId))
    if (where.recipientKey) conditions.push(eq(messages.recipientKey, where.recipientKey))
    if (where.sendingSince !== undefined)
      conditions.push(
        where.sendingSince === null
          ? sql`${messages.sendingSince} is null`
          : eq(messages.sendingSince, where.sendingSince),
      )
    if (where.ids?.length === 0) return []
    if (!uncounted.has(to) || from.some((status) => !uncounted.has(status)))
      await this.#takeCases(
        tx,
        where.caseId
          ? sql`select ${where.caseId}::text`
          : sql`select distinct case_id from messages where ${and(...conditions)}`,
      )
    const before = await tx
      .select({ id: messages.id, status: messages.status })
      .from(messages)
      .where(and(...conditions))
      .for('update')
    if (before.length === 0) return []
    const moved = (await tx
      .update(messages)
      .set({ ...fields, status: to, updatedAt: new Date() })
      .where(
        inArray(
          messages.id,
          before.map((b) => b.id),
        ),
      )
      .returning()) as MessageRow[]
    const fromById = new Map(before.map((b) => [b.id, b.status]))
    await this.#eventsFrom(tx, moved, fromById, to, detail, actorId)
    return moved
  }

  /**
   * Claims up to `limit` due messages for sending: locks them (SKIP LOCKED, so workers never
   * share one), asks `grant` how many each rate-limit bucket may take, marks those `sending`.
   */
  async claimDue(
    tx: Tx,
    now: Date,
    limit: number,
    grant: (bucket: string, wanted: number) => Promise<number>,
    bucketOf: (m: { forceId: string; provider: string }) => string | null,
  ): Promise<{ claimed: MessageRow[]; limited: boolean }> {
    const due = await rows<{ id: string; force_id: string; provider: string }>(
      tx,
      sql`select id, force_id, provider from messages m
          where status = 'scheduled' and send_after <= ${now.toISOString()}
            -- a force whose Notify sending is paused by a 429 does not hold up the others
            and not (m.provider = 'notify' and exists (
              select 1 from provider_rate_buckets b
               where b.bucket = 'notify:' || m.force_id and b.paused_until > clock_timestamp()))
          order by send_after
          limit ${limit}
          for update skip locked`,
    )
    const byBucket = new Map<string, string[]>()
    const chosen: string[] = []
    for (const m of due) {
      const bucket = bucketOf({ forceId: m.force_id, provider: m.provider })
      if (!bucket) chosen.push(m.id)
      else byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), m.id])
    }
    let limited = false
    for (const [bucket, ids] of byBucket) {
      const granted = await grant(bucket, ids.length)
      if (granted < ids.length) limited = true
      chosen.push(...ids.slice(0, granted))
    }
    const claimed = await this.transition(tx, { ids: chosen }, ['scheduled'], 'sending', {
      sendingSince: now,
      attempts: sql`${messages.attempts} + 1` as unknown as number,
    })
    return { claimed, limited }
  }

  /**
   * A send the provider gave no usable answer to (no answer, a timeout, a 5xx): the message stays
   * in `sending` to be looked up by reference, with the error and a line on its timeline, so the
   * console says why it waits.
   */
  async noteNoAnswer(tx: Tx, id: string, error: string, event: { detail: string }): Promise<void> {
    const moved = await tx
      .update(messages)
      .set({ lastError: error, updatedAt: new Date() })
      .where(and(eq(messages.id, id), eq(messages.status, 'sending')))
      .returning()
    await this.#events(tx, moved as MessageRow[], 'sending', 'sending', event.detail, null)
  }

  /** A message whose provider did not say whether it holds it: asked about again at `at`. */
  async recheckLater(tx: Tx, id: string, at: Date, checks: number, event: { detail: string }): Promise<void> {
    const moved = await tx
      .update(messages)
      .set({ checkAgainAt: at, reconcileChecks: checks, updatedAt: new Date() })
      .where(and(eq(messages.id, id), eq(messages.status, 'sending')))
      .returning()
    await this.#events(tx, moved as MessageRow[], 'sending', 'sending', event.detail, null)
  }

  /**
   * The provider answers a force again (it accepted a send, or answered a look-up): that force's
   * messages waiting, after an outage's backoff, to be asked about again are asked at the next
   * reconciliation instead of up to an hour later. Returns how many were brought forward.
   */
  async askAgainNow(tx: Tx, provider: string, forceId: string, now: Date): Promise<number> {
    const moved = await tx
      .update(messages)
      .set({ checkAgainAt: now })
      .where(
        and(
          eq(messages.status, 'sending'),
          eq(messages.provider, provider as MessageRow['provider']),
          eq(messages.forceId, forceId),
          gt(messages.checkAgainAt, now),
        ),
      )
      .returning({ id: messages.id })
    return moved.length
  }

  /** Messages in `sending` since before `sendingBefore`, not asked to wait past `now`. */
  async stuckSending(tx: Tx, sendingBefore: Date, now: Date, limit: number): Promise<MessageRow[]> {
    return rows<MessageRow>(
      tx,
      sql`select id from messages where status = 'sending' and sending_since < ${sendingBefore.toISOString()}
            and (check_again_at is null or check_again_at <= ${now.toISOString()})
          order by sending_since limit ${limit}`,
    ).then(async (found) =>
      found.length === 0
        ? []
        : tx
            .select()
            .from(messages)
            .where(
              inArray(
                messages.id,
                found.map((f) => f.id),
              ),
            ),
    )
  }

  async awaitingReceipt(tx: Tx, sentBefore: Date, limit: number): Promise<MessageRow[]> {
    return tx
      .select()
      .from(messages)
      .where(and(eq(messages.status, 'sent'), sql`${messages.sentAt} < ${sentBefore.toISOString()}`))
      .orderBy(messages.sentAt)
      .limit(limit)
  }

  async byProviderRefOrReference(
    tx: Tx,
    providerRef: string,
    reference: string | null,
  ): Promise<MessageRow | undefined> {
    const [row] = await tx
      .select()
      .from(messages)
      .where(
        reference
          ? sql`${messages.providerRef} = ${providerRef} or ${messages.reference} = ${reference}`
          : eq(messages.providerRef, providerRef),
      )
      .limit(1)
    return row
  }

  async message(tx: Tx, id: string): Promise<MessageRow | undefined> {
    const [row] = await tx.select().from(messages).where(eq(messages.id, id))
    return row
  }

  /**
   * How many of the force's messages have `status`, counting at most `cap` (the dashboard shows
   * "1,000 or more"): read from messages_status_created (force, status, created) alone.
   */
  async countWithStatus(tx: Tx, forceId: string, status: MessageStatus, cap: number): Promise<number> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from (
            select 1 from messages where force_id = ${forceId} and status = ${status} limit ${cap}
          ) found`,
    )
    return row?.n ?? 0
  }

  /** `countWithStatus` for each status, in one transaction of the force's own. */
  countWithStatuses(forceId: string, statuses: MessageStatus[], cap: number) {
    return this.#db.withForce(forceId, async (tx) => {
      const counts: { status: MessageStatus; count: number }[] = []
      for (const status of statuses)
        counts.push({ status, count: await this.countWithStatus(tx, forceId, status, cap) })
      return counts
    })
  }

  async messages(
    tx: Tx,
    filter: { forceId: string; status?: MessageStatus; personId?: string; caseId?: string; limit: number },
  ): Promise<MessageRow[]> {
    const conditions = [eq(messages.forceId, filter.forceId)]
    if (filter.status) conditions.push(eq(messages.status, filter.status))
    if (filter.personId) conditions.push(eq(messages.personId, filter.personId))
    if (filter.caseId) conditions.push(eq(messages.caseId, filter.caseId))
    return tx
      .select()
      .from(messages)
      .where(and(...conditions))
      .orderBy(desc(messages.createdAt))
      .limit(filter.limit)
  }

  /** The cases on which messages to this address were sent or scheduled (test sends have none). */
  async caseIdsOfRecipient(tx: Tx, forceId: string, recipientKey: string): Promise<string[]> {
    const found = await tx
      .selectDistinct({ caseId: messages.caseId })
      .from(messages)
      .where(
        and(
          eq(messages.forceId, forceId),
          eq(messages.recipientKey, recipientKey),
          eq(messages.isTest, false),
          sql`${messages.caseId} is not null`,
        ),
      )
    return found.map((r) => r.caseId as string)
  }

  /** Messages still waiting to be sent about these cases, with the template each was rendered from. */
  async pendingOnCases(
    tx: Tx,
    forceId: string,
    caseIds: string[],
  ): Promise<{ message: MessageRow; template: { subject: string | null; body: string } | null }[]> {
    if (caseIds.length === 0) return []
    const found = await tx
      .select({ message: messages, subject: messageTemplates.subject, body: messageTemplates.body })
      .from(messages)
      .leftJoin(messageTemplates, eq(messageTemplates.id, messages.templateId))
      .where(
        and(
          eq(messages.forceId, forceId),
          inArray(messages.caseId, caseIds),
          inArray(messages.status, pendingStatuses),
        ),
      )
      .orderBy(messages.sendAfter)
    return found.map((r) => ({
      message: r.message,
      template: r.body === null ? null : { subject: r.subject, body: r.body },
    }))
  }

  async events(tx: Tx, messageId: string) {
    return tx
      .select()
      .from(messageEvents)
      .where(eq(messageEvents.messageId, messageId))
      .orderBy(messageEvents.id)
  }

  async #events(
    tx: Tx,
    moved: MessageRow[],
    from: MessageStatus | null,
    to: MessageStatus,
    detail: string | null,
    actorId: string | null,
  ): Promise<void> {
    await this.#eventsFrom(tx, moved, new Map(moved.map((m) => [m.id, from])), to, detail, actorId)
  }

  async #eventsFrom(
    tx: Tx,
    moved: MessageRow[],
    from: Map<string, MessageStatus | null>,
    to: MessageStatus,
    detail: string | null,
    actorId: string | null,
  ): Promise<void> {
    if (moved.length === 0) return
    await tx.insert(messageEvents).values(
      moved.map((m) => ({
        forceId: m.forceId,
        messageId: m.id,
        fromStatus: from.get(m.id) ?? null,
        toStatus: to,
        detail,
        actorId,
      })),
    )
  }
}
