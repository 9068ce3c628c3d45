// The only code that touches `hr_job_roles` and the `hr_employee_id` link on `staff_users`
// (both added by migrations/0030_api.sql). Every query runs under the force's row-level
// security, so an HR client can only ever see or link its own force's staff.
import { and, asc, eq, sql } from 'drizzle-orm'
import { type Database, rows } from '../db/database.ts'
import { hrJobRoles } from './schema.ts'

export type HrJobRoles = typeof hrJobRoles.$inferSelect

export class ProvisioningRepository {
  readonly #db: Database
  constructor(db: Database) {
    this.#db = db
  }

  /** The staff account linked to an HR employee number in this force. */
  async staffIdForEmployee(forceId: string, employeeId: string): Promise<string | undefined> {
    const found = await this.#db.withForce(forceId, (tx) =>
      rows<{ id: string }>(
        tx,
        sql`select id from staff_users where force_id = ${forceId} and hr_employee_id = ${employeeId}`,
      ),
    )
    return found[0]?.id
  }

  async employeeIdFor(forceId: string, staffId: string): Promise<string | null> {
    const found = await this.#db.withForce(forceId, (tx) =>
      rows<{ hr_employee_id: string | null }>(
        tx,
        sql`select hr_employee_id from staff_users where id = ${staffId}`,
      ),
    )
    return found[0]?.hr_employee_id ?? null
  }

  async linkEmployee(forceId: string, staffId: string, employeeId: string): Promise<void> {
    await this.#db.withForce(forceId, (tx) =>
      tx.execute(sql`update staff_users set hr_employee_id = ${employeeId} where id = ${staffId}`),
    )
  }

  async jobRoles(forceId: string, jobCode: string): Promise<HrJobRoles | undefined> {
    return this.#db.withForce(
      forceId,
      async (tx) =>
        (
          await tx
            .select()
            .from(hrJobRoles)
            .where(and(eq(hrJobRoles.forceId, forceId), eq(hrJobRoles.jobCode, jobCode)))
        )[0],
    )
  }

  listJobRoles(forceId: string): Promise<HrJobRoles[]> {
    return this.#db.withForce(forceId, (tx) => tx.select().from(hrJobRoles).orderBy(asc(hrJobRoles.jobCode)))
  }

  async saveJobRoles(row: typeof hrJobRoles.$inferInsert): Promise<HrJobRoles> {
    return this.#db.withForce(row.forceId, async (tx) => {
      const saved = await tx
        .insert(hrJobRoles)
        .values(row)
        .onConflictDoUpdate({
          target: [hrJobRoles.forceId, hrJobRoles.jobCode],
          set: { roles: row.roles, updatedBy: row.updatedBy, updatedAt: row.updatedAt },
        })
        .returning()
      return saved[0]
    })
  }
}
