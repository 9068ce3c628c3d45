// Drizzle tables of the write-back outbox (migrations/*.sql are the source of truth).
import { boolean, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export type WritebackTarget = 'cad' | 'rms'
export type WritebackKind = 'message-sent' | 'message-received' | 'officer-update' | 'note' | 'opt-out'
export type WritebackStatus = 'pending' | 'sending' | 'delivered' | 'dead'
export type EndpointAuthKind = 'none' | 'bearer' | 'basic'

/** What is written into the CAD log or the crime record. */
export interface WritebackBody {
  /** When the communication or update happened (ISO 8601). */
  time: string
  /** sms, email, portal, rms-update… */
  channel: string
  content: string
  author: string
  /** Who the communication was with, when there was one (a display name, not contact details). */
  recipient?: string
  /** Waypoint's own reference for the message or update. */
  sourceRef?: string
}

export const writebackEndpoints = pgTable('writeback_endpoints', {
  forceId: text('force_id').notNull(),
  target: text('target').$type<WritebackTarget>().notNull(),
  url: text('url').notNull(),
  authKind: text('auth_kind').$type<EndpointAuthKind>().notNull(),
  authUsername: text('auth_username'),
  authSecretEncrypted: text('auth_secret_encrypted'),
  authSecretHint: text('auth_secret_hint'),
  timeoutMs: integer('timeout_ms').notNull(),
  enabled: boolean('enabled').notNull(),
  updatedBy: uuid('updated_by'),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const writebackEntries = pgTable('writeback_entries', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  target: text('target').$type<WritebackTarget>().notNull(),
  targetRef: text('target_ref').notNull(),
  kind: text('kind').$type<WritebackKind>().notNull(),
  body: jsonb('body').$type<WritebackBody>().notNull(),
  notifyVictim: boolean('notify_victim').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  status: text('status').$type<WritebackStatus>().notNull(),
  attempts: integer('attempts').notNull(),
  nextAttemptAt: timestamptz('next_attempt_at').notNull(),
  claimExpiresAt: timestamptz('claim_expires_at'),
  lastError: text('last_error'),
  lastHttpStatus: integer('last_http_status'),
  remoteRef: text('remote_ref'),
  replays: integer('replays').notNull(),
  replayedAt: timestamptz('replayed_at'),
  replayedBy: uuid('replayed_by'),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
  deliveredAt: timestamptz('delivered_at'),
  deadAt: timestamptz('dead_at'),
})

export const writebackAttempts = pgTable('writeback_attempts', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  entryId: uuid('entry_id').notNull(),
  attempt: integer('attempt').notNull(),
  startedAt: timestamptz('started_at').notNull(),
  durationMs: integer('duration_ms').notNull(),
  outcome: text('outcome').$type<'delivered' | 'retry' | 'dead'>().notNull(),
  httpStatus: integer('http_status'),
  error: text('error'),
})

export type WritebackEntry = typeof writebackEntries.$inferSelect
export type WritebackAttempt = typeof writebackAttempts.$inferSelect
export type WritebackEndpointRow = typeof writebackEndpoints.$inferSelect
