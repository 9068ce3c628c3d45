// Tools for contact handlers beside the queue: private notes on a contact. A note is for the
// force's contact staff only: it is never shown to the person, never part of the conversation and
// never sent back to CAD or RMS. A note may mention colleagues of the same force (ticked, or
// written as @Their Name); each mention is a notice on the colleague's queue until they open the
// contact's notes. Every note written and every reading of the notes is audited.
import { sql } from 'drizzle-orm'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { type Acting, auditActing } from './queue.ts'

export const NOTE_MAX = 2000
const MENTIONS_MAX = 20

export interface ContactNote {
  id: string
  authorId: string
  authorName: string
  body: string
  at: Date
  mentioned: { staffId: string; name: string }[]
}

export interface Colleague {
  staffId: string
  name: string
}

export interface MentionNotice {
  noteId: string
  itemId: string
  authorName: string
  at: Date
}

export class AgentToolsService {
  readonly #db: Database
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: { db: Database; clock: Clock; audit: AuditService }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  /** The force's contact staff who can be mentioned (row-level security keeps it to the force). */
  async #colleagues(tx: Tx): Promise<Colleague[]> {
    return rows<Colleague>(
      tx,
      sql`select u.id as "staffId", u.display_name as name from staff_users u
          where u.disabled_at is null and exists (
            select 1 from staff_role_grants g where g.user_id = u.id and g.revoked_at is null
              and g.role in ('contact_handler', 'contact_supervisor'))
          order by u.display_name, u.id`,
    )
  }

  async #itemExists(tx: Tx, itemId: string): Promise<boolean> {
    const found = await rows<{ id: string }>(tx, sql`select id from contact_items where id = ${itemId}`)
    return found.length > 0
  }

  /**
   * A contact's notes, newest first, with the colleagues who may be mentioned; opening them marks
   * the reader's mentions on this contact seen. `audit` runs in the same transaction.
   */
  async notes(
    forceId: string,
    itemId: string,
    staffId: string,
    audit: (tx: Tx) => Promise<unknown>,
  ): Promise<{ notes: ContactNote[]; colleagues: Colleague[] }> {
    return this.#db.withForce(forceId, async (tx) => {
      if (!(await this.#itemExists(tx, itemId))) throw new NotFoundError('The contact')
      await audit(tx)
      const found = await rows<Omit<ContactNote, 'mentioned'>>(
        tx,
        sql`select id, author_id as "authorId", author_name as "authorName", body, at from contact_notes
            where item_id = ${itemId} order by at desc, id`,
      )
      const mentions = await rows<{ noteId: string; staffId: string; name: string | null }>(
        tx,
        sql`select m.note_id as "noteId", m.staff_id as "staffId", u.display_name as name
            from contact_note_mentions m join contact_notes n on n.id = m.note_id
            left join staff_users u on u.id = m.staff_id
            where n.item_id = ${itemId} order by u.display_name`,
      )
      await tx.execute(
        sql`update contact_note_mentions set seen_at = ${this.#clock.now()}
            where staff_id = ${staffId} and seen_at is null
              and note_id in (select id from contact_notes where item_id = ${itemId})`,
      )
      return {
        notes: found.map((n) => ({
          ...n,
          mentioned: mentions
            .filter((m) => m.noteId === n.id)
            .map((m) => ({ staffId: m.staffId, name: m.name ?? 'A former colleague' })),
        })),
        colleagues: await this.#colleagues(tx),
      }
    })
  }

  /** Adds a note to a contact, mentioning the colleagues ticked or written as @Name. */
  async addNote(
    forceId: string,
    itemId: string,
    input: { body?: string; mention?: string | string[] },
    acting: Acting,
  ): Promise<string> {
    const body = (input.body ?? '').trim()
    const ticked = [input.mention ?? []].flat().filter((m) => m !== '')
    if (body === '') throw new ValidationError([{ field: 'body', message: 'Enter the note' }])
    if (body.length > NOTE_MAX)
      throw new ValidationError([
        { field: 'body', message: `The note must be ${NOTE_MAX} characters or fewer` },
      ])
    return this.#db.withForce(forceId, async (tx) => {
      if (!(await this.#itemExists(tx, itemId))) throw new NotFoundError('The contact')
      const colleagues = await this.#colleagues(tx)
      const known = new Set(colleagues.map((c) => c.staffId))
      if (ticked.some((id) => !known.has(id)))
        throw new ValidationError([{ field: 'mention', message: 'Mention only contact staff of your force' }])
      const lower = body.toLowerCase()
      const written = colleagues
        .filter((c) => lower.includes(`@${c.name.toLowerCase()}`))
        .map((c) => c.staffId)
      const mentioned = [...new Set([...ticked, ...written])].filter((id) => id !== acting.staffId)
      if (mentioned.length > MENTIONS_MAX)
        throw new ValidationError([
          { field: 'mention', message: `Mention ${MENTIONS_MAX} colleagues or fewer` },
        ])
      const now = this.#clock.now()
      const [note] = await rows<{ id: string }>(
        tx,
        sql`insert into contact_notes (force_id, item_id, author_id, author_name, body, at)
            values (${forceId}, ${itemId}, ${acting.staffId}, ${acting.name}, ${body}, ${now}) returning id`,
      )
      for (const staffId of mentioned)
        await tx.execute(
          sql`insert into contact_note_mentions (force_id, note_id, staff_id) values (${forceId}, ${note!.id}, ${staffId})`,
        )
      await this.#audit.record(
        {
          action: 'contact.note-added',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact',
          recordId: itemId,
          detail: { note: note!.id, mentioned },
        },
        tx,
      )
      return note!.id
    })
  }

  /** Notes mentioning the handler that they have not yet opened: notices for their queue. */
  async notices(forceId: string, staffId: string): Promise<MentionNotice[]> {
    return this.#db.withForce(forceId, (tx) =>
      rows<MentionNotice>(
        tx,
        sql`select n.id as "noteId", n.item_id as "itemId", n.author_name as "authorName", n.at
            from contact_note_mentions m join contact_notes n on n.id = m.note_id
            where m.staff_id = ${staffId} and m.seen_at is null order by n.at desc limit 50`,
      ),
    )
  }
}

