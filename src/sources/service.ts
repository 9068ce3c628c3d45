// SourceService: the transactional inbox for STORM/SMARTStorm, Athena and warehouse events
// (UJ-4, CP-157, CP-163, CP-174). One transaction stores the event as received, maps it with the
// force's current profile and applies it to the case model, so a crash leaves all or nothing.
// A repeat has no effect; an event older than what is held is kept as 'superseded'; an event
// that cannot be read or mapped is kept as 'quarantined' with a readable reason, to be corrected
// and replayed from the console.
import { createHash } from 'node:crypto'
import type { ApplyResult } from '../cases/apply-change.ts'
import type { CaseService } from '../cases/service.ts'
import { SettingsCache } from '../platform/cache.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import type { Logger } from '../platform/logger.ts'
import { defaultProfileFor, type SourceSystem, sourceSystems } from './default-profiles.ts'
import { SourceEventDeletionRepository } from './deletion-repository.ts'
import {
  checkMappedOutcome,
  checkParsedPayload,
  checkRawPayload,
  databaseErrorCode,
  readableApplyReason,
  refusedByData,
  storable,
  storableReason,
} from './input-checks.ts'
import {
  checkProfile,
  type FieldResult,
  fieldResults,
  type MappedEvent,
  type MappingOutcome,
  type MappingProfile,
  mapPayload,
  parsePayload,
  unmatchedPaths,
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

/** A profile tried against a sample: the mapped event or the errors, and paths that found nothing. */
export interface ProfileTrial {
  ok: boolean
  /** The sample's events as mapped (those that could be). */
  events: MappedEvent[]
  errors: string[]
  warnings: string[]
  /** Field by field: what the sample gives for each and what is wrong with it. */
  fields: FieldResult[]
}

/** One event as a source sent it. `invalidUtf8`: its bytes were not UTF-8 (decoded with U+FFFD). */
export interface SourceItem {
  payload: string
  contentType: string
  invalidUtf8?: boolean
}

export interface SourceHealth extends SourceHealthRow {
  errorRate: number
}

/**
 * The current mapping profile per force and source, held for a few seconds: profiles change
 * rarely and every ingest batch needs one. A profile published through this process is used at
 * once; one published through another process within 5 s.
 */
const profileKey = (forceId: string, sourceSystem: SourceSystem) => `${forceId}|${sourceSystem}`

/** Batches of at most this many events have their case events delivered in their own transaction. */
const DELIVER_HERE_UP_TO = 20

export class SourceService {
  readonly #deletion = new SourceEventDeletionRepository()
  readonly #db: Database
  readonly #repo: SourceRepository
  readonly #profiles: SettingsCache<ProfileRow | undefined>
  readonly #cases: CaseService
  readonly #clock: Clock
  readonly #log: Logger | undefined

  constructor(db: Database, repo: SourceRepository, cases: CaseService, clock: Clock, log?: Logger) {
    this.#db = db
    this.#repo = repo
    this.#profiles = new SettingsCache(db)
    this.#cases = cases
    this.#clock = clock
    this.#log = log
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

  /**
   * Receives one event as sent by the source: stored and applied in one transaction, then its
   * case events are delivered to the listeners (Journeys) before this returns.
   */
  async receive(
    forceId: string,
    sourceSystem: SourceSystem,
    payload: string,
    contentType: string,
    invalidUtf8 = false,
  ): Promise<IngestResult> {
    const [result] = await this.receiveBatch(forceId, sourceSystem, [{ payload, contentType, invalidUtf8 }])
    await this.deliverCaseEvents(forceId)
    return result!
  }

  /** Hands the force's case events waiting on the timeline to the listeners (Journeys). */
  async deliverCaseEvents(forceId: string): Promise<void> {
    while ((await this.#cases.deliverPending(forceId)) > 0) {}
  }

  /**
   * Receives many events of one force and source in one transaction (issue 4 item 7): stored as
   * received, mapped, and applied to the case model set-based. The case events wait on the
   * timeline for `CaseService.deliverPending`. Results are in the order of `items`.
   */
  async receiveBatch(
    forceId: string,
    sourceSystem: SourceSystem,
    items: SourceItem[],
  ): Promise<IngestResult[]> {
    if (!items.length) return []
    try {
      return await this.#receiveBatch(forceId, sourceSystem, items, 'together')
    } catch (error) {
      // The database is unreachable or shutting down: taking the batch again cannot help, and the
      // sender is told to retry (nothing of the batch was stored).
      if (!refusedByData(error)) throw error
      // The model refused an event (rare): the whole batch is rolled back and taken again one
      // event at a time, each in a savepoint, so only the refused one is quarantined.
      this.#log?.warn(
        { forceId, sourceSystem, events: items.length, sqlState: databaseErrorCode(error) },
        'a source batch was refused as a whole; it is taken again one event at a time',
      )
      return this.#receiveBatch(forceId, sourceSystem, items, 'alone')
    }
  }

  #receiveBatch(
    forceId: string,
    sourceSystem: SourceSystem,
    items: SourceItem[],
    mode: 'together' | 'alone',
  ): Promise<IngestResult[]> {
    return this.#db.withForce(forceId, async (tx) => {
      const now = this.#clock.now()
      const profile = await this.#profiles.get(tx, profileKey(forceId, sourceSystem), (t) =>
        this.#repo.currentProfile(t, sourceSystem),
      )
      const mapped = items.map((item) => this.#map(profile, item.payload, item.contentType, item.invalidUtf8))
      const stored = await this.#repo.receiveMany(
        tx,
        items.map((item, i) => {
          const m = mapped[i]!
          return {
            forceId,
            sourceSystem,
            // An event we cannot read has no id of its own: its content is its identity, so an
            // identical repeat of a malformed event is recognised as a duplicate too.
            sourceEventId:
              (m.ok ? m.event.sourceEventId : m.sourceEventId) ??
              `unreadable:${createHash('sha256').update(item.payload).digest('hex').slice(0, 32)}`,
            contentType: storable(item.contentType, 200),
            // PostgreSQL text cannot hold a null character: the event is refused (quarantined)
            // and kept with U+FFFD in its place.
            payload: storable(item.payload),
            now,
          }
        }),
      )
      const results: (IngestResult | undefined)[] = stored.map((row) =>
        row.duplicateOf
          ? {
              id: row.id,
              status: 'duplicate',
              reason: 'repeat of an event already received',
              warnings: [],
              duplicateOf: row.duplicateOf,
            }
          : undefined,
      )
      const fresh = stored.flatMap((row, i) => (row.duplicateOf ? [] : [{ at: i, inboxId: row.id }]))
      const processed = await this.#process(
        tx,
        forceId,
        sourceSystem,
        fresh.map((f) => ({ inboxId: f.inboxId, mapped: mapped[f.at]! })),
        profile?.version ?? null,
        now,
        mode,
      )
      fresh.forEach((f, k) => {
        results[f.at] = processed[k]
      })
      return results as IngestResult[]
    })
  }

  /** Re-runs a quarantined (or never processed) event with the force's current profile (CP-163). */
  async replay(forceId: string, inboxId: string): Promise<IngestResult> {
    const replayed = await this.#db.withForce(forceId, async (tx) => {
      const event = await this.#repo.event(tx, inboxId)
      if (!event) throw new NotFoundError('The source event')
      if (event.status === 'duplicate') await this.#promoteRepeat(tx, event)
      else if (event.status !== 'quarantined' && event.status !== 'received') {
        throw new DomainError(
          'not-replayable',
          event.status === 'applied'
            ? 'This event has been applied already; replaying it would change nothing'
            : 'This event was older than what Waypoint already holds, so it was kept but not applied; replaying it would change nothing',
          { status: 409 },
        )
      }
      const profile = await this.#repo.currentProfile(tx, event.sourceSystem)
      const mapped = this.#map(profile, event.payload, event.contentType)
      // The event's own id becomes its identity once it can be read (it was kept under its
      // content's hash, or a correction changed it); if that id is held already, it is a repeat.
      if (mapped.ok && mapped.event.sourceEventId !== event.sourceEventId) {
        const live = await this.#repo.takeEventId(tx, event.id, mapped.event.sourceEventId, this.#clock.now())
        if (live) {
          return {
            id: event.id,
            status: 'duplicate' as const,
            reason: `repeat of inbox event ${live}; no effect`,
            warnings: [],
            duplicateOf: live,
          }
        }
      }
      const [result] = await this.#process(
        tx,
        forceId,
        event.sourceSystem,
        [{ inboxId: event.id, mapped }],
        profile?.version ?? null,
        this.#clock.now(),
        'alone',
      )
      return result!
    })
    await this.deliverCaseEvents(forceId)
    return replayed
  }

  /** Replays every quarantined event of the force (optionally one source), oldest first. */
  /**
   * A repeat that was discarded is replayed only if it differs from the event it repeated (a
   * source that re-sent an event with changed content under the same id); then it becomes the
   * live event for that id and is applied. An exact repeat would change nothing, so it is refused
   * with the reason.
   */
  async #promoteRepeat(tx: Tx, event: InboxRow): Promise<void> {
    const live = await this.#repo.liveEventFor(tx, event.id)
    if (live && sameContent(live, event))
      throw new DomainError(
        'not-replayable',
        `This event is an exact repeat of event ${live.sourceEventId} received ${live.receivedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, which Waypoint already holds; replaying it would change nothing${live.status === 'quarantined' ? '. That event is quarantined: correct and replay it instead' : ''}`,
        { status: 409 },
      )
    await this.#repo.promoteRepeat(tx, event.id, live?.id, this.#clock.now())
  }

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
      await this.#repo.correctPayload(tx, inboxId, storable(payload), this.#clock.now())
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

  /**
   * What the dashboard shows of the force's sources: events quarantined now (and of those, the
   * ones received in the last 24 hours), each counted up to `cap`, and when each source last had
   * an event applied (`quiet` when that was over 24 hours ago). Bounded reads of indexes, fast
   * at a year's volume.
   */
  async needsAttention(
    forceId: string,
    cap: number,
  ): Promise<{
    quarantined: number
    quarantinedLastDay: number
    lastApplied: { sourceSystem: SourceSystem; at: Date | null; quiet: boolean }[]
  }> {
    const since = new Date(this.#clock.now().getTime() - 24 * 3600_000)
    return this.#db.withForce(forceId, async (tx) => {
      const lastApplied: { sourceSystem: SourceSystem; at: Date | null; quiet: boolean }[] = []
      for (const sourceSystem of sourceSystems) {
        const at = await this.#repo.lastApplied(tx, forceId, sourceSystem)
        lastApplied.push({ sourceSystem, at, quiet: !!at && at < since })
      }
      return {
        quarantined: await this.#repo.countQuarantined(tx, forceId, cap),
        quarantinedLastDay: await this.#repo.countQuarantined(tx, forceId, cap, since),
        lastApplied,
      }
    })
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
        applied24h: 0,
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

  /** The crime types the force's profiles in use translate source codes to (the force's own words). */
  async mappedCrimeTypes(forceId: string): Promise<string[]> {
    const profiles = await this.#db.withForce(forceId, (tx) =>
      Promise.all(sourceSystems.map((system) => this.#repo.currentProfile(tx, system))),
    )
    return [...new Set(profiles.flatMap((p) => Object.values(p?.document.codes?.['crime.crimeType'] ?? {})))]
  }

  profileVersions(forceId: string, sourceSystem: SourceSystem): Promise<ProfileRow[]> {
    return this.#db.withForce(forceId, (tx) => this.#repo.profileVersions(tx, sourceSystem))
  }

  profileVersion(
    forceId: string,
    sourceSystem: SourceSystem,
    version: number,
  ): Promise<ProfileRow | undefined> {
    return this.#db.withForce(forceId, (tx) => this.#repo.profileVersion(tx, sourceSystem, version))
  }

  /**
   * Saves an edited profile as a new version after checking it (UJ-4, CP-162), with the sample
   * it was tried against. The version is not in use until it is published.
   */
  async saveProfile(
    forceId: string,
    sourceSystem: SourceSystem,
    documentText: string,
    note: string | null,
    createdBy: string | null,
    sample: string | null = null,
  ): Promise<number> {
    const document = parseProfileText(documentText)
    return this.#db.withForce(forceId, (tx) =>
      this.#repo.addProfileVersion(tx, {
        forceId,
        sourceSystem,
        document,
        sample: sample?.trim() ? sample : null,
        note,
        createdBy,
        now: this.#clock.now(),
      }),
    )
  }

  /**
   * Puts a saved version in use, after running the sample it was saved with: a version whose
   * sample does not map is refused with the reasons, and the version in use stays.
   */
  async publishProfile(
    forceId: string,
    sourceSystem: SourceSystem,
    version: number,
    by: string | null,
  ): Promise<ProfileTrial> {
    const trial = await this.#db.withForce(forceId, async (tx) => {
      const row = await this.#repo.profileVersion(tx, sourceSystem, version)
      if (!row) throw new NotFoundError('The profile version')
      if (!row.sample)
        throw new ValidationError([
          {
            field: 'sample',
            message: `Version ${version} has no sample event: save it again with a sample, which is run before it is published`,
          },
        ])
      const trial = this.#try(row.document, row.sample)
      if (!trial.ok)
        throw new ValidationError(
          trial.errors.map((error) => ({
            field: 'sample',
            message: `Version ${version} was not published: its sample cannot be mapped: ${error}`,
          })),
        )
      await this.#repo.publishProfile(tx, {
        forceId,
        sourceSystem,
        version,
        kind: 'published',
        by,
        now: this.#clock.now(),
      })
      this.#profiles.forget(tx, profileKey(forceId, sourceSystem))
      return trial
    })
    return trial
  }

  /** Puts an earlier published version back in use (the versions after it are kept). */
  async revertProfile(forceId: string, sourceSystem: SourceSystem, version: number, by: string | null) {
    await this.#db.withForce(forceId, async (tx) => {
      const row = await this.#repo.profileVersion(tx, sourceSystem, version)
      if (!row) throw new NotFoundError('The profile version')
      if (!row.publishedAt)
        throw new DomainError(
          'not-revertible',
          `Version ${version} was never published; publish it to put it in use`,
          { status: 409 },
        )
      const current = await this.#repo.currentProfile(tx, sourceSystem)
      if (current?.version === version)
        throw new DomainError('not-revertible', `Version ${version} is already in use`, { status: 409 })
      await this.#repo.publishProfile(tx, {
        forceId,
        sourceSystem,
        version,
        kind: 'reverted',
        by,
        now: this.#clock.now(),
      })
      this.#profiles.forget(tx, profileKey(forceId, sourceSystem))
    })
  }

  /** Tries a profile (saved or not) against a pasted sample; nothing is stored. */
  tryProfile(documentText: string, sample: string): ProfileTrial {
    return this.#try(parseProfileText(documentText), sample)
  }

  #try(document: MappingProfile, sample: string): ProfileTrial {
    const texts = sampleEvents(sample)
    const several = texts.length > 1
    const errors: string[] = []
    const warnings: string[] = []
    const events: MappedEvent[] = []
    const payloads: unknown[] = []
    texts.forEach((text, index) => {
      const which = several ? `Event ${index + 1} of the sample` : 'The sample'
      const parsed = parsePayload(text, sampleContentType(text))
      if (!parsed.ok) {
        errors.push(`${which}: ${parsed.error}`)
        return
      }
      payloads.push(parsed.value)
      const outcome = mapPayload(document, parsed.value)
      if (outcome.ok) {
        events.push(outcome.event)
        warnings.push(...outcome.event.warnings.map((w) => (several ? `${which}: ${w}` : w)))
      } else errors.push(...outcome.errors.map((e) => (several ? `${which}: ${e}` : e)))
    })
    return {
      ok: errors.length === 0,
      events,
      errors,
      warnings: [...unmatchedPaths(document, payloads), ...warnings],
      fields: fieldResults(document, payloads),
    }
  }

  #map(
    profile: ProfileRow | undefined,
    payload: string,
    contentType: string,
    invalidUtf8 = false,
  ): MappingOutcome {
    if (!profile) return { ok: false, errors: ['this force has no mapping profile for the source'] }
    const problems = profileProblems(profile.document)
    if (problems.length)
      return {
        ok: false,
        errors: [
          `the force's mapping profile (version ${profile.version}) cannot be used: ${problems.join('; ')}`,
        ],
      }
    const raw = checkRawPayload(payload, invalidUtf8)
    if (raw.length) return { ok: false, errors: raw }
    // A byte order mark (sent by some Windows gateways) marks the encoding; it is not content.
    const parsed = parsePayload(payload.startsWith('\uFEFF') ? payload.slice(1) : payload, contentType)
    if (!parsed.ok) return { ok: false, errors: [parsed.error] }
    const refused = checkParsedPayload(parsed.value)
    if (refused.length) return { ok: false, errors: refused }
    return checkMappedOutcome(mapPayload(profile.document, parsed.value))
  }

  /**
   * Applies mapped events (already in the inbox) and records each one's outcome. 'together': the
   * events go to the case model as one set-based batch and a refusal fails the transaction (the
   * caller takes the batch again alone); 'alone': each event in its own savepoint, a refused one
   * quarantined with the reason.
   */
  async #process(
    tx: Tx,
    forceId: string,
    sourceSystem: SourceSystem,
    entries: { inboxId: string; mapped: MappingOutcome }[],
    profileVersion: number | null,
    now: Date,
    mode: 'together' | 'alone',
  ): Promise<IngestResult[]> {
    const results: IngestResult[] = new Array(entries.length)
    const outcomes: Parameters<SourceRepository['recordOutcomes']>[1] = []
    const applicable: { at: number; inboxId: string; event: MappedEvent }[] = []
    entries.forEach((entry, at) => {
      if (entry.mapped.ok) {
        applicable.push({ at, inboxId: entry.inboxId, event: entry.mapped.event })
        return
      }
      const reason = storableReason(`Could not map: ${entry.mapped.errors.join('; ')}`)
      results[at] = { id: entry.inboxId, status: 'quarantined', reason, warnings: [] }
      outcomes.push({ id: entry.inboxId, status: 'quarantined', reason, warnings: [], profileVersion })
    })
    const apply = (sp: Tx, list: typeof applicable) =>
      this.#cases.applySourceChanges(
        sp,
        forceId,
        list.map(({ inboxId, event }) => ({
          change: event.change,
          provenance: { sourceSystem, sourceEventId: inboxId, occurredAt: event.occurredAt },
        })),
        // A few events (a request, or requests that came together) reach Journeys in this
        // transaction; a large batch leaves them for the delivery job (decisions 0008, 0010).
        { delivery: list.length <= DELIVER_HERE_UP_TO ? 'here' : 'later' },
      )
    const record = (item: (typeof applicable)[number], applied: ApplyResult) => {
      const { event, inboxId } = item
      const base = {
        id: inboxId,
        eventType: event.sourceEventType,
        occurredAt: event.occurredAt,
        profileVersion,
      }
      const warnings = event.warnings.map(storableReason)
      if (applied.staleFields.length && applied.events.length === 0) {
        const reason = `Older than data already held for ${applied.staleFields.join(', ')}; kept, not applied`
        results[item.at] = { id: inboxId, status: 'superseded', reason, warnings }
        outcomes.push({ ...base, status: 'superseded', reason, warnings })
        return
      }
      if (applied.staleFields.length)
        warnings.push(`not applied, newer data held: ${applied.staleFields.join(', ')}`)
      results[item.at] = { id: inboxId, status: 'applied', reason: null, warnings }
      outcomes.push({ ...base, status: 'applied', reason: null, warnings })
    }
    if (mode === 'together') {
      const applied = await apply(tx, applicable)
      applicable.forEach((item, k) => {
        record(item, applied[k]!)
      })
    } else {
      for (const item of applicable) {
        try {
          // A savepoint: if the model refuses the change, the raw event is still kept, quarantined.
          const [applied] = await tx.transaction((sp) => apply(sp as Tx, [item]))
          record(item, applied!)
        } catch (error) {
          const { event, inboxId } = item
          // The raw error can quote the event's values: it is named by its code in the log and
          // by what it means in the reason.
          const reason = readableApplyReason(error, inboxId)
          this.#log?.warn(
            {
              inboxId,
              forceId,
              sourceSystem,
              sqlState: databaseErrorCode(error),
              error: (error as Error).name,
            },
            'a source event could not be applied and was quarantined',
          )
          const warnings = event.warnings.map(storableReason)
          results[item.at] = { id: inboxId, status: 'quarantined', reason, warnings }
          outcomes.push({
            id: inboxId,
            eventType: storable(event.sourceEventType, 100),
            occurredAt: event.occurredAt,
            profileVersion,
            status: 'quarantined',
            reason,
            warnings,
          })
        }
      }
    }
    await this.#repo.recordOutcomes(tx, outcomes, now)
    return results
  }

  /** PIRM deletion (UJ-3, CP-4, CRM-4): raw events (and their stored repeats) by id, in `tx`. */
  deleteEvents(tx: Tx, ids: string[]): Promise<number> {
    return this.#deletion.deleteEvents(tx, ids)
  }

  /** PIRM deletion of raw events processed before `cutoff` (a force's source event rule). */
  deleteProcessedBefore(tx: Tx, cutoff: Date, limit: number): Promise<number> {
    return this.#deletion.deleteProcessedBefore(tx, cutoff, limit)
  }
}

