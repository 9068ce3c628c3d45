// The only code that touches `staff_setup_links` (migration 0980). Links are read before anyone
// is signed in, so through the system role.
import { and, desc, eq, gt, isNull } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { staffUsers } from '../schema.ts'
import { staffSetupLinks } from './schema.ts'

export type SetUpLink = typeof staffSetupLinks.$inferSelect

export class SetUpLinkRepository {
  readonly #db: Database
  constructor(db: Database) {
    this.#db = db
  }

  /**
   * Stores a new link and ends every earlier one of the same person still open; a half-finished
   * authenticator enrolment is forgotten, so the new link starts afresh.
   */
  async replace(row: {
    userId: string
    forceId: string | null
    tokenHash: string
    createdBy: string | null
    expiresAt: Date
    now: Date
    /**
     * The person had set up their account: their password and authenticator are removed now, so
     * neither works again, and the link sets up new ones.
     */
    reset?: boolean
  }): Promise<SetUpLink> {
    return this.#db.asSystem(async (tx) => {
      if (row.reset)
        await tx
          .update(staffUsers)
          .set({
            passwordHash: null,
            totpSecret: null,
            totpConfirmedAt: null,
            failedAttempts: 0,
            lockedUntil: null,
            updatedAt: row.now,
          })
          .where(eq(staffUsers.id, row.userId))
      await tx
        .update(staffSetupLinks)
        .set({ revokedAt: row.now })
        .where(
          and(
            eq(staffSetupLinks.userId, row.userId),
            isNull(staffSetupLinks.usedAt),
            isNull(staffSetupLinks.revokedAt),
          ),
        )
      await tx
        .update(staffUsers)
        .set({ totpSecret: null, totpConfirmedAt: null, updatedAt: row.now })
        .where(and(eq(staffUsers.id, row.userId), isNull(staffUsers.passwordHash)))
      const [link] = await tx
        .insert(staffSetupLinks)
        .values({
          userId: row.userId,
          forceId: row.forceId,
          tokenHash: row.tokenHash,
          createdBy: row.createdBy,
          createdAt: row.now,
          expiresAt: row.expiresAt,
        })
        .returning()
      return link
    })
  }

  async findByHash(tokenHash: string): Promise<SetUpLink | undefined> {
    return this.#db.asSystem(
      async (tx) =>
        (await tx.select().from(staffSetupLinks).where(eq(staffSetupLinks.tokenHash, tokenHash)))[0],
    )
  }

  /** The person's newest link, for their page. */
  async latestFor(userId: string): Promise<SetUpLink | undefined> {
    return this.#db.asSystem(
      async (tx) =>
        (
          await tx
            .select()
            .from(staffSetupLinks)
            .where(eq(staffSetupLinks.userId, userId))
            .orderBy(desc(staffSetupLinks.createdAt))
            .limit(1)
        )[0],
    )
  }

  /**
   * Uses the link and sets the password in one transaction, only if the link is still open: false
   * when another request used it first, it was replaced, or it has expired.
   */
  async useAndSetPassword(linkId: string, userId: string, passwordHash: string, now: Date): Promise<boolean> {
    return this.#db.asSystem(async (tx) => {
      const used = await tx
        .update(staffSetupLinks)
        .set({ usedAt: now })
        .where(
          and(
            eq(staffSetupLinks.id, linkId),
            isNull(staffSetupLinks.usedAt),
            isNull(staffSetupLinks.revokedAt),
            gt(staffSetupLinks.expiresAt, now),
          ),
        )
        .returning({ id: staffSetupLinks.id })
      if (used.length === 0) return false
      await tx
        .update(staffUsers)
        .set({ passwordHash, failedAttempts: 0, lockedUntil: null, updatedAt: now })
        .where(eq(staffUsers.id, userId))
      return true
    })
  }
}
