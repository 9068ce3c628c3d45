// HR provisioning (CRM-25): the force's HR system creates accounts for joiners, changes them for
// movers and disables them for leavers, without anyone re-keying it in the console. HR is the
// authority for a provisioned account's roles: each update sets exactly the roles its job maps to.
import type { AuditEvent, AuditService } from '../audit/audit-service.ts'
import { isStaffRole, type StaffRole } from '../auth/roles.ts'
import type { StaffService } from '../auth/staff-service.ts'
import type { Clock } from '../clock.ts'
import { DomainError, type FieldError, NotFoundError, ValidationError } from '../errors.ts'
import type { SessionService } from '../http/session-service.ts'
import type { HrJobRoles, ProvisioningRepository } from './provisioning-repository.ts'

export interface StaffRecordFromHr {
  email: string
  displayName: string
  /** The HR job code, mapped to roles by the force's table; or `roles` given explicitly. */
  jobCode?: string
  roles?: string[]
  /** When given, must be the client's own force. */
  forceId?: string
}

export interface ProvisionedStaff {
  employeeId: string
  staffId: string
  forceId: string
  email: string
  displayName: string
  roles: string[]
  created: boolean
}

/** Who asked: the common part of the audit events this service records. */
export type AuditActor = Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'>

// A force's HR system may not grant region-wide administration.
const rolesHrMayGrant = (role: StaffRole) => role !== 'system_admin'

export class ProvisioningService {
  readonly #repo: ProvisioningRepository
  readonly #staff: StaffService
  readonly #sessions: SessionService
  readonly #audit: AuditService
  readonly #clock: Clock

  constructor(
    repo: ProvisioningRepository,
    deps: { staff: StaffService; sessions: SessionService; audit: AuditService; clock: Clock },
  ) {
    this.#repo = repo
    this.#staff = deps.staff
    this.#sessions = deps.sessions
    this.#audit = deps.audit
    this.#clock = deps.clock
  }

