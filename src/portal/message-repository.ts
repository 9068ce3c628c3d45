// The only SQL of the Portal's message settings (decision 0028), in the force's own transaction.
import { eq } from 'drizzle-orm'
import type { Tx } from '../platform/db/database.ts'
import { type MessageSettingsRow, portalMessageSettings } from './schema.ts'

export class MessageSettingsRepository {
  settings(tx: Tx, forceId: string): Promise<MessageSettingsRow | undefined> {
    return tx
      .select()
      .from(portalMessageSettings)
      .where(eq(portalMessageSettings.forceId, forceId))
      .then((r) => r[0])
  }

  async save(tx: Tx, row: MessageSettingsRow): Promise<void> {
    await tx
      .insert(portalMessageSettings)
      .values(row)
      .onConflictDoUpdate({ target: portalMessageSettings.forceId, set: { ...row } })
  }
}
