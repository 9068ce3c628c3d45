// Administering staff accounts from the console (CP-44, CP-45, CP-46, CP-152). A system
// administrator manages everyone; a force administrator manages only their own force's users,
// never grants system administration, and never changes their own access (separation of duties).
// Every change is audited.
import type { AuditEvent, AuditService } from '../audit/audit-service.ts'
import type { Clock } from '../clock.ts'
import { DomainError, type FieldError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts'
import type { SessionService } from '../http/session-service.ts'
import { isStaffRole, type StaffPrincipal, type StaffRole } from './roles.ts'
import type { LinkState, SetUpLinkService } from './set-up-link-service.ts'
import type { GrantHistoryRow, StaffUser } from './staff-repository.ts'
import type { StaffService } from './staff-service.ts'

/** Who acts, from where: `auditContext(request)` plus the signed-in principal. */
export interface AdminContext {
  staff: StaffPrincipal
  ip: string
  correlationId: string
}

export interface NewUserForm {
  displayName?: string
  email?: string
  forceId?: string
  /** 'sso' (the force's identity provider) or 'local' (a password and an authenticator app). */
  signInMethod?: string
  roles?: string | string[]
}

export interface UserDetail {
  user: StaffUser
  grants: GrantHistoryRow[]
  activeRoles: StaffRole[]
  locked: boolean
  /** A local user's newest set-up link and what became of it. */
  setUp?: { state: LinkState; createdAt: Date; expiresAt: Date; usedAt: Date | null }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export class StaffAdministration {
  readonly #staff: StaffService
  readonly #audit: AuditService
  readonly #sessions: SessionService
  readonly #forceExists: (forceId: string) => Promise<boolean>
  readonly #clock: Clock
  readonly #setUpLinks: SetUpLinkService

  constructor(deps: {
    staff: StaffService
    audit: AuditService
    sessions: SessionService
    forceExists: (forceId: string) => Promise<boolean>
    clock: Clock
    setUpLinks: SetUpLinkService
  }) {
    this.#setUpLinks = deps.setUpLinks
    this.#staff = deps.staff
    this.#audit = deps.audit
    this.#sessions = deps.sessions
    this.#forceExists = deps.forceExists
    this.#clock = deps.clock
  }

  /** Force administrators see their own force (row-level security); system administrators all, or one force. */
  async list(actor: StaffPrincipal, forceFilter?: string): Promise<StaffUser[]> {
    const repo = this.#staff.repository
    if (isSystemAdmin(actor)) {
      const all = await repo.listAll()
      return forceFilter ? all.filter((u) => u.forceId === forceFilter) : all
    }
    return actor.forceId ? repo.listForForce(actor.forceId) : []
  }

  /** One user with every grant, who made it and when (CP-152); recorded as a view of a person. */
  async detail(ctx: AdminContext, userId: string): Promise<UserDetail> {
    const user = await this.#manageable(ctx.staff, userId)
    const grants = await this.#staff.repository.grantHistory(user.id)
    await this.#record(ctx, user, 'staff.viewed')
    const latest = user.signInMethod === 'local' ? await this.#setUpLinks.latest(user.id) : undefined
    return {
      ...(latest
        ? {
            setUp: {
              state: latest.state,
              createdAt: latest.link.createdAt,
              expiresAt: latest.link.expiresAt,
              usedAt: latest.link.usedAt,
            },
          }
        : {}),
      user,
      grants,
      activeRoles: grants
        .filter((g) => !g.revokedAt)
        .map((g) => g.role)
        .filter(isStaffRole),
      locked: !!user.lockedUntil && user.lockedUntil > this.#clock.now(),
    }
  }

  /**
   * Adds a user. A local user is emailed a set-up link at once; `linkSent` is false when the email
   * could not be sent (the administrator sends a new link from the user's page).
   */
  async create(ctx: AdminContext, form: NewUserForm): Promise<{ user: StaffUser; linkSent?: boolean }> {
    const displayName = (form.displayName ?? '').trim()
    const email = (form.email ?? '').trim()
    const forceId = (form.forceId ?? '').trim() || null
    const roles = [form.roles ?? []].flat()
    const errors: FieldError[] = []
    if (!displayName) errors.push({ field: 'displayName', message: 'Enter the person’s full name' })
    if (!EMAIL.test(email))
      errors.push({
        field: 'email',
        message: 'Enter an email address in the correct format, like name@example.org',
      })
    if (forceId && !(await this.#forceExists(forceId)))
      errors.push({ field: 'forceId', message: 'Select a force' })
    if (!forceId && !isSystemAdmin(ctx.staff)) errors.push({ field: 'forceId', message: 'Select a force' })
    const signInMethod = form.signInMethod
    if (signInMethod !== 'sso' && signInMethod !== 'local')
      errors.push({ field: 'signInMethod', message: 'Select how the person will sign in' })
    if (roles.some((r) => !isStaffRole(r)))
      errors.push({ field: 'roles', message: 'Select roles from the list' })
    if (errors.length) throw new ValidationError(errors)
    this.#assertMayManageForce(ctx.staff, forceId)
    for (const role of roles) this.#assertMayGrant(ctx.staff, role as StaffRole)
    const user = await this.#staff.create(
      {
        forceId,
        email,
        displayName,
        roles: roles as StaffRole[],
        signInMethod: signInMethod as 'sso' | 'local',
      },
      ctx.staff.id,
    )
    await this.#record(ctx, user, 'staff.created', { roles, signInMethod })
    if (signInMethod === 'sso') return { user }
    return { user, linkSent: await this.#sendSetUpLink(ctx, user) }
  }

  /** Sends a local user who has not set up their account a new link; the old one stops working. */
  async reissueSetUpLink(ctx: AdminContext, userId: string): Promise<boolean> {
    const user = await this.#manageable(ctx.staff, userId)
    return this.#sendSetUpLink(ctx, user)
  }

  /**
   * A local user who has set up their account but lost their authenticator (or password) is sent
   * a fresh set-up link: their password and authenticator stop working at once and they are
   * signed out everywhere. Never one's own (separation of duties). False when the email could
   * not be sent: the reset stands, and their page offers to send a new link.
   */
  async resetSignIn(ctx: AdminContext, userId: string): Promise<boolean> {
    const user = await this.#manageable(ctx.staff, userId)
    if (user.id === ctx.staff.id) throw new ForbiddenError('You cannot reset your own sign-in')
    if (user.signInMethod !== 'local' || !user.passwordHash || user.disabledAt)
      throw new DomainError(
        'sign-in-reset-not-possible',
        user.signInMethod !== 'local'
          ? 'This person signs in with their force account: their identity provider resets it'
          : user.disabledAt
            ? 'Enable the account before resetting its sign-in'
            : 'This person has not set up their account yet: send them a new set-up link instead',
        { status: 409 },
      )
    const sent = await this.#sendSetUpLink(ctx, user, { reset: true })
    await this.#sessions.endAllFor('staff', user.id)
    return sent
  }

  async #sendSetUpLink(
    ctx: AdminContext,
    user: StaffUser,
    options: { reset?: boolean } = {},
  ): Promise<boolean> {
    try {
      await this.#setUpLinks.issue(user, { id: ctx.staff.id, name: ctx.staff.displayName }, ctx, options)
      return true
    } catch (error) {
      // Expected when the mail server refuses or is not configured: the account exists, and its
      // page offers to send the link again.
      if (error instanceof DomainError && error.code === 'staff-mail-unconfigured') return false
      if (error instanceof DomainError) throw error
      return false
    }
  }

  async grant(ctx: AdminContext, userId: string, role: string): Promise<void> {
    const user = await this.#manageable(ctx.staff, userId)
    if (!isStaffRole(role)) throw new ValidationError([{ field: 'role', message: 'Select a role' }])
    if (user.id === ctx.staff.id) throw new ForbiddenError('You cannot change your own roles')
    this.#assertMayGrant(ctx.staff, role)
    if (await this.#staff.grantRole(user.id, role, ctx.staff.id)) {
      await this.#record(ctx, user, 'role.granted', { role })
    }
  }

  async revoke(ctx: AdminContext, userId: string, role: string): Promise<void> {
    const user = await this.#manageable(ctx.staff, userId)
    if (!isStaffRole(role)) throw new ValidationError([{ field: 'role', message: 'Select a role' }])
    if (user.id === ctx.staff.id) throw new ForbiddenError('You cannot change your own roles')
    this.#assertMayGrant(ctx.staff, role)
    await this.#staff.revokeRole(user.id, role, ctx.staff.id)
    await this.#record(ctx, user, 'role.revoked', { role })
  }

  /** Blocks an account and ends all its sessions at once (CP-46). */
  async disable(ctx: AdminContext, userId: string): Promise<void> {
    const user = await this.#manageable(ctx.staff, userId)
    if (user.id === ctx.staff.id) throw new ForbiddenError('You cannot disable your own account')
    if (user.disabledAt) return
    await this.#staff.disable(user.id, ctx.staff.id)
    await this.#sessions.endAllFor('staff', user.id)
    await this.#record(ctx, user, 'staff.disabled')
  }

  async enable(ctx: AdminContext, userId: string): Promise<void> {
    const user = await this.#manageable(ctx.staff, userId)
    if (user.id === ctx.staff.id) throw new ForbiddenError('You cannot enable your own account')
    if (!user.disabledAt && !user.lockedUntil) return
    await this.#staff.enable(user.id)
    await this.#record(ctx, user, 'staff.enabled')
  }

  /** A user the actor may manage; another force's user reads as not found (no enumeration). */
  async #manageable(actor: StaffPrincipal, userId: string): Promise<StaffUser> {
    const user = /^[0-9a-f-]{36}$/i.test(userId) ? await this.#staff.repository.findById(userId) : undefined
    if (!user) throw new NotFoundError('User')
    if (!isSystemAdmin(actor) && (!actor.forceId || user.forceId !== actor.forceId))
      throw new NotFoundError('User')
    return user
  }

  #assertMayManageForce(actor: StaffPrincipal, forceId: string | null): void {
    if (isSystemAdmin(actor)) return
    if (!actor.forceId || forceId !== actor.forceId)
      throw new ForbiddenError('You can only manage users of your own force')
  }

  #assertMayGrant(actor: StaffPrincipal, role: StaffRole): void {
    if (role === 'system_admin' && !isSystemAdmin(actor))
      throw new ForbiddenError('Only a system administrator can grant or remove system administration')
  }

  #record(ctx: AdminContext, user: StaffUser, action: string, detail?: Record<string, unknown>) {
    const event: AuditEvent = {
      action,
      forceId: user.forceId,
      actor: { kind: 'staff', id: ctx.staff.id, name: ctx.staff.displayName },
      recordType: 'staff',
      recordId: user.id,
      ip: ctx.ip,
      correlationId: ctx.correlationId,
      ...(detail ? { detail } : {}),
    }
    return this.#audit.record(event)
  }
}

function isSystemAdmin(actor: StaffPrincipal): boolean {
  return actor.roles.has('system_admin')
}
