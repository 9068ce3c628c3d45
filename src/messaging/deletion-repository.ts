// Deleting a case's or a person's messages for review, retention and deletion under the PIRM
// Code (UJ-3, CP-4, CRM-4), in the caller's transaction. Opt-outs stay: they are kept so that a
// STOP is still honoured, and they hold an address key, not the message.
import { type SQL, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

async function count(tx: Tx, query: SQL): Promise<number> {
  const [row] = await rows<{ n: number }>(
    tx,
    sql`with d as (${query} returning 1) select count(*)::int as n from d`,
  )
  return row?.n ?? 0
}

export class MessageDeletionRepository {
  async deleteWhere(tx: Tx, where: SQL, limit?: number): Promise<Record<string, number>> {
    const ids = (
      await rows<{ id: string }>(
        tx,
        sql`select id from messages where ${where}${limit === undefined ? sql`` : sql` limit ${limit}`}`,
      )
    ).map((r) => r.id)
    if (ids.length === 0) return { messages: 0, message_events: 0 }
    const list = sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )
    await tx.execute(sql`update contact_point_health set message_id = null where message_id in (${list})`)
    return {
      message_events: await count(tx, sql`delete from message_events where message_id in (${list})`),
      messages: await count(tx, sql`delete from messages where id in (${list})`),
    }
  }

  async deleteFor(tx: Tx, target: { caseId?: string; personId?: string }): Promise<Record<string, number>> {
    const conditions = [
      ...(target.caseId ? [sql`case_id = ${target.caseId}`] : []),
      ...(target.personId ? [sql`person_id::text = ${target.personId}`] : []),
    ]
    if (conditions.length === 0) return { messages: 0, message_events: 0 }
    const where = sql.join(conditions, sql` or `)
    return { ...(await this.deleteWhere(tx, where)), ...(await this.#deleteConversationsWhere(tx, where)) }
  }

  /** Conversations of the case or person, with their messages, attachments and participants. */
  async #deleteConversationsWhere(tx: Tx, where: SQL): Promise<Record<string, number>> {
    const ids = (await rows<{ id: string }>(tx, sql`select id from conversations where ${where}`)).map(
      (r) => r.id,
    )
    if (ids.length === 0) return {}
    const list = sql.join(
      ids.map((id) => sql`${id}::uuid`),
      sql`, `,
    )
    return {
      conversation_attachments: await count(
        tx,
        sql`delete from conversation_attachments where message_id in
              (select id from conversation_messages where conversation_id in (${list}))`,
      ),
      conversation_messages: await count(
        tx,
        sql`delete from conversation_messages where conversation_id in (${list})`,
      ),
      conversation_participants: await count(
        tx,
        sql`delete from conversation_participants where conversation_id in (${list})`,
      ),
      conversations: await count(tx, sql`delete from conversations where id in (${list})`),
    }
  }

  /**
   * Up to `limit` messages created before `cutoff` that have finished (nothing left to send or
   * track). Each id is a statement parameter, and PostgreSQL takes at most 65,535 in one
   * statement, so the sweep deletes a batch at a time.
   */
  deleteFinishedBefore(tx: Tx, cutoff: Date, limit: number): Promise<Record<string, number>> {
    return this.deleteWhere(
      tx,
      sql`created_at < ${cutoff} and status not in ('scheduled', 'sending', 'sent')`,
      limit,
    )
  }
}
