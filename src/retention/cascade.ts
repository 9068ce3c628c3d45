// Deleting a record under the PIRM Code (UJ-3, CP-4, CRM-4): a case with its people who are on
// no other case and not held, or a person, and everything every capability holds about them,
// through each capability's service in the caller's transaction (all or nothing). The audit keeps
// a tombstone: the rule, ids and row counts, never content.
import type { Tx } from '../platform/db/database.ts'
import type { HoldableType, RuleRow } from './repository.ts'
import type { Acting, RetentionDependencies } from './dependencies.ts'

export function ruleLabel(rule: Pick<RuleRow, 'recordType' | 'category'>): string {
  return `${rule.recordType}/${rule.category}`
}

export class RetentionDeletion {
  readonly #d: RetentionDependencies

  constructor(deps: RetentionDependencies) {
    this.#d = deps
  }

  /**
   * Deletes a case (with its people who are on no other case and not held) or a person, and
   * everything every capability holds about them. Returns the keys of the records deleted. `tx` is
   * a `withForceDeleting` transaction: only its role may delete from the append-only tables.
   */
  async deleteRecord(
    tx: Tx,
    forceId: string,
    recordType: HoldableType,
    recordId: string,
    rule: RuleRow,
    acting: Acting,
    now: Date,
    held: Set<string>,
  ): Promise<string[]> {
    const counts: Record<string, number> = {}
    const add = (more: Record<string, number>) => {
      for (const [table, n] of Object.entries(more)) counts[table] = (counts[table] ?? 0) + n
    }
    const deletedKeys = [`${recordType}:${recordId}`]
    const sourceEventIds: string[] = []
    let personIds: string[] = []
    if (recordType === 'person') {
      personIds = [recordId]
    } else {
      const removed = await this.#d.cases.deleteCase(tx, recordType, recordId)
      add(removed.counts)
      sourceEventIds.push(...removed.sourceEventIds)
      add(await this.#d.messaging.scheduling.deleteFor(tx, { caseId: recordId }))
      add(await this.#d.journeys.deleteFor(tx, { caseId: recordId }))
      if (removed.reference)
        add(
          await this.#d.writeback.deleteForReference(
            tx,
            recordType === 'crime' ? 'rms' : 'cad',
            removed.reference,
          ),
        )
      personIds = removed.personIds.filter((id) => !held.has(`person:${id}`))
    }
    let people = 0
    for (const personId of personIds) {
      if (await this.#d.cases.isOnAnyCase(tx, personId)) continue
      const removed = await this.#d.cases.deletePerson(tx, personId)
      add(removed.counts)
      sourceEventIds.push(...removed.sourceEventIds)
      add(await this.#d.messaging.scheduling.deleteFor(tx, { personId }))
      add(await this.#d.journeys.deleteFor(tx, { personId }))
      await this.#d.repo.closeReviewsOf(tx, 'person', personId, acting.actor.id ?? null, now)
      if (recordType !== 'person') deletedKeys.push(`person:${personId}`)
      people += 1
    }
    add({ source_events: await this.#d.sources.deleteEvents(tx, [...new Set(sourceEventIds)]) })
    if (recordType !== 'person') counts.people_deleted_with_case = people
    await this.#d.repo.closeReviewsOf(tx, recordType, recordId, acting.actor.id ?? null, now)
    await this.tombstone(tx, forceId, recordType, recordId, rule, counts, acting, now)
    return deletedKeys
  }

  /** The audit keeps that a record was deleted, under which rule and how many rows: no content. */
  async tombstone(
    tx: Tx,
    forceId: string,
    recordType: string,
    recordId: string | null,
    rule: RuleRow,
    counts: Record<string, number>,
    acting: Acting,
    now: Date,
  ): Promise<void> {
    await this.#d.audit.record(
      {
        action: 'record.deleted',
        forceId,
        actor: acting.actor,
        recordType,
        ...(recordId ? { recordId } : {}),
        detail: { rule: ruleLabel(rule), ruleId: rule.id, counts },
        ip: acting.ip ?? null,
        correlationId: acting.correlationId ?? null,
      },
      tx,
    )
    await this.#d.repo.addOutcome(tx, {
      forceId,
      recordType,
      recordId,
      ruleId: rule.id,
      ruleLabel: ruleLabel(rule),
      outcome: 'deleted',
      counts,
      actorId: acting.actor.kind === 'staff' ? (acting.actor.id ?? null) : null,
      at: now,
    })
  }
}
