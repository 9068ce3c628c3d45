// The only SQL of conversations: conversations, participants, messages and attachments, and the
// look-ups that match a sender to a person (contact points, and the journeys' messages to them).
import { createHash } from 'node:crypto'
import { type SQL, sql } from 'drizzle-orm'
import type { Tx } from '../../platform/db/database.ts'
import type {
  ConversationChannel,
  DeliveryStatus,
  MessageDirection,
  MessageKind,
  ParticipantKind,
  ScanStatus,
} from './schema.ts'

export interface ConversationRow {
  id: string
  forceId: string
  personId: string | null
  personName: string | null
  caseId: string | null
  channel: ConversationChannel
  citizenAddressKey: string | null
  subject: string | null
  status: 'open' | 'closed'
  createdAt: Date
  lastMessageAt: Date
  unread: number
  lastBody: string | null
}

export interface ParticipantRow {
  id: string
  kind: ParticipantKind
  personId: string | null
  staffId: string | null
  displayName: string | null
  address: string | null
  lastReadAt: Date | null
}

export interface ConversationMessageRow {
  id: string
  conversationId: string
  participantId: string | null
  direction: MessageDirection
  channel: ConversationChannel
  provider: string
  providerRef: string | null
  fromAddress: string | null
  toAddress: string | null
  subject: string | null
  body: string
  deliveryStatus: DeliveryStatus
  readAt: Date | null
  readBy: string | null
  sentAt: Date
  /** The `messages` row dispatch sends it as (an outbound text or email). */
  messageId: string | null
  failure: 'permanent' | 'temporary' | null
  statusReason: string | null
  /** Who wrote it: the participant's name (staff, bot) or address (citizen). */
  author: string | null
  authorKind: ParticipantKind | null
  /** The staff member who wrote an outbound message. */
  authorStaffId: string | null
  kind: MessageKind
  answersRequest: string | null
  hiddenByCitizenAt: Date | null
  recalledAt: Date | null
  editedAt: Date | null
  originalBody: string | null
  dueBy: Date | null
  answeredAt: Date | null
  escalatedAt: Date | null
  newCrimeRule: string | null
}

export interface AttachmentRow {
  id: string
  messageId: string
  filename: string
  contentType: string
  sizeBytes: number
  sha256: string
  scanStatus: ScanStatus
  detectedType: string | null
  scanDetail: string | null
}

/** An attachment waiting for its scan, with its bytes. */
export interface PendingAttachment {
  id: string
  forceId: string
  filename: string
  contentType: string
  content: Buffer
}

/** A journey message to a person, for their timeline beside conversation messages. */
export interface JourneyMessageRow {
  id: string
  caseId: string | null
  channel: 'sms' | 'email'
  recipient: string
  subject: string | null
  body: string
  status: string
  messageAt: Date
}

async function rows<T>(tx: Tx, query: SQL): Promise<T[]> {
  const result = (await tx.execute(query)) as unknown as { rows: Record<string, unknown>[] }
  for (const row of result.rows) {
    for (const key of Object.keys(row)) {
      const value = row[key]
      if ((key.endsWith('At') || key === 'dueBy') && typeof value === 'string') row[key] = new Date(value)
    }
  }
  return result.rows as T[]
}

const conversationColumns = sql.raw(`c.id, c.force_id as "forceId", c.person_id as "personId",
  p.display_name as "personName", c.case_id as "caseId", c.channel,
  c.citizen_address_key as "citizenAddressKey", c.subject, c.status, c.created_at as "createdAt",
  c.last_message_at as "lastMessageAt",
  (select count(*)::int from conversation_messages m where m.conversation_id = c.id
     and m.direction = 'inbound' and m.read_at is null) as unread,
  (select m.body from conversation_messages m where m.conversation_id = c.id
     order by m.sent_at desc, m.created_at desc limit 1) as "lastBody"`)