/**
 * A sample may hold several events: XML documents one after another (each starting with its
 * `<?xml …?>` declaration), or a JSON array of events.
 */
function sampleEvents(sample: string): string[] {
  const text = sample.trim()
  if (text.startsWith('<'))
    return text
      .split(/(?=<\?xml[\s?])/)
      .map((part) => part.trim())
      .filter(Boolean)
  if (text.startsWith('[')) {
    const parsed = parsePayload(text, 'application/json')
    if (parsed.ok && Array.isArray(parsed.value) && parsed.value.length)
      return parsed.value.map((event) => JSON.stringify(event))
  }
  return [text]
}

/** A sample pasted in the console is XML when it starts with "<", else JSON. */
function sampleContentType(sample: string): string {
  return sample.trimStart().startsWith('<') ? 'application/xml' : 'application/json'
}

// A profile saved before a check existed may not pass it: its events are quarantined with the
// reason (and kept for replay) rather than failing the request. Checked once per profile held.
const checkedProfiles = new WeakMap<MappingProfile, string[]>()
function profileProblems(document: MappingProfile): string[] {
  let problems = checkedProfiles.get(document)
  if (!problems) {
    problems = checkProfile(document)
    checkedProfiles.set(document, problems)
  }
  return problems
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

/** The same content, whatever the JSON spacing or key order; other formats byte for byte. */
function sameContent(a: InboxRow, b: InboxRow): boolean {
  if (a.payload === b.payload) return true
  if (a.contentType !== b.contentType || !a.contentType.includes('json')) return false
  try {
    return canonical(JSON.parse(a.payload)) === canonical(JSON.parse(b.payload))
  } catch {
    // Expected: a payload that is not JSON is compared byte for byte, as above.
    return false
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value)
}
