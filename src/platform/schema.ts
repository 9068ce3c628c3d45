// Drizzle tables for the platform's own migrations (src/platform/migrations). The SQL files are
// the source of truth for the database; these definitions type the queries made against it.
import { bigint, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export interface ForceBranding {
  /** The name citizens see, when it differs from the force's formal name (CP-1). */
  displayName?: string
  primaryColour?: string
  logoText?: string
  logoUrl?: string
}

export const forces = pgTable('forces', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  shortName: text('short_name').notNull(),
  products: text('products').array().notNull(),
  branding: jsonb('branding').$type<ForceBranding>().notNull(),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
})

export const sharingAgreements = pgTable('sharing_agreements', {
  id: uuid('id').primaryKey().defaultRandom(),
  fromForceId: text('from_force_id').notNull(),
  toForceId: text('to_force_id').notNull(),
  recordKinds: text('record_kinds').array().notNull(),
  purpose: text('purpose').notNull(),
  startsAt: timestamptz('starts_at').notNull(),
  expiresAt: timestamptz('expires_at'),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  revokedBy: uuid('revoked_by'),
  revokedAt: timestamptz('revoked_at'),
})

export const staffUsers = pgTable('staff_users', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id'),
  email: text('email').notNull(),
  displayName: text('display_name').notNull(),
  passwordHash: text('password_hash'),
  totpSecret: text('totp_secret'),
  totpConfirmedAt: timestamptz('totp_confirmed_at'),
  /** The time step of the last accepted authenticator code (migration 0010), so none is used twice. */
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
  oidcIssuer: text('oidc_issuer'),
  oidcSubject: text('oidc_subject'),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: timestamptz('locked_until'),
  lastSignInAt: timestamptz('last_sign_in_at'),
  disabledAt: timestamptz('disabled_at'),
  disabledBy: uuid('disabled_by'),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  /** The HR system's employee id, set by provisioning (migration 0030). */
  hrEmployeeId: text('hr_employee_id'),
  /** 'sso' or 'local' (migration 0980): how the person signs in, chosen when they were added. */
  signInMethod: text('sign_in_method').$type<'sso' | 'local'>().notNull().default('sso'),
})

export const staffRoleGrants = pgTable('staff_role_grants', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  forceId: text('force_id'),
  role: text('role').notNull(),
  grantedBy: uuid('granted_by'),
  grantedAt: timestamptz('granted_at').notNull().defaultNow(),
  revokedBy: uuid('revoked_by'),
  revokedAt: timestamptz('revoked_at'),
  /** How the role changed (migration 0010): 'sso' when the identity provider's groups did it, null for an administrator. */
  grantDetail: text('grant_detail'),
  revokeDetail: text('revoke_detail'),
})

export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  subjectKind: text('subject_kind').$type<'anonymous' | 'staff' | 'citizen'>().notNull(),
  subjectId: uuid('subject_id'),
  forceId: text('force_id'),
  data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  ip: text('ip'),
  userAgent: text('user_agent'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
  absoluteExpiresAt: timestamptz('absolute_expires_at').notNull(),
})
