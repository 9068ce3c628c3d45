// Drizzle tables for src/messaging/migrations (the SQL files are the source of truth).
import { bigserial, boolean, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import type { SendingWindow } from './quiet-hours.ts'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export type Channel = 'sms' | 'email'
/** What a template may be written for: the channels messages go on, and letters (CRM-21), made as PDFs. */
export type TemplateChannel = Channel | 'letter'
export type Provider = 'outbox' | 'notify' | 'smtp'
export type MessageStatus =
  | 'scheduled'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'permanent-failure'
  | 'temporary-failure'
  | 'technical-failure'
  | 'cancelled'
  | 'suppressed'

export interface MessagingBranding {
  colour?: string
  logoText?: string
  logoUrl?: string
}

export const messagingSettings = pgTable('messaging_settings', {
  forceId: text('force_id').primaryKey(),
  smsChannel: text('sms_channel').$type<'outbox' | 'notify'>().notNull(),
  emailChannel: text('email_channel').$type<Provider>().notNull(),
  senderName: text('sender_name'),
  replyToEmail: text('reply_to_email'),
  notifySmsSenderId: text('notify_sms_sender_id'),
  notifyEmailReplyToId: text('notify_email_reply_to_id'),
  branding: jsonb('branding').$type<MessagingBranding>().notNull(),
  links: jsonb('links').$type<{ text: string; url: string }[]>().notNull(),
  sendingWindows: jsonb('sending_windows').$type<Partial<Record<Channel, SendingWindow>>>().notNull(),
  /** Whether messages may go on 25 and 26 December themselves (both channels). */
  sendOnChristmasDays: boolean('send_on_christmas_days').notNull().default(false),
  /** Sealed by NotifyKeys; never shown. Name and last 4 are what staff see. */
  notifyApiKeySealed: text('notify_api_key_sealed'),
  notifyApiKeyName: text('notify_api_key_name'),
  notifyApiKeyLast4: text('notify_api_key_last4'),
  notifyApiKeySetAt: timestamptz('notify_api_key_set_at'),
  notifyApiKeySetBy: uuid('notify_api_key_set_by'),
  /** The force's own Notify templates (`((body))`; email `((subject))`/`((body))`). */
  notifySmsTemplateId: text('notify_sms_template_id'),
  notifyEmailTemplateId: text('notify_email_template_id'),
  updatedBy: uuid('updated_by'),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
})

export const messageTemplates = pgTable('message_templates', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  key: text('key').notNull(),
  title: text('title').notNull(),
  channel: text('channel').$type<TemplateChannel>().notNull(),
  language: text('language').notNull(),
  version: integer('version').notNull(),
  subject: text('subject'),
  body: text('body').notNull(),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
})

export const messages = pgTable('messages', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  reference: text('reference').notNull(),
  personId: text('person_id'),
  caseId: text('case_id'),
  channel: text('channel').$type<Channel>().notNull(),
  provider: text('provider').$type<Provider>().notNull(),
  recipient: text('recipient').notNull(),
  recipientKey: text('recipient_key').notNull(),
  templateId: uuid('template_id'),
  templateKey: text('template_key'),
  templateVersion: integer('template_version'),
  language: text('language').notNull(),
  subject: text('subject'),
  body: text('body').notNull(),
  bodyMarkdown: text('body_markdown'),
  bodyHtml: text('body_html'),
  dueAt: timestamptz('due_at').notNull(),
  sendAfter: timestamptz('send_after').notNull(),
  urgent: boolean('urgent').notNull(),
  /** A designer's test send (UJ-18): never counted in reports (UJ-13..UJ-16). */
  isTest: boolean('is_test').notNull().default(false),
  /**
   * Carries a credential (a sign-in code, an invitation link): subject and bodies here hide it;
   * the words the person gets are in `message_secrets` until the message is handed over.
   */
  sensitive: boolean('sensitive').notNull().default(false),
  status: text('status').$type<MessageStatus>().notNull(),
  statusReason: text('status_reason'),
  providerRef: text('provider_ref'),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  sendingSince: timestamptz('sending_since'),
  /** A message in `sending` the provider could not account for: when to ask it again. */
  checkAgainAt: timestamptz('check_again_at'),
  reconcileChecks: integer('reconcile_checks').notNull().default(0),
  sentAt: timestamptz('sent_at'),
  completedAt: timestamptz('completed_at'),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
})

/** What a sensitive message says to the person: written by scheduling, read only by dispatch. */
export interface MessageSecretContent {
  subject: string | null
  text: string
  markdown: string | null
  html: string | null
}

export const messageSecrets = pgTable('message_secrets', {
  messageId: uuid('message_id').primaryKey(),
  forceId: text('force_id').notNull(),
  content: jsonb('content').$type<MessageSecretContent>().notNull(),
})

export const messageEvents = pgTable('message_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  forceId: text('force_id').notNull(),
  messageId: uuid('message_id').notNull(),
  fromStatus: text('from_status'),
  toStatus: text('to_status').notNull(),
  detail: text('detail'),
  actorId: uuid('actor_id'),
  at: timestamptz('at').notNull().defaultNow(),
})

export const messageOptOuts = pgTable('message_opt_outs', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  channel: text('channel').$type<Channel | 'all'>().notNull(),
  addressKey: text('address_key').notNull(),
  source: text('source').$type<'sms-stop' | 'email-link' | 'staff'>().notNull(),
  note: text('note'),
  recordedBy: uuid('recorded_by'),
  recordedAt: timestamptz('recorded_at').notNull().defaultNow(),
  withdrawnBy: uuid('withdrawn_by'),
  withdrawnAt: timestamptz('withdrawn_at'),
  withdrawnReason: text('withdrawn_reason'),
})

export const contactPointHealth = pgTable('contact_point_health', {
  forceId: text('force_id').notNull(),
  addressKey: text('address_key').notNull(),
  channel: text('channel').$type<Channel>().notNull(),
  status: text('status').$type<'bad' | 'ok'>().notNull(),
  reason: text('reason'),
  messageId: uuid('message_id'),
  failedAt: timestamptz('failed_at').notNull(),
  acknowledgedBy: uuid('acknowledged_by'),
  acknowledgedAt: timestamptz('acknowledged_at'),
})