export const CANNED_TITLE_MAX = 100
export const CANNED_BODY_MAX = 1000

export interface CannedResponse {
  id: string
  title: string
  body: string
  updatedAt: Date
}

/**
 * Canned responses: the force's short replies, kept by its contact supervisors (add, change,
 * remove, each audited), put into a reply by a handler, who may edit it before sending.
 */
export class CannedResponsesService {
  readonly #db: Database
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: { db: Database; clock: Clock; audit: AuditService }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  list(forceId: string): Promise<CannedResponse[]> {
    return this.#db.withForce(forceId, (tx) =>
      rows<CannedResponse>(
        tx,
        sql`select id, title, body, updated_at as "updatedAt" from contact_canned_responses order by lower(title), id`,
      ),
    )
  }

  async get(forceId: string, id: string): Promise<CannedResponse> {
    const [found] = await this.#db.withForce(forceId, (tx) =>
      rows<CannedResponse>(
        tx,
        sql`select id, title, body, updated_at as "updatedAt" from contact_canned_responses where id = ${id}`,
      ),
    )
    if (!found) throw new NotFoundError('The canned response')
    return found
  }

  #checked(input: { title?: string; body?: string }): { title: string; body: string } {
    const title = (input.title ?? '').trim()
    const body = (input.body ?? '').trim()
    const errors = []
    if (title === '') errors.push({ field: 'title', message: 'Enter a title' })
    else if (title.length > CANNED_TITLE_MAX)
      errors.push({ field: 'title', message: `The title must be ${CANNED_TITLE_MAX} characters or fewer` })
    if (body === '') errors.push({ field: 'body', message: 'Enter the response' })
    else if (body.length > CANNED_BODY_MAX)
      errors.push({ field: 'body', message: `The response must be ${CANNED_BODY_MAX} characters or fewer` })
    if (errors.length > 0) throw new ValidationError(errors)
    return { title, body }
  }

  async #titleTaken(tx: Tx, title: string, except: string | null): Promise<void> {
    const clash = await rows<{ id: string }>(
      tx,
      sql`select id from contact_canned_responses where lower(title) = lower(${title})
            and (${except}::uuid is null or id <> ${except}::uuid)`,
    )
    if (clash.length > 0)
      throw new ValidationError([
        { field: 'title', message: 'Your force already has a response with this title' },
      ])
  }

  async #record(tx: Tx, forceId: string, acting: Acting, action: string, id: string, detail = {}) {
    await auditActing(this.#audit, tx, forceId, acting, {
      action,
      recordType: 'contact-canned-response',
      recordId: id,
      detail,
    })
  }

  /** Adds a response (`id` null) or changes one. */
  async save(
    forceId: string,
    id: string | null,
    input: { title?: string; body?: string },
    acting: Acting,
  ): Promise<string> {
    const { title, body } = this.#checked(input)
    return this.#db.withForce(forceId, async (tx) => {
      await this.#titleTaken(tx, title, id)
      const now = this.#clock.now()
      if (id === null) {
        const [added] = await rows<{ id: string }>(
          tx,
          sql`insert into contact_canned_responses (force_id, title, body, updated_by, updated_at)
              values (${forceId}, ${title}, ${body}, ${acting.staffId}, ${now}) returning id`,
        )
        await this.#record(tx, forceId, acting, 'contact-canned-response.added', added!.id, { title })
        return added!.id
      }
      const changed = await rows<{ id: string }>(
        tx,
        sql`update contact_canned_responses set title = ${title}, body = ${body}, updated_by = ${acting.staffId},
              updated_at = ${now} where id = ${id} returning id`,
      )
      if (changed.length === 0) throw new NotFoundError('The canned response')
      await this.#record(tx, forceId, acting, 'contact-canned-response.changed', id, { title })
      return id
    })
  }

  async remove(forceId: string, id: string, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const removed = await rows<{ title: string }>(
        tx,
        sql`delete from contact_canned_responses where id = ${id} returning title`,
      )
      if (removed.length === 0) throw new NotFoundError('The canned response')
      await this.#record(tx, forceId, acting, 'contact-canned-response.removed', id, {
        title: removed[0]!.title,
      })
    })
  }
}

