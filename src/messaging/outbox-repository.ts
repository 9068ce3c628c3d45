// The outbox's reads and staff actions at a year's volume (825,000 messages a force): keyset
// pages newest first, a count that stops at a bound, search by phone, email, reference or name
// through indexes, and the statements behind cancel and resend. The only SQL of the outbox
// pages; every statement runs in the caller's tenancy transaction (row-level security on).
import { randomUUID } from 'node:crypto'
import { type SQL, sql } from 'drizzle-orm'
import { arrayParam, rows, type Tx } from '../platform/db/database.ts'
import type { Channel, MessageStatus, Provider } from './schema.ts'

/** A count beyond this is shown as "more than": counting every row of a year costs seconds. */
export const OUTBOX_COUNT_BOUND = 10_000

/** What one search on the outbox asks for; every part is optional. */
export interface OutboxFilter {
  status?: MessageStatus | undefined
  channel?: Channel | undefined
  templateKey?: string | undefined
  /** What the search box holds, already classified (see `classifySearch`). */
  search?: OutboxSearch | undefined
}

/** A search term understood as an address, or as a reference or a name. */
export type OutboxSearch =
  | { kind: 'address'; recipientKey: string }
  | { kind: 'text'; reference: string; caseReference: string; nameWords: string[] }

/** A position in the outbox's order (newest first): the created time to the microsecond and id. */
export interface OutboxCursor {
  at: string
  id: string
}

export interface OutboxMessage {
  id: string
  reference: string
  personId: string | null
  caseId: string | null
  channel: Channel
  provider: Provider
  recipient: string
  templateKey: string | null
  templateVersion: number | null
  language: string
  subject: string | null
  body: string
  sendAfter: Date
  dueAt: Date
  sentAt: Date | null
  status: MessageStatus
  statusReason: string | null
  isTest: boolean
  createdAt: Date
  cursorAt: string
}

export interface OutboxPage {
  messages: OutboxMessage[]
  /** Where the next (older) page starts, if there is one. */
  older: OutboxCursor | null
  /** Where the previous (newer) page ends, if there is one. */
  newer: OutboxCursor | null
}

const columns = sql`id, reference, person_id as "personId", case_id as "caseId", channel, provider,
  recipient, template_key as "templateKey", template_version as "templateVersion", language, subject,
  body, send_after as "sendAfter", due_at as "dueAt", sent_at as "sentAt", status,
  status_reason as "statusReason", is_test as "isTest", created_at as "createdAt",
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"`

type RawMessage = Omit<OutboxMessage, 'sendAfter' | 'dueAt' | 'sentAt' | 'createdAt'> & {
  sendAfter: Date | string
  dueAt: Date | string
  sentAt: Date | string | null
  createdAt: Date | string
}

function withDates(m: RawMessage): OutboxMessage {
  return {
    ...m,
    sendAfter: new Date(m.sendAfter),
    dueAt: new Date(m.dueAt),
    sentAt: m.sentAt === null ? null : new Date(m.sentAt),
    createdAt: new Date(m.createdAt),
  }
}

export class OutboxRepository {
  /**
   * One page, newest first: after `older` (the next page), or before `newer` (the previous page),
   * or the first. Reads `limit` rows from an index in order (keyset), however deep the page.
   */
  async page(
    tx: Tx,
    forceId: string,
    filter: OutboxFilter,
    limit: number,
    position: { older?: OutboxCursor; newer?: OutboxCursor } = {},
  ): Promise<OutboxPage> {
    const where = conditions(forceId, filter)
    if (position.newer) {
      const { at, id } = position.newer
      const found = (
        await rows<RawMessage>(
          tx,
          sql`select ${columns} from messages where ${where}
                and created_at >= ${at}::timestamptz and (created_at > ${at}::timestamptz or id > ${id}::uuid)
              order by created_at, id limit ${limit + 1}`,
        )
      ).map(withDates)
      const more = found.length > limit
      const shown = found.slice(0, limit).reverse()
      return {
        messages: shown,
        newer: more && shown[0] ? cursorOf(shown[0]) : null,
        older: shown.length > 0 ? cursorOf(shown[shown.length - 1]!) : null,
      }
    }
    const after = position.older
      ? sql` and created_at <= ${position.older.at}::timestamptz
             and (created_at < ${position.older.at}::timestamptz or id < ${position.older.id}::uuid)`
      : sql``
    const found = (
      await rows<RawMessage>(
        tx,
        sql`select ${columns} from messages where ${where}${after}
            order by created_at desc, id desc limit ${limit + 1}`,
      )
    ).map(withDates)
    const shown = found.slice(0, limit)
    return {
      messages: shown,
      older: found.length > limit && shown.length > 0 ? cursorOf(shown[shown.length - 1]!) : null,
      newer: position.older && shown[0] ? cursorOf(shown[0]) : null,
    }
  }

