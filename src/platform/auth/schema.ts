// Drizzle columns added to the platform's staff tables by `migrations/0010_staff_authentication.sql`.
// Declared here, beside the sign-in code that owns them, as partial views of the same tables.
import { bigint, pgTable, text, uuid } from 'drizzle-orm/pg-core'

export const staffTotpSteps = pgTable('staff_users', {
  id: uuid('id').primaryKey(),
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
})

export const staffRoleGrantDetails = pgTable('staff_role_grants', {
  id: uuid('id').primaryKey(),
  grantDetail: text('grant_detail'),
  revokeDetail: text('revoke_detail'),
})
