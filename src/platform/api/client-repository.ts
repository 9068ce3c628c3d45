// The only code that touches `api_clients` and `api_tokens`. Look-ups by client id or token
// happen before the force is known, so they run as the system role; listings run under the
// force's row-level security.
import { and, desc, eq, lt } from 'drizzle-orm'
import { HeldValues } from '../cache.ts'
import type { Database } from '../db/database.ts'
import { apiClients, apiTokens } from './schema.ts'

export type ApiClient = typeof apiClients.$inferSelect
export type ApiToken = typeof apiTokens.$inferSelect

/** How long a recognised token is trusted without reading it again (decision 0010). */
const TOKEN_HOLD_MS = 5000

export class ApiClientRepository {
  readonly #db: Database
  /** Recognised tokens, held briefly: a gateway posting many events is not read once per event. */
  readonly #tokens = new HeldValues<{ token: ApiToken; client: ApiClient } | undefined>({
    ttlMs: TOKEN_HOLD_MS,
    maxEntries: 1000,
    holdIf: (found) => found !== undefined,
  })

  constructor(db: Database) {
    this.#db = db
  }

  async insert(row: typeof apiClients.$inferInsert): Promise<ApiClient> {
    return this.#db.withForce(
      row.forceId,
      async (tx) => (await tx.insert(apiClients).values(row).returning())[0],
    )
  }

  async findByClientId(clientId: string): Promise<ApiClient | undefined> {
    return this.#db.asSystem(
      async (tx) => (await tx.select().from(apiClients).where(eq(apiClients.clientId, clientId)))[0],
    )
  }

  async findById(forceId: string, id: string): Promise<ApiClient | undefined> {
    return this.#db.withForce(
      forceId,
      async (tx) => (await tx.select().from(apiClients).where(eq(apiClients.id, id)))[0],
    )
  }

  /** Any force's client, for system administrators. */
  async findAnyById(id: string): Promise<ApiClient | undefined> {
    return this.#db.asSystem(
      async (tx) => (await tx.select().from(apiClients).where(eq(apiClients.id, id)))[0],
    )
  }

  listForForce(forceId: string): Promise<ApiClient[]> {
    return this.#db.withForce(forceId, (tx) =>
      tx.select().from(apiClients).orderBy(desc(apiClients.createdAt)),
    )
  }

  listAll(): Promise<ApiClient[]> {
    return this.#db.asSystem((tx) => tx.select().from(apiClients).orderBy(desc(apiClients.createdAt)))
  }

  /** Disables a client and revokes its tokens in one transaction. */
  async disable(forceId: string, id: string, by: string | null, at: Date): Promise<boolean> {
    // Its tokens stop working in this process at once, and in others within TOKEN_HOLD_MS.
    this.#tokens.dropWhere((found) => found?.client.id === id)
    return this.#db.withForce(forceId, async (tx) => {
      const updated = await tx
        .update(apiClients)
        .set({ disabledAt: at, disabledBy: by })
        .where(eq(apiClients.id, id))
        .returning({ id: apiClients.id })
      await tx.delete(apiTokens).where(eq(apiTokens.clientId, id))
      return updated.length > 0
    })
  }

  /** Pins the client's API version; its tokens answer in it at once in this process. */
  async pin(forceId: string, id: string, version: string | null, by: string, at: Date): Promise<void> {
    this.#tokens.dropWhere((found) => found?.client.id === id)
    await this.#db.withForce(forceId, (tx) =>
      tx
        .update(apiClients)
        .set({ pinnedVersion: version, pinnedBy: by, pinnedAt: at })
        .where(eq(apiClients.id, id)),
    )
  }

  /** Stores a token and notes the client's last use, removing its expired tokens on the way. */
  async insertToken(row: typeof apiTokens.$inferInsert, now: Date): Promise<void> {
    await this.#db.withForce(row.forceId, async (tx) => {
      await tx
        .delete(apiTokens)
        .where(and(eq(apiTokens.clientId, row.clientId), lt(apiTokens.expiresAt, now)))
      await tx.insert(apiTokens).values(row)
      await tx.update(apiClients).set({ lastUsedAt: now }).where(eq(apiClients.id, row.clientId))
    })
  }

  /**
   * The token with this hash and the client that holds it. A recognised token is held for a few
   * seconds (an unknown one never is, so a token issued by another process works at once).
   */
  async findToken(tokenHash: string): Promise<{ token: ApiToken; client: ApiClient } | undefined> {
    return this.#tokens.fetch(tokenHash, () =>
      this.#db.asSystem(async (tx) => {
        const rows = await tx
          .select({ token: apiTokens, client: apiClients })
          .from(apiTokens)
          .innerJoin(apiClients, eq(apiClients.id, apiTokens.clientId))
          .where(eq(apiTokens.tokenHash, tokenHash))
        return rows[0]
      }),
    )
  }
}
