// The only code that touches `staff_users` and `staff_role_grants`.
import { and, asc, eq, isNull, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
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

  async revokeGrant(userId: string, role: string, by: string | null, at: Date): Promise<boolean> {
    const rows = await this.#db.asSystem((tx) =>
      tx
        .update(staffRoleGrants)
        .set({ revokedAt: at, revokedBy: by })
        .where(
          and(
            eq(staffRoleGrants.userId, userId),
            eq(staffRoleGrants.role, role),
            isNull(staffRoleGrants.revokedAt),
          ),
        )
        .returning({ id: staffRoleGrants.id }),
    )
    return rows.length > 0
  }
}
