// Assist's tables (src/assist/migrations): the force's chatbot switch and its knowledge base.
import { sql } from 'drizzle-orm'
import type { Skill } from '../contact/queue-repository.ts'
import { rows, type Tx } from '../platform/db/database.ts'
import type { Intent } from './knowledge.ts'

export interface AssistSettingsRow {
  chatbotEnabled: boolean
  updatedAt: Date
}

export class AssistRepository {
  async settings(tx: Tx): Promise<AssistSettingsRow | undefined> {
    const [row] = await rows<AssistSettingsRow>(
      tx,
      sql`select chatbot_enabled as "chatbotEnabled", updated_at as "updatedAt" from assist_settings`,
    )
    return row
  }

  async saveSettings(tx: Tx, forceId: string, s: { chatbotEnabled: boolean; by: string | null; at: Date }) {
    await tx.execute(
      sql`insert into assist_settings (force_id, chatbot_enabled, updated_by, updated_at)
          values (${forceId}, ${s.chatbotEnabled}, ${s.by}, ${s.at})
          on conflict (force_id) do update set chatbot_enabled = excluded.chatbot_enabled,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    )
  }

  /** The force's own intents in order, with the time of the latest change; none until it edits. */
  async intents(tx: Tx): Promise<{ intents: Intent[]; version: string }> {
    const found = await rows<Omit<Intent, 'skill'> & { skill: Skill; updatedAt: Date }>(
      tx,
      sql`select name, title, phrases, answer, priority, skill, hand_over as "handOver",
            updated_at as "updatedAt"
          from assist_intents order by position, name`,
    )
    const version = found.reduce((v, r) => Math.max(v, new Date(r.updatedAt).getTime()), 0)
    return {
      intents: found.map(({ updatedAt: _, ...i }) => ({ ...i, priority: Number(i.priority) })),
      version: `${found.length}:${version}`,
    }
  }

  /** Replaces the force's knowledge base with `intents`, in their order. */
  async replaceIntents(tx: Tx, forceId: string, intents: Intent[], by: string, at: Date): Promise<void> {
    await tx.execute(sql`delete from assist_intents`)
    let position = 0
    for (const i of intents) {
      position += 1
      const phrases = sql`array[${sql.join(
        i.phrases.map((p) => sql`${p}`),
        sql`, `,
      )}]::text[]`
      await tx.execute(
        sql`insert into assist_intents (force_id, name, title, phrases, answer, priority, skill, hand_over,
              position, updated_by, updated_at)
            values (${forceId}, ${i.name}, ${i.title}, ${phrases}, ${i.answer}, ${i.priority}, ${i.skill},
              ${i.handOver}, ${position}, ${by}, ${at})`,
      )
    }
  }
}