const messageColumns =
  sql.raw(`m.id, m.conversation_id as "conversationId", m.participant_id as "participantId",
  m.direction, m.channel, m.provider, m.provider_ref as "providerRef", m.from_address as "fromAddress",
  m.to_address as "toAddress", m.subject, m.body, m.delivery_status as "deliveryStatus", m.read_at as "readAt",
  m.read_by as "readBy", m.sent_at as "sentAt", m.message_id as "messageId", m.failure,
  m.status_reason as "statusReason", coalesce(pa.display_name, pa.address) as author, pa.kind as "authorKind",
  pa.staff_id as "authorStaffId", m.kind, m.answers_request as "answersRequest",
  m.hidden_by_citizen_at as "hiddenByCitizenAt", m.recalled_at as "recalledAt", m.edited_at as "editedAt",
  m.original_body as "originalBody", m.due_by as "dueBy", m.answered_at as "answeredAt",
  m.escalated_at as "escalatedAt", m.new_crime_rule as "newCrimeRule"`)
const messageFrom = sql.raw(
  'conversation_messages m left join conversation_participants pa on pa.id = m.participant_id',
)

export class ConversationRepository {
  /**
   * Serialises inbound messages from one address until the transaction ends, so two arriving
   * together (or one delivered twice at once) find one conversation rather than opening two.
   */
  async lockAddress(tx: Tx, forceId: string, addressKey: string): Promise<void> {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`conversation:${forceId}:${addressKey}`}, 0))`,
    )
  }

  async messageByProviderRef(
    tx: Tx,
    provider: string,
    providerRef: string,
  ): Promise<ConversationMessageRow | undefined> {
    const [row] = await rows<ConversationMessageRow>(
      tx,
      sql`select ${messageColumns} from ${messageFrom}
          where m.provider = ${provider} and m.provider_ref = ${providerRef}`,
    )
    return row
  }

  /**
   * The person and case of the latest journey message to this address (the recipient key is
   * normalised the way messaging normalises it), when that person is on record.
   */
  async lastMessagedAbout(
    tx: Tx,
    recipientKey: string,
  ): Promise<{ personId: string; caseId: string | null } | undefined> {
    const [row] = await rows<{ personId: string; caseId: string | null }>(
      tx,
      sql`select p.id as "personId", m.case_id as "caseId" from messages m
          join people p on p.id::text = m.person_id
          where m.recipient_key = ${recipientKey} and m.status not in ('suppressed', 'cancelled')
          order by m.created_at desc limit 1`,
    )
    return row
  }

  /** People with a contact point of this kind whose value may be the address (checked by the caller). */
  contactPointCandidates(
    tx: Tx,
    kind: 'phone' | 'email',
    match: string,
  ): Promise<{ personId: string; value: string }[]> {
    return rows(
      tx,
      kind === 'email'
        ? sql`select person_id as "personId", value from contact_points
              where kind = 'email' and lower(trim(value)) = ${match}`
        : sql`select person_id as "personId", value from contact_points
              where kind = 'phone' and right(regexp_replace(value, '[^0-9]', '', 'g'), 10) = ${match}`,
    )
  }

  async openConversationOf(
    tx: Tx,
    who: { personId: string; caseId: string | null } | { addressKey: string },
  ): Promise<{ id: string } | undefined> {
    const where =
      'personId' in who
        ? sql`person_id = ${who.personId} and case_id is not distinct from ${who.caseId}`
        : sql`person_id is null and citizen_address_key = ${who.addressKey}`
    const [row] = await rows<{ id: string }>(
      tx,
      sql`select id from conversations where ${where} and status = 'open'
          order by last_message_at desc limit 1`,
    )
    return row
  }

  async createConversation(
    tx: Tx,
    c: {
      forceId: string
      personId: string | null
      caseId: string | null
      channel: ConversationChannel
      citizenAddressKey: string | null
      subject: string | null
      at: Date
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into conversations (force_id, person_id, case_id, channel, citizen_address_key, subject,
            created_at, last_message_at)
          values (${c.forceId}, ${c.personId}, ${c.caseId}, ${c.channel}, ${c.citizenAddressKey}, ${c.subject},
            ${c.at.toISOString()}, ${c.at.toISOString()})
          returning id`,
    )
    return row!.id
  }

  async citizenParticipant(
    tx: Tx,
    conversationId: string,
    p: { forceId: string; personId: string | null; address: string; displayName: string | null; at: Date },
  ): Promise<string> {
    const [found] = await rows<{ id: string }>(
      tx,
      sql`select id from conversation_participants where conversation_id = ${conversationId}
          and kind = 'citizen' and address = ${p.address} limit 1`,
    )
    if (found) return found.id
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into conversation_participants (force_id, conversation_id, kind, person_id, display_name, address, joined_at)
          values (${p.forceId}, ${conversationId}, 'citizen', ${p.personId}, ${p.displayName}, ${p.address},
            ${p.at.toISOString()})
          returning id`,
    )
    return row!.id
  }

  /** The participant for this member of staff or bot, added the first time they write. */
  async authorParticipant(
    tx: Tx,
    conversationId: string,
    p: { forceId: string; kind: 'staff' | 'bot'; staffId: string | null; displayName: string; at: Date },
  ): Promise<string> {
    const [found] = await rows<{ id: string }>(
      tx,
      p.kind === 'staff'
        ? sql`select id from conversation_participants where conversation_id = ${conversationId}
              and kind = 'staff' and staff_id = ${p.staffId} limit 1`
        : sql`select id from conversation_participants where conversation_id = ${conversationId}
              and kind = 'bot' and display_name = ${p.displayName} limit 1`,
    )
    if (found) return found.id
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into conversation_participants (force_id, conversation_id, kind, staff_id, display_name, joined_at)
          values (${p.forceId}, ${conversationId}, ${p.kind}, ${p.staffId}, ${p.displayName}, ${p.at.toISOString()})
          returning id`,
    )
    return row!.id
  }

  /** When the citizen last wrote in this conversation, if ever. */
  async latestInboundAt(tx: Tx, conversationId: string): Promise<Date | null> {
    const [row] = await rows<{ at: string | Date | null }>(
      tx,
      sql`select max(sent_at) as at from conversation_messages
          where conversation_id = ${conversationId} and direction = 'inbound'`,
    )
    return row?.at ? new Date(row.at) : null
  }

  /**
   * The conversation messages sent as these `messages` rows, with what a page showing them needs
   * to hear of a change (their force, conversation and person).
   */
  async sentAs(
    tx: Tx,
    messageIds: string[],
  ): Promise<{ id: string; forceId: string; conversationId: string; personId: string | null }[]> {
    if (messageIds.length === 0) return []
    return rows(
      tx,
      sql`select m.id, m.force_id as "forceId", m.conversation_id as "conversationId", c.person_id as "personId"
          from conversation_messages m join conversations c on c.id = m.conversation_id
          where m.message_id in (${sql.join(
            messageIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`,
    )
  }

  /** Conversations of the force with messages nobody has read, counting at most `cap`. */
  async unreadConversations(tx: Tx, cap: number): Promise<number> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from (select distinct conversation_id from conversation_messages
            where direction = 'inbound' and read_at is null limit ${cap}) u`,
    )
    return row?.n ?? 0
  }

  /** Inserts the message, or finds the one already stored under the provider's id. */
  async addMessage(
    tx: Tx,
    m: {
      forceId: string
      conversationId: string
      participantId: string | null
      direction: MessageDirection
      channel: ConversationChannel
      provider: string
      providerRef: string | null
      fromAddress: string | null
      toAddress: string | null
      subject: string | null
      body: string
      deliveryStatus: DeliveryStatus
      sentAt: Date
      messageId?: string | null
      kind?: MessageKind
      answersRequest?: string | null
      dueBy?: Date | null
      newCrimeRule?: string | null
    },
  ): Promise<{ id: string; created: boolean }> {
    const inserted = await rows<{ id: string }>(
      tx,
      sql`insert into conversation_messages (force_id, conversation_id, participant_id, direction, channel, provider,
            provider_ref, from_address, to_address, subject, body, delivery_status, sent_at, message_id,
            kind, answers_request, due_by, new_crime_rule)
          values (${m.forceId}, ${m.conversationId}, ${m.participantId}, ${m.direction}, ${m.channel}, ${m.provider},
            ${m.providerRef}, ${m.fromAddress}, ${m.toAddress}, ${m.subject}, ${m.body}, ${m.deliveryStatus},
            ${m.sentAt.toISOString()}, ${m.messageId ?? null}, ${m.kind ?? 'message'}, ${m.answersRequest ?? null},
            ${m.dueBy?.toISOString() ?? null}, ${m.newCrimeRule ?? null})
          on conflict (force_id, provider, provider_ref) where provider_ref is not null do nothing
          returning id`,
    )
    if (inserted[0]) {
      await tx.execute(
        sql`update conversations set last_message_at = greatest(last_message_at, ${m.sentAt.toISOString()}::timestamptz)
            where id = ${m.conversationId}`,
      )
      return { id: inserted[0].id, created: true }
    }
    const existing = await this.messageByProviderRef(tx, m.provider, m.providerRef ?? '')
    return { id: existing!.id, created: false }
  }

  async addAttachment(
    tx: Tx,
    a: { forceId: string; messageId: string; filename: string; contentType: string; content: Buffer },
  ): Promise<{ id: string; sha256: string }> {
    const sha256 = createHash('sha256').update(a.content).digest('hex')
    const [added] = await rows<{ id: string }>(
      tx,
      sql`insert into conversation_attachments (force_id, message_id, filename, content_type, size_bytes, sha256, content)
          values (${a.forceId}, ${a.messageId}, ${a.filename}, ${a.contentType}, ${a.content.length}, ${sha256},
            decode(${a.content.toString('hex')}, 'hex'))
          returning id`,
    )
    return { id: added!.id, sha256 }
  }

  /** Attachments waiting for a scan, oldest first, with their bytes (region-wide, as the scan job reads them). */
  async pendingAttachments(tx: Tx, limit: number): Promise<PendingAttachment[]> {
    const found = await rows<Omit<PendingAttachment, 'content'> & { content: string }>(
      tx,
      sql`select id, force_id as "forceId", filename, content_type as "contentType", encode(content, 'hex') as content
          from conversation_attachments where scan_status = 'pending' order by created_at limit ${limit}`,
    )
    return found.map((a) => ({ ...a, content: Buffer.from(a.content, 'hex') }))
  }

  /**
   * Records a scan's verdict on an attachment still pending; returns where it belongs (for the
   * audit and the pages showing it), or undefined when another scan recorded it first.
   */
  async recordScan(
    tx: Tx,
    id: string,
    verdict: {
      status: ScanStatus
      detectedType: string | null
      detail: string | null
      scannedBy: string
      at: Date
    },
  ): Promise<
    { forceId: string; conversationId: string; personId: string | null; messageId: string } | undefined
  > {
    const [row] = await rows<{
      forceId: string
      conversationId: string
      personId: string | null
      messageId: string
    }>(
      tx,
      sql`update conversation_attachments a set scan_status = ${verdict.status}, detected_type = ${verdict.detectedType},
            scan_detail = ${verdict.detail}, scanned_by = ${verdict.scannedBy}, scanned_at = ${verdict.at.toISOString()}
          from conversation_messages m join conversations c on c.id = m.conversation_id
          where a.id = ${id} and a.scan_status = 'pending' and m.id = a.message_id
          returning a.force_id as "forceId", m.conversation_id as "conversationId", c.person_id as "personId",
            a.message_id as "messageId"`,
    )
    return row
  }

  /** One attachment of a conversation, with its bytes. */
  async attachmentContent(
    tx: Tx,
    conversationId: string,
    id: string,
  ): Promise<(AttachmentRow & { content: Buffer }) | undefined> {
    const [row] = await rows<AttachmentRow & { content: string }>(
      tx,
      sql`select a.id, a.message_id as "messageId", a.filename, a.content_type as "contentType",
            a.size_bytes as "sizeBytes", a.sha256, a.scan_status as "scanStatus", a.detected_type as "detectedType",
            a.scan_detail as "scanDetail", encode(a.content, 'hex') as content
          from conversation_attachments a join conversation_messages m on m.id = a.message_id
          where a.id = ${id} and m.conversation_id = ${conversationId}`,
    )
    return row ? { ...row, content: Buffer.from(row.content, 'hex') } : undefined
  }

  async close(tx: Tx, id: string): Promise<void> {
    await tx.execute(sql`update conversations set status = 'closed' where id = ${id}`)
  }

  async conversation(tx: Tx, id: string): Promise<ConversationRow | undefined> {
    const [row] = await rows<ConversationRow>(
      tx,
      sql`select ${conversationColumns} from conversations c left join people p on p.id = c.person_id
          where c.id = ${id}`,
    )
    return row
  }

  /** One page of the force's conversations, the most recent first; `unmatched` for triage. */
  list(tx: Tx, page: { offset: number; limit: number; unmatched: boolean }): Promise<ConversationRow[]> {
    return rows(
      tx,
      sql`select ${conversationColumns} from conversations c left join people p on p.id = c.person_id
          where ${page.unmatched ? sql`c.person_id is null` : sql`true`}
          order by c.last_message_at desc, c.id limit ${page.limit} offset ${page.offset}`,
    )
  }

  conversationsOfPerson(tx: Tx, personId: string): Promise<ConversationRow[]> {
    return rows(
      tx,
      sql`select ${conversationColumns} from conversations c left join people p on p.id = c.person_id
          where c.person_id = ${personId} order by c.last_message_at desc`,
    )
  }

  participants(tx: Tx, conversationId: string): Promise<ParticipantRow[]> {
    return rows(
      tx,
      sql`select id, kind, person_id as "personId", staff_id as "staffId", display_name as "displayName", address,
            last_read_at as "lastReadAt"
          from conversation_participants where conversation_id = ${conversationId} order by joined_at`,
    )
  }

  messages(tx: Tx, conversationIds: string[]): Promise<ConversationMessageRow[]> {
    if (conversationIds.length === 0) return Promise.resolve([])
    return rows(
      tx,
      sql`select ${messageColumns} from ${messageFrom}
          where m.conversation_id in (${sql.join(
            conversationIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})
          order by m.sent_at, m.created_at`,
    )
  }

  attachments(tx: Tx, messageIds: string[]): Promise<AttachmentRow[]> {
    if (messageIds.length === 0) return Promise.resolve([])
    return rows(
      tx,
      sql`select id, message_id as "messageId", filename, content_type as "contentType", size_bytes as "sizeBytes",
            sha256, scan_status as "scanStatus", detected_type as "detectedType", scan_detail as "scanDetail"
          from conversation_attachments where message_id in (${sql.join(
            messageIds.map((id) => sql`${id}::uuid`),
            sql`, `,
          )}) order by created_at`,
    )
  }

  /** Marks the conversation's unread inbound messages read by this member of staff. */
  async markInboundRead(tx: Tx, conversationId: string, staffId: string, at: Date): Promise<number> {
    await tx.execute(
      sql`update conversation_participants set last_read_at = ${at.toISOString()}
          where conversation_id = ${conversationId} and kind = 'staff' and staff_id = ${staffId}`,
    )
    const result = await rows<{ id: string }>(
      tx,
      sql`update conversation_messages set read_at = ${at.toISOString()}, read_by = ${staffId}
          where conversation_id = ${conversationId} and direction = 'inbound' and read_at is null
          returning id`,
    )
    return result.length
  }

  /** Marks the force's messages in the conversation read by its citizen, and the citizen's participant. */
  async markOutboundRead(tx: Tx, conversationId: string, at: Date): Promise<number> {
    await tx.execute(
      sql`update conversation_participants set last_read_at = ${at.toISOString()}
          where conversation_id = ${conversationId} and kind = 'citizen'`,
    )
    const result = await rows<{ id: string }>(
      tx,
      sql`update conversation_messages set read_at = ${at.toISOString()}
          where conversation_id = ${conversationId} and direction = 'outbound' and read_at is null
          returning id`,
    )
    return result.length
  }

  /** The journeys' messages to a person (test sends excepted), oldest first. */
  journeyMessagesOf(tx: Tx, personId: string): Promise<JourneyMessageRow[]> {
    return rows(
      tx,
      sql`select id, case_id as "caseId", channel, recipient, subject, body, status,
            coalesce(sent_at, send_after) as "messageAt"
          from messages where person_id = ${personId} and not is_test
            -- a conversation's own messages are on the timeline as conversation messages
            and not exists (select 1 from conversation_messages cm where cm.message_id = messages.id)
          order by coalesce(sent_at, send_after), created_at`,
    )
  }

  async message(tx: Tx, id: string): Promise<ConversationMessageRow | undefined> {
    const [row] = await rows<ConversationMessageRow>(
      tx,
      sql`select ${messageColumns} from ${messageFrom} where m.id = ${id}`,
    )
    return row
  }

  /** The person's open portal conversation about this case (the Portal's thread). */
  async portalConversationOf(tx: Tx, personId: string, caseId: string): Promise<ConversationRow | undefined> {
    const [row] = await rows<ConversationRow>(
      tx,
      sql`select ${conversationColumns} from conversations c left join people p on p.id = c.person_id
          where c.person_id = ${personId} and c.case_id = ${caseId} and c.channel = 'portal'
          order by c.status = 'open' desc, c.last_message_at desc limit 1`,
    )
    return row
  }

  /** The person's messages in this conversation are answered (a member of staff replied). */
  async markAnswered(tx: Tx, conversationId: string, at: Date): Promise<string[]> {
    const result = await rows<{ id: string }>(
      tx,
      sql`update conversation_messages set answered_at = ${at.toISOString()}
          where conversation_id = ${conversationId} and direction = 'inbound' and answered_at is null
          returning id`,
    )
    return result.map((r) => r.id)
  }

  /** A recall or an edit of an outbound message: the first original is kept. */
  async changeOutbound(
    tx: Tx,
    id: string,
    change: { recalled: boolean; body: string | null; by: string; at: Date },
  ): Promise<void> {
    await tx.execute(
      change.recalled
        ? sql`update conversation_messages set recalled_at = ${change.at.toISOString()}, changed_by = ${change.by},
                original_body = coalesce(original_body, body)
              where id = ${id}`
        : sql`update conversation_messages set edited_at = ${change.at.toISOString()}, changed_by = ${change.by},
                original_body = coalesce(original_body, body), body = ${change.body}
              where id = ${id}`,
    )
  }

  /** What became of an outbound message sent outside messaging's dispatch (a social reply). */
  async setDelivery(
    tx: Tx,
    id: string,
    change: { status: DeliveryStatus; failure: 'permanent' | null; reason: string | null },
  ): Promise<void> {
    await tx.execute(
      sql`update conversation_messages set delivery_status = ${change.status}, failure = ${change.failure},
            status_reason = ${change.reason} where id = ${id} and direction = 'outbound'`,
    )
  }

  /** The citizen deletes a message from their own view (soft delete), or marks one read or unread. */
  async citizenState(tx: Tx, id: string, change: { hidden?: Date; read?: Date | null }): Promise<void> {
    if (change.hidden)
      await tx.execute(
        sql`update conversation_messages set hidden_by_citizen_at = ${change.hidden.toISOString()} where id = ${id}`,
      )
    if (change.read !== undefined)
      await tx.execute(
        sql`update conversation_messages set read_at = ${change.read?.toISOString() ?? null}
            where id = ${id} and direction = 'outbound'`,
      )
  }

  /** Messages past their due time with no answer and not yet escalated, oldest first. */
  overdue(tx: Tx, now: Date, limit: number): Promise<(ConversationMessageRow & { caseId: string | null })[]> {
    return rows(
      tx,
      sql`select ${messageColumns}, c.case_id as "caseId" from ${messageFrom}
            join conversations c on c.id = m.conversation_id
          where m.direction = 'inbound' and m.answered_at is null and m.escalated_at is null
            and m.due_by is not null and m.due_by <= ${now.toISOString()}
          order by m.due_by limit ${limit}`,
    )
  }

  async markEscalated(tx: Tx, id: string, at: Date): Promise<void> {
    await tx.execute(
      sql`update conversation_messages set escalated_at = ${at.toISOString()} where id = ${id}`,
    )
  }
}
