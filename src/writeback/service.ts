// Write-back to the force's CAD and RMS through a transactional outbox. Callers enqueue inside
// their own transaction, so a message and the entry that records it commit together; a job then
// delivers due entries over HTTP with backoff, and what cannot be delivered waits in the dead
// letters for a person to replay (CP-163). Nothing is lost while a target is down.
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import { type CredentialKeys, CredentialUnreadableError } from '../platform/credential-keys.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { NotFoundError } from '../platform/errors.ts'
import type { JobDefinition, JobQueue } from '../platform/jobs.ts'
import type { Logger } from '../platform/logger.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import { WritebackDeletionRepository } from './deletion-repository.ts'
import { type DeliveryResult, deliverOverHttp } from './http-delivery.ts'
import { deliverWritebacksJob } from './jobs.ts'
import type { AttemptOutcome, WritebackRepository } from './repository.ts'
import { hasRunOutOfRetries, nextAttemptAt, type RetryPolicy } from './retry-policy.ts'
import type {
  WritebackBody,
  WritebackEndpointRow,
  WritebackEntry,
  WritebackKind,
  WritebackTarget,
} from './schema.ts'

const CLAIM_MS = 2 * 60_000
const ROUNDS_PER_RUN = 20

export interface WritebackEntryInput {
  forceId: string
  target: WritebackTarget
  /** CAD log reference (target `cad`) or crime reference (target `rms`). */
  targetRef: string
  kind: WritebackKind
  body: WritebackBody
  /** CP-105: false means the RMS must not raise its own update to the victim. */
  notifyVictim?: boolean
  /** Unique per force: enqueuing the same key again returns the entry already queued. */
  idempotencyKey: string
  createdBy?: string | null
}

/** A communication with a member of the public, as the messaging and portal capabilities see it. */
export interface CommunicationRecord {
  forceId: string
  /** Waypoint's own reference for the message; makes the write-back idempotent. */
  messageId: string
  direction: 'to-victim' | 'from-victim'
  channel: 'sms' | 'email' | 'portal'
  time: Date
  content: string
  author: string
  recipient?: string
  cadLog?: { reference: string; open: boolean } | null
  crimeReference?: string | null
}

/** Who acted, for the audit trail (see `auditContext` in the HTTP shell). */
export interface Acting {
  actor: AuditEvent['actor']
  ip?: string | null
  correlationId?: string | null
}

export interface DeliveryRun {
  delivered: number
  retrying: number
  dead: number
  /** Outcomes discarded because another worker had taken the entry over. */
  superseded: number
}

export interface WritebackDependencies {
  db: Database
  jobs: JobQueue
  audit: AuditService
  clock: Clock
  log: Logger
  config: Config['writeback']
  /** The installation's credential keys, which seal the endpoints' secrets. */
  credentials: CredentialKeys
  /** Where entries may be delivered (decision 0016). */
  outbound: OutboundPolicy
  /** Jitter source; tests may pass a fixed one. */
  random?: () => number
}

export class WritebackService {
  readonly #deletion = new WritebackDeletionRepository()
  readonly deliveryJob: JobDefinition
  readonly #repo: WritebackRepository
  readonly #deps: WritebackDependencies
  readonly #policy: RetryPolicy
  readonly #cipher: CredentialKeys
  readonly #runRequested = new WeakSet<Tx>()

