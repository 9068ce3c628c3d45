// The audit trail: every change and every view of a person or case record (CP-151, CP-153,
// UJ-17, CRM-33). Rows are hash-chained per force so that any edit, deletion or insertion in the
// middle is detected by `verify` (`waypoint audit verify`).
import { createHash } from 'node:crypto'
import type { Clock } from '../clock.ts'
import type { Database, Tx } from '../db/database.ts'
import { ForbiddenError } from '../errors.ts'
import {
  type AuditFilters,
  type AuditRepository,
  type AuditRow,
  type AuditScope,
  chainNames,
  type NewAuditRow,
  trailOf,
} from './audit-repository.ts'

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

/** The parts of an HTTP request an audit event needs; a Fastify request is one. */
export interface AuditedRequest {
  id: string
  ip: string
  staff?: { id: string; displayName: string } | undefined
  client?: { clientId: string } | undefined
  citizen?: { id: string } | undefined
}

/** Who searches the trail: auditors see their own force's events, system admins the region's. */
export interface AuditSearcher {
  request: AuditedRequest
  forceId: string | null
  regionWide: boolean
}

export interface AuditSearchPage {
  rows: AuditRow[]
  /** Names of the members of staff among the actors whose events keep only their id. */
  staffNames: Map<string, string>
  page: number
  pageSize: number
  hasNextPage: boolean
}

export interface AuditServiceOptions {
  /** Enqueues SIEM forwarding inside the transaction that records the event (CP-175, CP-176). */
  queueForwarding?: (tx: Tx) => Promise<unknown>
}

const REGION_CHAIN = 'region'
export const AUDIT_PAGE_SIZE = 50

export class AuditService {
  readonly #repo: AuditRepository
  readonly #db: Database
  readonly #clock: Clock
  readonly #queueForwarding: AuditServiceOptions['queueForwarding']

