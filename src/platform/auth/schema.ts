// Drizzle columns added to the platform's staff tables by `migrations/0010_staff_authentication.sql`.
// Declared here, beside the sign-in code that owns them, as partial views of the same tables.
import { bigint, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

export const staffTotpSteps = pgTable('staff_users', {
  id: uuid('id').primaryKey(),
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
})

export const staffRoleGrantDetails = pgTable('staff_role_grants', {
  id: uuid('id').primaryKey(),
  grantDetail: text('grant_detail'),
  revokeDetail: text('revoke_detail'),
})

/** `migrations/0050_citizen_identities.sql`: one Waypoint id per identity-provider subject per force. */
export const citizenIdentities = pgTable('citizen_identities', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  provider: text('provider').notNull(),
  subject: text('subject').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  lastSignedInAt: timestamp('last_signed_in_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
})
