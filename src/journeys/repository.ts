// The only code that touches the Journeys tables. Every method runs in the caller's transaction,
// so row-level security confines it to one force (or to the system role for the due-step sweep).
import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm'
import { SettingsCache } from '../platform/cache.ts'
import { type Database, rows, type Tx } from '../platform/db/database.ts'
import { staffUsers } from '../platform/schema.ts'
import {
  enrolmentDecisions,
  enrolmentSteps,
  enrolments,
  journeyForceRules,
  journeyVersions,
  journeys,
  safeChannelConfirmations,
} from './schema.ts'

export type JourneyRow = typeof journeys.$inferSelect
export type VersionRow = typeof journeyVersions.$inferSelect
export type EnrolmentRow = typeof enrolments.$inferSelect
export type StepRow = typeof enrolmentSteps.$inferSelect
export type DecisionRow = typeof enrolmentDecisions.$inferSelect
export type RulesRow = typeof journeyForceRules.$inferSelect

export interface JourneySummary extends JourneyRow {
  activeEnrolments: number
}

export class JourneyRepository {
  // Read on every case event, changed rarely by people: held briefly (platform/cache.ts).
  readonly #published: SettingsCache<{ journey: JourneyRow; version: VersionRow }[]>
  readonly #versions: SettingsCache<VersionRow | undefined>
  readonly #rules: SettingsCache<RulesRow | undefined>
  readonly #forces: SettingsCache<{ name: string; products: string[] }>

  constructor(db: Database) {
    this.#published = new SettingsCache(db)
    // A published version never changes: held until it is the oldest of many.
    this.#versions = new SettingsCache(db, { ttlMs: 10 * 60_000 })
    this.#rules = new SettingsCache(db)
    this.#forces = new SettingsCache(db)
  }

  async insertJourney(tx: Tx, row: typeof journeys.$inferInsert): Promise<JourneyRow> {
    this.#published.forget(tx, row.forceId)
    const [created] = await tx.insert(journeys).values(row).returning()
    return created!
  }

  async journey(tx: Tx, id: string): Promise<JourneyRow | undefined> {
    const [found] = await tx.select().from(journeys).where(eq(journeys.id, id))
    return found
  }

  async journeyByKey(tx: Tx, forceId: string, key: string): Promise<JourneyRow | undefined> {
    const [found] = await tx
      .select()
      .from(journeys)
      .where(and(eq(journeys.forceId, forceId), eq(journeys.key, key)))
    return found
  }

  async journeysWithCounts(tx: Tx, forceId: string): Promise<JourneySummary[]> {
    return rows<JourneySummary>(
      tx,
      sql`select j.id, j.force_id as "forceId", j.key, j.name, j.kind, j.description, j.draft,
            j.published_version as "publishedVersion", j.created_by as "createdBy", j.created_at as "createdAt",
            j.updated_at as "updatedAt", j.archived_at as "archivedAt",
            (select count(*)::int from enrolments e where e.journey_id = j.id and e.status in ('active', 'waiting-event')) as "activeEnrolments"
          from journeys j where j.force_id = ${forceId} and j.archived_at is null
          order by j.kind desc, j.name`,
    )
  }

  /** Changes the journey row: its draft, or its published version or archiving (read by enrolment). */
  async updateDraft(tx: Tx, id: string, fields: Partial<typeof journeys.$inferInsert>): Promise<void> {
    const changed = await tx
      .update(journeys)
      .set(fields)
      .where(eq(journeys.id, id))
      .returning({ forceId: journeys.forceId })
    for (const { forceId } of changed) this.#published.forget(tx, forceId)
  }

  async insertVersion(tx: Tx, row: typeof journeyVersions.$inferInsert): Promise<VersionRow> {
    const [created] = await tx.insert(journeyVersions).values(row).returning()
    return created!
  }

