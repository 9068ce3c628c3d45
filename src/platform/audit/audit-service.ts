// The audit trail: every change and every view of a person or case record (CP-151, CP-153,
// UJ-17, CRM-33). Rows are hash-chained per force so that any edit, deletion or insertion in the
// middle is detected by `verify` (`waypoint audit verify`).
import { createHash } from 'node:crypto'
import type { Clock } from '../clock.ts'
import type { Database, Tx } from '../db/database.ts'
import type { AuditRepository, AuditRow, NewAuditRow } from './audit-repository.ts'

export interface AuditEvent {
  /** What happened, as `noun.verb`: `staff.created`, `role.granted`, `case.viewed`. */
  action: string
  /** The force whose record it is; null for region-wide events (system administration). */
  forceId: string | null
  actor: { kind: 'staff' | 'client' | 'citizen' | 'system'; id?: string | null; name?: string | null }
  recordType?: string
  recordId?: string
  /** What changed. Identifiers and field names, not personal data (PIRM deletion leaves this). */
  detail?: Record<string, unknown>
  ip?: string | null
  correlationId?: string | null
}

export interface ChainVerification {
  chain: string
  events: number
  ok: boolean
  /** The first sequence number at which the chain no longer verifies. */
  brokenAt?: number
  reason?: string
}

const REGION_CHAIN = 'region'

export class AuditService {
  readonly #repo: AuditRepository
  readonly #db: Database
  readonly #clock: Clock

  constructor(repo: AuditRepository, db: Database, clock: Clock) {
    this.#repo = repo
    this.#db = db
    this.#clock = clock
  }

  /**
   * Records an event. Pass the caller's transaction so the audit row commits with the change it
   * describes; without one the event is written in its own transaction.
   */
  async record(event: AuditEvent, tx?: Tx): Promise<AuditRow> {
    const row: NewAuditRow = {
      forceId: event.forceId,
      occurredAt: this.#clock.now(),
      actorKind: event.actor.kind,
      actorId: event.actor.id ?? null,
      actorName: event.actor.name ?? null,
      action: event.action,
      recordType: event.recordType ?? null,
      recordId: event.recordId ?? null,
      detail: event.detail ?? {},
      ip: event.ip ?? null,
      correlationId: event.correlationId ?? null,
    }
    const chain = event.forceId ?? REGION_CHAIN
    if (tx) return this.#repo.append(tx, chain, row, hashOf)
    const write = (t: Tx) => this.#repo.append(t, chain, row, hashOf)
    return event.forceId ? this.#db.withForce(event.forceId, write) : this.#db.asSystem(write)
  }

  /** Recomputes every chain; any altered, removed or inserted row breaks its chain. */
  async verify(): Promise<ChainVerification[]> {
    const results: ChainVerification[] = []
    for (const head of await this.#repo.listChains()) {
      results.push(await this.#verifyChain(head.chain, head.lastSeq, head.lastHash))
    }
    return results
  }

  async #verifyChain(chain: string, lastSeq: number, lastHash: string): Promise<ChainVerification> {
    let prevHash = ''
    let expectedSeq = 1
    let events = 0
    for await (const row of this.#repo.readChain(chain)) {
      events += 1
      if (row.seq !== expectedSeq) return broken(chain, events, expectedSeq, 'a row is missing')
      if (row.prevHash !== prevHash)
        return broken(chain, events, row.seq, 'the link to the previous row is wrong')
      if (hashOf(row) !== row.hash)
        return broken(chain, events, row.seq, 'the row was changed after it was written')
      prevHash = row.hash
      expectedSeq += 1
    }
    if (expectedSeq - 1 !== lastSeq || prevHash !== lastHash) {
      return broken(chain, events, expectedSeq, 'rows at the end of the chain are missing')
    }
    return { chain, events, ok: true }
  }
}

function broken(chain: string, events: number, brokenAt: number, reason: string): ChainVerification {
  return { chain, events, ok: false, brokenAt, reason }
}

/** SHA-256 over the previous hash and a canonical serialisation of the row's content. */
export function hashOf(row: NewAuditRow & { chain: string; seq: number; prevHash: string }): string {
  const content = [
    row.chain,
    row.seq,
    row.forceId ?? '',
    (row.occurredAt as Date).toISOString(),
    row.actorKind,
    row.actorId ?? '',
    row.actorName ?? '',
    row.action,
    row.recordType ?? '',
    row.recordId ?? '',
    canonicalJson(row.detail ?? {}),
    row.ip ?? '',
    row.correlationId ?? '',
  ]
  return createHash('sha256').update(row.prevHash).update(JSON.stringify(content)).digest('hex')
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}
