// Second-person approval of changes (issue 13 §7). A force administrator turns it on for their
// force; then a capability that would publish a change (a journey version, a template version, a
// rollback) asks for approval instead, handing the words of the change field by field and the
// proposal to apply. Another member of staff of the same force, holding a role the kind names,
// approves it (the capability applies the proposal in the same transaction) or rejects it with a
// reason; the author never decides their own request. Every step is audited. Capabilities
// declare their kinds (`defineKind`), so the platform knows none of them.
import type { AuditService } from '../audit/audit-service.ts'
import { hasAnyRole, type StaffPrincipal, type StaffRole } from '../auth/roles.ts'
import type { Clock } from '../clock.ts'
import type { Database, Tx } from '../db/database.ts'
import { DomainError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts'
import { MAX_LENGTH } from '../http/limits.ts'
import type { ForceService } from '../tenancy/force-service.ts'
import type {
  ChangeRequest,
  ChangeRequestRepository,
  ChangeRequestWithNames,
} from './change-request-repository.ts'
import type { ChangeField } from './schema.ts'

export type ChangeKind = 'journey' | 'template' | 'portal-content'

/** Who acts, from where. */
export interface ApprovalActor {
  id: string
  name: string
  ip: string | null
}

/** What a capability declares for each kind of change it hands for approval. */
export interface ChangeKindDefinition {
  kind: ChangeKind
  /** "journey", "message template": for sentences. */
  noun: string
  /** Who may approve or reject (besides never the author). */
  approvers: readonly StaffRole[]
  /** The page of the journey or template. */
  href(subjectId: string): string
  /** Applies the approved proposal in `tx`; returns what it made, in words ("Version 4"). */
  apply(tx: Tx, request: ChangeRequest, approver: ApprovalActor): Promise<string>
}

export interface NewChangeRequest {
  forceId: string
  kind: ChangeKind
  subjectId: string
  subjectName: string
  summary: string
  diff: ChangeField[]
  proposal: Record<string, unknown>
}

export class ApprovalService {
  readonly #db: Database
  readonly #repo: ChangeRequestRepository
  readonly #forces: ForceService
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #kinds = new Map<ChangeKind, ChangeKindDefinition>()

  constructor(deps: {
    db: Database
    repo: ChangeRequestRepository
    forces: ForceService
    audit: AuditService
    clock: Clock
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#forces = deps.forces
    this.#audit = deps.audit
    this.#clock = deps.clock
  }

  defineKind(definition: ChangeKindDefinition): void {
    if (this.#kinds.has(definition.kind)) throw new Error(`Change kind ${definition.kind} is defined twice`)
    this.#kinds.set(definition.kind, definition)
  }

  kind(kind: ChangeKind): ChangeKindDefinition {
    const found = this.#kinds.get(kind)
    if (!found) throw new Error(`Change kind ${kind} is not defined`)
    return found
  }

  /** Every role that approves some kind of change: who sees the approvals pages. */
  get approverRoles(): StaffRole[] {
    return [...new Set([...this.#kinds.values()].flatMap((k) => k.approvers))]
  }

  /** Whether the force's journey and template changes need a second person's approval. */
  async required(forceId: string): Promise<boolean> {
    return (await this.#forces.get(forceId)).settings.changesNeedApproval === true
  }

  /** A force administrator turns approval on or off for their own force (audited). */
  async setRequired(staff: StaffPrincipal, on: boolean, ip: string | null): Promise<void> {
    const forceId = ownForce(staff)
    const force = await this.#forces.get(forceId)
    if ((force.settings.changesNeedApproval === true) === on) return
    await this.#forces.update(forceId, { settings: { ...force.settings, changesNeedApproval: on } })
    await this.#audit.record({
      action: 'change-approval.setting-changed',
      forceId,
      actor: { kind: 'staff', id: staff.id, name: staff.displayName },
      recordType: 'force',
      recordId: forceId,
      detail: { changesNeedApproval: on },
      ip,
    })
  }

  /** Stores a request for approval in the caller's transaction (audited); replaces an older pending one. */
  async request(tx: Tx, change: NewChangeRequest, author: ApprovalActor): Promise<ChangeRequest> {
    this.kind(change.kind)
    const { request, withdrew } = await this.#repo.insert(tx, {
      ...change,
      requestedBy: author.id,
      requestedAt: this.#clock.now(),
    })
    await this.#record(tx, 'change.requested', request, author, {
      kind: change.kind,
      subjectId: change.subjectId,
      summary: change.summary,
      ...(withdrew ? { replacedPending: withdrew } : {}),
    })
    return request
  }

  /** The pending request for a journey or template, if any (for its page). */
  pendingFor(tx: Tx, forceId: string, kind: ChangeKind, subjectId: string) {
    return this.#repo.pendingFor(tx, forceId, kind, subjectId)
  }

  async list(staff: StaffPrincipal): Promise<ChangeRequestWithNames[]> {
    const forceId = ownForce(staff)
    return this.#db.withForce(forceId, (tx) => this.#repo.list(tx, forceId, 200))
  }

  /** One request of the staff member's own force; another force's is not found. */
  async get(
    staff: StaffPrincipal,
    id: string,
  ): Promise<ChangeRequestWithNames & { mayDecide: boolean; href: string }> {
    const forceId = ownForce(staff)
    const request = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.#db.withForce(forceId, (tx) => this.#repo.find(tx, id))
      : undefined
    if (!request) throw new NotFoundError('The change')
    const kind = this.kind(request.kind)
    return {
      ...request,
      href: kind.href(request.subjectId),
      mayDecide:
        request.status === 'pending' && request.requestedBy !== staff.id && hasAnyRole(staff, kind.approvers),
    }
  }

  async approve(
    staff: StaffPrincipal,
    id: string,
    ip: string | null,
  ): Promise<{ request: ChangeRequest; outcome: string }> {
    return this.#decide(staff, id, ip, 'approved', null)
  }

  async reject(staff: StaffPrincipal, id: string, reason: string, ip: string | null): Promise<ChangeRequest> {
    const text = reason.trim()
    if (!text)
      throw new ValidationError([{ field: 'reason', message: 'Enter why you are rejecting the change' }])
    if (text.length > MAX_LENGTH.shortText)
      throw new ValidationError([
        { field: 'reason', message: `Reason must be ${MAX_LENGTH.shortText} characters or fewer` },
      ])
    return (await this.#decide(staff, id, ip, 'rejected', text)).request
  }

  /** Pending requests of the force, up to `cap` (the dashboard tile). */
  pendingCount(forceId: string, cap: number): Promise<number> {
    return this.#db.withForce(forceId, (tx) => this.#repo.pendingCount(tx, forceId, cap))
  }

  async #decide(
    staff: StaffPrincipal,
    id: string,
    ip: string | null,
    status: 'approved' | 'rejected',
    reason: string | null,
  ): Promise<{ request: ChangeRequest; outcome: string }> {
    const forceId = ownForce(staff)
    const actor = { id: staff.id, name: staff.displayName, ip }
    return this.#db.withForce(forceId, async (tx) => {
      const request = /^[0-9a-f-]{36}$/i.test(id) ? await this.#repo.find(tx, id) : undefined
      if (!request) throw new NotFoundError('The change')
      const kind = this.kind(request.kind)
      if (!hasAnyRole(staff, kind.approvers))
        throw new ForbiddenError(
          `Only a ${kind.approvers.join(' or ').replaceAll('_', ' ')} can decide this change`,
        )
      if (request.requestedBy === staff.id)
        throw new ForbiddenError(
          'You cannot approve or reject a change you asked for: another person must decide it',
        )
      if (request.status !== 'pending')
        throw new DomainError('change-decided', 'This change has already been decided', { status: 409 })
      const outcome = status === 'approved' ? await kind.apply(tx, request, actor) : null
      const decided = await this.#repo.decide(tx, request.id, {
        status,
        decidedBy: staff.id,
        decidedAt: this.#clock.now(),
        reason,
        outcome,
      })
      if (!decided)
        throw new DomainError('change-decided', 'This change has already been decided', { status: 409 })
      await this.#record(tx, `change.${status}`, request, actor, {
        kind: request.kind,
        subjectId: request.subjectId,
        ...(reason ? { reason } : {}),
        ...(outcome ? { outcome } : {}),
      })
      return { request, outcome: outcome ?? '' }
    })
  }

  #record(
    tx: Tx,
    action: string,
    request: ChangeRequest,
    actor: ApprovalActor,
    detail: Record<string, unknown>,
  ) {
    return this.#audit.record(
      {
        action,
        forceId: request.forceId,
        actor: { kind: 'staff', id: actor.id, name: actor.name },
        recordType: 'change-request',
        recordId: request.id,
        detail,
        ip: actor.ip,
      },
      tx,
    )
  }
}

function ownForce(staff: StaffPrincipal): string {
  if (!staff.forceId) throw new ForbiddenError('Approvals belong to a force: sign in as a member of one')
  return staff.forceId
}
