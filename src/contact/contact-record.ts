// A contact as a form prepared from it reads it (Assist's standard forms, CRM-20): the contact, the
// messages of its spell of the conversation (as a quality review reads them), its private notes
// and its THRIVE assessments, newest first, in one transaction with the caller's audit of the read.
import { sql } from 'drizzle-orm'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { NotFoundError } from '../platform/errors.ts'
import { QaRepository, type TranscriptRow } from './qa-repository.ts'
import { type ItemRow, QueueRepository, type ThriveRow } from './queue-repository.ts'

export interface ContactRecord {
  item: ItemRow
  /** The spell's messages, oldest first (at most 500). */
  messages: TranscriptRow[]
  /** Staff's private notes on the contact, oldest first. */
  notes: { id: string; authorName: string; body: string; at: Date }[]
  /** THRIVE assessments, newest first. */
  assessments: ThriveRow[]
}

export class ContactRecordService {
  readonly #db: Database
  readonly #queue = new QueueRepository()
  readonly #qa = new QaRepository()

  constructor(deps: { db: Database }) {
    this.#db = deps.db
  }

  /** The contact's record; `audit` runs in the transaction that read it. */
  async read(
    forceId: string,
    itemId: string,
    audit: (tx: Tx, item: ItemRow) => Promise<unknown>,
  ): Promise<ContactRecord> {
    return this.#db.withForce(forceId, async (tx) => {
      const item = await this.#queue.item(tx, itemId)
      if (!item) throw new NotFoundError('The contact')
      await audit(tx, item)
      const notes = await rows<ContactRecord['notes'][number]>(
        tx,
        sql`select id, author_name as "authorName", body, at from contact_notes
            where item_id = ${itemId} order by at, id limit 200`,
      )
      return {
        item,
        messages: await this.#qa.transcript(tx, itemId),
        notes: notes.map((n) => ({ ...n, at: new Date(n.at) })),
        assessments: await this.#queue.thrive(tx, itemId),
      }
    })
  }
}
