// Drizzle tables for src/messaging/conversations/migrations (the SQL files are the source of truth).
import { customType, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' })

/**
 * Every channel a conversation can use; journeys send on the first two. A letter (CRM-21) is a
 * message of a conversation begun on another channel: no conversation starts on it. `social`:
 * messages through the force's social platform connector (CRM-8).
 */
export type ConversationChannel = 'sms' | 'email' | 'portal' | 'chat' | 'phone' | 'letter' | 'social'
export type ParticipantKind = 'citizen' | 'staff' | 'bot'
export type MessageDirection = 'inbound' | 'outbound'
export type DeliveryStatus = 'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'cancelled'
export type MessageKind = 'message' | 'information-request' | 'information' | 'extra-information'
export type ScanStatus = 'pending' | 'clean' | 'infected' | 'failed'

export const conversations = pgTable('conversations', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  /** Null while the sender is not matched to a person (kept for triage). */
  personId: uuid('person_id'),
  caseId: text('case_id'),
  channel: text('channel').$type<ConversationChannel>().notNull(),
  citizenAddressKey: text('citizen_address_key'),
  subject: text('subject'),
  status: text('status').$type<'open' | 'closed'>().notNull().default('open'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  lastMessageAt: timestamptz('last_message_at').notNull().defaultNow(),
})

export const conversationParticipants = pgTable('conversation_participants', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  conversationId: uuid('conversation_id').notNull(),
  kind: text('kind').$type<ParticipantKind>().notNull(),
  personId: uuid('person_id'),
  staffId: uuid('staff_id'),
  displayName: text('display_name'),
  address: text('address'),
  joinedAt: timestamptz('joined_at').notNull().defaultNow(),
  /** How far this participant has read (staff on opening the conversation, the citizen in the portal). */
  lastReadAt: timestamptz('last_read_at'),
})

export const conversationMessages = pgTable('conversation_messages', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  conversationId: uuid('conversation_id').notNull(),
  participantId: uuid('participant_id'),
  direction: text('direction').$type<MessageDirection>().notNull(),
  channel: text('channel').$type<ConversationChannel>().notNull(),
  provider: text('provider').notNull(),
  providerRef: text('provider_ref'),
  fromAddress: text('from_address'),
  toAddress: text('to_address'),
  subject: text('subject'),
  body: text('body').notNull(),
  deliveryStatus: text('delivery_status').$type<DeliveryStatus>().notNull(),
  readAt: timestamptz('read_at'),
  readBy: uuid('read_by'),
  sentAt: timestamptz('sent_at').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  /** The `messages` row dispatch sends an outbound text or email as; its status is mirrored here. */
  messageId: uuid('message_id'),
  failure: text('failure').$type<'permanent' | 'temporary'>(),
  statusReason: text('status_reason'),
  /** An ordinary message, the force asking for information, the answer, or extra information (CP-107, CP-118). */
  kind: text('kind').$type<MessageKind>().notNull().default('message'),
  answersRequest: uuid('answers_request'),
  /** The person deleted it from their view (CP-102); the force keeps it. */
  hiddenByCitizenAt: timestamptz('hidden_by_citizen_at'),
  /** Recalled or edited by the officer within the force's window (CP-97); the original is kept. */
  recalledAt: timestamptz('recalled_at'),
  editedAt: timestamptz('edited_at'),
  originalBody: text('original_body'),
  changedBy: uuid('changed_by'),
  /** A person's message: when it is due an answer, answered, escalated (CP-104, CP-148). */
  dueBy: timestamptz('due_by'),
  answeredAt: timestamptz('answered_at'),
  escalatedAt: timestamptz('escalated_at'),
  /** The rule that read it as a new crime (CP-84), if one did. */
  newCrimeRule: text('new_crime_rule'),
})

export const conversationAttachments = pgTable('conversation_attachments', {
  id: uuid('id').primaryKey().defaultRandom(),
  forceId: text('force_id').notNull(),
  messageId: uuid('message_id').notNull(),
  filename: text('filename').notNull(),
  contentType: text('content_type').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  sha256: text('sha256').notNull(),
  content: bytea('content').notNull(),
  scanStatus: text('scan_status').$type<ScanStatus>().notNull().default('pending'),
  scannedAt: timestamptz('scanned_at'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  /** What the file is by its first bytes (never the sender's declared type). */
  detectedType: text('detected_type'),
  /** The scan's outcome in words: a signature found, a type refused. */
  scanDetail: text('scan_detail'),
  scannedBy: text('scanned_by'),
})
