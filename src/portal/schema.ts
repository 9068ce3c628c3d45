// Drizzle tables for src/portal/migrations (the SQL files are the source of truth; decision 0023).
import {
  bigint,
  boolean,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core'
import type { Condition } from '../journeys/conditions.ts'
import type { NewCrimeRules } from './new-crime.ts'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

/** Who a citizen is on a case: the victim, or someone designated beside them (CP-35..38). */
export type PortalRole = 'victim' | 'witness' | 'parent_guardian' | 'attorney'
export const portalRoles: readonly PortalRole[] = ['victim', 'witness', 'parent_guardian', 'attorney']
export type SecondFactor = 'sms' | 'email' | 'app'
/** How the Portal tells the person something (CP-11, CP-25). */
export type NotifyChannel = 'email' | 'sms' | 'both'
/** One Login's levels of authentication: low (`Cl`) and medium, two factors (`Cl.Cm`). */
export type OneLoginLevel = 'Cl' | 'Cl.Cm'
export type CaseKind = 'incident' | 'crime'

/** Region-wide: one account per person, across forces. */
export const portalAccounts = pgTable('portal_accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
  emailKey: text('email_key').notNull(),
  mobile: text('mobile'),
  passwordHash: text('password_hash'),
  secondFactor: text('second_factor').$type<SecondFactor>(),
  totpSecret: text('totp_secret'),
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
  termsAcceptedAt: timestamptz('terms_accepted_at'),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: timestamptz('locked_until'),
  homeForceId: text('home_force_id').notNull(),
  createdAt: timestamptz('created_at').notNull(),
  lastSignedInAt: timestamptz('last_signed_in_at'),
  previousSignedInAt: timestamptz('previous_signed_in_at'),
  oneLoginSub: text('one_login_sub'),
  phoneVerified: boolean('phone_verified').notNull().default(false),
  firstName: text('first_name'),
  lastName: text('last_name'),
  address: text('address'),
  contactPhone: text('contact_phone'),
  notifyChannel: text('notify_channel').$type<NotifyChannel>().notNull().default('email'),
  quietFrom: smallint('quiet_from'),
  quietTo: smallint('quiet_to'),
  termsVersion: text('terms_version'),
  privacyVersion: text('privacy_version'),
  cookiesVersion: text('cookies_version'),
  /** The language chosen with the page's Cymraeg / English toggle; null until chosen (decision 0057). */
  language: text('language').$type<'en' | 'cy'>(),
})

/** A force's GOV.UK One Login client (decision 0027); the private key is sealed. */
export const portalOneLoginSettings = pgTable('portal_one_login_settings', {
  forceId: text('force_id').primaryKey(),
  issuer: text('issuer').notNull(),
  clientId: text('client_id').notNull(),
  privateKeySealed: text('private_key_sealed').notNull(),
  keyId: text('key_id').notNull(),
  vtr: text('vtr').$type<OneLoginLevel>().notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
  updatedBy: uuid('updated_by'),
})

export const portalLinks = pgTable('portal_links', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  accountId: uuid('account_id').notNull(),
  personId: uuid('person_id').notNull(),
  caseKind: text('case_kind').$type<CaseKind>().notNull(),
  caseId: uuid('case_id').notNull(),
  role: text('role').$type<PortalRole>().notNull(),
  /** A parent or guardian's, or an attorney's: the person on the case they act for (CP-37). */
  actsForPersonId: uuid('acts_for_person_id'),
  invitationId: uuid('invitation_id'),
  linkedAt: timestamptz('linked_at').notNull(),
})

export const portalInvitations = pgTable('portal_invitations', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  personId: uuid('person_id').notNull(),
  caseKind: text('case_kind').$type<CaseKind>().notNull(),
  caseId: uuid('case_id').notNull(),
  role: text('role').$type<PortalRole>().notNull(),
  channel: text('channel').$type<'sms' | 'email'>().notNull(),
  address: text('address').notNull(),
  tokenHash: text('token_hash').notNull(),
  reason: text('reason').notNull(),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull(),
  expiresAt: timestamptz('expires_at').notNull(),
  lastSentAt: timestamptz('last_sent_at').notNull(),
  remindersSent: integer('reminders_sent').notNull().default(0),
  messageId: uuid('message_id'),
  acceptedAt: timestamptz('accepted_at'),
  accountId: uuid('account_id'),
  /** Whom the invited parent or guardian, or attorney, acts for on the case (CP-37). */
  actsForPersonId: uuid('acts_for_person_id'),
})

