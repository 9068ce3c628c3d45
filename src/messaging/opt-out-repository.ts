// The only SQL of what decides whether an address may be sent to: opt-outs (UJ-6) and the health
// of contact points that failed permanently.
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import { type Channel, contactPointHealth, messageOptOuts } from './schema.ts'

export type OptOutRow = typeof messageOptOuts.$inferSelect
export type ContactPointRow = typeof contactPointHealth.$inferSelect

/** What decides whether an address may be sent to: an active opt-out, and its delivery health. */
export interface Sendability {
  optOutSource: string | null
  health: string | null
  healthReason: string | null
}

export class OptOutRepository {
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

  async badContactPoints(tx: Tx, forceId: string): Promise<ContactPointRow[]> {
    return tx
      .select()
      .from(contactPointHealth)
      .where(and(eq(contactPointHealth.forceId, forceId), eq(contactPointHealth.status, 'bad')))
      .orderBy(desc(contactPointHealth.failedAt))
  }
}
