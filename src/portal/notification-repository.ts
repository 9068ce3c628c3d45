// The SQL of the Portal's case notifications (decision 0036): each force's settings for them, the
// notifications sent to an account about a case, and how the accounts linked to the force's people
// wish to be told. Every call runs in the caller's force transaction (row-level security).
import { and, desc, eq, sql } from 'drizzle-orm'
import { arrayParam, rows, type Tx } from '../platform/db/database.ts'
import type { NotifyChannel } from './schema.ts'
import {
  type CaseNoticeRow,
  type NotificationSettingsRow,
  portalCaseNotices,
  portalNotificationSettings,
} from './schema.ts'

/** How an account wishes to be told (CP-25). */
export interface NoticeContact {
  id: string
  email: string
  mobile: string | null
  notifyChannel: NotifyChannel
  quietFrom: number | null
  quietTo: number | null
}

export class NotificationRepository {
  settings(tx: Tx, forceId: string): Promise<NotificationSettingsRow | undefined> {
    return tx
      .select()
      .from(portalNotificationSettings)
      .where(eq(portalNotificationSettings.forceId, forceId))
      .then((r) => r[0])
  }

  async saveSettings(tx: Tx, row: NotificationSettingsRow): Promise<void> {
    const { forceId: _, ...set } = row
    await tx
      .insert(portalNotificationSettings)
      .values(row)
      .onConflictDoUpdate({ target: portalNotificationSettings.forceId, set })
  }

  /** The newest notifications to an account about a case, newest first. */
  latestNotices(tx: Tx, accountId: string, caseId: string, limit: number): Promise<CaseNoticeRow[]> {
    return tx
      .select()
      .from(portalCaseNotices)
      .where(and(eq(portalCaseNotices.accountId, accountId), eq(portalCaseNotices.caseId, caseId)))
      .orderBy(desc(portalCaseNotices.createdAt))
      .limit(limit)
  }

  async addNotice(tx: Tx, row: typeof portalCaseNotices.$inferInsert): Promise<void> {
    await tx.insert(portalCaseNotices).values(row)
  }

  async updateNotice(
    tx: Tx,
    id: string,
    set: Pick<CaseNoticeRow, 'kinds' | 'messageIds' | 'dueAt' | 'sendAfter'>,
  ): Promise<void> {
    await tx.update(portalCaseNotices).set(set).where(eq(portalCaseNotices.id, id))
  }

  /** Accounts linked to this force's people only (the function checks the calling force). */
  async contacts(tx: Tx, accountIds: string[]): Promise<NoticeContact[]> {
    if (accountIds.length === 0) return []
    const found = await rows<{
      id: string
      email: string
      mobile: string | null
      notify_channel: NotifyChannel
      quiet_from: number | null
      quiet_to: number | null
    }>(tx, sql`select * from waypoint_portal_notice_contacts(${arrayParam(accountIds, 'uuid')})`)
    return found.map((r) => ({
      id: r.id,
      email: r.email,
      mobile: r.mobile,
      notifyChannel: r.notify_channel,
      quietFrom: r.quiet_from,
      quietTo: r.quiet_to,
    }))
  }
}
