// The only SQL of a force's messaging settings (channels, branding, sending windows, its sealed
// GOV.UK Notify key), and the force identity its messages fall back on. Both are read for every
// message and changed rarely by people, so both are held briefly (platform/cache.ts).
import { eq } from 'drizzle-orm'
import { SettingsCache } from '../platform/cache.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { forces } from '../platform/schema.ts'
import { messagingSettings } from './schema.ts'

export type SettingsRow = typeof messagingSettings.$inferSelect
export type ForceIdentity = Pick<typeof forces.$inferSelect, 'name' | 'branding'>

export class MessagingSettingsRepository {
  readonly #settings: SettingsCache<SettingsRow | undefined>
  readonly #identities: SettingsCache<ForceIdentity | undefined>

  constructor(db: Database) {
    this.#settings = new SettingsCache(db)
    this.#identities = new SettingsCache(db)
  }

  /** The force's name and platform branding: the fallback when messaging has no branding of its own. */
  async forceIdentity(
    tx: Tx,
    forceId: string,
  ): Promise<Pick<typeof forces.$inferSelect, 'name' | 'branding'> | undefined> {
    return this.#identities.get(tx, forceId, async (t) => {
      const [row] = await t
        .select({ name: forces.name, branding: forces.branding })
        .from(forces)
        .where(eq(forces.id, forceId))
      return row
    })
  }

  async settings(tx: Tx, forceId: string): Promise<SettingsRow | undefined> {
    return this.#settings.get(tx, forceId, async (t) => {
      const [row] = await t.select().from(messagingSettings).where(eq(messagingSettings.forceId, forceId))
      return row
    })
  }

  async saveSettings(tx: Tx, row: typeof messagingSettings.$inferInsert): Promise<void> {
    const { forceId, ...rest } = row
    this.#settings.forget(tx, forceId)
    await tx
      .insert(messagingSettings)
      .values(row)
      .onConflictDoUpdate({ target: messagingSettings.forceId, set: { ...rest, updatedAt: new Date() } })
  }

  async setNotifyApiKey(
    tx: Tx,
    forceId: string,
    key: Pick<
      SettingsRow,
      | 'notifyApiKeySealed'
      | 'notifyApiKeyName'
      | 'notifyApiKeyLast4'
      | 'notifyApiKeySetAt'
      | 'notifyApiKeySetBy'
    >,
  ): Promise<void> {
    this.#settings.forget(tx, forceId)
    await tx.update(messagingSettings).set(key).where(eq(messagingSettings.forceId, forceId))
  }
}