  async version(tx: Tx, id: string): Promise<VersionRow | undefined> {
    return this.#versions.get(tx, id, async (t) => {
      const [found] = await t.select().from(journeyVersions).where(eq(journeyVersions.id, id))
      return found
    })
  }

  async versions(tx: Tx, journeyId: string): Promise<VersionRow[]> {
    return tx
      .select()
      .from(journeyVersions)
      .where(eq(journeyVersions.journeyId, journeyId))
      .orderBy(desc(journeyVersions.version))
  }

  /** The versions with the name of who published each (staff of the force, under its row-level security). */
  async versionsWithAuthors(
    tx: Tx,
    journeyId: string,
  ): Promise<(VersionRow & { publishedByName: string | null })[]> {
    const found = await tx
      .select({ version: journeyVersions, publishedByName: staffUsers.displayName })
      .from(journeyVersions)
      .leftJoin(staffUsers, eq(staffUsers.id, journeyVersions.publishedBy))
      .where(eq(journeyVersions.journeyId, journeyId))
      .orderBy(desc(journeyVersions.version))
    return found.map((r) => ({ ...r.version, publishedByName: r.publishedByName }))
  }

  /** The current published version of every live journey of the force. */
  async publishedJourneys(tx: Tx, forceId: string): Promise<{ journey: JourneyRow; version: VersionRow }[]> {
    return this.#published.get(tx, forceId, (t) => this.#readPublished(t, forceId))
  }

  async #readPublished(tx: Tx, forceId: string): Promise<{ journey: JourneyRow; version: VersionRow }[]> {
    return tx
      .select({ journey: journeys, version: journeyVersions })
      .from(journeys)
      .innerJoin(
        journeyVersions,
        and(
          eq(journeyVersions.journeyId, journeys.id),
          eq(journeyVersions.version, journeys.publishedVersion),
        ),
      )
      .where(and(eq(journeys.forceId, forceId), sql`${journeys.archivedAt} is null`))
      .orderBy(asc(journeys.key))
  }

  /**
   * The force's name and products, read in the caller's transaction: the enrolment listener runs inside the
   * ingest transaction, and PGlite's single connection cannot open a second one meanwhile.
   */
  async forceSummary(tx: Tx, forceId: string): Promise<{ name: string; products: string[] }> {
    return this.#forces.get(tx, forceId, async (t) => {
      const [found] = await rows<{ name: string; products: string[] }>(
        t,
        sql`select coalesce(branding->>'displayName', name) as name, products from forces where id = ${forceId}`,
      )
      return found ?? { name: '', products: [] }
    })
  }

  async rules(tx: Tx, forceId: string): Promise<RulesRow | undefined> {
    return this.#rules.get(tx, forceId, async (t) => {
      const [found] = await t.select().from(journeyForceRules).where(eq(journeyForceRules.forceId, forceId))
      return found
    })
  }

  async saveRules(tx: Tx, row: typeof journeyForceRules.$inferInsert): Promise<void> {
    this.#rules.forget(tx, row.forceId)
    await tx
      .insert(journeyForceRules)
      .values(row)
      .onConflictDoUpdate({ target: journeyForceRules.forceId, set: { ...row } })
  }

  /**
   * Inserts unless the person is already enrolled on this journey for this occurrence (the unique
   * index `enrolments_once`: a concurrent transaction's insert waits for this one, then does nothing).
   */
  async insertEnrolment(tx: Tx, row: typeof enrolments.$inferInsert): Promise<EnrolmentRow | undefined> {
    const [created] = await tx.insert(enrolments).values(row).onConflictDoNothing().returning()
    return created
  }

  async enrolment(tx: Tx, id: string): Promise<EnrolmentRow | undefined> {
    const [found] = await tx.select().from(enrolments).where(eq(enrolments.id, id)).for('update')
    return found
  }

  /** The person's enrolment on this journey for this occurrence, if any (merged ones aside). */
  async enrolmentFor(
    tx: Tx,
    journeyId: string,
    occurrenceId: string,
    personId: string,
  ): Promise<EnrolmentRow | undefined> {
    const [found] = await tx
      .select()
      .from(enrolments)
      .where(
        and(
          eq(enrolments.journeyId, journeyId),
          eq(enrolments.occurrenceId, occurrenceId),
          eq(enrolments.personId, personId),
          isNull(enrolments.mergedInto),
        ),
      )
    return found
  }

  /**
   * Every enrolment of an occurrence, merged ones included, oldest first: those keyed to it, and
   * those made on one of its cases before a link merged that case's occurrence into it.
   */
  async enrolmentsOfOccurrence(tx: Tx, occurrenceId: string, caseIds: string[]): Promise<EnrolmentRow[]> {
    return tx
      .select()
      .from(enrolments)
      .where(
        or(
          eq(enrolments.occurrenceId, occurrenceId),
          caseIds.length > 0 ? inArray(enrolments.caseId, caseIds) : sql`false`,
        ),
      )
      .orderBy(asc(enrolments.enrolledAt), asc(enrolments.id))
  }

  /** Messages other enrolments of the occurrence sent, or are to send, to a recipient. */
  async sendsOnOccurrence(
    tx: Tx,
    occurrenceId: string,
    recipientPersonId: string,
    exceptEnrolmentId: string,
  ): Promise<{ template: string; messageId: string }[]> {
    return rows<{ template: string; messageId: string }>(
      tx,
      sql`select s.template, s.message_id as "messageId" from enrolment_steps s
          join enrolments e on e.id = s.enrolment_id
          where e.occurrence_id = ${occurrenceId} and e.id <> ${exceptEnrolmentId}
            and s.outcome = 'send' and s.recipient_person_id = ${recipientPersonId}
            and s.template is not null and s.message_id is not null`,
    )
  }

  /** Enrolments on an incident or crime (either id), optionally only those still running. */
  async enrolmentsOnCase(
    tx: Tx,
    key: { incidentIds: string[]; crimeId?: string },
    runningOnly = false,
  ): Promise<EnrolmentRow[]> {
    const onCase = or(
      key.incidentIds.length > 0 ? inArray(enrolments.incidentId, key.incidentIds) : sql`false`,
      key.crimeId ? eq(enrolments.crimeId, key.crimeId) : sql`false`,
    )
    return tx
      .select()
      .from(enrolments)
      .where(running(onCase, runningOnly))
      .orderBy(asc(enrolments.enrolledAt))
  }

  async enrolmentsOfPerson(tx: Tx, personId: string, runningOnly = true): Promise<EnrolmentRow[]> {
    return tx
      .select()
      .from(enrolments)
      .where(running(eq(enrolments.personId, personId), runningOnly))
  }

  /** A crime recorded from an incident: its enrolments now follow the crime too. */
  async linkCrime(tx: Tx, incidentIds: string[], crimeId: string): Promise<void> {
    if (incidentIds.length === 0) return
    await tx
      .update(enrolments)
      .set({ crimeId })
      .where(and(inArray(enrolments.incidentId, incidentIds), sql`${enrolments.crimeId} is null`))
  }

  async updateEnrolment(tx: Tx, id: string, fields: Partial<typeof enrolments.$inferInsert>): Promise<void> {
    await tx.update(enrolments).set(fields).where(eq(enrolments.id, id))
  }

  /** Across every force (system role): enrolments whose next step is due. */
  async dueEnrolments(tx: Tx, now: Date, limit: number): Promise<{ id: string; forceId: string }[]> {
    return tx
      .select({ id: enrolments.id, forceId: enrolments.forceId })
      .from(enrolments)
      .where(
        and(
          inArray(enrolments.status, ['active', 'waiting-event']),
          isNotNull(enrolments.dueAt),
          lte(enrolments.dueAt, now),
        ),
      )
      .orderBy(asc(enrolments.dueAt))
      .limit(limit)
  }

  async addSteps(tx: Tx, steps: (typeof enrolmentSteps.$inferInsert)[]): Promise<void> {
    if (steps.length > 0) await tx.insert(enrolmentSteps).values(steps)
  }

  async steps(tx: Tx, enrolmentIds: string[]): Promise<StepRow[]> {
    if (enrolmentIds.length === 0) return []
    return tx
      .select()
      .from(enrolmentSteps)
      .where(inArray(enrolmentSteps.enrolmentId, enrolmentIds))
      .orderBy(asc(enrolmentSteps.id))
  }

  async addDecision(tx: Tx, row: typeof enrolmentDecisions.$inferInsert): Promise<void> {
    await tx.insert(enrolmentDecisions).values(row)
  }

  async decisions(tx: Tx, key: { incidentIds: string[]; crimeId?: string }): Promise<DecisionRow[]> {
    return tx
      .select()
      .from(enrolmentDecisions)
      .where(
        or(
          key.incidentIds.length > 0 ? inArray(enrolmentDecisions.incidentId, key.incidentIds) : sql`false`,
          key.crimeId ? eq(enrolmentDecisions.crimeId, key.crimeId) : sql`false`,
        ),
      )
      .orderBy(asc(enrolmentDecisions.id))
  }

  /** The decisions that enrolled these people, oldest first (the case pages link each message to one). */
  async enrolledDecisionsOf(tx: Tx, personIds: string[]): Promise<DecisionRow[]> {
    if (personIds.length === 0) return []
    return tx
      .select()
      .from(enrolmentDecisions)
      .where(and(inArray(enrolmentDecisions.personId, personIds), eq(enrolmentDecisions.outcome, 'enrolled')))
      .orderBy(asc(enrolmentDecisions.id))
  }

  /** An enrolment to read, not change: no row lock, so a shared (read-only) one is found too. */
  async enrolmentToRead(tx: Tx, id: string): Promise<EnrolmentRow | undefined> {
    const [found] = await tx.select().from(enrolments).where(eq(enrolments.id, id))
    return found
  }

  /** The enrolment steps that created this message (one, or none for a message outside journeys). */
  async stepsOfMessage(tx: Tx, messageId: string): Promise<StepRow[]> {
    return tx
      .select()
      .from(enrolmentSteps)
      .where(eq(enrolmentSteps.messageId, messageId))
      .orderBy(asc(enrolmentSteps.id))
  }

  async confirmedSafeChannels(
    tx: Tx,
    personIds: string[],
  ): Promise<{ personId: string; channel: 'sms' | 'email' }[]> {
    if (personIds.length === 0) return []
    return tx
      .select({ personId: safeChannelConfirmations.personId, channel: safeChannelConfirmations.channel })
      .from(safeChannelConfirmations)
      .where(inArray(safeChannelConfirmations.personId, personIds))
  }

  async confirmSafeChannel(tx: Tx, row: typeof safeChannelConfirmations.$inferInsert): Promise<void> {
    await tx.insert(safeChannelConfirmations).values(row).onConflictDoNothing()
  }
}

function running(condition: ReturnType<typeof or>, runningOnly: boolean) {
  return runningOnly ? and(condition, inArray(enrolments.status, ['active', 'waiting-event'])) : condition
}
