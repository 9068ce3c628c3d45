// SourceService: the transactional inbox for STORM/SMARTStorm, Athena and warehouse events
// (UJ-4, CP-157, CP-163, CP-174). One transaction stores the event as received, maps it with the
// force's current profile and applies it to the case model, so a crash leaves all or nothing.
// A repeat has no effect; an event older than what is held is kept as 'superseded'; an event
// that cannot be read or mapped is kept as 'quarantined' with a readable reason, to be corrected
// and replayed from the console.
import { createHash } from 'node:crypto'
import type { CaseService } from '../cases/service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { defaultProfileFor, type SourceSystem, sourceSystems } from './default-profiles.ts'
import { SourceEventDeletionRepository } from './deletion-repository.ts'
import {
  checkProfile,
  type MappingOutcome,
  type MappingProfile,
  mapPayload,
  parsePayload,
} from './mapping.ts'
import {
  type InboxRow,
  type InboxStatus,
  type ProfileRow,
  type SourceHealthRow,
  type SourceRepository,
  seedDefaultProfiles,
} from './repository.ts'

export interface IngestResult {
  id: string
  status: InboxStatus
  reason: string | null
  warnings: string[]
  duplicateOf?: string
}

export interface SourceHealth extends SourceHealthRow {
  errorRate: number
}

export class SourceService {
  readonly #deletion = new SourceEventDeletionRepository()
  readonly #db: Database
  readonly #repo: SourceRepository
  readonly #cases: CaseService
  readonly #clock: Clock

  constructor(db: Database, repo: SourceRepository, cases: CaseService, clock: Clock) {
    this.#db = db
    this.#repo = repo
    this.#cases = cases
    this.#clock = clock
  }

  /** Gives every force version 1 of each source's profile if it has none. */
  async seedDefaultProfiles(forceIds: string[]): Promise<void> {
    const profiles = forceIds.flatMap((forceId) =>
      sourceSystems.map((sourceSystem) => ({
        forceId,
        sourceSystem,
        document: defaultProfileFor(forceId, sourceSystem),
      })),
    )
    await this.#db.asSystem((tx) => seedDefaultProfiles(tx, profiles))
  }