  constructor(repo: WritebackRepository, deps: WritebackDependencies) {
    this.#repo = repo
    this.#deps = deps
    this.#cipher = deps.credentials
    this.#policy = {
      baseDelayMs: deps.config.baseDelaySeconds * 1000,
      maxDelayMs: deps.config.maxDelaySeconds * 1000,
      maxAttempts: deps.config.maxAttempts,
      maxAgeMs: deps.config.maxAgeHours * 3_600_000,
    }
    this.deliveryJob = deliverWritebacksJob(() => this.deliverDue())
  }

  /** The installation's credential keys (the platform's), which seal the endpoints' secrets. */
  get cipher(): CredentialKeys {
    return this.#cipher
  }

  /**
   * Queues an entry inside the caller's transaction (transactional outbox) and asks for a
   * delivery run once it has committed. Idempotent by key.
   */
  async enqueue(tx: Tx, input: WritebackEntryInput): Promise<{ entry: WritebackEntry; created: boolean }> {
    const result = await this.#repo.insert(tx, {
      forceId: input.forceId,
      target: input.target,
      targetRef: input.targetRef,
      kind: input.kind,
      body: input.body,
      notifyVictim: input.notifyVictim ?? false,
      idempotencyKey: input.idempotencyKey,
      createdBy: input.createdBy ?? null,
      now: this.#deps.clock.now(),
    })
    // A delivery run is asked for once the transaction has committed (one request per
    // transaction; at most one run waits, and it takes every entry committed before it starts).
    // Should the process stop in between, the minute's run delivers the entry.
    if (result.created && !this.#runRequested.has(tx)) {
      this.#runRequested.add(tx)
      this.#deps.db.afterTransaction(tx, async (committed) => {
        if (!committed) return
        await this.#deps.jobs
          .send(this.deliveryJob, {})
          .catch((error) =>
            this.#deps.log.warn({ err: error }, 'write-back run not asked for; the minute run will deliver'),
          )
      })
    }
    return result
  }

  /**
   * UJ-9: to the CAD log while it is open; UJ-10, CP-87, CP-101: to the crime record once the
   * incident is crimed. Both when both apply; none when neither does.
   */
  async recordCommunication(tx: Tx, message: CommunicationRecord): Promise<WritebackEntry[]> {
    const kind: WritebackKind = message.direction === 'to-victim' ? 'message-sent' : 'message-received'
    const body: WritebackBody = {
      time: message.time.toISOString(),
      channel: message.channel,
      content: message.content,
      author: message.author,
      ...(message.recipient ? { recipient: message.recipient } : {}),
      sourceRef: message.messageId,
    }
    const targets: [WritebackTarget, string][] = []
    if (message.cadLog?.open) targets.push(['cad', message.cadLog.reference])
    if (message.crimeReference) targets.push(['rms', message.crimeReference])
    const entries: WritebackEntry[] = []
    for (const [target, targetRef] of targets) {
      const { entry } = await this.enqueue(tx, {
        forceId: message.forceId,
        target,
        targetRef,
        kind,
        body,
        idempotencyKey: `${kind}:${message.messageId}:${target}`,
      })
      entries.push(entry)
    }
    return entries
  }

  /** Delivers every due entry of every force; safe to run on many workers at once. */
  async deliverDue(): Promise<DeliveryRun> {
    const run: DeliveryRun = { delivered: 0, retrying: 0, dead: 0, superseded: 0 }
    const endpoints = new Map<string, Promise<WritebackEndpointRow | undefined>>()
    const endpointOf = (entry: WritebackEntry) => {
      const key = `${entry.forceId}:${entry.target}`
      if (!endpoints.has(key)) endpoints.set(key, this.#repo.endpoint(entry.forceId, entry.target))
      return endpoints.get(key)!
    }
    for (let round = 0; ; round += 1) {
      if (round === ROUNDS_PER_RUN) {
        // A long backlog continues in a fresh job, so no single job outlives pg-boss's expiry.
        await this.#deps.jobs.send(this.deliveryJob, {})
        return run
      }
      const now = this.#deps.clock.now()
      const batch = await this.#repo.claimDue(now, this.#deps.config.batchSize, this.#claimExpiry(now))
      if (batch.length === 0) return run
      const outcomes = await Promise.all(
        batch.map(async (entry) => this.#attempt(entry, await endpointOf(entry))),
      )
      const recorded = await this.#repo.recordOutcomes(outcomes)
      for (const outcome of outcomes) {
        if (!recorded.has(outcome.entry.id)) run.superseded += 1
        else if (outcome.result.kind === 'delivered') run.delivered += 1
        else if (outcome.result.kind === 'retry') run.retrying += 1
        else run.dead += 1
      }
    }
  }

  /** The claim outlives the longest endpoint timeout (60 s), so a live worker is never overtaken. */
  #claimExpiry(now: Date): Date {
    return new Date(now.getTime() + CLAIM_MS)
  }

  async #attempt(entry: WritebackEntry, endpoint: WritebackEndpointRow | undefined): Promise<AttemptOutcome> {
    const startedAt = this.#deps.clock.now()
    const started = performance.now()
    let result: DeliveryResult
    if (!endpoint?.enabled) {
      const what = entry.target === 'cad' ? 'Command and Control' : 'records system'
      result = {
        kind: 'retry',
        httpStatus: null,
        error: `No ${what} write-back endpoint is switched on for this force`,
        retryAfterSeconds: null,
      }
    } else {
      try {
        result = await deliverOverHttp(
          {
            url: endpoint.url.replace('{reference}', encodeURIComponent(entry.targetRef)),
            auth: {
              kind: endpoint.authKind,
              username: endpoint.authUsername,
              secret: endpoint.authSecretEncrypted
                ? this.#cipher.decrypt(endpoint.authSecretEncrypted)
                : null,
            },
            idempotencyKey: entry.idempotencyKey,
            payload: payloadOf(entry),
            timeoutMs: endpoint.timeoutMs,
          },
          this.#deps.outbound,
        )
      } catch (error) {
        if (error instanceof CredentialUnreadableError)
          this.#deps.log.warn(
            { entryId: entry.id, forceId: entry.forceId, target: entry.target },
            'the write-back endpoint’s stored credential cannot be opened: enter it again on the Write-back page',
          )
        result = { kind: 'retry', httpStatus: null, error: (error as Error).message, retryAfterSeconds: null }
      }
    }
    const durationMs = Math.round(performance.now() - started)
    const now = this.#deps.clock.now()
    const common = { entry, startedAt, durationMs, now }
    if (result.kind === 'delivered') {
      return {
        ...common,
        httpStatus: result.httpStatus,
        error: null,
        result: { kind: 'delivered', remoteRef: result.remoteRef },
      }
    }
    if (result.kind === 'rejected') {
      return { ...common, httpStatus: result.httpStatus, error: result.error, result: { kind: 'dead' } }
    }
    const windowStart = entry.replayedAt ?? entry.createdAt
    if (hasRunOutOfRetries(entry.attempts, windowStart, now, this.#policy)) {
      const error = `Gave up after ${entry.attempts} attempts: ${result.error}`
      this.#deps.log.warn(
        { entryId: entry.id, forceId: entry.forceId },
        'write-back entry moved to dead letters',
      )
      return { ...common, httpStatus: result.httpStatus, error, result: { kind: 'dead' } }
    }
    const next = nextAttemptAt(now, entry.attempts, this.#policy, result.retryAfterSeconds, this.#deps.random)
    return {
      ...common,
      httpStatus: result.httpStatus,
      error: result.error,
      result: { kind: 'retry', nextAttemptAt: next },
    }
  }

  /** Entries not yet delivered or dead, across every force (the /health/ready backlog). */
  backlog(): Promise<number> {
    return this.#repo.backlog()
  }

  /** How many of the force's entries are dead letters, counted up to `cap` (the dashboard). */
  deadCount(forceId: string, cap: number): Promise<number> {
    return this.#deps.db.withForce(forceId, (tx) => this.#repo.countDead(tx, forceId, cap))
  }

  /** The console's summary for one force: counts by status and the newest dead letters. */
  async overview(forceId: string, deadLimit = 100) {
    return this.#deps.db.withForce(forceId, async (tx) => ({
      counts: await this.#repo.countByStatus(tx, forceId),
      dead: await this.#repo.listDead(tx, forceId, deadLimit),
    }))
  }

  /** One entry and its attempts. It holds what was said to a victim, so viewing it is audited. */
  async entryDetail(forceId: string, id: string, acting: Acting) {
    return this.#deps.db.withForce(forceId, async (tx) => {
      const entry = await this.#repo.get(tx, forceId, id)
      if (!entry) throw new NotFoundError('The write-back entry')
      await this.#deps.audit.record(
        { action: 'writeback.entry.viewed', forceId, ...acting, recordType: 'writeback_entry', recordId: id },
        tx,
      )
      return { entry, attempts: await this.#repo.attemptsOf(tx, id) }
    })
  }

  /** Entries written against one CAD log or crime reference, oldest first. */
  async entriesFor(forceId: string, target: WritebackTarget, targetRef: string): Promise<WritebackEntry[]> {
    return this.#deps.db.withForce(forceId, (tx) =>
      this.#repo.listByReference(tx, forceId, target, targetRef),
    )
  }

  /** CP-163: puts one dead entry, or all of a force's, back in the queue now. */
  async replay(forceId: string, ids: string[] | 'all-dead', acting: Acting): Promise<number> {
    return this.#deps.db.withForce(forceId, async (tx) => {
      const replayed = await this.#repo.replay(tx, forceId, ids, staffIdOf(acting), this.#deps.clock.now())
      if (replayed.length === 0) return 0
      await this.#deps.jobs.send(this.deliveryJob, {}, { tx })
      await this.#deps.audit.record(
        {
          action: 'writeback.replayed',
          forceId,
          ...acting,
          recordType: 'writeback_entry',
          ...(ids === 'all-dead' ? {} : { recordId: ids[0] }),
          detail: { entries: replayed.map((r) => r.id), scope: ids === 'all-dead' ? 'all' : 'one' },
        },
        tx,
      )
      return replayed.length
    })
  }

  /** PIRM deletion (UJ-3, CP-4, CRM-4): entries written against a CAD log or crime record, in `tx`. */
  deleteForReference(tx: Tx, target: 'cad' | 'rms', reference: string): Promise<Record<string, number>> {
    return this.#deletion.deleteForReference(tx, target, reference)
  }
}

/** What the CAD or RMS receives: the entry, its reference and how to deduplicate it. */
export function payloadOf(entry: WritebackEntry): Record<string, unknown> {
  return {
    idempotencyKey: entry.idempotencyKey,
    force: entry.forceId,
    target: entry.target,
    reference: entry.targetRef,
    kind: entry.kind,
    notifyVictim: entry.notifyVictim,
    ...entry.body,
  }
}

export function staffIdOf(acting: Acting): string | null {
  return acting.actor.kind === 'staff' ? (acting.actor.id ?? null) : null
}
