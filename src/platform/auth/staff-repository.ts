// The only code that touches `staff_users` and `staff_role_grants`.
import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import { type Database, rows } from '../db/database.ts'
import { staffRoleGrants, staffUsers } from '../schema.ts'

export type StaffUser = typeof staffUsers.$inferSelect
export type NewStaffUser = typeof staffUsers.$inferInsert
export type RoleGrant = typeof staffRoleGrants.$inferSelect

export class StaffRepository {
  readonly #db: Database
  constructor(db: Database) {
    this.#db = db
  }

  async findById(id: string): Promise<StaffUser | undefined> {
    return this.#db.asSystem(
      async (tx) => (await tx.select().from(staffUsers).where(eq(staffUsers.id, id)))[0],
    )
  }

  async findByEmail(email: string): Promise<StaffUser | undefined> {
    return this.#db.asSystem(
      async (tx) =>
        (await tx.select().from(staffUsers).where(sql`lower(${staffUsers.email}) = lower(${email})`))[0],
    )
  }

  async insert(row: NewStaffUser): Promise<StaffUser> {
    return this.#db.asSystem(async (tx) => (await tx.insert(staffUsers).values(row).returning())[0])
  }

  async update(id: string, changes: Partial<NewStaffUser>): Promise<void> {
    await this.#db.asSystem((tx) =>
      tx
        .update(staffUsers)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(staffUsers.id, id)),
    )
  }

  /** Users of one force, read under that force's row-level security. */
  listForForce(forceId: string): Promise<StaffUser[]> {
    return this.#db.withForce(forceId, (tx) =>
      tx.select().from(staffUsers).orderBy(asc(staffUsers.displayName)),
    )
  }

  listAll(): Promise<StaffUser[]> {
    return this.#db.asSystem((tx) => tx.select().from(staffUsers).orderBy(asc(staffUsers.displayName)))
  }

  activeGrants(userId: string): Promise<RoleGrant[]> {
    return this.#db.asSystem((tx) =>
      tx
        .select()
        .from(staffRoleGrants)
        .where(and(eq(staffRoleGrants.userId, userId), isNull(staffRoleGrants.revokedAt)))
        .orderBy(asc(staffRoleGrants.grantedAt)),
    )
  }

  allGrants(userId: string): Promise<RoleGrant[]> {
    return this.#db.asSystem((tx) =>
      tx
        .select()
        .from(staffRoleGrants)
        .where(eq(staffRoleGrants.userId, userId))
        .orderBy(asc(staffRoleGrants.grantedAt)),
    )
  }

  async insertGrant(row: typeof staffRoleGrants.$inferInsert): Promise<RoleGrant> {
    return this.#db.asSystem(async (tx) => (await tx.insert(staffRoleGrants).values(row).returning())[0])
  }

  async revokeGrant(
    userId: string,
    role: string,
    by: string | null,
    at: Date,
    detail: string | null = null,
  ): Promise<boolean> {
    const revoked = await this.#db.asSystem(async (tx) => {
      const changed = await tx
        .update(staffRoleGrants)
        .set({ revokedAt: at, revokedBy: by })
        .where(
          and(
            eq(staffRoleGrants.userId, userId),
            eq(staffRoleGrants.role, role),
            isNull(staffRoleGrants.revokedAt),
          ),
        )
        .returning({ id: staffRoleGrants.id })
      for (const { id } of changed) {
        await tx.update(staffRoleGrants).set({ revokeDetail: detail }).where(eq(staffRoleGrants.id, id))
      }
      return changed
    })
    return revoked.length > 0
  }

  /** Records how a grant was made: 'sso' when the identity provider's groups granted it. */
  async setGrantDetail(grantId: string, detail: string): Promise<void> {
    await this.#db.asSystem((tx) =>
      tx.update(staffRoleGrants).set({ grantDetail: detail }).where(eq(staffRoleGrants.id, grantId)),
    )
  }

  /** Active roles that single sign-on granted (and so may revoke). */
  async activeSsoRoles(userId: string): Promise<string[]> {
    const found = await this.#db.asSystem((tx) =>
      rows<{ role: string }>(
        tx,
        sql`select role from staff_role_grants
            where user_id = ${userId} and revoked_at is null and grant_detail = 'sso'`,
      ),
    )
    return found.map((r) => r.role)
  }

  /** Every grant of a user, newest first, with who granted and revoked it (CP-152). */
  grantHistory(userId: string): Promise<GrantHistoryRow[]> {
    return this.#db.asSystem((tx) =>
      rows<GrantHistoryRow>(
        tx,
        sql`select g.id, g.role, g.granted_at as "grantedAt", g.grant_detail as "grantDetail",
                   granter.display_name as "grantedByName", g.revoked_at as "revokedAt",
                   g.revoke_detail as "revokeDetail", revoker.display_name as "revokedByName"
            from staff_role_grants g
            left join staff_users granter on granter.id = g.granted_by
            left join staff_users revoker on revoker.id = g.revoked_by
            where g.user_id = ${userId}
            order by g.granted_at desc, g.role`,
      ),
    )
  }

  async findByOidcSubject(issuer: string, subject: string): Promise<StaffUser | undefined> {
    return this.#db.asSystem(
      async (tx) =>
        (
          await tx
            .select()
            .from(staffUsers)
            .where(and(eq(staffUsers.oidcIssuer, issuer), eq(staffUsers.oidcSubject, subject)))
        )[0],
    )
  }

  /**
   * Counts a failed sign-in atomically (parallel attempts cannot undercount); the attempt that
   * reaches `maxAttempts` locks the account until `lockUntil`. True when this attempt locked it.
   */
  async recordFailedAttempt(userId: string, maxAttempts: number, lockUntil: Date): Promise<boolean> {
    const until = lockUntil.toISOString()
    const updated = await this.#db.asSystem((tx) =>
      rows<{ locked: boolean }>(
        tx,
        sql`update staff_users
            set failed_attempts = case when failed_attempts + 1 >= ${maxAttempts}::int then 0 else failed_attempts + 1 end,
                locked_until = case when failed_attempts + 1 >= ${maxAttempts}::int then ${until}::timestamptz else locked_until end
            where id = ${userId}
            returning locked_until = ${until}::timestamptz as locked`,
      ),
    )
    return updated[0]?.locked ?? false
  }

  /**
   * Accounts whose authenticator secret is not sealed under the current key (the key id
   * `currentKeyId`): stored in clear, in the `v1:` form, or under another key (decision 0009).
   */
  totpSecretsNotSealedUnder(currentKeyId: string): Promise<{ id: string; totpSecret: string }[]> {
    return this.#db.asSystem((tx) =>
      rows<{ id: string; totpSecret: string }>(
        tx,
        sql`select id, totp_secret as "totpSecret" from staff_users
            where totp_secret is not null and totp_secret not like ${`v2:${currentKeyId}:%`}`,
      ),
    )
  }

  /**
   * Replaces a stored authenticator secret only if it is still `expected`, so two processes
   * sealing the same clear secret at once cannot overwrite each other. True when it replaced it.
   */
  async replaceTotpSecret(userId: string, expected: string, replacement: string): Promise<boolean> {
    const replaced = await this.#db.asSystem((tx) =>
      rows<{ id: string }>(
        tx,
        sql`update staff_users set totp_secret = ${replacement}, updated_at = now()
            where id = ${userId} and totp_secret = ${expected}
            returning id`,
      ),
    )
    return replaced.length > 0
  }

  async totpLastStep(userId: string): Promise<number | null> {
    const found = await this.#db.asSystem((tx) =>
      tx.select({ totpLastStep: staffUsers.totpLastStep }).from(staffUsers).where(eq(staffUsers.id, userId)),
    )
    return found[0]?.totpLastStep ?? null
  }

  /**
   * Stores the time step of an accepted code, only if it is later than the last one: false when
   * another request used this (or a later) step first, so a code works once.
   */
  async claimTotpStep(userId: string, step: number): Promise<boolean> {
    const claimed = await this.#db.asSystem((tx) =>
      rows<{ id: string }>(
        tx,
        sql`update staff_users set totp_last_step = ${step}
            where id = ${userId} and (totp_last_step is null or totp_last_step < ${step})
            returning id`,
      ),
    )
    return claimed.length > 0
  }
}

export interface GrantHistoryRow {
  id: string
  role: string
  grantedAt: Date
  grantDetail: string | null
  grantedByName: string | null
  revokedAt: Date | null
  revokeDetail: string | null
  revokedByName: string | null
}