  /** How many messages match, counted up to `bound` and one more (more than `bound` when so). */
  async count(tx: Tx, forceId: string, filter: OutboxFilter, bound = OUTBOX_COUNT_BOUND): Promise<number> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from (
            select 1 from messages where ${conditions(forceId, filter)} limit ${bound + 1}) matching`,
    )
    return row?.n ?? 0
  }

  /** Every matching message, newest first, read in pages so an export never holds them all. */
  async *all(
    run: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>,
    forceId: string,
    filter: OutboxFilter,
    pageSize = 1000,
  ): AsyncGenerator<OutboxMessage> {
    let older: OutboxCursor | undefined
    for (;;) {
      const from = older
      const page = await run((tx) => this.page(tx, forceId, filter, pageSize, from ? { older: from } : {}))
      for (const message of page.messages) yield message
      if (!page.older) return
      older = page.older
    }
  }

  /** The newest title of each of the force's template keys, for the filter and the list. */
  async templateTitles(tx: Tx, forceId: string): Promise<{ key: string; title: string }[]> {
    return rows(
      tx,
      sql`select distinct on (key) key, title from message_templates
          where force_id = ${forceId} order by key, version desc`,
    )
  }

  /** Whether the address may be sent to now: no active opt-out and not failed permanently. */
  async refusalToSend(
    tx: Tx,
    forceId: string,
    channel: Channel,
    recipientKey: string,
  ): Promise<string | null> {
    const [row] = await rows<{ optedOut: boolean; bad: boolean }>(
      tx,
      sql`select
            exists (select 1 from message_opt_outs where force_id = ${forceId} and address_key = ${recipientKey}
              and channel in (${channel}, 'all') and withdrawn_at is null) as "optedOut",
            exists (select 1 from contact_point_health where force_id = ${forceId}
              and address_key = ${recipientKey} and status = 'bad') as bad`,
    )
    if (row?.optedOut) return 'The person has opted out of these messages'
    if (row?.bad) return 'This number or address failed permanently and has not been confirmed again'
    return null
  }

  /** A copy of a message, scheduled again as new (its own reference), with its first event. */
  async insertResend(
    tx: Tx,
    originalId: string,
    change: { provider: Provider; sendAfter: Date; dueAt: Date; actorId: string; detail: string },
  ): Promise<string | undefined> {
    const id = randomUUID()
    const inserted = await rows<{ id: string; force_id: string }>(
      tx,
      sql`insert into messages (id, force_id, reference, person_id, case_id, channel, provider, recipient,
            recipient_key, template_id, template_key, template_version, language, subject, body,
            body_markdown, body_html, due_at, send_after, urgent, status, is_test, created_by)
          select ${id}::uuid, force_id, ${`wp-${randomUUID()}`}, person_id, case_id, channel, ${change.provider},
            recipient, recipient_key, template_id, template_key, template_version, language, subject, body,
            body_markdown, body_html, ${change.dueAt.toISOString()}::timestamptz,
            ${change.sendAfter.toISOString()}::timestamptz, urgent, 'scheduled', is_test, ${change.actorId}::uuid
          from messages where id = ${originalId}::uuid
          returning id, force_id`,
    )
    const row = inserted[0]
    if (!row) return undefined
    await tx.execute(
      sql`insert into message_events (force_id, message_id, from_status, to_status, detail, actor_id)
          values (${row.force_id}, ${id}::uuid, null, 'scheduled', ${change.detail}, ${change.actorId}::uuid)`,
    )
    return id
  }
}

function cursorOf(m: OutboxMessage): OutboxCursor {
  return { at: m.cursorAt, id: m.id }
}

/** The where clause of a filter: each part matches an index (migration 0970). */
function conditions(forceId: string, filter: OutboxFilter): SQL {
  const parts: SQL[] = [sql`force_id = ${forceId}`]
  if (filter.status) parts.push(sql`status = ${filter.status}`)
  if (filter.channel) parts.push(sql`channel = ${filter.channel}`)
  if (filter.templateKey) parts.push(sql`template_key = ${filter.templateKey}`)
  const search = filter.search
  if (search?.kind === 'address') parts.push(sql`recipient_key = ${search.recipientKey}`)
  if (search?.kind === 'text') {
    // Our reference, a crime or incident reference, or the person's name (every word of it):
    // the case and person ids are looked up through their indexes among the force's own rows
    // (migration 0971), then the messages are read by reference, case or person.
    const targets = sql`waypoint_outbox_search_targets(${search.caseReference}, ${arrayParam(search.nameWords, 'text')})`
    const either: SQL[] = [
      sql`reference = ${search.reference}`,
      sql`case_id = any(array(select case_id from ${targets} where case_id is not null))`,
      sql`person_id = any(array(select person_id from ${targets} where person_id is not null))`,
    ]
    parts.push(sql`(${sql.join(either, sql` or `)})`)
  }
  return sql.join(parts, sql` and `)
}
