// The only SQL of the Portal's words, feedback and visits (migration 1130, decision 0035), always
// in the force's own transaction: row-level security keeps each force to its own rows.
import { sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import type { ContentKey, ContentLanguage } from './content.ts'

export interface ContentVersion {
  id: string
  key: ContentKey
  language: ContentLanguage
  version: number
  body: string
  createdAt: Date
  createdByName: string | null
  approvedByName: string | null
}

export interface UsageWeek {
  week: string
  invitationsSent: number
  invitationsAccepted: number
  accountsLinked: number
  visitors: number
  messagesFromPeople: number
  repliesToPeople: number
  feedback: number
  averageRating: number | null
  satisfied: number
}

const versionColumns = sql`v.id, v.key, v.language, v.version, v.body, v.created_at as "createdAt",
  (select display_name from staff_users where id = v.created_by) as "createdByName",
  (select display_name from staff_users where id = v.approved_by) as "approvedByName"`

export class ContentRepository {
  /** The newest version of each of the force's texts in each language that has one. */
  current(tx: Tx, forceId: string): Promise<ContentVersion[]> {
    return rows<ContentVersion>(
      tx,
      sql`select distinct on (v.key, v.language) ${versionColumns} from portal_content_versions v
          where v.force_id = ${forceId} order by v.key, v.language, v.version desc`,
    )
  }

  /** Every version of one text in one language, newest first. */
  versions(
    tx: Tx,
    forceId: string,
    key: ContentKey,
    language: ContentLanguage = 'en',
  ): Promise<ContentVersion[]> {
    return rows<ContentVersion>(
      tx,
      sql`select ${versionColumns} from portal_content_versions v
          where v.force_id = ${forceId} and v.key = ${key} and v.language = ${language}
          order by v.version desc limit 100`,
    )
  }

  /** The language the force's records give a person (null when they give none). */
  async languageOfPerson(tx: Tx, personId: string): Promise<string | null> {
    const [row] = await rows<{ language: string | null }>(
      tx,
      sql`select language from people where id = ${personId}`,
    )
    return row?.language ?? null
  }

  async add(
    tx: Tx,
    row: {
      forceId: string
      key: ContentKey
      language: ContentLanguage
      body: string
      createdBy: string
      approvedBy: string | null
      at: Date
    },
  ): Promise<number> {
    const [made] = await rows<{ version: number }>(
      tx,
      sql`insert into portal_content_versions (force_id, key, language, version, body, created_by, created_at, approved_by)
          select ${row.forceId}, ${row.key}, ${row.language}, coalesce(max(version), 0) + 1, ${row.body}, ${row.createdBy},
            ${row.at.toISOString()}::timestamptz, ${row.approvedBy}
          from portal_content_versions
          where force_id = ${row.forceId} and key = ${row.key} and language = ${row.language}
          returning version`,
    )
    return made!.version
  }

  async addFeedback(
    tx: Tx,
    row: {
      forceId: string
      rating: number
      foundWhatNeeded: string | null
      comment: string | null
      at: Date
    },
  ): Promise<string> {
    const [made] = await rows<{ id: string }>(
      tx,
      sql`insert into portal_feedback (force_id, rating, found_what_needed, comment, given_at)
          values (${row.forceId}, ${row.rating}, ${row.foundWhatNeeded}, ${row.comment}, ${row.at.toISOString()}::timestamptz)
          returning id`,
    )
    return made!.id
  }

  async recordVisit(tx: Tx, forceId: string, day: string, accountId: string): Promise<void> {
    await tx.execute(
      sql`insert into portal_visits (force_id, day, account_id) values (${forceId}, ${day}::date, ${accountId})
          on conflict do nothing`,
    )
  }

  /**
   * CP-145, CP-146: per week (Monday, UK time) from `from` to `to`: invitations sent and taken up,
   * accounts linked to the force's cases, people who opened their cases, portal messages each way,
   * and feedback with its average rating and how many were satisfied (4 or 5).
   */
  usage(tx: Tx, forceId: string, from: Date, to: Date): Promise<UsageWeek[]> {
    const f = from.toISOString()
    const t = to.toISOString()
    const week = (column: ReturnType<typeof sql.raw>) =>
      sql`to_char(date_trunc('week', ${column} at time zone 'Europe/London'), 'YYYY-MM-DD')`
    return rows<UsageWeek>(
      tx,
      sql`with weeks as (
            select to_char(w, 'YYYY-MM-DD') as week from generate_series(
              date_trunc('week', ${f}::timestamptz at time zone 'Europe/London'),
              date_trunc('week', (${t}::timestamptz - interval '1 second') at time zone 'Europe/London'),
              interval '1 week') w),
          sent as (select ${week(sql.raw('created_at'))} as week, count(*)::int as n from portal_invitations
            where force_id = ${forceId} and created_at >= ${f}::timestamptz and created_at < ${t}::timestamptz group by 1),
          accepted as (select ${week(sql.raw('accepted_at'))} as week, count(*)::int as n from portal_invitations
            where force_id = ${forceId} and accepted_at >= ${f}::timestamptz and accepted_at < ${t}::timestamptz group by 1),
          linked as (select ${week(sql.raw('linked_at'))} as week, count(distinct account_id)::int as n from portal_links
            where force_id = ${forceId} and linked_at >= ${f}::timestamptz and linked_at < ${t}::timestamptz group by 1),
          visits as (select to_char(date_trunc('week', day), 'YYYY-MM-DD') as week, count(distinct account_id)::int as n
            from portal_visits where force_id = ${forceId}
              and day >= (${f}::timestamptz at time zone 'Europe/London')::date
              and day < (${t}::timestamptz at time zone 'Europe/London')::date group by 1),
          messages as (select ${week(sql.raw('sent_at'))} as week,
              (count(*) filter (where direction = 'inbound'))::int as inbound,
              (count(*) filter (where direction = 'outbound'))::int as outbound
            from conversation_messages where force_id = ${forceId} and channel = 'portal'
              and sent_at >= ${f}::timestamptz and sent_at < ${t}::timestamptz group by 1),
          feedback as (select ${week(sql.raw('given_at'))} as week, count(*)::int as n,
              round(avg(rating), 2)::float as average, (count(*) filter (where rating >= 4))::int as satisfied
            from portal_feedback where force_id = ${forceId}
              and given_at >= ${f}::timestamptz and given_at < ${t}::timestamptz group by 1)
          select weeks.week, coalesce(sent.n, 0) as "invitationsSent", coalesce(accepted.n, 0) as "invitationsAccepted",
            coalesce(linked.n, 0) as "accountsLinked", coalesce(visits.n, 0) as visitors,
            coalesce(messages.inbound, 0) as "messagesFromPeople", coalesce(messages.outbound, 0) as "repliesToPeople",
            coalesce(feedback.n, 0) as feedback, feedback.average as "averageRating",
            coalesce(feedback.satisfied, 0) as satisfied
          from weeks left join sent using (week) left join accepted using (week) left join linked using (week)
            left join visits using (week) left join messages using (week) left join feedback using (week)
          order by weeks.week`,
    )
  }

  /** CP-145: accounts linked to the force's cases, and how many of them have ever been used. */
  async uptake(tx: Tx, forceId: string): Promise<{ accounts: number; active: number }> {
    const [row] = await rows<{ accounts: number; active: number }>(
      tx,
      sql`select count(distinct l.account_id)::int as accounts,
            count(distinct l.account_id) filter (where exists (
              select 1 from portal_visits v where v.force_id = l.force_id and v.account_id = l.account_id))::int as active
          from portal_links l where l.force_id = ${forceId}`,
    )
    return row ?? { accounts: 0, active: 0 }
  }

  /** The latest comments people left, newest first (CP-146). */
  comments(tx: Tx, forceId: string, from: Date, to: Date, limit: number) {
    return rows<{ givenAt: Date; rating: number; foundWhatNeeded: string | null; comment: string }>(
      tx,
      sql`select given_at as "givenAt", rating, found_what_needed as "foundWhatNeeded", comment
          from portal_feedback where force_id = ${forceId} and comment is not null
            and given_at >= ${from.toISOString()}::timestamptz and given_at < ${to.toISOString()}::timestamptz
          order by given_at desc limit ${limit}`,
    )
  }
}
