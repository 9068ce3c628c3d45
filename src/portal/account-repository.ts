// The only SQL of the region-wide portal tables: accounts (one per person, across forces) and the
// pending steps of registering and signing in. Always under `asSystem`: no force's staff role
// reads them (decision 0023).
import { and, eq, lt, sql } from 'drizzle-orm'
import type { Tx } from '../platform/db/database.ts'
import { type AccountRow, type ChallengeRow, portalAccounts, portalChallenges } from './schema.ts'

export class AccountRepository {
  account(tx: Tx, id: string): Promise<AccountRow | undefined> {
    return tx
      .select()
      .from(portalAccounts)
      .where(eq(portalAccounts.id, id))
      .then((r) => r[0])
  }

  accountByEmail(tx: Tx, emailKey: string): Promise<AccountRow | undefined> {
    return tx
      .select()
      .from(portalAccounts)
      .where(eq(portalAccounts.emailKey, emailKey))
      .then((r) => r[0])
  }

  accountBySub(tx: Tx, sub: string): Promise<AccountRow | undefined> {
    return tx
      .select()
      .from(portalAccounts)
      .where(eq(portalAccounts.oneLoginSub, sub))
      .then((r) => r[0])
  }

  /** Removes an account: its links and pending steps go with it; invitations keep their record. */
  async removeAccount(tx: Tx, id: string): Promise<void> {
    await tx.delete(portalAccounts).where(eq(portalAccounts.id, id))
  }

  async addAccount(tx: Tx, row: typeof portalAccounts.$inferInsert): Promise<AccountRow> {
    const [inserted] = await tx.insert(portalAccounts).values(row).returning()
    return inserted!
  }

  async updateAccount(tx: Tx, id: string, set: Partial<typeof portalAccounts.$inferInsert>): Promise<void> {
    await tx.update(portalAccounts).set(set).where(eq(portalAccounts.id, id))
  }

  /** Counts a failed attempt; returns the count after it. */
  async countFailure(tx: Tx, id: string): Promise<number> {
    const [row] = await tx
      .update(portalAccounts)
      .set({ failedAttempts: sql`${portalAccounts.failedAttempts} + 1` })
      .where(eq(portalAccounts.id, id))
      .returning({ failedAttempts: portalAccounts.failedAttempts })
    return row?.failedAttempts ?? 0
  }

  async addChallenge(tx: Tx, row: typeof portalChallenges.$inferInsert): Promise<ChallengeRow> {
    const [inserted] = await tx.insert(portalChallenges).values(row).returning()
    return inserted!
  }

  challengeByToken(tx: Tx, tokenHash: string): Promise<ChallengeRow | undefined> {
    return tx
      .select()
      .from(portalChallenges)
      .where(eq(portalChallenges.tokenHash, tokenHash))
      .then((r) => r[0])
  }

  async updateChallenge(
    tx: Tx,
    id: string,
    set: Partial<typeof portalChallenges.$inferInsert>,
  ): Promise<void> {
    await tx.update(portalChallenges).set(set).where(eq(portalChallenges.id, id))
  }

  async endChallenge(tx: Tx, id: string): Promise<void> {
    await tx.delete(portalChallenges).where(eq(portalChallenges.id, id))
  }

  /** Counts a wrong code; returns the count after it. */
  async countWrongCode(tx: Tx, id: string): Promise<number> {
    const [row] = await tx
      .update(portalChallenges)
      .set({ attempts: sql`${portalChallenges.attempts} + 1` })
      .where(eq(portalChallenges.id, id))
      .returning({ attempts: portalChallenges.attempts })
    return row?.attempts ?? 0
  }

  async removeExpiredChallenges(tx: Tx, now: Date): Promise<number> {
    const removed = await tx
      .delete(portalChallenges)
      .where(and(lt(portalChallenges.expiresAt, now)))
      .returning({ id: portalChallenges.id })
    return removed.length
  }
}
