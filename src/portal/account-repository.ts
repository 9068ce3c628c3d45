// The only SQL of the region-wide portal tables: accounts (one per person, across forces) and the
// pending steps of registering and signing in. Always under `asSystem`: no force's staff role
// reads them (decision 0023).
import { and, desc, eq, lt, sql } from 'drizzle-orm'
import type { Tx } from '../platform/db/database.ts'
import type { SessionRow } from '../platform/http/session-repository.ts'
import { sessions } from '../platform/schema.ts'
import {
  type AccountRow,
  type ChallengeRow,
  type LinkRow,
  portalAccounts,
  portalChallenges,
  portalLinks,
} from './schema.ts'

export class AccountRepository {
  account(tx: Tx, id: string): Promise<AccountRow | undefined> {
    return tx
      .select()
      .from(portalAccounts)
      .where(eq(portalAccounts.id, id))
      .then((r) => r[0])
  }

  /**
   * A citizen session with the Portal account it names and that account's case links, newest
   * first, in one statement: by account id for the built-in sign-in (`providers.builtIn`), by
   * One Login `sub` otherwise (`providers.oneLogin`). Undefined when there is no such session.
   */
  async sessionWithAccount(
    tx: Tx,
    sessionId: string,
    providers: { builtIn: string; oneLogin: string },
  ): Promise<{ session: SessionRow; account: AccountRow | undefined; links: LinkRow[] } | undefined> {
    const provider = sql`${sessions.data}->>'provider'`
    const subject = sql`${sessions.data}->>'subject'`
    const found = await tx
      .select({ session: sessions, account: portalAccounts, link: portalLinks })
      .from(sessions)
      .leftJoin(
        portalAccounts,
        sql`${sessions.subjectKind} = 'citizen' and (
          ${portalAccounts.id} = case when ${provider} = ${providers.builtIn}
            and ${subject} ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            then (${subject})::uuid end
          or ${portalAccounts.oneLoginSub} = case when ${provider} = ${providers.oneLogin} then ${subject} end)`,
      )
      .leftJoin(portalLinks, eq(portalLinks.accountId, portalAccounts.id))
      .where(eq(sessions.id, sessionId))
      .orderBy(desc(portalLinks.linkedAt))
    const first = found[0]
    if (!first) return undefined
    return {
      session: first.session,
      account: first.account ?? undefined,
      links: found.flatMap((r) => (r.link ? [r.link] : [])),
    }
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