export const LABEL_MAX = 40

export interface ContactLabel {
  id: string
  name: string
}

/**
 * Labels on contacts: the force's set, kept by its contact supervisors; handlers put labels on a
 * contact and take them off; the queue shows only the contacts with a chosen label. Audited.
 */
export class ContactLabelsService {
  readonly #db: Database
  readonly #clock: Clock
  readonly #audit: AuditService

  constructor(deps: { db: Database; clock: Clock; audit: AuditService }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#audit = deps.audit
  }

  list(forceId: string): Promise<ContactLabel[]> {
    return this.#db.withForce(forceId, (tx) =>
      rows<ContactLabel>(tx, sql`select id, name from contact_labels order by lower(name), id`),
    )
  }

  async #record(
    tx: Tx,
    forceId: string,
    acting: Acting,
    action: string,
    type: string,
    id: string,
    detail = {},
  ) {
    await auditActing(this.#audit, tx, forceId, acting, { action, recordType: type, recordId: id, detail })
  }

  async add(forceId: string, input: { name?: string }, acting: Acting): Promise<string> {
    const name = (input.name ?? '').trim()
    if (name === '') throw new ValidationError([{ field: 'name', message: 'Enter the label' }])
    if (name.length > LABEL_MAX)
      throw new ValidationError([
        { field: 'name', message: `The label must be ${LABEL_MAX} characters or fewer` },
      ])
    return this.#db.withForce(forceId, async (tx) => {
      const clash = await rows<{ id: string }>(
        tx,
        sql`select id from contact_labels where lower(name) = lower(${name})`,
      )
      if (clash.length > 0)
        throw new ValidationError([{ field: 'name', message: 'Your force already has this label' }])
      const [added] = await rows<{ id: string }>(
        tx,
        sql`insert into contact_labels (force_id, name, created_at) values (${forceId}, ${name}, ${this.#clock.now()})
            returning id`,
      )
      await this.#record(tx, forceId, acting, 'contact-label.added', 'contact-label', added!.id, { name })
      return added!.id
    })
  }

  async remove(forceId: string, id: string, acting: Acting): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      const removed = await rows<{ name: string }>(
        tx,
        sql`delete from contact_labels where id = ${id} returning name`,
      )
      if (removed.length === 0) throw new NotFoundError('The label')
      await this.#record(tx, forceId, acting, 'contact-label.removed', 'contact-label', id, {
        name: removed[0]!.name,
      })
    })
  }

  /** The labels on a contact. */
  async of(forceId: string, itemId: string): Promise<ContactLabel[]> {
    return this.#db.withForce(forceId, async (tx) => {
      if (!(await itemExists(tx, itemId))) throw new NotFoundError('The contact')
      return rows<ContactLabel>(
        tx,
        sql`select l.id, l.name from contact_item_labels il join contact_labels l on l.id = il.label_id
            where il.item_id = ${itemId} order by lower(l.name)`,
      )
    })
  }

  /** Sets a contact's labels to those chosen: adds the new ones, takes off the rest. */
  async set(
    forceId: string,
    itemId: string,
    input: { label?: string | string[] },
    acting: Acting,
  ): Promise<void> {
    const chosen = [...new Set([input.label ?? []].flat().filter((l) => l !== ''))]
    await this.#db.withForce(forceId, async (tx) => {
      if (!(await itemExists(tx, itemId))) throw new NotFoundError('The contact')
      const known = new Set(
        (await rows<{ id: string }>(tx, sql`select id from contact_labels`)).map((l) => l.id),
      )
      if (chosen.some((id) => !known.has(id)))
        throw new ValidationError([{ field: 'label', message: 'Choose labels your force has' }])
      const current = (
        await rows<{ id: string }>(
          tx,
          sql`select label_id as id from contact_item_labels where item_id = ${itemId}`,
        )
      ).map((l) => l.id)
      const added = chosen.filter((id) => !current.includes(id))
      const removed = current.filter((id) => !chosen.includes(id))
      const now = this.#clock.now()
      for (const id of added)
        await tx.execute(
          sql`insert into contact_item_labels (force_id, item_id, label_id, added_by, added_at)
              values (${forceId}, ${itemId}, ${id}, ${acting.staffId}, ${now})`,
        )
      for (const id of removed)
        await tx.execute(sql`delete from contact_item_labels where item_id = ${itemId} and label_id = ${id}`)
      if (added.length + removed.length > 0)
        await this.#record(tx, forceId, acting, 'contact.labels-changed', 'contact', itemId, {
          added,
          removed,
        })
    })
  }

  /** Of the contacts given, those with the label. */
  async having(forceId: string, labelId: string, itemIds: string[]): Promise<Set<string>> {
    if (itemIds.length === 0) return new Set()
    const found = await this.#db.withForce(forceId, (tx) =>
      rows<{ id: string }>(
        tx,
        sql`select item_id as id from contact_item_labels where label_id = ${labelId}
            and item_id in (${sql.join(
              itemIds.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`,
      ),
    )
    return new Set(found.map((f) => f.id))
  }
}

async function itemExists(tx: Tx, itemId: string): Promise<boolean> {
  const found = await rows<{ id: string }>(tx, sql`select id from contact_items where id = ${itemId}`)
  return found.length > 0
}

/** Each label on a contact, for Power BI (the OData set `ContactLabels`, decision 0047). */
export function contactLabelFacts() {
  return sql`
    select concat(il.item_id, ':', il.label_id) as "Id", il.force_id as "Force", il.item_id::text as "ContactId",
      i.channel as "Channel", i.outcome as "Outcome", il.label_id::text as "LabelId", l.name as "Label",
      il.added_by::text as "AddedById", u.display_name as "AddedBy", il.added_at as "AddedAt",
      to_char(il.added_at at time zone 'Europe/London', 'YYYY-MM-DD') as "AddedDate"
    from contact_item_labels il
    join contact_labels l on l.id = il.label_id
    join contact_items i on i.id = il.item_id
    left join staff_users u on u.id = il.added_by`
}
