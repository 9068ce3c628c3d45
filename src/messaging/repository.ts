// The only code that touches the messaging tables (STYLE.md rule 3).
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm'
import { SettingsCache } from '../platform/cache.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { forces, staffUsers } from '../platform/schema.ts'
import {
  type Channel,
  contactPointHealth,
  type MessageStatus,
  messageEvents,
  messageOptOuts,
  messages,
  messageTemplates,
  messagingSettings,
} from './schema.ts'

export type MessageRow = typeof messages.$inferSelect
export type NewMessageRow = typeof messages.$inferInsert
export type TemplateRow = typeof messageTemplates.$inferSelect
export type SettingsRow = typeof messagingSettings.$inferSelect
export type OptOutRow = typeof messageOptOuts.$inferSelect
export type ContactPointRow = typeof contactPointHealth.$inferSelect

/** Statuses a message can still leave by being sent. */
export const pendingStatuses: MessageStatus[] = ['scheduled']

/** What decides whether an address may be sent to: an active opt-out, and its delivery health. */
export interface Sendability {
  optOutSource: string | null
  health: string | null
  healthReason: string | null
}

/** Why a provider's bucket is paused: its per-minute rate limit, or its daily limit. */
export type BucketPauseReason = 'rate-limit' | 'daily-limit'

export class MessagingRepository {
  // Read for every message, changed rarely by people: held briefly (platform/cache.ts).
  readonly #settings: SettingsCache<SettingsRow | undefined>
  readonly #identities: SettingsCache<Pick<typeof forces.$inferSelect, 'name' | 'branding'> | undefined>
  readonly #templates: SettingsCache<TemplateRow | undefined>

  readonly #db: Database

  constructor(db: Database) {
    this.#db = db
    this.#settings = new SettingsCache(db)
    this.#identities = new SettingsCache(db)
    this.#templates = new SettingsCache(db)
  }

