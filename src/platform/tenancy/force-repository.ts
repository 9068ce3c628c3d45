// The only code that touches `forces` and `sharing_agreements`.
import { and, asc, desc, eq, isNull } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { forces, sharingAgreements } from '../schema.ts'

export type Force = typeof forces.$inferSelect
export type SharingAgreement = typeof sharingAgreements.$inferSelect
export type NewSharingAgreement = typeof sharingAgreements.$inferInsert

export class ForceRepository {
  readonly #db: Database
  constructor(db: Database) {
    this.#db = db
  }

  list(): Promise<Force[]> {
    return this.#db.asSystem((tx) => tx.select().from(forces).orderBy(asc(forces.name)))
  }

  async find(id: string): Promise<Force | undefined> {
    return this.#db.asSystem(async (tx) => (await tx.select().from(forces).where(eq(forces.id, id)))[0])
  }

  async update(
    id: string,
    changes: Partial<Pick<Force, 'name' | 'shortName' | 'products' | 'branding' | 'settings'>>,
  ) {
    await this.#db.asSystem((tx) =>
      tx
        .update(forces)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(forces.id, id)),
    )
  }

  listAgreements(): Promise<SharingAgreement[]> {
    return this.#db.asSystem((tx) =>
      tx.select().from(sharingAgreements).orderBy(desc(sharingAgreements.createdAt)),
    )
  }

  async findAgreement(id: string): Promise<SharingAgreement | undefined> {
    return this.#db.asSystem(
      async (tx) => (await tx.select().from(sharingAgreements).where(eq(sharingAgreements.id, id)))[0],
    )
  }

  async insertAgreement(row: NewSharingAgreement): Promise<SharingAgreement> {
    return this.#db.asSystem(async (tx) => (await tx.insert(sharingAgreements).values(row).returning())[0])
  }

  async revokeAgreement(id: string, by: string, at: Date): Promise<boolean> {
    const updated = await this.#db.asSystem((tx) =>
      tx
        .update(sharingAgreements)
        .set({ revokedAt: at, revokedBy: by })
        .where(and(eq(sharingAgreements.id, id), isNull(sharingAgreements.revokedAt)))
        .returning({ id: sharingAgreements.id }),
    )
    return updated.length > 0
  }
}
