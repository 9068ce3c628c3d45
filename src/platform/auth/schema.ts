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

/** `migrations/0980_staff_setup_links.sql`: a local user's expiring, single-use set-up link. */
export const staffSetupLinks = pgTable('staff_setup_links', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  forceId: text('force_id'),
  tokenHash: text('token_hash').notNull(),
  createdBy: uuid('created_by'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
})