  /** Joiner or mover: creates or updates the account; repeating the same request changes nothing. */
  async upsertStaff(
    forceId: string,
    employeeId: string,
    record: StaffRecordFromHr,
    who: AuditActor,
  ): Promise<ProvisionedStaff> {
    if (record.forceId && record.forceId !== forceId) {
      throw new DomainError('other-force', 'A client can only provision staff of its own force', {
        status: 403,
      })
    }
    const roles = await this.#rolesFor(forceId, record)
    const email = record.email.trim()
    const displayName = record.displayName.trim()
    const users = this.#staff.repository
    let staffId = await this.#repo.staffIdForEmployee(forceId, employeeId)
    const sameEmail = await users.findByEmail(email)
    if (sameEmail && sameEmail.id !== staffId) {
      const linkedElsewhere =
        sameEmail.forceId === forceId && (await this.#repo.employeeIdFor(forceId, sameEmail.id))
      if (sameEmail.forceId !== forceId || linkedElsewhere) {
        throw new DomainError('email-taken', 'Another account already uses that email address', {
          status: 409,
          fieldErrors: [{ field: 'email', message: 'Another account already uses that email address' }],
        })
      }
      // An account a force administrator made by hand is adopted by HR, not duplicated.
      if (!staffId) {
        staffId = sameEmail.id
        await this.#repo.linkEmployee(forceId, staffId, employeeId)
      }
    }

    const created = !staffId
    const changes: Record<string, unknown> = {}
    if (!staffId) {
      const user = await this.#staff.create({ forceId, email, displayName, roles }, null)
      staffId = user.id
      await this.#repo.linkEmployee(forceId, staffId, employeeId)
      changes.roles = roles
    } else {
      const user = await users.findById(staffId)
      if (!user) throw new NotFoundError('Staff member')
      const profile: { email?: string; displayName?: string; disabledAt?: null; disabledBy?: null } = {}
      if (user.email !== email) profile.email = email
      if (user.displayName !== displayName) profile.displayName = displayName
      if (user.disabledAt) Object.assign(profile, { disabledAt: null, disabledBy: null })
      if (Object.keys(profile).length) {
        await users.update(staffId, profile)
        Object.assign(changes, { fields: Object.keys(profile) })
      }
      const held = new Set((await users.activeGrants(staffId)).map((g) => g.role))
      const granted = roles.filter((r) => !held.has(r))
      const revoked = [...held].filter((r) => !roles.includes(r as StaffRole))
      for (const role of granted) await this.#staff.grantRole(staffId, role, null)
      for (const role of revoked) await this.#staff.revokeRole(staffId, role, null)
      if (granted.length) changes.granted = granted
      if (revoked.length) changes.revoked = revoked
    }
    if (Object.keys(changes).length) {
      await this.#audit.record({
        ...who,
        action: created ? 'staff.provisioned' : 'staff.updated-by-hr',
        forceId,
        recordType: 'staff',
        recordId: staffId,
        detail: { employeeId, ...changes },
      })
    }
    return { employeeId, staffId, forceId, email, displayName, roles: [...roles].sort(), created }
  }

  /** Leaver: disables the account and ends every session it has at once. */
  async disableStaff(forceId: string, employeeId: string, who: AuditActor): Promise<void> {
    const staffId = await this.#repo.staffIdForEmployee(forceId, employeeId)
    if (!staffId) throw new NotFoundError('Employee')
    const user = await this.#staff.repository.findById(staffId)
    await this.#sessions.endAllFor('staff', staffId)
    if (user?.disabledAt) return
    await this.#staff.repository.update(staffId, { disabledAt: this.#clock.now(), disabledBy: null })
    await this.#audit.record({
      ...who,
      action: 'staff.disabled-by-hr',
      forceId,
      recordType: 'staff',
      recordId: staffId,
      detail: { employeeId },
    })
  }

  listJobRoles(forceId: string): Promise<HrJobRoles[]> {
    return this.#repo.listJobRoles(forceId)
  }

  async saveJobRoles(
    forceId: string,
    jobCode: string,
    roles: string[],
    who: AuditActor,
  ): Promise<HrJobRoles> {
    const valid = this.#checkRoles(roles, 'roles')
    const saved = await this.#repo.saveJobRoles({
      forceId,
      jobCode,
      roles: valid,
      updatedBy: who.actor.id ?? null,
      updatedAt: this.#clock.now(),
    })
    await this.#audit.record({
      ...who,
      action: 'hr-job-roles.saved',
      forceId,
      recordType: 'hr-job-roles',
      recordId: jobCode,
      detail: { roles: valid },
    })
    return saved
  }

  async #rolesFor(forceId: string, record: StaffRecordFromHr): Promise<StaffRole[]> {
    const errors: FieldError[] = []
    if (!record.email.includes('@')) errors.push({ field: 'email', message: 'Enter an email address' })
    if (!record.displayName.trim()) errors.push({ field: 'displayName', message: 'Enter the person’s name' })
    if (errors.length) throw new ValidationError(errors)
    if (record.roles) return this.#checkRoles(record.roles, 'roles')
    if (!record.jobCode) {
      throw new ValidationError([{ field: 'jobCode', message: 'Give a job code or the roles to grant' }])
    }
    const mapped = await this.#repo.jobRoles(forceId, record.jobCode)
    if (!mapped) {
      throw new ValidationError([
        { field: 'jobCode', message: `Job code ${record.jobCode} has no roles mapped for this force` },
      ])
    }
    return this.#checkRoles(mapped.roles, 'jobCode')
  }

  #checkRoles(roles: string[], field: string): StaffRole[] {
    const unique = [...new Set(roles)]
    const bad = unique.filter((r) => !isStaffRole(r) || !rolesHrMayGrant(r))
    if (bad.length) throw new ValidationError([{ field, message: `HR cannot grant: ${bad.join(', ')}` }])
    return unique as StaffRole[]
  }
}
