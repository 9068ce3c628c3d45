// Drizzle tables of the integration API (migrations/0030_api.sql is the source of truth).
import { integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const apiClients = pgTable('api_clients', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  name: text('name').notNull(),
  clientId: text('client_id').notNull(),
  secretHash: text('secret_hash').notNull(),
  scopes: text('scopes').array().notNull(),
  disabledAt: timestamptz('disabled_at'),
  disabledBy: uuid('disabled_by'),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  lastUsedAt: timestamptz('last_used_at'),
  /** CP-179: the released API version the client is answered in; null for the current one. */
  pinnedVersion: text('pinned_version'),
  pinnedBy: uuid('pinned_by'),
  pinnedAt: timestamptz('pinned_at'),
})

export const apiTokens = pgTable('api_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  forceId: text('force_id').notNull(),
  clientId: uuid('client_id').notNull(),
  scopes: text('scopes').array().notNull(),
  issuedAt: timestamptz('issued_at').notNull().defaultNow(),
  expiresAt: timestamptz('expires_at').notNull(),
})

export const hrJobRoles = pgTable('hr_job_roles', {
  forceId: text('force_id').notNull(),
  jobCode: text('job_code').notNull(),
  roles: text('roles').array().notNull(),
  updatedBy: text('updated_by'),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
})

export const apiIdempotencyKeys = pgTable('api_idempotency_keys', {
  forceId: text('force_id').notNull(),
  clientId: text('client_id').notNull(),
  idempotencyKey: text('idempotency_key').notNull(),
  requestHash: text('request_hash').notNull(),
  statusCode: integer('status_code'),
  contentType: text('content_type'),
  responseBody: text('response_body'),
  createdAt: timestamptz('created_at').notNull(),
  completedAt: timestamptz('completed_at'),
})
