// What force admins set and auditors read for review, retention and deletion (UJ-3, CP-4, CRM-4):
// the force's rules, legal holds, and the report of what was reviewed, kept and deleted.
import { sql } from 'drizzle-orm'
import { DateTime } from 'luxon'
import type { CaseService } from '../cases/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import { type Database, rows } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import type { HoldableType, OutcomeRow, RetentionRepository, RuleRow } from './repository.ts'
import type { Acting } from './service.ts'

export interface RetentionReport {
  from: Date
  to: Date
  totals: { queued: number; kept: number; deleted: number }
  byRule: { recordType: string; rule: string; queued: number; kept: number; deleted: number }[]
  tombstones: OutcomeRow[]
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function months(value: string | undefined, field: string, errors: { field: string; message: string }[]) {
  const text = (value ?? '').trim()
  if (text === '') return null
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 1200) {
    errors.push({ field, message: 'Enter a whole number of months from 1 to 1200, or leave it empty' })
    return null
  }
  return Number(text)
}

export class RetentionAdministration {
  readonly #db: Database
  readonly #repo: RetentionRepository
  readonly #audit: AuditService
  readonly #cases: CaseService
  readonly #clock: Clock

  constructor(deps: {
    db: Database
    repo: RetentionRepository
    audit: AuditService
    cases: CaseService
    clock: Clock
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#audit = deps.audit
    this.#cases = deps.cases
    this.#clock = deps.clock
  }

  rules(forceId: string): Promise<RuleRow[]> {
    return this.#db.withForce(forceId, (tx) => this.#repo.rules(tx))
  }

  async rule(forceId: string, id: string): Promise<RuleRow> {
    const rule = await this.#db.withForce(forceId, (tx) => this.#repo.rule(tx, id))
    if (!rule) throw new NotFoundError('The retention rule')
    return rule
  }

  async updateRule(
    forceId: string,
    id: string,
    input: { reviewAfterMonths?: string; deleteAfterMonths?: string; description?: string },
    acting: Acting,
  ): Promise<void> {
    const errors: { field: string; message: string }[] = []
    const reviewAfterMonths = months(input.reviewAfterMonths, 'reviewAfterMonths', errors)
    const deleteAfterMonths = months(input.deleteAfterMonths, 'deleteAfterMonths', errors)
    const description = (input.description ?? '').trim()
    if (!description) errors.push({ field: 'description', message: 'Enter what the rule covers' })
    if (errors.length === 0 && reviewAfterMonths === null && deleteAfterMonths === null)
      errors.push({ field: 'reviewAfterMonths', message: 'Enter a review period, a deletion period or both' })
    if (errors.length > 0) throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      const before = await this.#repo.rule(tx, id)
      if (!before) throw new NotFoundError('The retention rule')
      const change = { reviewAfterMonths, deleteAfterMonths, description }
      await this.#repo.updateRule(tx, id, change, acting.actor.id ?? null, this.#clock.now())
      await this.#audit.record(
        {
          action: 'retention-rule.updated',
          forceId,
          actor: acting.actor,
          recordType: 'retention-rule',
          recordId: id,
          detail: {
            from: {
              reviewAfterMonths: before.reviewAfterMonths,
              deleteAfterMonths: before.deleteAfterMonths,
            },
            to: { reviewAfterMonths, deleteAfterMonths },
          },
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
        },
        tx,
      )
    })
  }

  holds(forceId: string) {
    return this.#db.withForce(forceId, (tx) => this.#repo.holds(tx))
  }

  /** A hold names a crime or CAD reference, or a person's Waypoint id, with a reason. */
  async placeHold(
    forceId: string,
    input: { recordType?: string; reference?: string; reason?: string },
    acting: Acting,
  ): Promise<string> {
    const recordType = input.recordType as HoldableType
    const reference = (input.reference ?? '').trim()
    const reason = (input.reason ?? '').trim()
    const errors: { field: string; message: string }[] = []
    if (!['crime', 'incident', 'person'].includes(recordType))
      errors.push({ field: 'recordType', message: 'Select what the hold is on' })
    if (!reference) errors.push({ field: 'reference', message: 'Enter the reference of the record to hold' })
    if (!reason) errors.push({ field: 'reason', message: 'Enter why the record is held' })
    if (errors.length > 0) throw new ValidationError(errors)
    return this.#db.withForce(forceId, async (tx) => {
      const recordId = await this.#resolve(tx, forceId, recordType, reference)
      if (!recordId)
        throw new ValidationError([
          { field: 'reference', message: `No ${recordType} with that reference in your force` },
        ])
      const id = await this.#repo.placeHold(tx, {
        forceId,
        recordType,
        recordId,
        reason,
        by: acting.actor.id ?? null,
        at: this.#clock.now(),
      })
      await this.#audit.record(
        {
          action: 'legal-hold.placed',
          forceId,
          actor: acting.actor,
          recordType,
          recordId,
          detail: { holdId: id },
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
        },
        tx,
      )
      return id
    })
  }

  async releaseHold(forceId: string, id: string, input: { reason?: string }, acting: Acting): Promise<void> {
    const reason = (input.reason ?? '').trim()
    if (!reason) throw new ValidationError([{ field: 'reason', message: 'Enter why the hold is released' }])
    await this.#db.withForce(forceId, async (tx) => {
      const hold = await this.#repo.releaseHold(tx, id, reason, acting.actor.id ?? null, this.#clock.now())
      if (!hold) throw new NotFoundError('A hold in force with that reference')
      await this.#audit.record(
        {
          action: 'legal-hold.released',
          forceId,
          actor: acting.actor,
          recordType: hold.recordType,
          recordId: hold.recordId,
          detail: { holdId: id },
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
        },
        tx,
      )
    })
  }

  async #resolve(
    tx: Parameters<Parameters<Database['withForce']>[1]>[0],
    forceId: string,
    type: HoldableType,
    ref: string,
  ) {
    if (type === 'person') {
      if (!UUID.test(ref)) return undefined
      const found = await rows<{ id: string }>(tx, sql`select id from people where id = ${ref}`)
      return found[0]?.id
    }
    const found =
      type === 'crime'
        ? await this.#cases.findCrimeByRef(forceId, ref, { tx })
        : await this.#cases.findIncidentByRef(forceId, ref, { tx })
    return found ? ('crime' in found ? found.crime.id : found.incident.id) : undefined
  }

  /** Downloading the report is audited like any other export (CP-149). */
  async recordExport(forceId: string, report: RetentionReport, acting: Acting): Promise<void> {
    await this.#audit.record({
      action: 'retention-report.exported',
      forceId,
      actor: acting.actor,
      recordType: 'retention-report',
      detail: {
        from: report.from.toISOString(),
        to: report.to.toISOString(),
        rows: report.tombstones.length,
      },
      ip: acting.ip ?? null,
      correlationId: acting.correlationId ?? null,
    })
  }

  /** Counts by record type and rule of what was queued, kept and deleted, and the tombstones. */
  async report(forceId: string, input: { from?: string; to?: string }): Promise<RetentionReport> {
    const to =
      parseDay(input.to, 'to') ?? DateTime.fromJSDate(this.#clock.now()).plus({ days: 1 }).startOf('day')
    const from = parseDay(input.from, 'from') ?? to.minus({ months: 1 })
    const outcomes = await this.#db.withForce(forceId, (tx) =>
      this.#repo.outcomes(tx, from.toJSDate(), to.toJSDate()),
    )
    const byRule = new Map<string, RetentionReport['byRule'][number]>()
    const totals = { queued: 0, kept: 0, deleted: 0 }
    for (const o of outcomes) {
      const rule = o.ruleLabel ?? o.recordType
      const key = `${o.recordType}|${rule}`
      const line = byRule.get(key) ?? { recordType: o.recordType, rule, queued: 0, kept: 0, deleted: 0 }
      line[o.outcome] += 1
      totals[o.outcome] += 1
      byRule.set(key, line)
    }
    return {
      from: from.toJSDate(),
      to: to.toJSDate(),
      totals,
      byRule: [...byRule.values()],
      tombstones: outcomes.filter((o) => o.outcome === 'deleted'),
    }
  }
}

function parseDay(value: string | undefined, field: string): DateTime | undefined {
  if (!value?.trim()) return undefined
  const day = DateTime.fromISO(value.trim(), { zone: 'Europe/London' })
  if (!day.isValid) throw new ValidationError([{ field, message: 'Enter a date like 2026-11-25' }])
  return day.startOf('day')
}
