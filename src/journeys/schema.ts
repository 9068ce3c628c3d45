// Drizzle tables for src/journeys/migrations (the SQL files are the source of truth).
import { bigserial, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import type { ContactPolicySettings } from './contact-policy.ts'
import type { JourneyDefinition } from './definition.ts'
import type { EligibilityRules } from './eligibility.ts'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })

export const journeys = pgTable('journeys', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  key: text('key').notNull(),
  name: text('name').notNull(),
  kind: text('kind').$type<'standard' | 'enhanced'>().notNull(),
  description: text('description').notNull(),
  draft: jsonb('draft').$type<JourneyDefinition>().notNull(),
  publishedVersion: integer('published_version'),
  createdBy: uuid('created_by'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  archivedAt: timestamptz('archived_at'),
})

export const journeyVersions = pgTable('journey_versions', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  journeyId: uuid('journey_id').notNull(),
  version: integer('version').notNull(),
  definition: jsonb('definition').$type<JourneyDefinition>().notNull(),
  publishedBy: uuid('published_by'),
  publishedAt: timestamptz('published_at').notNull(),
})

export const journeyForceRules = pgTable('journey_force_rules', {
  forceId: text('force_id').primaryKey(),
  eligibility: jsonb('eligibility').$type<EligibilityRules>().notNull(),
  contactPolicy: jsonb('contact_policy').$type<ContactPolicySettings>().notNull(),
  updatedBy: uuid('updated_by'),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
})

export type EnrolmentStatus = 'active' | 'waiting-event' | 'completed' | 'stopped' | 'cancelled'

export const enrolments = pgTable('enrolments', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  journeyId: uuid('journey_id').notNull(),
  versionId: uuid('version_id').notNull(),
  caseId: uuid('case_id').notNull(),
  /** The incident and crimes this is one occurrence with (the case model's occurrence id). */
  occurrenceId: uuid('occurrence_id').notNull(),
  /** Set when a late link showed this duplicated an earlier enrolment, which carries on. */
  mergedInto: uuid('merged_into'),
  incidentId: uuid('incident_id'),
  crimeId: uuid('crime_id'),
  personId: uuid('person_id').notNull(),
  status: text('status').$type<EnrolmentStatus>().notNull(),
  stepIndex: integer('step_index').notNull(),
  dueAt: timestamptz('due_at'),
  waitingFor: text('waiting_for'),
  endReason: text('end_reason'),
  vcopDueAt: timestamptz('vcop_due_at'),
  /**
   * No longer written: it held the planned send time. Whether a deadline was met is read from
   * when the journey's messages were actually handed to the provider (reporting, CP-65).
   */
  vcopMetAt: timestamptz('vcop_met_at'),
  enrolledAt: timestamptz('enrolled_at').notNull(),
  updatedAt: timestamptz('updated_at').notNull(),
})

export const enrolmentSteps = pgTable('enrolment_steps', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  forceId: text('force_id').notNull(),
  enrolmentId: uuid('enrolment_id').notNull(),
  stepIndex: integer('step_index'),
  outcome: text('outcome').notNull(),
  template: text('template'),
  channel: text('channel'),
  recipientPersonId: uuid('recipient_person_id'),
  sendAfter: timestamptz('send_after'),
  messageId: uuid('message_id'),
  detail: text('detail').notNull(),
  recordedAt: timestamptz('recorded_at').notNull(),
})

export const enrolmentDecisions = pgTable('enrolment_decisions', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  forceId: text('force_id').notNull(),
  journeyId: uuid('journey_id').notNull(),
  versionId: uuid('version_id').notNull(),
  incidentId: uuid('incident_id'),
  crimeId: uuid('crime_id'),
  personId: uuid('person_id').notNull(),
  eventType: text('event_type').notNull(),
  outcome: text('outcome').$type<'enrolled' | 'not-enrolled' | 'already-enrolled'>().notNull(),
  reasons: jsonb('reasons').$type<string[]>().notNull(),
  decidedAt: timestamptz('decided_at').notNull(),
})

export const safeChannelConfirmations = pgTable(
  'safe_channel_confirmations',
  {
    forceId: text('force_id').notNull(),
    personId: uuid('person_id').notNull(),
    channel: text('channel').$type<'sms' | 'email'>().notNull(),
    confirmedBy: uuid('confirmed_by'),
    confirmedAt: timestamptz('confirmed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.forceId, t.personId, t.channel] })],
)