  /** Receives one event as sent by the source and processes it in the same transaction. */
  async receive(
    forceId: string,
    sourceSystem: SourceSystem,
    payload: string,
    contentType: string,
  ): Promise<IngestResult> {
    return this.#db.withForce(forceId, (tx) =>
      this.receiveInTransaction(tx, forceId, sourceSystem, payload, contentType),
    )
  }

  async receiveInTransaction(
    tx: Tx,
    forceId: string,
    sourceSystem: SourceSystem,
    payload: string,
    contentType: string,
  ): Promise<IngestResult> {
    const now = this.#clock.now()
    const profile = await this.#repo.currentProfile(tx, sourceSystem)
    const mapped = this.#map(profile, payload, contentType)
    // An event we cannot read has no id of its own: its content is its identity, so an
    // identical repeat of a malformed event is recognised as a duplicate too.
    const sourceEventId =
      (mapped.ok ? mapped.event.sourceEventId : mapped.sourceEventId) ??
      `unreadable:${createHash('sha256').update(payload).digest('hex').slice(0, 32)}`
    const stored = await this.#repo.receive(tx, {
      forceId,
      sourceSystem,
      sourceEventId,
      contentType,
      payload,
      now,
    })
    if (stored.duplicateOf) {
      return {
        id: stored.id,
        status: 'duplicate',
        reason: 'repeat of an event already received',
        warnings: [],
        duplicateOf: stored.duplicateOf,
      }
    }
    return this.#process(tx, forceId, sourceSystem, stored.id, mapped, profile?.version ?? null, now)
  }

  /** Re-runs a quarantined (or never processed) event with the force's current profile (CP-163). */
  async replay(forceId: string, inboxId: string): Promise<IngestResult> {
    return this.#db.withForce(forceId, async (tx) => {
      const event = await this.#repo.event(tx, inboxId)
      if (!event) throw new NotFoundError('The source event')
      if (event.status !== 'quarantined' && event.status !== 'received') {
        throw new DomainError(
          'not-replayable',
          `This event was ${event.status}; only quarantined events can be replayed`,
          { status: 409 },
        )
      }
      const profile = await this.#repo.currentProfile(tx, event.sourceSystem)
      const mapped = this.#map(profile, event.payload, event.contentType)
      return this.#process(
        tx,
        forceId,
        event.sourceSystem,
        event.id,
        mapped,
        profile?.version ?? null,
        this.#clock.now(),
      )
    })
  }

  /** Replays every quarantined event of the force (optionally one source), oldest first. */
  async replayAll(forceId: string, sourceSystem?: SourceSystem): Promise<IngestResult[]> {
    const ids = await this.#db.withForce(forceId, (tx) => this.#repo.quarantinedIds(tx, sourceSystem, 1000))
    const results: IngestResult[] = []
    for (const id of ids) results.push(await this.replay(forceId, id))
    return results
  }

  /** Corrects the payload of a quarantined event; the original is kept (CP-163). */
  async correctPayload(forceId: string, inboxId: string, payload: string): Promise<InboxRow> {
    return this.#db.withForce(forceId, async (tx) => {
      const event = await this.#repo.event(tx, inboxId)
      if (!event) throw new NotFoundError('The source event')
      if (event.status !== 'quarantined') {
        throw new ValidationError([
          { field: 'payload', message: 'Only a quarantined event can be corrected' },
        ])
      }
      if (!payload.trim())
        throw new ValidationError([{ field: 'payload', message: 'Enter the corrected payload' }])
      await this.#repo.correctPayload(tx, inboxId, payload, this.#clock.now())
      return (await this.#repo.event(tx, inboxId))!
    })
  }

  event(forceId: string, inboxId: string): Promise<InboxRow | undefined> {
    return this.#db.withForce(forceId, (tx) => this.#repo.event(tx, inboxId))
  }

  events(
    forceId: string,
    filter: { status?: InboxStatus; sourceSystem?: string; limit?: number },
  ): Promise<InboxRow[]> {
    return this.#db.withForce(forceId, (tx) =>
      this.#repo.events(tx, { ...filter, limit: filter.limit ?? 50 }),
    )
  }

  /** Integration health per source for the last 24 hours (item 5, CP-166). */
  async health(forceId: string): Promise<SourceHealth[]> {
    const since = new Date(this.#clock.now().getTime() - 24 * 3600_000)
    const found = await this.#db.withForce(forceId, (tx) => this.#repo.health(tx, since))
    return sourceSystems.map((system) => {
      const row = found.find((r) => r.sourceSystem === system) ?? {
        sourceSystem: system,
        lastReceivedAt: null,
        received24h: 0,
        quarantined24h: 0,
        quarantined: 0,
        superseded24h: 0,
        duplicates24h: 0,
        lagSeconds: null,
      }
      return { ...row, errorRate: row.received24h ? row.quarantined24h / row.received24h : 0 }
    })
  }

  currentProfile(forceId: string, sourceSystem: SourceSystem): Promise<ProfileRow | undefined> {
    return this.#db.withForce(forceId, (tx) => this.#repo.currentProfile(tx, sourceSystem))
  }

  profileVersions(forceId: string, sourceSystem: SourceSystem): Promise<ProfileRow[]> {
    return this.#db.withForce(forceId, (tx) => this.#repo.profileVersions(tx, sourceSystem))
  }

  /** Saves an edited profile as a new version after checking it (UJ-4, CP-162). */
  async saveProfile(
    forceId: string,
    sourceSystem: SourceSystem,
    documentText: string,
    note: string | null,
    createdBy: string | null,
  ): Promise<number> {
    const document = parseProfileText(documentText)
    return this.#db.withForce(forceId, (tx) =>
      this.#repo.addProfileVersion(tx, {
        forceId,
        sourceSystem,
        document,
        note,
        createdBy,
        now: this.#clock.now(),
      }),
    )
  }

  /** Tries a profile (saved or not) against a pasted sample; nothing is stored. */
  tryProfile(documentText: string, sample: string, contentType: string): MappingOutcome {
    const document = parseProfileText(documentText)
    const parsed = parsePayload(sample, contentType)
    if (!parsed.ok) return { ok: false, errors: [`The sample: ${parsed.error}`] }
    return mapPayload(document, parsed.value)
  }

  #map(profile: ProfileRow | undefined, payload: string, contentType: string): MappingOutcome {
    if (!profile) return { ok: false, errors: ['this force has no mapping profile for the source'] }
    const parsed = parsePayload(payload, contentType)
    if (!parsed.ok) return { ok: false, errors: [parsed.error] }
    return mapPayload(profile.document, parsed.value)
  }

  async #process(
    tx: Tx,
    forceId: string,
    sourceSystem: SourceSystem,
    inboxId: string,
    mapped: MappingOutcome,
    profileVersion: number | null,
    now: Date,
  ): Promise<IngestResult> {
    if (!mapped.ok) {
      const reason = `Could not map: ${mapped.errors.join('; ')}`
      await this.#repo.recordOutcome(tx, inboxId, {
        status: 'quarantined',
        reason,
        warnings: [],
        profileVersion,
        now,
      })
      return { id: inboxId, status: 'quarantined', reason, warnings: [] }
    }
    const { event } = mapped
    const base = { eventType: event.sourceEventType, occurredAt: event.occurredAt, profileVersion, now }
    try {
      // A savepoint: if the model refuses the change, the raw event is still kept, quarantined.
      const applied = await tx.transaction((sp) =>
        this.#cases.applySourceChange(sp as Tx, forceId, event.change, {
          sourceSystem,
          sourceEventId: inboxId,
          occurredAt: event.occurredAt,
        }),
      )
      const warnings = [...event.warnings]
      if (applied.staleFields.length && applied.events.length === 0) {
        const reason = `Older than data already held for ${applied.staleFields.join(', ')}; kept, not applied`
        await this.#repo.recordOutcome(tx, inboxId, { ...base, status: 'superseded', reason, warnings })
        return { id: inboxId, status: 'superseded', reason, warnings }
      }
      if (applied.staleFields.length)
        warnings.push(`not applied, newer data held: ${applied.staleFields.join(', ')}`)
      await this.#repo.recordOutcome(tx, inboxId, { ...base, status: 'applied', reason: null, warnings })
      return { id: inboxId, status: 'applied', reason: null, warnings }
    } catch (error) {
      const reason = `Could not apply: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`
      await this.#repo.recordOutcome(tx, inboxId, {
        ...base,
        status: 'quarantined',
        reason,
        warnings: event.warnings,
      })
      return { id: inboxId, status: 'quarantined', reason, warnings: event.warnings }
    }
  }

  /** PIRM deletion (UJ-3, CP-4, CRM-4): raw events (and their stored repeats) by id, in `tx`. */
  deleteEvents(tx: Tx, ids: string[]): Promise<number> {
    return this.#deletion.deleteEvents(tx, ids)
  }

  /** PIRM deletion of raw events processed before `cutoff` (a force's source event rule). */
  deleteProcessedBefore(tx: Tx, cutoff: Date): Promise<number> {
    return this.#deletion.deleteProcessedBefore(tx, cutoff)
  }
}

function parseProfileText(text: string): MappingProfile {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new ValidationError([
      { field: 'document', message: `The profile is not valid JSON: ${(error as Error).message}` },
    ])
  }
  const errors = checkProfile(document)
  if (errors.length) throw new ValidationError(errors.map((message) => ({ field: 'document', message })))
  return document as MappingProfile
}
