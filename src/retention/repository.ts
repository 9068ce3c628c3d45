// The only SQL of retention (UJ-3, CP-4, CRM-4): rules, holds, the review queue and outcomes,
// and the read of which cases and people a rule covers. Runs in the caller's force transaction.
import { type SQL, sql } from 'drizzle-orm'
import { rows, type Tx } from '../platform/db/database.ts'

export type RecordType = 'incident' | 'crime' | 'person' | 'message' | 'source_event'
export type HoldableType = 'incident' | 'crime' | 'person'

export interface RuleRow {
  id: string
  recordType: RecordType
  category: string
  dateField: string
  reviewAfterMonths: number | null
  deleteAfterMonths: number | null
  description: string
  updatedAt: Date
}

export interface Candidate {
  recordType: HoldableType
  recordId: string
  reference: string | null
  baseDate: Date
}

export interface HoldRow {
  id: string
  recordType: HoldableType
  recordId: string
  reason: string
  placedBy: string | null
  placedAt: Date
  releasedAt: Date | null
}

export interface ReviewRow {
  id: string
  recordType: HoldableType
  recordId: string
  reference: string | null
  ruleId: string
  ruleDescription: string
  dueAt: Date
  status: 'pending' | 'kept' | 'deleted'
  reason: string | null
  keepUntil: Date | null
}

export interface OutcomeRow {
  recordType: string
  recordId: string | null
  ruleLabel: string | null
  ruleDescription?: string | null
  outcome: 'queued' | 'kept' | 'deleted'
  counts: Record<string, number>
  at: Date
}

// Raw queries return timestamps as text (Drizzle's drivers leave them unparsed).
const asDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)))
const asDateOrNull = (value: unknown): Date | null => (value == null ? null : asDate(value))

const ruleColumns = sql`id, record_type as "recordType", category, date_field as "dateField",
  review_after_months as "reviewAfterMonths", delete_after_months as "deleteAfterMonths",
  description, updated_at as "updatedAt"`

export class RetentionRepository {
  async rules(tx: Tx): Promise<RuleRow[]> {
    const found = await rows<RuleRow>(
      tx,
      sql`select ${ruleColumns} from retention_rules order by record_type, category`,
    )
    return found.map((r) => ({ ...r, updatedAt: asDate(r.updatedAt) }))
  }

  async rule(tx: Tx, id: string): Promise<RuleRow | undefined> {
    return (await rows<RuleRow>(tx, sql`select ${ruleColumns} from retention_rules where id = ${id}`))[0]
  }

  async updateRule(
    tx: Tx,
    id: string,
    change: { reviewAfterMonths: number | null; deleteAfterMonths: number | null; description: string },
    by: string | null,
    at: Date,
  ): Promise<void> {
    await tx.execute(sql`update retention_rules set review_after_months = ${change.reviewAfterMonths},
      delete_after_months = ${change.deleteAfterMonths}, description = ${change.description},
      updated_by = ${by}, updated_at = ${at} where id = ${id}`)
  }

  /** Every case or person in the rule's category, with the date its periods run from. */
  async candidates(tx: Tx, rule: RuleRow): Promise<Candidate[]> {
    const query = candidateQuery(rule)
    if (!query) return []
    const found = await rows<Candidate>(tx, query)
    return found.filter((c) => c.baseDate != null).map((c) => ({ ...c, baseDate: asDate(c.baseDate) }))
  }

  async activeHoldKeys(tx: Tx): Promise<Set<string>> {
    const found = await rows<{ k: string }>(
      tx,
      sql`select record_type || ':' || record_id as k from retention_holds where released_at is null`,
    )
    return new Set(found.map((r) => r.k))
  }

  async holds(tx: Tx): Promise<HoldRow[]> {
    const found = await rows<HoldRow>(
      tx,
      sql`select id, record_type as "recordType", record_id as "recordId", reason, placed_by as "placedBy",
        placed_at as "placedAt", released_at as "releasedAt" from retention_holds
        where released_at is null order by placed_at desc`,
    )
    return found.map((h) => ({ ...h, placedAt: asDate(h.placedAt) }))
  }

  async placeHold(
    tx: Tx,
    hold: {
      forceId: string
      recordType: HoldableType
      recordId: string
      reason: string
      by: string | null
      at: Date
    },
  ): Promise<string> {
    const [row] = await rows<{ id: string }>(
      tx,
      sql`insert into retention_holds (force_id, record_type, record_id, reason, placed_by, placed_at)
        values (${hold.forceId}, ${hold.recordType}, ${hold.recordId}, ${hold.reason}, ${hold.by}, ${hold.at})
        on conflict (force_id, record_type, record_id) where released_at is null do nothing returning id`,
    )
    await tx.execute(sql`delete from retention_reviews where record_type = ${hold.recordType}
      and record_id = ${hold.recordId} and status = 'pending'`)
    return row?.id ?? ''
  }

  async releaseHold(
    tx: Tx,
    id: string,
    reason: string,
    by: string | null,
    at: Date,
  ): Promise<HoldRow | undefined> {
    const [row] = await rows<HoldRow>(
      tx,
      sql`update retention_holds set released_at = ${at}, released_by = ${by}, release_reason = ${reason}
        where id = ${id} and released_at is null
        returning id, record_type as "recordType", record_id as "recordId", reason`,
    )
    return row
  }

  /** Records kept at review until a date still to come are left alone until then. */
  async keptKeys(tx: Tx, now: Date): Promise<Set<string>> {
    const found = await rows<{ k: string }>(
      tx,
      sql`select record_type || ':' || record_id as k from retention_reviews where status = 'kept' and keep_until > ${now}`,
    )
    return new Set(found.map((r) => r.k))
  }

