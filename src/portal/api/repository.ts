// The only SQL of the Portal API's tables: each force's webhooks and their deliveries (row-level
// security; the delivery run reads what is due region-wide).
import { and, asc, desc, eq, lte, sql } from 'drizzle-orm'
import type { Tx } from '../../platform/db/database.ts'
import {
  type DeliveryRow,
  type DeliveryStatus,
  portalWebhookDeliveries,
  portalWebhooks,
  type WebhookRow,
} from './schema.ts'

export class PortalApiRepository {
  async addWebhook(tx: Tx, row: typeof portalWebhooks.$inferInsert): Promise<WebhookRow> {
    const [inserted] = await tx.insert(portalWebhooks).values(row).returning()
    return inserted!
  }

  webhooks(tx: Tx): Promise<WebhookRow[]> {
    return tx.select().from(portalWebhooks).orderBy(asc(portalWebhooks.createdAt))
  }

  async webhook(tx: Tx, id: string): Promise<WebhookRow | undefined> {
    const [row] = await tx.select().from(portalWebhooks).where(eq(portalWebhooks.id, id))
    return row
  }

  async disableWebhook(tx: Tx, id: string, at: Date): Promise<boolean> {
    const done = await tx
      .update(portalWebhooks)
      .set({ disabledAt: at })
      .where(and(eq(portalWebhooks.id, id), sql`${portalWebhooks.disabledAt} is null`))
      .returning({ id: portalWebhooks.id })
    return done.length > 0
  }

  /** A force's live subscriptions to an event type (named, as the system role reads every force's). */
  subscribers(tx: Tx, forceId: string, eventType: string): Promise<WebhookRow[]> {
    return tx
      .select()
      .from(portalWebhooks)
      .where(
        and(
          eq(portalWebhooks.forceId, forceId),
          sql`${portalWebhooks.disabledAt} is null`,
          sql`${eventType} = any(${portalWebhooks.events})`,
        ),
      )
  }

  async addDelivery(tx: Tx, row: typeof portalWebhookDeliveries.$inferInsert): Promise<void> {
    await tx.insert(portalWebhookDeliveries).values(row).onConflictDoNothing()
  }

  /** Region-wide (system role): deliveries due now, oldest first. */
  due(tx: Tx, now: Date, limit: number): Promise<{ id: string; forceId: string }[]> {
    return tx
      .select({ id: portalWebhookDeliveries.id, forceId: portalWebhookDeliveries.forceId })
      .from(portalWebhookDeliveries)
      .where(
        and(eq(portalWebhookDeliveries.status, 'pending'), lte(portalWebhookDeliveries.nextAttemptAt, now)),
      )
      .orderBy(asc(portalWebhookDeliveries.nextAttemptAt))
      .limit(limit)
  }

  /**
   * Takes a due delivery for one attempt: moves its next attempt past the lease, so another
   * worker leaves it alone while this one is sending. Undefined when someone else took it.
   */
  async lease(
    tx: Tx,
    id: string,
    now: Date,
    leaseUntil: Date,
  ): Promise<{ delivery: DeliveryRow; webhook: WebhookRow } | undefined> {
    const [delivery] = await tx
      .update(portalWebhookDeliveries)
      .set({ nextAttemptAt: leaseUntil })
      .where(
        and(
          eq(portalWebhookDeliveries.id, id),
          eq(portalWebhookDeliveries.status, 'pending'),
          lte(portalWebhookDeliveries.nextAttemptAt, now),
        ),
      )
      .returning()
    if (!delivery) return undefined
    const webhook = await this.webhook(tx, delivery.webhookId)
    return webhook ? { delivery, webhook } : undefined
  }

  async recordAttempt(
    tx: Tx,
    id: string,
    set: {
      status: DeliveryStatus
      attempts: number
      nextAttemptAt: Date
      lastHttpStatus: number | null
      lastError: string | null
      deliveredAt: Date | null
    },
  ): Promise<void> {
    await tx.update(portalWebhookDeliveries).set(set).where(eq(portalWebhookDeliveries.id, id))
  }

  deliveries(tx: Tx, filter: { status?: DeliveryStatus; limit: number }): Promise<DeliveryRow[]> {
    return tx
      .select()
      .from(portalWebhookDeliveries)
      .where(filter.status ? eq(portalWebhookDeliveries.status, filter.status) : undefined)
      .orderBy(desc(portalWebhookDeliveries.createdAt), desc(portalWebhookDeliveries.id))
      .limit(filter.limit)
  }

  async delivery(tx: Tx, id: string): Promise<DeliveryRow | undefined> {
    const [row] = await tx.select().from(portalWebhookDeliveries).where(eq(portalWebhookDeliveries.id, id))
    return row
  }

  /** A dead letter (or any delivery) sent again from now, with a fresh retry window. */
  async replay(tx: Tx, id: string, now: Date): Promise<boolean> {
    const done = await tx
      .update(portalWebhookDeliveries)
      .set({
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        windowStartedAt: now,
        replayedAt: now,
        deliveredAt: null,
      })
      .where(eq(portalWebhookDeliveries.id, id))
      .returning({ id: portalWebhookDeliveries.id })
    return done.length > 0
  }
}
