// The only SQL of web chat: a force's chat settings, chats (each one conversation) and their
// surveys; and, read-only, the chat's messages and the Contact queue's contact for it.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

/** Opening hours by ISO weekday ("1" Monday … "7" Sunday): [opens, closes] as HH:MM, or null. */
export type ChatHours = Record<string, [string, string] | null>

export interface ChatSettingsRow {
  enabled: boolean
  allowedOrigins: string[]
  hours: ChatHours
  outOfHoursReply: string
  updatedAt: Date | null
}

export interface ChatRow {
  id: string
  conversationId: string
  origin: string
  startedAt: Date
  outOfHours: boolean
  responder: string | null
  endedAt: Date | null
  endedBy: 'citizen' | 'staff' | null
  surveyed: boolean
}

export interface ChatMessageRow {
  id: string
  direction: 'inbound' | 'outbound'
  body: string
  sentAt: Date
  /** Who wrote an outbound message: a member of staff or a bot, and the name they go by. */
  authorKind: 'citizen' | 'staff' | 'bot' | null
  author: string | null
}

export interface SurveyReport {
  chats: number
  outOfHours: number
  answered: number
  byRating: { rating: number; count: number }[]
  average: number | null
  comments: { rating: number; comment: string; answeredAt: Date }[]
}

const toDate = (v: unknown) => (typeof v === 'string' ? new Date(v) : (v as Date))

export class ChatRepository {
  async settings(tx: Tx): Promise<ChatSettingsRow | undefined> {
    const [row] = await rows<ChatSettingsRow>(
      tx,
      sql`select enabled, allowed_origins as "allowedOrigins", hours, out_of_hours_reply as "outOfHoursReply",
            updated_at as "updatedAt"
          from contact_chat_settings`,
    )
    return row ? { ...row, updatedAt: row.updatedAt ? toDate(row.updatedAt) : null } : undefined
  }

  async saveSettings(
    tx: Tx,
    forceId: string,
    s: Omit<ChatSettingsRow, 'updatedAt'> & { updatedAt: Date; updatedBy: string },
  ): Promise<void> {
    const origins = sql`array[${sql.join(
      s.allowedOrigins.map((o) => sql`${o}`),
      sql`, `,
    )}]::text[]`
    await tx.execute(
      sql`insert into contact_chat_settings (force_id, enabled, allowed_origins, hours, out_of_hours_reply,
            updated_at, updated_by)
          values (${forceId}, ${s.enabled}, ${origins}, ${JSON.stringify(s.hours)}::jsonb, ${s.outOfHoursReply},
            ${s.updatedAt}, ${s.updatedBy})
          on conflict (force_id) do update set enabled = excluded.enabled,
            allowed_origins = excluded.allowed_origins, hours = excluded.hours,
            out_of_hours_reply = excluded.out_of_hours_reply, updated_at = excluded.updated_at,
            updated_by = excluded.updated_by`,
    )
  }

  async insertChat(
    tx: Tx,
    c: {
      id: string
      forceId: string
      conversationId: string
      tokenHash: string
      origin: string
      at: Date
      outOfHours: boolean
      responder: string | null
    },
  ): Promise<void> {
    await tx.execute(
      sql`insert into contact_chats (id, force_id, conversation_id, token_hash, origin, started_at, out_of_hours,
            responder)
          values (${c.id}, ${c.forceId}, ${c.conversationId}, ${c.tokenHash}, ${c.origin}, ${c.at}, ${c.outOfHours},
            ${c.responder})`,
    )
  }

  async chatByToken(tx: Tx, tokenHash: string): Promise<ChatRow | undefined> {
    const [row] = await rows<ChatRow>(
      tx,
      sql`select ${chatColumns} from contact_chats c where c.token_hash = ${tokenHash}`,
    )
    return row ? dates(row) : undefined
  }

  async chat(tx: Tx, id: string): Promise<ChatRow | undefined> {
    const [row] = await rows<ChatRow>(tx, sql`select ${chatColumns} from contact_chats c where c.id = ${id}`)
    return row ? dates(row) : undefined
  }

  /** Ends a chat still going; false when it had already ended. */
  async end(tx: Tx, id: string, by: 'citizen' | 'staff', at: Date): Promise<boolean> {
    const done = await rows<{ id: string }>(
      tx,
      sql`update contact_chats set ended_at = ${at}, ended_by = ${by} where id = ${id} and ended_at is null
          returning id`,
    )
    return done.length === 1
  }

