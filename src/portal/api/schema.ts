// Drizzle tables of the Portal API (../migrations/1141_portal_api.sql is the source of truth).
import { integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const portalWebhooks = pgTable('portal_webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  apiClientId: text('api_client_id').notNull(),
  url: text('url').notNull(),
  events: text('events').array().notNull(),
  secretSealed: text('secret_sealed').notNull(),
  createdAt: timestamptz('created_at').notNull(),
  disabledAt: timestamptz('disabled_at'),
})

export type DeliveryStatus = 'pending' | 'delivered' | 'dead'

export const portalWebhookDeliveries = pgTable('portal_webhook_deliveries', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  webhookId: uuid('webhook_id').notNull(),
  eventId: uuid('event_id').notNull(),
  eventType: text('event_type').notNull(),
  payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
  status: text('status').$type<DeliveryStatus>().notNull(),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestamptz('next_attempt_at').notNull(),
  windowStartedAt: timestamptz('window_started_at').notNull(),
  lastHttpStatus: integer('last_http_status'),
  lastError: text('last_error'),
  deliveredAt: timestamptz('delivered_at'),
  replayedAt: timestamptz('replayed_at'),
  createdAt: timestamptz('created_at').notNull(),
})

export type WebhookRow = typeof portalWebhooks.$inferSelect
export type DeliveryRow = typeof portalWebhookDeliveries.$inferSelect
