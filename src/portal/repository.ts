// The only SQL of the portal's force-side tables: links of accounts to a force's people and cases,
// invitations, and the force's portal settings. Every call runs in the caller's transaction:
// under `withForce` (row-level security, own force only) for staff and journeys, under `asSystem`
// for the region-wide look-ups named as such (an invitation by its token, an account's links).
import { and, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import {
  type InvitationRow,
  type LinkRow,
  portalInvitations,
  portalLinks,
  portalSettings,
  type SettingsRow,
} from './schema.ts'

export class PortalRepository {
  settings(tx: Tx, forceId: string): Promise<SettingsRow | undefined> {
    return tx
      .select()
      .from(portalSettings)
      .where(eq(portalSettings.forceId, forceId))
      .then((r) => r[0])
  }

  async saveSettings(tx: Tx, row: typeof portalSettings.$inferInsert): Promise<void> {
    await tx
      .insert(portalSettings)
      .values(row)
      .onConflictDoUpdate({
        target: portalSettings.forceId,
        set: {
          eligibility: row.eligibility,
          linkValidDays: row.linkValidDays,
          remindAfterDays: row.remindAfterDays,
          maxReminders: row.maxReminders,
          updatedAt: row.updatedAt,
          updatedBy: row.updatedBy,
        },
      })
  }

  async addInvitation(tx: Tx, row: typeof portalInvitations.$inferInsert): Promise<InvitationRow> {
    const [inserted] = await tx.insert(portalInvitations).values(row).returning()
    return inserted!
  }

  async updateInvitation(
    tx: Tx,
    id: string,
    set: Partial<typeof portalInvitations.$inferInsert>,
  ): Promise<void> {
    await tx.update(portalInvitations).set(set).where(eq(portalInvitations.id, id))
  }

  /**
   * The source now says whom a person on a case acts for (decision 0046): their links to the case
   * in that role, and their invitations to it still waiting, that named nobody now name them.
   * Ids of what changed.
   */
  async nameWhomActedFor(
    tx: Tx,
    party: { personId: string; caseId: string; role: string; actsForPersonId: string },
  ): Promise<{ links: string[]; invitations: string[] }> {
    const links = await tx
      .update(portalLinks)
      .set({ actsForPersonId: party.actsForPersonId })
      .where(
        and(
          eq(portalLinks.personId, party.personId),
          eq(portalLinks.caseId, party.caseId),
          eq(portalLinks.role, party.role as LinkRow['role']),
          isNull(portalLinks.actsForPersonId),
        ),
      )
      .returning({ id: portalLinks.id })
    const invitations = await tx
      .update(portalInvitations)
      .set({ actsForPersonId: party.actsForPersonId })
      .where(
        and(
          eq(portalInvitations.personId, party.personId),
          eq(portalInvitations.caseId, party.caseId),
          eq(portalInvitations.role, party.role as InvitationRow['role']),
          isNull(portalInvitations.actsForPersonId),
          isNull(portalInvitations.acceptedAt),
        ),
      )
      .returning({ id: portalInvitations.id })
    return { links: links.map((l) => l.id), invitations: invitations.map((i) => i.id) }
  }

  /** The person's invitations in this force, newest first. */
  invitationsOfPerson(tx: Tx, personId: string): Promise<InvitationRow[]> {
    return tx
      .select()
      .from(portalInvitations)
      .where(eq(portalInvitations.personId, personId))
      .orderBy(desc(portalInvitations.createdAt))
  }

  /** Region-wide (system role): the invitation a link's token belongs to. */
  invitationByToken(tx: Tx, tokenHash: string): Promise<InvitationRow | undefined> {
    return tx
      .select()
      .from(portalInvitations)
      .where(eq(portalInvitations.tokenHash, tokenHash))
      .then((r) => r[0])
  }

  /** Region-wide (system role): invitations not taken up whose last message is older than `sentBefore`. */
  waitingInvitations(tx: Tx, sentBefore: Date, limit: number): Promise<InvitationRow[]> {
    return tx
      .select()
      .from(portalInvitations)
      .where(and(isNull(portalInvitations.acceptedAt), lte(portalInvitations.lastSentAt, sentBefore)))
      .orderBy(portalInvitations.lastSentAt)
      .limit(limit)
  }

  async addLink(tx: Tx, row: typeof portalLinks.$inferInsert): Promise<void> {
    await tx.insert(portalLinks).values(row).onConflictDoNothing()
  }

  /** The links of a person in this force (row-level security keeps other forces' out). */
  linksOfPerson(tx: Tx, personId: string): Promise<LinkRow[]> {
    return tx.select().from(portalLinks).where(eq(portalLinks.personId, personId))
  }

  /** The links to a case in this force. */
  linksOfCase(tx: Tx, caseId: string): Promise<LinkRow[]> {
    return tx.select().from(portalLinks).where(eq(portalLinks.caseId, caseId))
  }

  /** Region-wide (system role): every link of an account, across forces. */
  linksOfAccount(tx: Tx, accountId: string): Promise<LinkRow[]> {
    return tx
      .select()
      .from(portalLinks)
      .where(eq(portalLinks.accountId, accountId))
      .orderBy(desc(portalLinks.linkedAt))
  }

  /** Whether this force has linked any account at all. */
  async hasLinks(tx: Tx): Promise<boolean> {
    const [row] = await tx.select({ id: portalLinks.id }).from(portalLinks).limit(1)
    return !!row
  }

  /** The account (if any) already linked to a person of this force. */
  accountOfPerson(tx: Tx, personId: string): Promise<string | undefined> {
    return tx
      .select({ accountId: portalLinks.accountId })
      .from(portalLinks)
      .where(eq(portalLinks.personId, personId))
      .limit(1)
      .then((r) => r[0]?.accountId)
  }

  /** How many invitations and links the force holds (the console page's summary). */
  async counts(tx: Tx): Promise<{ invited: number; registered: number; linked: number }> {
    const [inv] = await tx
      .select({
        invited: sql<number>`count(*)::int`,
        registered: sql<number>`count(${portalInvitations.acceptedAt})::int`,
      })
      .from(portalInvitations)
    const [links] = await tx.select({ linked: sql<number>`count(*)::int` }).from(portalLinks)
    return { invited: inv?.invited ?? 0, registered: inv?.registered ?? 0, linked: links?.linked ?? 0 }
  }

  invitationsById(tx: Tx, ids: string[]): Promise<InvitationRow[]> {
    if (ids.length === 0) return Promise.resolve([])
    return tx.select().from(portalInvitations).where(inArray(portalInvitations.id, ids))
  }

  /** A force's name, for messages (forces are readable by every role). */
  async forceName(tx: Tx, forceId: string): Promise<string | undefined> {
    const [row] = await rows<{ name: string }>(tx, sql`select name from forces where id = ${forceId}`)
    return row?.name
  }
}
