// Drizzle tables of the sign-in migrations (src/platform/auth/migrations). Columns they add to the
// platform's staff tables are declared with those tables, in src/platform/schema.ts.
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

/** `migrations/0050_citizen_identities.sql`: one Waypoint id per identity-provider subject per force. */
export const citizenIdentities = pgTable('citizen_identities', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  provider: text('provider').notNull(),
  subject: text('subject').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  lastSignedInAt: timestamp('last_signed_in_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
})
