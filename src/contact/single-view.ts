// The single view of a person for contact handlers (CRM-10, CRM-12, CRM-14, CRM-24): everything
// the force's systems and Waypoint hold about them, newest first, in pages by key; identity
// resolution across systems with a confidence and its reasons; merging records into one view and
// undoing it, audited; disagreements between the sources listed, and settled by sending the right
// value back to each source through the write-back outbox.
import type { CaseService, PersonRecord } from '../cases/service.ts'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import type { WritebackService } from '../writeback/service.ts'
import {
  type CandidateFacts,
  type ClaimValue,
  type ContactRepository,
  type CorrectionRow,
  type LinkRow,
  type ThriveEntry,
  type TimelineCursor,
  type TimelineEntry,
  type TimelineSource,
  timelineSources,
} from './repository.ts'

export const timelinePageSize = 25

export interface Candidate extends CandidateFacts {
  /** 0 to 100: how sure the match is. */
  confidence: number
  /** What matched and what did not, in words, strongest first. */
  reasons: string[]
}

export interface Discrepancy {
  field: 'name' | 'dateOfBirth'
  /** Each value held, with the sources that gave it. */
  values: { value: string; sources: string[]; lastSeenAt: Date }[]
}

export interface SingleView {
  record: PersonRecord
  /** Records merged into this view now. */
  merged: LinkRow[]
  /** Every merge and unmerge involving this record. */
  history: LinkRow[]
  /** The view this record is merged into, if any (its history shows there). */
  mergedInto: LinkRow | undefined
  discrepancies: Discrepancy[]
  corrections: CorrectionRow[]
  entries: TimelineEntry[]
  /** The key to ask for the next (older) page, when there is one. */
  next: string | null
}

export interface Acting {
  actor: AuditEvent['actor']
  ip?: string | null
  correlationId?: string | null
  staffId: string
}

/** The page key, as the address carries it: opaque to people, checked when read. */
export function encodeCursor(cursor: TimelineCursor): string {
  return Buffer.from(`${cursor.at}|${cursor.key}`).toString('base64url')
}

