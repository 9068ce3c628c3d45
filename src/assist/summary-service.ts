// Automated summaries for the contact handler's single view of a person (CRM-11) and the case
// pages the investigating officer reviews (CP-120): the force's switch (audited) and the summaries,
// made by the embedded extractive summariser from the records the page already reads. A summary is
// read as part of the page that shows it, so that page's audit of the view covers it.
import { sql } from 'drizzle-orm'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows } from '../platform/db/database.ts'
import { ValidationError } from '../platform/errors.ts'
import { type Summary, type SummaryItem, summarise } from './summary.ts'

/** What the single view holds about a person for a summary: their history, newest first, and markers. */
export interface PersonHistory {
  items: SummaryItem[]
  markers: { kind: string; sourceSystem: string; addedAt: Date | string }[]
}

/** The case page's records, as CaseService reads them. */
export interface CasePage {
  timeline?: {
    id: string
    summary: string
    eventType: string
    sourceSystem: string | null
    occurredAt: Date
  }[]
  parties?: { markers?: { kind: string; sourceSystem: string; addedAt: Date }[] }[]
}

export interface SummarySetting {
  enabled: boolean
  updatedAt: Date | null
}

/** How many of a person's newest items a summary reads (the bench measures 5,000). */
export const personItemsRead = 1000

const caseKinds: Record<string, string> = { storm: 'CAD', athena: 'RMS' }

export class SummaryService {
  readonly #db: Database
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #personHistory: (forceId: string, personId: string, limit: number) => Promise<PersonHistory>

  constructor(deps: {
    db: Database
    audit: AuditService
    clock: Clock
    personHistory: (forceId: string, personId: string, limit: number) => Promise<PersonHistory>
  }) {
    this.#db = deps.db
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#personHistory = deps.personHistory
  }

  /** The force's switch: on until its administrator turns it off. */
  async setting(forceId: string): Promise<SummarySetting> {
    const [row] = await this.#db.withForce(forceId, (tx) =>
      rows<{ enabled: boolean; updatedAt: Date }>(
        tx,
        sql`select enabled, updated_at as "updatedAt" from assist_summary_settings where force_id = ${forceId}`,
      ),
    )
    return { enabled: row?.enabled ?? true, updatedAt: row?.updatedAt ?? null }
  }

  /** Turns the force's summaries on or off, audited with who did it and the choice. */
  async setEnabled(
    forceId: string,
    choice: string | undefined,
    acting: Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'> & { staffId: string },
  ): Promise<void> {
    if (choice !== 'yes' && choice !== 'no')
      throw new ValidationError([{ field: 'enabled', message: 'Select whether to show automated summaries' }])
    const enabled = choice === 'yes'
    await this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      await tx.execute(
        sql`insert into assist_summary_settings (force_id, enabled, updated_by, updated_at)
            values (${forceId}, ${enabled}, ${acting.staffId}, ${now})
            on conflict (force_id) do update set enabled = excluded.enabled, updated_by = excluded.updated_by,
              updated_at = excluded.updated_at`,
      )
      await this.#audit.record(
        {
          action: 'assist.summaries-switched',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'assist-summary-settings',
          recordId: forceId,
          detail: { enabled },
        },
        tx,
      )
    })
  }

  /** A person's summary for the single view, or null when the force has switched summaries off. */
  async forPerson(forceId: string, personId: string): Promise<Summary | null> {
    if (!(await this.setting(forceId)).enabled) return null
    const history = await this.#personHistory(forceId, personId, personItemsRead)
    return summarise(history.items, { markers: history.markers })
  }

  /**
   * A case's summary from the case page's records (its timeline and its people's markers), each
   * sentence linked to its entry on the page; null when switched off.
   */
  async forCase(forceId: string, page: CasePage): Promise<Summary | null> {
    if (!(await this.setting(forceId)).enabled) return null
    const items: SummaryItem[] = (page.timeline ?? []).map((t) => ({
      id: t.id,
      kind: caseKinds[t.sourceSystem ?? ''] ?? 'Case record',
      at: new Date(t.occurredAt).toISOString(),
      title: t.eventType,
      body: t.summary,
      href: `#event-${t.id}`,
    }))
    const markers = (page.parties ?? []).flatMap((p) => p.markers ?? [])
    const unique = [...new Map(markers.map((m) => [m.kind, m])).values()]
    return summarise(items, { markers: unique })
  }
}