  constructor(repo: AuditRepository, db: Database, clock: Clock, options: AuditServiceOptions = {}) {
    this.#repo = repo
    this.#db = db
    this.#clock = clock
    this.#queueForwarding = options.queueForwarding
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
    const trail = event.forceId ?? REGION_CHAIN
    const write = async (t: Tx) => {
      const appended = await this.#repo.append(t, trail, row, hashOf)
      if (this.#queueForwarding && this.#repo.forwardingDestinations.length > 0)
        await this.#queueForwarding(t)
      return appended
    }
    if (tx) return write(tx)
    return event.forceId ? this.#db.withForce(event.forceId, write) : this.#db.asSystem(write)
  }

  /**
   * Records that someone looked at a person, case or other record (CP-153 a). Call it from any
   * route that shows a record, with the force that owns it, e.g.
   * `await services.audit.recordView(request, { forceId, recordType: 'person', recordId: id })`.
   * The action is `<recordType>.viewed`; pass `tx` to commit it with a read that must be audited.
   */
  recordView(
    request: AuditedRequest,
    target: {
      forceId: string | null
      recordType: string
      recordId: string
      detail?: Record<string, unknown>
    },
    tx?: Tx,
  ): Promise<AuditRow> {
    return this.record(
      {
        action: `${target.recordType}.viewed`,
        forceId: target.forceId,
        ...whoAndWhere(request),
        recordType: target.recordType,
        recordId: target.recordId,
        ...(target.detail ? { detail: target.detail } : {}),
      },
      tx,
    )
  }

  /** One page of the trail, newest first; the search itself is audited (CP-153 b). */
  async search(searcher: AuditSearcher, filters: AuditFilters, page: number): Promise<AuditSearchPage> {
    const scope = scopeOf(searcher)
    const effective = scope === 'region' ? filters : { ...filters, forceId: undefined }
    const found = await this.#repo.search(scope, effective, {
      limit: AUDIT_PAGE_SIZE + 1,
      offset: (page - 1) * AUDIT_PAGE_SIZE,
    })
    await this.record({
      action: 'audit.searched',
      forceId: scope === 'region' ? null : scope.forceId,
      ...whoAndWhere(searcher.request),
      detail: { filters: describeFilters(effective), page, results: Math.min(found.length, AUDIT_PAGE_SIZE) },
    })
    const shown = found.slice(0, AUDIT_PAGE_SIZE)
    const staffNames = await this.#repo.staffNames(
      scope,
      shown
        .filter((r) => r.actorKind === 'staff' && !r.actorName && r.actorId)
        .map((r) => r.actorId as string),
    )
    return {
      rows: shown,
      staffNames,
      page,
      pageSize: AUDIT_PAGE_SIZE,
      hasNextPage: found.length > AUDIT_PAGE_SIZE,
    }
  }

  /** Every matching event for a CSV export (CP-151 a); the export is audited (CP-153 d). */
  async export(searcher: AuditSearcher, filters: AuditFilters): Promise<AsyncGenerator<AuditRow>> {
    const scope = scopeOf(searcher)
    const effective = scope === 'region' ? filters : { ...filters, forceId: undefined }
    await this.record({
      action: 'audit.exported',
      forceId: scope === 'region' ? null : scope.forceId,
      ...whoAndWhere(searcher.request),
      detail: { filters: describeFilters(effective), format: 'csv' },
    })
    return this.#repo.searchAll(scope, effective)
  }

  /**
   * Recomputes every chain; any altered, removed, inserted or reordered row breaks its chain
   * (decision 0031). A force's trail is kept in 32 chains (`kent`, `kent/1` … `kent/31`), all made
   * with the force: a chain missing from a trail breaks it, and so do rows naming a chain that
   * has no head, and a row in a chain of another force.
   */
  async verify(): Promise<ChainVerification[]> {
    const results: ChainVerification[] = []
    const heads = await this.#repo.listChains()
    const withRows = await this.#repo.chainsOfEvents()
    const hasRows = new Set(withRows.map((c) => c.chain))
    for (const head of heads) {
      // A chain never appended to: no rows, and its head says so.
      if (head.lastSeq === 0 && head.lastHash === '' && !hasRows.has(head.chain))
        results.push({ chain: head.chain, events: 0, ok: true })
      else results.push(await this.#verifyChain(head.chain, head.lastSeq, head.lastHash))
    }
    const headed = new Set(heads.map((h) => h.chain))
    const headless = new Set<string>()
    for (const { chain, events } of withRows) {
      if (headed.has(chain)) continue
      headless.add(chain)
      results.push(broken(chain, events, 1, 'the chain’s head is missing (its last rows cannot be checked)'))
    }
    // Every trail has all its chains from the start: one missing was removed with its head.
    const trails = new Set(heads.map((h) => trailOf(h.chain).trail))
    for (const trail of trails) {
      for (const name of chainNames(trail)) {
        if (!headed.has(name) && !headless.has(name))
          results.push(broken(name, 0, 1, 'the chain is missing from its force’s trail'))
      }
    }
    return results.sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0))
  }

  async #verifyChain(chain: string, lastSeq: number, lastHash: string): Promise<ChainVerification> {
    let prevHash = ''
    let expectedSeq = 1
    let events = 0
    const { trail } = trailOf(chain)
    for await (const row of this.#repo.readChain(chain)) {
      events += 1
      if (row.seq !== expectedSeq) return broken(chain, events, expectedSeq, 'a row is missing')
      if ((row.forceId ?? REGION_CHAIN) !== trail)
        return broken(chain, events, row.seq, 'the row belongs to another force’s trail')
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

function scopeOf(searcher: AuditSearcher): AuditScope {
  if (searcher.regionWide) return 'region'
  if (!searcher.forceId) throw new ForbiddenError('Only members of a force can search its audit trail')
  return { forceId: searcher.forceId }
}

function describeFilters(filters: AuditFilters): Record<string, string> {
  const described: Record<string, string> = {}
  for (const [key, value] of Object.entries(filters)) {
    if (value instanceof Date) described[key] = value.toISOString()
    else if (Array.isArray(value)) described[key] = value.join(', ')
    else if (value) described[key] = String(value)
  }
  return described
}

/** The actor, address and correlation id of a request, as audit event fields. */
export function whoAndWhere(request: AuditedRequest): Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'> {
  const actor: AuditEvent['actor'] = request.staff
    ? { kind: 'staff', id: request.staff.id, name: request.staff.displayName }
    : request.client
      ? { kind: 'client', id: request.client.clientId }
      : request.citizen
        ? { kind: 'citizen', id: request.citizen.id }
        : { kind: 'system' }
  return { actor, ip: request.ip, correlationId: request.id }
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