export const portalSettings = pgTable('portal_settings', {
  forceId: text('force_id').primaryKey(),
  eligibility: jsonb('eligibility').$type<PortalEligibility>().notNull(),
  linkValidDays: integer('link_valid_days').notNull(),
  remindAfterDays: integer('remind_after_days').notNull(),
  maxReminders: integer('max_reminders').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
  updatedBy: uuid('updated_by'),
})

export const portalChallenges = pgTable('portal_challenges', {
  id: uuid('id').primaryKey().defaultRandom(),
  tokenHash: text('token_hash').notNull(),
  purpose: text('purpose').$type<'register' | 'sign-in' | 'one-login' | 'reset' | 'change'>().notNull(),
  step: text('step').notNull(),
  forceId: text('force_id'),
  invitationId: uuid('invitation_id'),
  accountId: uuid('account_id'),
  email: text('email'),
  codeHash: text('code_hash'),
  codeChannel: text('code_channel').$type<'sms' | 'email'>(),
  codeExpiresAt: timestamptz('code_expires_at'),
  attempts: integer('attempts').notNull().default(0),
  pending: jsonb('pending').$type<Record<string, string>>().notNull().default({}),
  createdAt: timestamptz('created_at').notNull(),
  expiresAt: timestamptz('expires_at').notNull(),
})

/** A force's rules for a portal link (CP-9): who may be invited, who never is, and why. */
export interface PortalEligibility {
  /** The roles a link may go to. */
  roles: PortalRole[]
  /** Invite only when this holds (the journeys' conditions language). */
  include: Condition
  /** Never invite when any of these holds; each with the reason staff read. */
  exclude: { when: Condition; reason: string }[]
}

export type AccountRow = typeof portalAccounts.$inferSelect
export type LinkRow = typeof portalLinks.$inferSelect
export type InvitationRow = typeof portalInvitations.$inferSelect
export type SettingsRow = typeof portalSettings.$inferSelect
export type ChallengeRow = typeof portalChallenges.$inferSelect
export type OneLoginSettingsRow = typeof portalOneLoginSettings.$inferSelect

/** Each force's rules for portal messages (decision 0028); no row: `defaultMessageSettings`. */
export const portalMessageSettings = pgTable('portal_message_settings', {
  forceId: text('force_id').primaryKey(),
  minLength: integer('min_length').notNull(),
  maxLength: integer('max_length').notNull(),
  slaWorkingHours: integer('sla_working_hours').notNull(),
  workingStart: text('working_start').notNull(),
  workingEnd: text('working_end').notNull(),
  editWindowMinutes: integer('edit_window_minutes').notNull(),
  newCrimeRules: jsonb('new_crime_rules').$type<NewCrimeRules>(),
  updatedAt: timestamptz('updated_at').notNull(),
  updatedBy: uuid('updated_by'),
})
export type MessageSettingsRow = typeof portalMessageSettings.$inferSelect

/** What a notification about a case tells (decision 0036): a new case, its status, its officer, a message. */
export type NoticeKind = 'new-case' | 'status' | 'officer' | 'message'
export const noticeKinds: readonly NoticeKind[] = ['new-case', 'status', 'officer', 'message']
/** How soon a kind of update is told: never, at once, or in the force's daily round (CP-56, CP-62). */
export type NoticeTiming = 'off' | 'immediate' | 'daily'
/** The details of a case a force shows its people in their account (CP-60). */
export type ShownField = 'status' | 'officer' | 'updates'
export const shownFields: readonly ShownField[] = ['status', 'officer', 'updates']

export const portalNotificationSettings = pgTable('portal_notification_settings', {
  forceId: text('force_id').primaryKey(),
  newCase: text('new_case').$type<NoticeTiming>().notNull(),
  statusChange: text('status_change').$type<NoticeTiming>().notNull(),
  officerChange: text('officer_change').$type<NoticeTiming>().notNull(),
  newMessage: text('new_message').$type<NoticeTiming>().notNull(),
  digestHour: smallint('digest_hour').notNull(),
  minGapHours: smallint('min_gap_hours').notNull(),
  shownFields: jsonb('shown_fields').$type<ShownField[]>().notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
  updatedBy: uuid('updated_by'),
})
export type NotificationSettingsRow = typeof portalNotificationSettings.$inferSelect

export const portalCaseNotices = pgTable('portal_case_notices', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  accountId: uuid('account_id').notNull(),
  personId: uuid('person_id').notNull(),
  caseId: uuid('case_id').notNull(),
  kinds: jsonb('kinds').$type<NoticeKind[]>().notNull(),
  messageIds: jsonb('message_ids').$type<string[]>().notNull(),
  dueAt: timestamptz('due_at').notNull(),
  sendAfter: timestamptz('send_after').notNull(),
  createdAt: timestamptz('created_at').notNull(),
})
export type CaseNoticeRow = typeof portalCaseNotices.$inferSelect
