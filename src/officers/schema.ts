// Drizzle tables for src/officers/migrations (the SQL files are the source of truth; decision 0028).
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

/** Which member of staff is which officer on the records system (their collar number), and their team. */
export const officerProfiles = pgTable('officer_profiles', {
  forceId: text('force_id').notNull(),
  staffId: uuid('staff_id').primaryKey(),
  collar: text('collar').notNull(),
  team: text('team'),
  updatedAt: timestamptz('updated_at').notNull(),
})

/** A person's message left unanswered past the force's SLA, raised to supervisors (CP-104). */
export const officerEscalations = pgTable('officer_escalations', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  conversationId: uuid('conversation_id').notNull(),
  messageId: uuid('message_id').notNull(),
  officerCollar: text('officer_collar'),
  team: text('team'),
  dueBy: timestamptz('due_by').notNull(),
  escalatedAt: timestamptz('escalated_at').notNull(),
  resolvedAt: timestamptz('resolved_at'),
})

export type OfficerProfile = typeof officerProfiles.$inferSelect
export type EscalationRow = typeof officerEscalations.$inferSelect
