// The only SQL of each force's GOV.UK One Login client settings (decision 0027): read in the
// force's own transaction, and region-wide only to list the forces that offer it.
import { eq, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import { type OneLoginSettingsRow, portalOneLoginSettings } from './schema.ts'

export class OneLoginRepository {
  settings(tx: Tx, forceId: string): Promise<OneLoginSettingsRow | undefined> {
    return tx
      .select()
      .from(portalOneLoginSettings)
      .where(eq(portalOneLoginSettings.forceId, forceId))
      .then((r) => r[0])
  }

  async save(tx: Tx, row: OneLoginSettingsRow): Promise<void> {
    await tx
      .insert(portalOneLoginSettings)
      .values(row)
      .onConflictDoUpdate({ target: portalOneLoginSettings.forceId, set: { ...row } })
  }

  async remove(tx: Tx, forceId: string): Promise<boolean> {
    const removed = await tx
      .delete(portalOneLoginSettings)
      .where(eq(portalOneLoginSettings.forceId, forceId))
      .returning({ forceId: portalOneLoginSettings.forceId })
    return removed.length > 0
  }

  /** Region-wide (system role): the forces whose citizens may sign in with One Login. */
  forcesWithOneLogin(tx: Tx): Promise<{ id: string; name: string }[]> {
    return rows<{ id: string; name: string }>(
      tx,
      sql`select f.id, f.name from portal_one_login_settings s join forces f on f.id = s.force_id order by f.name`,
    )
  }
}