export function decodeCursor(text: string | undefined): TimelineCursor | null {
  if (!text) return null
  const [at, key, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|')
  if (
    rest.length > 0 ||
    !at ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(at) ||
    !key ||
    !/^(c:\d{20}|[jm]:[0-9a-f-]{36})$/.test(key)
  )
    throw new ValidationError([{ field: 'before', message: 'The page asked for does not exist' }])
  return { at, key }
}

/**
 * How sure a match is, and why: weights for each kind of evidence, capped below certainty (a
 * handler decides). Pure, so the scoring is tested without a database.
 */
export function scoreCandidate(facts: CandidateFacts): Candidate {
  const reasons: string[] = []
  let score = 0
  const name = Math.round(facts.nameSimilarity * 100)
  if (facts.nameSimilarity >= 0.99) {
    score += 35
    reasons.push('Same name')
  } else if (facts.nameSimilarity >= 0.3) {
    score += Math.round(facts.nameSimilarity * 30)
    reasons.push(`Name ${name}% alike by letters`)
  }
  if (facts.nameSimilarity < 0.99 && facts.surnameSoundsAlike && facts.forenameSoundsAlike) {
    score += 10
    reasons.push('Forename and surname sound the same')
  } else if (facts.nameSimilarity < 0.99 && facts.surnameSoundsAlike) {
    score += 5
    reasons.push('Surname sounds the same')
  }
  if (facts.birthExact) {
    score += 30
    reasons.push('Same date of birth')
  } else if (facts.birthNear) {
    score += 12
    reasons.push('Date of birth one digit apart or day and month swapped')
  } else if (facts.dateOfBirth) {
    reasons.push('Different date of birth')
  }
  if (facts.sharedPhone) {
    score += 25
    reasons.push('Same phone number')
  }
  if (facts.sharedEmail) {
    score += 25
    reasons.push('Same email address')
  }
  if (facts.addressSimilarity >= 0.99) {
    score += 15
    reasons.push('Same address')
  } else if (facts.addressSimilarity >= 0.4) {
    score += Math.round(facts.addressSimilarity * 12)
    reasons.push(`Address ${Math.round(facts.addressSimilarity * 100)}% alike`)
  }
  return { ...facts, confidence: Math.min(99, score), reasons }
}

/** The fields sources disagree about, across the records in one view, with who said what. */
export function discrepanciesOf(
  claims: readonly ClaimValue[],
  corrections: readonly CorrectionRow[],
): Discrepancy[] {
  const found: Discrepancy[] = []
  for (const field of ['name', 'dateOfBirth'] as const) {
    // A value staff corrected away is settled unless a source has stated it again since.
    const latest = corrections.find((c) => c.field === field)
    const held = claims.filter(
      (c) =>
        c.field === field &&
        !(latest && c.value !== latest.value && c.lastSeenAt.getTime() <= latest.correctedAt.getTime()),
    )
    const byValue = Map.groupBy(held, (c) => normalise(field, c.value))
    if (byValue.size < 2) continue
    found.push({
      field,
      values: [...byValue.values()].map((same) => ({
        value: same[0]!.value,
        sources: [...new Set(same.map((c) => c.sourceSystem))].sort(),
        lastSeenAt: new Date(Math.max(...same.map((c) => c.lastSeenAt.getTime()))),
      })),
    })
  }
  return found
}

const normalise = (field: string, value: string) =>
  field === 'name' ? value.trim().replace(/\s+/g, ' ').toLowerCase() : value.trim()

const fieldWords = { name: 'name', dateOfBirth: 'date of birth' } as const

export class SingleViewService {
  readonly #db: Database
  readonly #repo: ContactRepository
  readonly #cases: CaseService
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #writeback: Pick<WritebackService, 'enqueue'>

  constructor(deps: {
    db: Database
    repo: ContactRepository
    cases: CaseService
    audit: AuditService
    clock: Clock
    writeback: Pick<WritebackService, 'enqueue'>
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#cases = deps.cases
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#writeback = deps.writeback
  }

  /**
   * One page of the person's single view, newest first, from the sources asked for (all by
   * default), after `before`; `audit` records the view in the same transaction (every view of a
   * person is audited). Another force's person is not found.
   */
  async view(
    forceId: string,
    personId: string,
    options: { sources?: readonly TimelineSource[]; before?: string; pageSize?: number },
    audit: (tx: Tx, shown: { entries: number; merged: number }) => Promise<unknown>,
  ): Promise<SingleView> {
    const cursor = decodeCursor(options.before)
    const sources = new Set(options.sources?.length ? options.sources : timelineSources)
    const size = options.pageSize ?? timelinePageSize
    return this.#db.withForce(forceId, async (tx) => {
      const record = await this.#cases.getPerson(forceId, personId, { tx, timeline: false })
      const merged = await this.#repo.activeLinks(tx, personId)
      const ids = [personId, ...merged.map((l) => l.mergedPersonId)]
      const found = await this.#repo.timeline(tx, forceId, ids, sources, cursor, size + 1)
      found.sort((a, b) => (a.at === b.at ? (a.key < b.key ? 1 : -1) : a.at < b.at ? 1 : -1))
      const entries = found.slice(0, size)
      const last = entries.at(-1)
      const corrections = await this.#repo.corrections(tx, personId)
      await audit(tx, { entries: entries.length, merged: merged.length })
      return {
        record,
        merged,
        history: await this.#repo.linksOf(tx, personId),
        mergedInto: await this.#repo.mergedInto(tx, personId),
        discrepancies: discrepanciesOf(await this.#repo.claims(tx, ids), corrections),
        corrections,
        entries,
        next: found.length > size && last ? encodeCursor(last) : null,
      }
    })
  }

  /**
   * The person's newest history across every source (at most `limit` entries of each), their
   * THRIVE assessments and their markers, for a summary of the view. Read, never audited here:
   * the page that shows the summary audits the view of the person.
   */
  async history(
    forceId: string,
    personId: string,
    limit: number,
  ): Promise<{
    entries: TimelineEntry[]
    thrive: ThriveEntry[]
    markers: PersonRecord['markers']
    /** The person's record as the view shows it: name, date of birth, contact points (forms read it). */
    record: PersonRecord
  }> {
    return this.#db.withForce(forceId, async (tx) => {
      const record = await this.#cases.getPerson(forceId, personId, { tx, timeline: false })
      const merged = await this.#repo.activeLinks(tx, personId)
      const ids = [personId, ...merged.map((l) => l.mergedPersonId)]
      const entries = await this.#repo.timeline(tx, forceId, ids, new Set(timelineSources), null, limit)
      const thrive = await this.#repo.thriveOf(tx, forceId, ids, limit)
      return { entries, thrive, markers: record.markers, record }
    })
  }

  /** People who may be this one, each with a confidence and its reasons, most likely first. */
  async candidates(
    forceId: string,
    personId: string,
    audit: (tx: Tx, shown: string[]) => Promise<unknown>,
  ): Promise<{ record: PersonRecord; candidates: Candidate[] }> {
    return this.#db.withForce(forceId, async (tx) => {
      const record = await this.#cases.getPerson(forceId, personId, { tx, timeline: false })
      const merged = await this.#repo.activeLinks(tx, personId)
      const ids = [personId, ...merged.map((l) => l.mergedPersonId)]
      const candidates = (await this.#repo.candidates(tx, forceId, ids, 50))
        .map(scoreCandidate)
        .filter((c) => c.confidence >= 20)
        .sort((a, b) => b.confidence - a.confidence)
        .slice(0, 20)
      await audit(
        tx,
        candidates.map((c) => c.id),
      )
      return { record, candidates }
    })
  }

  /**
   * Merges `otherId` into `personId`'s view: scored again now (the confidence and reasons are
   * kept with the link) and audited. Refused when either is already merged, or is the same.
   */
  async merge(forceId: string, personId: string, otherId: string, acting: Acting): Promise<LinkRow> {
    if (personId === otherId)
      throw new ValidationError([{ field: 'candidate', message: 'Choose a different person to merge' }])
    return this.#db.withForce(forceId, async (tx) => {
      await this.#cases.getPerson(forceId, personId, { tx, timeline: false })
      await this.#cases.getPerson(forceId, otherId, { tx, timeline: false })
      if (await this.#repo.mergedInto(tx, personId))
        throw new ValidationError([
          { field: 'candidate', message: 'This record is merged into another view: merge from that view' },
        ])
      if (await this.#repo.mergedInto(tx, otherId))
        throw new ValidationError([
          {
            field: 'candidate',
            message: 'That record is already merged into a view: unmerge it there first',
          },
        ])
      if ((await this.#repo.activeLinks(tx, otherId)).length > 0)
        throw new ValidationError([
          { field: 'candidate', message: 'That record has records merged into it: unmerge them first' },
        ])
      const merged = await this.#repo.activeLinks(tx, personId)
      const ids = [personId, ...merged.map((l) => l.mergedPersonId)]
      const facts = (await this.#repo.candidates(tx, forceId, ids, 200)).find((c) => c.id === otherId)
      const scored = facts
        ? scoreCandidate(facts)
        : { confidence: 0, reasons: ['Nothing matched: merged on the handler’s judgement'] }
      const id = await this.#repo.insertLink(tx, {
        forceId,
        personId,
        mergedPersonId: otherId,
        confidence: scored.confidence,
        reasons: scored.reasons,
        mergedBy: acting.staffId,
        at: this.#clock.now(),
      })
      await this.#audit.record(
        {
          action: 'contact.person-merged',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'person',
          recordId: personId,
          detail: { link: id, merged: otherId, confidence: scored.confidence },
        },
        tx,
      )
      return (await this.#repo.link(tx, id))!
    })
  }

  /** Undoes a merge, with the reason, audited: the records' histories show apart again. */
  async unmerge(
    forceId: string,
    personId: string,
    linkId: string,
    reason: string,
    acting: Acting,
  ): Promise<void> {
    const why = reason.trim()
    if (!why)
      throw new ValidationError([
        { field: 'reason', message: 'Enter why the records are not the same person' },
      ])
    if (why.length > 500)
      throw new ValidationError([{ field: 'reason', message: 'Reason must be 500 characters or fewer' }])
    await this.#db.withForce(forceId, async (tx) => {
      const link = await this.#repo.link(tx, linkId)
      if (!link || link.personId !== personId) throw new NotFoundError('The merge')
      if (!(await this.#repo.endLink(tx, linkId, acting.staffId, this.#clock.now(), why)))
        throw new DomainError('conflict', 'These records were already unmerged', { status: 409 })
      await this.#audit.record(
        {
          action: 'contact.person-unmerged',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'person',
          recordId: personId,
          detail: { link: linkId, unmerged: link.mergedPersonId },
        },
        tx,
      )
    })
  }

  /**
   * Settles a disagreement: `value` is right. Each source that holds another value is asked,
   * through the write-back outbox, to correct it on the person's most recent case there (STORM on
   * the CAD log, Athena on the crime). Recorded, audited, and the discrepancy leaves the list.
   */
  async correct(
    forceId: string,
    personId: string,
    input: { field?: string; value?: string },
    acting: Acting & { name: string },
  ): Promise<CorrectionRow> {
    const field = input.field
    if (field !== 'name' && field !== 'dateOfBirth')
      throw new ValidationError([{ field: 'value', message: 'Choose which detail to correct' }])
    return this.#db.withForce(forceId, async (tx) => {
      await this.#cases.getPerson(forceId, personId, { tx, timeline: false })
      const merged = await this.#repo.activeLinks(tx, personId)
      const ids = [personId, ...merged.map((l) => l.mergedPersonId)]
      const discrepancy = discrepanciesOf(
        await this.#repo.claims(tx, ids),
        await this.#repo.corrections(tx, personId),
      ).find((d) => d.field === field)
      const chosen = discrepancy?.values.find((v) => v.value === input.value)
      if (!discrepancy || !chosen)
        throw new ValidationError([{ field: 'value', message: `Choose the right ${fieldWords[field]}` }])
      const wrong = discrepancy.values.filter((v) => v !== chosen)
      const sources = [...new Set(wrong.flatMap((v) => v.sources))].sort()
      const now = this.#clock.now()
      const id = await this.#repo.insertCorrection(tx, {
        forceId,
        personId,
        field,
        value: chosen.value,
        sources,
        correctedBy: acting.staffId,
        correctedAt: now,
      })
      const entryIds: string[] = []
      const unsent: string[] = []
      for (const source of sources) {
        const target = source === 'storm' ? 'cad' : source === 'athena' ? 'rms' : undefined
        const targetRef = target ? await this.#repo.sourceReference(tx, ids, target) : undefined
        if (!target || !targetRef) {
          unsent.push(source)
          continue
        }
        const held = wrong.filter((v) => v.sources.includes(source)).map((v) => v.value)
        const { entry } = await this.#writeback.enqueue(tx, {
          forceId,
          target,
          targetRef,
          kind: 'note',
          notifyVictim: false,
          body: {
            time: now.toISOString(),
            channel: 'contact-correction',
            content: `Contact centre correction: the person's ${fieldWords[field]} is ${chosen.value}; this record holds ${held.join(' and ')}. Please correct the nominal record.`,
            author: acting.name,
            sourceRef: id,
          },
          idempotencyKey: `contact-correction:${id}:${target}`,
          createdBy: acting.staffId,
        })
        entryIds.push(entry.id)
      }
      await this.#repo.setCorrectionEntries(tx, id, entryIds)
      await this.#audit.record(
        {
          action: 'contact.person-corrected',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'person',
          recordId: personId,
          detail: { correction: id, field, sources, writebackEntries: entryIds, unsent },
        },
        tx,
      )
      return (await this.#repo.corrections(tx, personId)).find((c) => c.id === id)!
    })
  }

  /** A page of the force's people whose sources disagree and whom nobody has corrected since. */
  async discrepancyList(forceId: string, after: string | null) {
    const size = 50
    const found = await this.#db.withForce(forceId, (tx) =>
      this.#repo.discrepancies(tx, forceId, after, size + 1),
    )
    return { people: found.slice(0, size), next: found.length > size ? found[size - 1]!.personId : null }
  }
}