  async pendingKeys(tx: Tx): Promise<Set<string>> {
    const found = await rows<{ k: string }>(
      tx,
      sql`select record_type || ':' || record_id as k from retention_reviews where status = 'pending'`,
    )
    return new Set(found.map((r) => r.k))
  }

  async queueReview(
    tx: Tx,
    forceId: string,
    c: Candidate,
    rule: RuleRow,
    dueAt: Date,
    now: Date,
  ): Promise<void> {
    await tx.execute(sql`insert into retention_reviews
      (force_id, record_type, record_id, reference, rule_id, due_at, status, created_at)
      values (${forceId}, ${c.recordType}, ${c.recordId}, ${c.reference}, ${rule.id}, ${dueAt}, 'pending', ${now})
      on conflict (force_id, record_type, record_id) where status = 'pending' do nothing`)
  }

  async reviews(tx: Tx, where: SQL = sql`r.status = 'pending'`): Promise<ReviewRow[]> {
    const found = await rows<ReviewRow>(
      tx,
      sql`select r.id, r.record_type as "recordType", r.record_id as "recordId", r.reference, r.rule_id as "ruleId",
        u.description as "ruleDescription", r.due_at as "dueAt", r.status, r.reason, r.keep_until as "keepUntil"
        from retention_reviews r join retention_rules u on u.id = r.rule_id where ${where} order by r.due_at, r.id`,
    )
    return found.map((r) => ({ ...r, dueAt: asDate(r.dueAt), keepUntil: asDateOrNull(r.keepUntil) }))
  }

  async review(tx: Tx, id: string): Promise<ReviewRow | undefined> {
    return (await this.reviews(tx, sql`r.id = ${id}`))[0]
  }

  async decideReview(
    tx: Tx,
    id: string,
    decision: {
      status: 'kept' | 'deleted'
      reason: string | null
      keepUntil: Date | null
      by: string | null
      at: Date
    },
  ): Promise<void> {
    await tx.execute(sql`update retention_reviews set status = ${decision.status}, reason = ${decision.reason},
      keep_until = ${decision.keepUntil}, decided_by = ${decision.by}, decided_at = ${decision.at} where id = ${id}`)
  }

  /** A deleted record leaves no pending review behind. */
  async closeReviewsOf(
    tx: Tx,
    recordType: string,
    recordId: string,
    by: string | null,
    at: Date,
  ): Promise<void> {
    await tx.execute(sql`update retention_reviews set status = 'deleted', decided_by = ${by}, decided_at = ${at}
      where record_type = ${recordType} and record_id = ${recordId} and status = 'pending'`)
  }

  async addOutcome(
    tx: Tx,
    o: Omit<OutcomeRow, 'at'> & { forceId: string; ruleId: string | null; actorId: string | null; at: Date },
  ): Promise<void> {
    await tx.execute(sql`insert into retention_outcomes
      (force_id, record_type, record_id, rule_id, rule_label, outcome, counts, actor_id, at) values
      (${o.forceId}, ${o.recordType}, ${o.recordId}, ${o.ruleId}, ${o.ruleLabel}, ${o.outcome},
       ${JSON.stringify(o.counts)}::jsonb, ${o.actorId}, ${o.at})`)
  }

  async outcomes(tx: Tx, from: Date, to: Date): Promise<OutcomeRow[]> {
    const found = await rows<OutcomeRow>(
      tx,
      sql`select o.record_type as "recordType", o.record_id as "recordId", o.rule_label as "ruleLabel",
        u.description as "ruleDescription", o.outcome, o.counts, o.at
        from retention_outcomes o left join retention_rules u on u.id = o.rule_id
        where o.at >= ${from} and o.at < ${to} order by o.at, o.id`,
    )
    return found.map((o) => ({ ...o, at: asDate(o.at) }))
  }
}

function candidateQuery(rule: RuleRow): SQL | undefined {
  const activity = (table: string) => sql.raw(`${table}.updated_at`)
  if (rule.recordType === 'crime') {
    const base = rule.dateField === 'closed_at' ? sql`c.closed_at` : activity('c')
    const category =
      rule.category === 'enhanced'
        ? sql`c.vcop_category = 'enhanced' and c.status <> 'open'`
        : sql`c.status = ${rule.category}`
    return sql`select 'crime' as "recordType", c.id as "recordId", c.crime_ref as reference, ${base} as "baseDate"
      from crimes c where ${category} and ${base} is not null`
  }
  if (rule.recordType === 'incident') {
    const base = rule.dateField === 'closed_at' ? sql`i.closed_at` : activity('i')
    const category =
      rule.category === 'closed-non-crime'
        ? sql`i.closed_at is not null and not exists (select 1 from crime_incidents l where l.incident_id = i.id)`
        : sql`i.closed_at is not null`
    return sql`select 'incident' as "recordType", i.id as "recordId", i.cad_ref as reference, ${base} as "baseDate"
      from incidents i where ${category} and ${base} is not null`
  }
  if (rule.recordType === 'person') {
    // A person on a case goes with the case under the case's rule; person rules cover the rest.
    const category = sql`not exists (select 1 from case_parties cp where cp.person_id = p.id)${
      rule.category === 'no-case'
        ? sql``
        : sql` and exists (select 1 from person_markers m where m.person_id = p.id and m.kind = ${rule.category} and m.removed_at is null)`
    }`
    return sql`select 'person' as "recordType", p.id as "recordId", null as reference,
      greatest(p.updated_at, (select max(t.occurred_at) from case_timeline t where t.person_id = p.id)) as "baseDate"
      from people p where ${category}`
  }
  return undefined
}
