// The only SQL of the officer console: officer profiles and escalations (its own tables), and the
// read models "My cases", the team view and the SLA report, which join the force's crimes, the
// Portal's links and the conversations in one statement each (row-level security keeps every
// table to the officer's force).
import { and, eq, isNull, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'
import { type EscalationRow, type OfficerProfile, officerEscalations, officerProfiles } from './schema.ts'

export interface OfficerCaseRow {
  crimeId: string
  crimeRef: string
  crimeType: string | null
  status: string
  closedAt: Date | null
  officerName: string | null
  officerCollar: string | null
  team: string | null
  personId: string
  personName: string | null
  hasAccount: boolean
  conversationId: string | null
  unread: number
  /** The earliest due time of the person's unanswered messages. */
  dueBy: Date | null
  escalated: boolean
  lastMessageAt: Date | null
  /** The officer's latest message the person can see: when it was sent and read (null: not yet). */
  lastSentAt: Date | null
  lastSentReadAt: Date | null
}

export interface SlaRow {
  messageId: string
  crimeRef: string | null
  officerCollar: string | null
  officerName: string | null
  sentAt: Date
  dueBy: Date
  answeredAt: Date | null
  escalatedAt: Date | null
}

const dates = <T>(list: Record<string, unknown>[]): T[] => {
  for (const row of list)
    for (const key of Object.keys(row))
      if ((key.endsWith('At') || key === 'dueBy') && typeof row[key] === 'string')
        row[key] = new Date(row[key] as string)
  return list as T[]
}

export class OfficerRepository {
  profile(tx: Tx, staffId: string): Promise<OfficerProfile | undefined> {
    return tx
      .select()
      .from(officerProfiles)
      .where(eq(officerProfiles.staffId, staffId))
      .then((r) => r[0])
  }

  async saveProfile(tx: Tx, row: OfficerProfile): Promise<void> {
    await tx
      .insert(officerProfiles)
      .values(row)
      .onConflictDoUpdate({
        target: officerProfiles.staffId,
        set: { collar: row.collar, team: row.team, updatedAt: row.updatedAt },
      })
  }

  /** The staff (with their email) who are this officer on the records system. */
  staffOfCollar(tx: Tx, collar: string): Promise<{ staffId: string; email: string }[]> {
    return rows(
      tx,
      sql`select p.staff_id as "staffId", u.email from officer_profiles p join staff_users u on u.id = p.staff_id
          where p.collar = ${collar} and u.disabled_at is null`,
    )
  }

  /**
   * Portal cases: crimes with a person linked to a portal account or a portal conversation, for
   * one officer (collar), one team, or the whole force; unread and overdue first.
   */
  async cases(
    tx: Tx,
    scope: { collar: string } | { team: string } | 'force',
    limit = 200,
  ): Promise<OfficerCaseRow[]> {
    const where =
      scope === 'force'
        ? sql`true`
        : 'collar' in scope
          ? sql`o.collar_number = ${scope.collar}`
          : sql`t.name = ${scope.team}`
    const result = await rows<Record<string, unknown>>(
      tx,
      sql`select * from (with portal_people as (
            select l.case_id as crime_id, l.person_id from portal_links l where l.case_kind = 'crime'
            union
            select c.case_id::uuid, c.person_id from conversations c
              where c.channel = 'portal' and c.person_id is not null and c.case_id ~ '^[0-9a-f-]{36}$')
          select cr.id as "crimeId", cr.crime_ref as "crimeRef", cr.crime_type as "crimeType", cr.status,
            cr.closed_at as "closedAt", o.name as "officerName", o.collar_number as "officerCollar", t.name as team,
            pp.person_id as "personId", pe.display_name as "personName",
            exists (select 1 from portal_links l where l.person_id = pp.person_id and l.case_id = cr.id) as "hasAccount",
            cv.id as "conversationId",
            coalesce((select count(*)::int from conversation_messages m where m.conversation_id = cv.id
              and m.direction = 'inbound' and m.read_at is null), 0) as unread,
            (select min(m.due_by) from conversation_messages m where m.conversation_id = cv.id
              and m.direction = 'inbound' and m.answered_at is null) as "dueBy",
            exists (select 1 from officer_escalations e where e.conversation_id = cv.id and e.resolved_at is null) as escalated,
            cv.last_message_at as "lastMessageAt", lo.sent_at as "lastSentAt", lo.read_at as "lastSentReadAt"
          from portal_people pp
          join crimes cr on cr.id = pp.crime_id
          left join officers o on o.id = cr.officer_id
          left join teams t on t.id = o.team_id
          left join people pe on pe.id = pp.person_id
          left join lateral (select c.id, c.last_message_at from conversations c where c.channel = 'portal'
            and c.person_id = pp.person_id and c.case_id = cr.id::text
            order by c.status = 'open' desc, c.last_message_at desc limit 1) cv on true
          left join lateral (select coalesce(m.sent_at, m.created_at) as sent_at, m.read_at from conversation_messages m
            where m.conversation_id = cv.id and m.direction = 'outbound' and m.recalled_at is null
            order by m.created_at desc limit 1) lo on true
          where ${where}) found
          order by found.unread > 0 desc, found."dueBy" nulls last, found."lastMessageAt" desc nulls last,
            found."crimeRef"
          limit ${limit}`,
    )
    return dates<OfficerCaseRow>(result)
  }

  /**
   * The members of staff whose "My cases" lists a portal conversation: those whose collar number
   * is the case's officer's. None for a conversation that is not a portal one about a crime.
   */
  async staffOfConversation(tx: Tx, conversationId: string): Promise<string[]> {
    const found = await rows<{ staffId: string }>(
      tx,
      sql`select p.staff_id as "staffId" from conversations c
          join crimes cr on cr.id::text = c.case_id
          join officers o on o.id = cr.officer_id
          join officer_profiles p on p.force_id = c.force_id and p.collar = o.collar_number
          where c.id = ${conversationId} and c.channel = 'portal'`,
    )
    return found.map((r) => r.staffId)
  }

  /** The crime a portal conversation is about, with its officer (the console's checks). */
  async conversationCase(
    tx: Tx,
    conversationId: string,
  ): Promise<
    | {
        crimeId: string
        crimeRef: string
        crimeType: string | null
        status: string
        closedAt: Date | null
        officerCollar: string | null
        officerName: string | null
        team: string | null
        personId: string | null
      }
    | undefined
  > {
    const [row] = await rows<Record<string, unknown>>(
      tx,
      sql`select cr.id as "crimeId", cr.crime_ref as "crimeRef", cr.crime_type as "crimeType", cr.status,
            cr.closed_at as "closedAt", o.collar_number as "officerCollar", o.name as "officerName", t.name as team, c.person_id as "personId"
          from conversations c join crimes cr on cr.id::text = c.case_id
          left join officers o on o.id = cr.officer_id left join teams t on t.id = o.team_id
          where c.id = ${conversationId} and c.channel = 'portal'`,
    )
    return row ? dates<never>([row])[0] : undefined
  }

  /** Whether the person has a portal account linked to the case (CP-78). */
  async hasAccount(tx: Tx, personId: string, crimeId: string): Promise<boolean> {
    const [row] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from portal_links where person_id = ${personId} and case_id = ${crimeId}`,
    )
    return (row?.n ?? 0) > 0
  }

  async addEscalation(tx: Tx, row: Omit<EscalationRow, 'id' | 'resolvedAt'>): Promise<boolean> {
    const inserted = await tx
      .insert(officerEscalations)
      .values(row)
      .onConflictDoNothing()
      .returning({ id: officerEscalations.id })
    return inserted.length > 0
  }

  async resolveEscalations(tx: Tx, conversationId: string, at: Date): Promise<number> {
    const done = await tx
      .update(officerEscalations)
      .set({ resolvedAt: at })
      .where(
        and(eq(officerEscalations.conversationId, conversationId), isNull(officerEscalations.resolvedAt)),
      )
      .returning({ id: officerEscalations.id })
    return done.length
  }

  openEscalations(
    tx: Tx,
    team: string | null,
  ): Promise<(EscalationRow & { crimeRef: string | null; officerName: string | null })[]> {
    return rows<Record<string, unknown>>(
      tx,
      sql`select e.id, e.force_id as "forceId", e.conversation_id as "conversationId", e.message_id as "messageId",
            e.officer_collar as "officerCollar", e.team, e.due_by as "dueBy", e.escalated_at as "escalatedAt",
            e.resolved_at as "resolvedAt", cr.crime_ref as "crimeRef", o.name as "officerName"
          from officer_escalations e join conversations c on c.id = e.conversation_id
          left join crimes cr on cr.id::text = c.case_id left join officers o on o.id = cr.officer_id
          where e.resolved_at is null ${team ? sql`and e.team = ${team}` : sql``}
          order by e.escalated_at desc limit 500`,
    ).then((r) => dates(r))
  }

  /** Every person's portal message that fell due in the period, with when it was answered (CP-148). */
  async slaRows(tx: Tx, from: Date, to: Date): Promise<SlaRow[]> {
    const result = await rows<Record<string, unknown>>(
      tx,
      sql`select m.id as "messageId", cr.crime_ref as "crimeRef", o.collar_number as "officerCollar",
            o.name as "officerName", m.sent_at as "sentAt", m.due_by as "dueBy", m.answered_at as "answeredAt",
            m.escalated_at as "escalatedAt"
          from conversation_messages m join conversations c on c.id = m.conversation_id
          left join crimes cr on cr.id::text = c.case_id left join officers o on o.id = cr.officer_id
          where m.direction = 'inbound' and m.channel = 'portal' and m.due_by is not null
            and m.sent_at >= ${from.toISOString()} and m.sent_at < ${to.toISOString()}
          order by m.sent_at`,
    )
    return dates<SlaRow>(result)
  }
}