  async handOver(tx: Tx, id: string): Promise<void> {
    await tx.execute(sql`update contact_chats set responder = null where id = ${id}`)
  }

  /**
   * The chat's messages, oldest first (recalled ones left out). Messages of one transaction (the
   * person's first and the out-of-hours reply) share their times: the person's comes first.
   */
  async messages(tx: Tx, conversationId: string): Promise<ChatMessageRow[]> {
    const found = await rows<ChatMessageRow>(
      tx,
      sql`select m.id, m.direction, m.body, m.sent_at as "sentAt", pa.kind as "authorKind",
            pa.display_name as author
          from conversation_messages m left join conversation_participants pa on pa.id = m.participant_id
          where m.conversation_id = ${conversationId} and m.recalled_at is null
          order by m.sent_at, m.created_at, m.direction = 'outbound', m.id`,
    )
    return found.map((m) => ({ ...m, sentAt: toDate(m.sentAt) }))
  }

  /** How many messages the citizen wrote in the chat since `since` (the rate limit). */
  async inboundSince(tx: Tx, conversationId: string, since: Date): Promise<number> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from conversation_messages
          where conversation_id = ${conversationId} and direction = 'inbound' and sent_at > ${since}`,
    )
    return row?.n ?? 0
  }

  /** The Contact queue's latest contact for the chat's conversation, and where it is. */
  async contactOf(tx: Tx, conversationId: string): Promise<{ id: string; status: string } | undefined> {
    const [row] = await rows<{ id: string; status: string }>(
      tx,
      sql`select id, status from contact_items where conversation_id = ${conversationId}
          order by enqueued_at desc, id desc limit 1`,
    )
    return row
  }

  async insertSurvey(
    tx: Tx,
    s: { chatId: string; forceId: string; rating: number; comment: string | null; at: Date },
  ): Promise<boolean> {
    const done = await rows<{ chatId: string }>(
      tx,
      sql`insert into contact_chat_surveys (chat_id, force_id, rating, comment, answered_at)
          values (${s.chatId}, ${s.forceId}, ${s.rating}, ${s.comment}, ${s.at})
          on conflict (chat_id) do nothing returning chat_id as "chatId"`,
    )
    return done.length === 1
  }

  /** Chats started and surveys answered in [from, to): counts, ratings and the latest comments. */
  async report(tx: Tx, from: Date, to: Date): Promise<SurveyReport> {
    const [chats] = await rows<{ chats: number; outOfHours: number }>(
      tx,
      sql`select count(*)::int as chats, count(*) filter (where out_of_hours)::int as "outOfHours"
          from contact_chats where started_at >= ${from} and started_at <= ${to}`,
    )
    const byRating = await rows<{ rating: number; count: number }>(
      tx,
      sql`select rating, count(*)::int as count from contact_chat_surveys
          where answered_at >= ${from} and answered_at <= ${to} group by rating order by rating desc`,
    )
    const comments = await rows<{ rating: number; comment: string; answeredAt: Date }>(
      tx,
      sql`select rating, comment, answered_at as "answeredAt" from contact_chat_surveys
          where answered_at >= ${from} and answered_at <= ${to} and comment is not null
          order by answered_at desc, chat_id limit 20`,
    )
    const answered = byRating.reduce((n, r) => n + r.count, 0)
    return {
      chats: chats?.chats ?? 0,
      outOfHours: chats?.outOfHours ?? 0,
      answered,
      byRating,
      average: answered ? byRating.reduce((n, r) => n + r.rating * r.count, 0) / answered : null,
      comments: comments.map((c) => ({ ...c, answeredAt: toDate(c.answeredAt) })),
    }
  }
}

const chatColumns = sql`c.id, c.conversation_id as "conversationId", c.origin, c.started_at as "startedAt",
  c.out_of_hours as "outOfHours", c.responder, c.ended_at as "endedAt", c.ended_by as "endedBy",
  exists (select 1 from contact_chat_surveys s where s.chat_id = c.id) as surveyed`

function dates(row: ChatRow): ChatRow {
  return { ...row, startedAt: toDate(row.startedAt), endedAt: row.endedAt ? toDate(row.endedAt) : null }
}