  /** The force's name and platform branding: the fallback when messaging has no branding of its own. */
  async forceIdentity(
    tx: Tx,
    forceId: string,
  ): Promise<Pick<typeof forces.$inferSelect, 'name' | 'branding'> | undefined> {
    return this.#identities.get(tx, forceId, async (t) => {
      const [row] = await t
        .select({ name: forces.name, branding: forces.branding })
        .from(forces)
        .where(eq(forces.id, forceId))
      return row
    })
  }

  async settings(tx: Tx, forceId: string): Promise<SettingsRow | undefined> {
    return this.#settings.get(tx, forceId, async (t) => {
      const [row] = await t.select().from(messagingSettings).where(eq(messagingSettings.forceId, forceId))
      return row
    })
  }

  async saveSettings(tx: Tx, row: typeof messagingSettings.$inferInsert): Promise<void> {
    const { forceId, ...rest } = row
    this.#settings.forget(tx, forceId)
    await tx
      .insert(messagingSettings)
      .values(row)
      .onConflictDoUpdate({ target: messagingSettings.forceId, set: { ...rest, updatedAt: new Date() } })
  }

  async setNotifyApiKey(
    tx: Tx,
    forceId: string,
    key: Pick<
      SettingsRow,
      | 'notifyApiKeySealed'
      | 'notifyApiKeyName'
      | 'notifyApiKeyLast4'
      | 'notifyApiKeySetAt'
      | 'notifyApiKeySetBy'
    >,
  ): Promise<void> {
    this.#settings.forget(tx, forceId)
    await tx.update(messagingSettings).set(key).where(eq(messagingSettings.forceId, forceId))
  }

  async addTemplateVersion(
    tx: Tx,
    row: Omit<typeof messageTemplates.$inferInsert, 'version'>,
  ): Promise<TemplateRow> {
    this.#templates.forget(tx, `${row.forceId}|*`)
    const [latest] = await rows<{ version: number | null }>(
      tx,
      sql`select max(version) as version from message_templates
          where force_id = ${row.forceId} and key = ${row.key} and channel = ${row.channel} and language = ${row.language}`,
    )
    const [created] = await tx
      .insert(messageTemplates)
      .values({ ...row, version: (latest?.version ?? 0) + 1 })
      .returning()
    return created as TemplateRow
  }

  /** The newest version of a template in each of the languages asked for, in that order. */
  async latestTemplate(
    tx: Tx,
    forceId: string,
    key: string,
    channel: Channel,
    languages: string[],
  ): Promise<TemplateRow | undefined> {
    return this.#templates.get(tx, `${forceId}|${key}|${channel}|${languages.join(',')}`, (t) =>
      this.#readLatestTemplate(t, forceId, key, channel, languages),
    )
  }

  async #readLatestTemplate(
    tx: Tx,
    forceId: string,
    key: string,
    channel: Channel,
    languages: string[],
  ): Promise<TemplateRow | undefined> {
    const found = await tx
      .select()
      .from(messageTemplates)
      .where(
        and(
          eq(messageTemplates.forceId, forceId),
          eq(messageTemplates.key, key),
          eq(messageTemplates.channel, channel),
          inArray(messageTemplates.language, languages),
        ),
      )
      .orderBy(desc(messageTemplates.version))
    for (const language of languages) {
      const row = found.find((t) => t.language === language)
      if (row) return row
    }
    return undefined
  }

  async templates(tx: Tx, forceId: string): Promise<TemplateRow[]> {
    return tx
      .select()
      .from(messageTemplates)
      .where(eq(messageTemplates.forceId, forceId))
      .orderBy(
        messageTemplates.key,
        messageTemplates.channel,
        messageTemplates.language,
        desc(messageTemplates.version),
      )
  }

  /** Every version of the force's templates (or of one), with the name of the person who wrote each. */
  async templatesWithAuthors(
    tx: Tx,
    forceId: string,
    key?: string,
  ): Promise<(TemplateRow & { createdByName: string | null })[]> {
    const found = await tx
      .select({ template: messageTemplates, createdByName: staffUsers.displayName })
      .from(messageTemplates)
      .leftJoin(staffUsers, eq(staffUsers.id, messageTemplates.createdBy))
      .where(
        key
          ? and(eq(messageTemplates.forceId, forceId), eq(messageTemplates.key, key))
          : eq(messageTemplates.forceId, forceId),
      )
      .orderBy(messageTemplates.key, desc(messageTemplates.version))
    return found.map((f) => ({ ...f.template, createdByName: f.createdByName }))
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
   * Records messages the provider accepted (still `sending`), each with the provider's id for it,
   * in two statements however many there are; returns those moved to `sent`.
   */
  async markSent(
    tx: Tx,
    accepted: { id: string; providerRef: string }[],
    sentAt: Date,
  ): Promise<MessageRow[]> {
    if (accepted.length === 0) return []
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
    where: { ids?: string[]; forceId?: string; personId?: string; caseId?: string; recipientKey?: string },
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
    if (where.ids?.length === 0) return []
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
   * Token bucket on the database clock, shared by every worker (Notify: 3,000 a minute per key).
   * The row lock serialises concurrent takers; returns how many tokens were granted.
   */
  async takeTokens(
    tx: Tx,
    bucket: string,
    wanted: number,
    capacity: number,
    refillPerSecond: number,
  ): Promise<number> {
    await tx.execute(
      sql`insert into provider_rate_buckets (bucket, tokens, capacity, refill_per_second, refilled_at)
          values (${bucket}, ${capacity}, ${capacity}, ${refillPerSecond}, clock_timestamp())
          on conflict (bucket) do update set capacity = excluded.capacity, refill_per_second = excluded.refill_per_second`,
    )
    const [row] = await rows<{ granted: number }>(
      tx,
      sql`with now as (select clock_timestamp() as t),
          current as (
            select b.bucket,
                   case when b.paused_until > now.t then 0
                        else least(b.capacity, b.tokens + extract(epoch from (now.t - greatest(b.refilled_at, coalesce(b.paused_until, b.refilled_at)))) * b.refill_per_second)
                   end as available, now.t
            from provider_rate_buckets b, now where b.bucket = ${bucket} for update of b)
          update provider_rate_buckets b
             set tokens = c.available - least(${wanted}, floor(c.available)), refilled_at = c.t
            from current c where b.bucket = c.bucket
          returning least(${wanted}, floor(c.available))::int as granted`,
    )
    return Number(row?.granted ?? 0)
  }

  /**
   * A 429 from the provider: the bucket grants nothing for `seconds` and starts empty after it.
   * A longer pause already set stands, with its reason. Returns when it frees (the database clock).
   */
  async pauseBucket(tx: Tx, bucket: string, seconds: number, reason: BucketPauseReason): Promise<Date> {
    const [row] = await rows<{ paused_until: string | Date }>(
      tx,
      sql`update provider_rate_buckets
             set paused_reason = case
                   when paused_until > clock_timestamp() + make_interval(secs => ${seconds}) then paused_reason
                   else ${reason} end,
                 paused_until = greatest(coalesce(paused_until, clock_timestamp()), clock_timestamp() + make_interval(secs => ${seconds})),
                 tokens = 0, refilled_at = clock_timestamp()
           where bucket = ${bucket}
       returning paused_until`,
    )
    return row ? new Date(row.paused_until) : new Date(Date.now() + seconds * 1000)
  }

  /** Why and until when a bucket is paused now (the database clock), if it is. */
  async bucketPause(tx: Tx, bucket: string): Promise<{ until: Date; reason: BucketPauseReason } | undefined> {
    const [row] = await rows<{ paused_until: string | Date; paused_reason: string | null }>(
      tx,
      sql`select paused_until, paused_reason from provider_rate_buckets
           where bucket = ${bucket} and paused_until > clock_timestamp()`,
    )
    if (!row) return undefined
    return {
      until: new Date(row.paused_until),
      reason: row.paused_reason === 'daily-limit' ? 'daily-limit' : 'rate-limit',
    }
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

  async activeOptOut(tx: Tx, forceId: string, channel: Channel, key: string): Promise<OptOutRow | undefined> {
    const [row] = await tx
      .select()
      .from(messageOptOuts)
      .where(
        and(
          eq(messageOptOuts.forceId, forceId),
          eq(messageOptOuts.addressKey, key),
          inArray(messageOptOuts.channel, [channel, 'all']),
          isNull(messageOptOuts.withdrawnAt),
        ),
      )
      .limit(1)
    return row
  }

  /** The active opt-outs (channel and address key) among these address keys, in one read. */
  async activeOptOutsAmong(
    tx: Tx,
    forceId: string,
    keys: string[],
  ): Promise<{ channel: string; addressKey: string }[]> {
    if (keys.length === 0) return []
    return tx
      .select({ channel: messageOptOuts.channel, addressKey: messageOptOuts.addressKey })
      .from(messageOptOuts)
      .where(
        and(
          eq(messageOptOuts.forceId, forceId),
          inArray(messageOptOuts.addressKey, keys),
          isNull(messageOptOuts.withdrawnAt),
        ),
      )
  }

  /** Records an opt-out unless the same one is already active; returns the active row. */
  async addOptOut(
    tx: Tx,
    row: typeof messageOptOuts.$inferInsert,
  ): Promise<{ optOut: OptOutRow; created: boolean }> {
    const inserted = await tx.insert(messageOptOuts).values(row).onConflictDoNothing().returning()
    if (inserted[0]) return { optOut: inserted[0], created: true }
    const [existing] = await tx
      .select()
      .from(messageOptOuts)
      .where(
        and(
          eq(messageOptOuts.forceId, row.forceId),
          eq(messageOptOuts.channel, row.channel),
          eq(messageOptOuts.addressKey, row.addressKey),
          isNull(messageOptOuts.withdrawnAt),
        ),
      )
    return { optOut: existing as OptOutRow, created: false }
  }

  async optOuts(tx: Tx, forceId: string): Promise<OptOutRow[]> {
    return tx
      .select()
      .from(messageOptOuts)
      .where(and(eq(messageOptOuts.forceId, forceId), isNull(messageOptOuts.withdrawnAt)))
      .orderBy(desc(messageOptOuts.recordedAt))
  }

  async markContactPointBad(tx: Tx, row: typeof contactPointHealth.$inferInsert): Promise<void> {
    await tx
      .insert(contactPointHealth)
      .values(row)
      .onConflictDoUpdate({
        target: [contactPointHealth.forceId, contactPointHealth.addressKey],
        set: {
          status: 'bad',
          reason: row.reason,
          messageId: row.messageId,
          failedAt: row.failedAt,
          acknowledgedAt: null,
          acknowledgedBy: null,
        },
      })
  }

  /**
   * Whether an address may be sent to, in one read: its active opt-out from this channel (or
   * all), and whether it has failed permanently.
   */
  async sendability(tx: Tx, forceId: string, channel: Channel, key: string): Promise<Sendability> {
    const [found] = await rows<Sendability>(
      tx,
      sql`select
            (select source from message_opt_outs where force_id = ${forceId} and address_key = ${key}
               and channel in (${channel}, 'all') and withdrawn_at is null limit 1) as "optOutSource",
            h.status as health, h.reason as "healthReason"
          from (select 1) one
          left join contact_point_health h on h.force_id = ${forceId} and h.address_key = ${key}`,
    )
    return found ?? { optOutSource: null, health: null, healthReason: null }
  }

  async badContactPoints(tx: Tx, forceId: string): Promise<ContactPointRow[]> {
    return tx
      .select()
      .from(contactPointHealth)
      .where(and(eq(contactPointHealth.forceId, forceId), eq(contactPointHealth.status, 'bad')))
      .orderBy(desc(contactPointHealth.failedAt))
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
