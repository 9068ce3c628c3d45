// The only code that touches the `sessions` table. Sessions are looked up before anyone's force
// is known, so this repository works as the system role.
import { and, eq } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { sessions } from '../schema.ts'

export type SessionRow = typeof sessions.$inferSelect
export type NewSession = typeof sessions.$inferInsert

export class SessionRepository {
  readonly #db: Database
  constructor(db: Database) {
    this.#db = db
  }

  find(id: string): Promise<SessionRow | undefined> {
    return this.#db.asSystem(async (tx) => (await tx.select().from(sessions).where(eq(sessions.id, id)))[0])
  }

  async insert(row: NewSession): Promise<void> {
    await this.#db.asSystem((tx) => tx.insert(sessions).values(row))
  }

  async touch(id: string, lastSeenAt: Date, data?: Record<string, unknown>): Promise<void> {
    await this.#db.asSystem((tx) =>
      tx
        .update(sessions)
        .set(data ? { lastSeenAt, data } : { lastSeenAt })
        .where(eq(sessions.id, id)),
    )
  }

  async delete(id: string): Promise<void> {
    await this.#db.asSystem((tx) => tx.delete(sessions).where(eq(sessions.id, id)))
  }

  /** Ends every session of a person, e.g. when their account is disabled. */
  async deleteForSubject(kind: SessionRow['subjectKind'], subjectId: string): Promise<void> {
    await this.#db.asSystem((tx) =>
      tx.delete(sessions).where(and(eq(sessions.subjectKind, kind), eq(sessions.subjectId, subjectId))),
    )
  }
}
