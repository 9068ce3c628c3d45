// Drizzle table for the audit trail (src/platform/audit/migrations/0020_audit.sql).
import { bigint, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

export const auditChains = pgTable('audit_chains', {
  chain: text('chain').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastHash: text('last_hash').notNull(),
})

export const auditEvents = pgTable('audit_events', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  chain: text('chain').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  forceId: text('force_id'),
  occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
  actorKind: text('actor_kind').$type<'staff' | 'client' | 'citizen' | 'system'>().notNull(),
  actorId: text('actor_id'),
  actorName: text('actor_name'),
  action: text('action').notNull(),
  recordType: text('record_type'),
  recordId: text('record_id'),
  detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
  ip: text('ip'),
  correlationId: text('correlation_id'),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
})

// SIEM forwarding outbox (src/platform/audit/migrations/0021_audit_forwarding.sql).
export const auditForwarding = pgTable('audit_forwarding', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  auditEventId: bigint('audit_event_id', { mode: 'number' }).notNull(),
  destination: text('destination').$type<'syslog' | 'hec'>().notNull(),
  status: text('status').$type<'pending' | 'delivered'>().notNull(),
  attempts: integer('attempts').notNull(),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull(),
  lastError: text('last_error'),
  deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
})

export const auditForwardingLeases = pgTable('audit_forwarding_leases', {
  destination: text('destination').primaryKey(),
  holder: text('holder'),
  leasedUntil: timestamp('leased_until', { withTimezone: true, mode: 'date' }),
})
