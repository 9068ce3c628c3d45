// The only SQL of message templates: versions of each template per channel and language, the
// newest of which new messages are rendered from (held briefly: read for every message).
import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import { SettingsCache } from '../platform/cache.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { staffUsers } from '../platform/schema.ts'
import { messageTemplates, type TemplateChannel } from './schema.ts'

export type TemplateRow = typeof messageTemplates.$inferSelect

export class TemplateRepository {
  readonly #templates: SettingsCache<TemplateRow | undefined>

  constructor(db: Database) {
    this.#templates = new SettingsCache(db)
  }

  async addTemplateVersion(
    tx: Tx,
    row: Omit<typeof messageTemplates.$inferInsert, 'version'>,
  ): Promise<TemplateRow> {
    this.#templates.forget(tx, `${row.forceId}|*`)
    const [latest] = await rows<{ version: number | null }>(
      tx,
      sql`select max(version) as version from message_templates
          where force_id = ${row.forceId} and key = ${row.key} and channel = ${row.channel} and language = ${row.language}`,
    )
    const [created] = await tx
      .insert(messageTemplates)
      .values({ ...row, version: (latest?.version ?? 0) + 1 })
      .returning()
    return created as TemplateRow
  }

  /** The newest version of a template in each of the languages asked for, in that order. */
  async latestTemplate(
    tx: Tx,
    forceId: string,
    key: string,
    channel: TemplateChannel,
    languages: string[],
  ): Promise<TemplateRow | undefined> {
    return this.#templates.get(tx, `${forceId}|${key}|${channel}|${languages.join(',')}`, (t) =>
      this.#readLatestTemplate(t, forceId, key, channel, languages),
    )
  }

  async #readLatestTemplate(
    tx: Tx,
    forceId: string,
    key: string,
    channel: TemplateChannel,
    languages: string[],
  ): Promise<TemplateRow | undefined> {
    const found = await tx
      .select()
      .from(messageTemplates)
      .where(
        and(
          eq(messageTemplates.forceId, forceId),
          eq(messageTemplates.key, key),
          eq(messageTemplates.channel, channel),
          inArray(messageTemplates.language, languages),
        ),
      )
      .orderBy(desc(messageTemplates.version))
    for (const language of languages) {
      const row = found.find((t) => t.language === language)
      if (row) return row
    }
    return undefined
  }

  async templates(tx: Tx, forceId: string): Promise<TemplateRow[]> {
    return tx
      .select()
      .from(messageTemplates)
      .where(eq(messageTemplates.forceId, forceId))
      .orderBy(
        messageTemplates.key,
        messageTemplates.channel,
        messageTemplates.language,
        desc(messageTemplates.version),
      )
  }

  /** Every version of the force's templates (or of one), with the name of the person who wrote each. */
  async templatesWithAuthors(
    tx: Tx,
    forceId: string,
    key?: string,
  ): Promise<(TemplateRow & { createdByName: string | null })[]> {
    const found = await tx
      .select({ template: messageTemplates, createdByName: staffUsers.displayName })
      .from(messageTemplates)
      .leftJoin(staffUsers, eq(staffUsers.id, messageTemplates.createdBy))
      .where(
        key
          ? and(eq(messageTemplates.forceId, forceId), eq(messageTemplates.key, key))
          : eq(messageTemplates.forceId, forceId),
      )
      .orderBy(messageTemplates.key, desc(messageTemplates.version))
    return found.map((f) => ({ ...f.template, createdByName: f.createdByName }))
  }
}
