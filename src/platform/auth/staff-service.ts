// Staff accounts and role grants: who may do what, who granted it and when (CP-152, CRM-25).
import type { Clock } from '../clock.ts'
import { DomainError, NotFoundError } from '../errors.ts'
import type { Session } from '../http/session-service.ts'
import { isStaffRole, type StaffPrincipal, type StaffRole } from './roles.ts'
import type { StaffRepository, StaffUser } from './staff-repository.ts'

export interface NewStaffInput {
  forceId: string | null
  email: string
  displayName: string
  roles: StaffRole[]
  passwordHash?: string
  /** Defaults to 'local' for an account created with a password, otherwise 'sso'. */
  signInMethod?: 'sso' | 'local'
  oidcIssuer?: string
  oidcSubject?: string
}

export class StaffService {
  readonly #repo: StaffRepository
  readonly #clock: Clock

  constructor(repo: StaffRepository, clock: Clock) {
    this.#repo = repo
    this.#clock = clock
  }

  get repository(): StaffRepository {
    return this.#repo
  }

  async create(input: NewStaffInput, createdBy: string | null): Promise<StaffUser> {
    if (await this.#repo.findByEmail(input.email)) {
      throw new DomainError('email-taken', 'A user with that email address already exists', {
        status: 409,
        fieldErrors: [{ field: 'email', message: 'A user with that email address already exists' }],
      })
    }
    const user = await this.#repo.insert({
      forceId: input.forceId,
      email: input.email.trim(),
      displayName: input.displayName.trim(),
      passwordHash: input.passwordHash ?? null,
      signInMethod: input.signInMethod ?? (input.passwordHash ? 'local' : 'sso'),
      oidcIssuer: input.oidcIssuer ?? null,
      oidcSubject: input.oidcSubject ?? null,
      createdBy,
    })
    for (const role of input.roles) await this.grantRole(user.id, role, createdBy)
    return user
  }

  /**
   * Grants a role; `detail` says how ('sso' when the identity provider's groups granted it).
   * Returns false when the user already held the role.
   */
  async grantRole(userId: string, role: string, grantedBy: string | null, detail?: string): Promise<boolean> {
    if (!isStaffRole(role)) throw new DomainError('unknown-role', `There is no role called ${role}`)
    const user = await this.#repo.findById(userId)
    if (!user) throw new NotFoundError('User')
    const active = await this.#repo.activeGrants(userId)
    if (active.some((g) => g.role === role)) return false
    const grant = await this.#repo.insertGrant({
      userId,
      role,
      forceId: user.forceId,
      grantedBy,
      grantedAt: this.#clock.now(),
    })
    if (detail) await this.#repo.setGrantDetail(grant.id, detail)
    return true
  }

  async revokeRole(userId: string, role: string, revokedBy: string | null, detail?: string): Promise<void> {
    if (!(await this.#repo.revokeGrant(userId, role, revokedBy, this.#clock.now(), detail ?? null)))
      throw new NotFoundError('Role grant')
  }

  /** Blocks an account (CP-46); the caller ends its sessions. */
  async disable(userId: string, disabledBy: string | null): Promise<void> {
    await this.#repo.update(userId, { disabledAt: this.#clock.now(), disabledBy })
  }

  async enable(userId: string): Promise<void> {
    await this.#repo.update(userId, {
      disabledAt: null,
      disabledBy: null,
      failedAttempts: 0,
      lockedUntil: null,
    })
  }

  /** The signed-in member of staff behind a session, or undefined if disabled or mid-MFA. */
  /** A member of staff who may act now (not disabled), with their current roles; undefined otherwise. */
  async member(
    id: string,
  ): Promise<
    { id: string; forceId: string | null; displayName: string; roles: ReadonlySet<string> } | undefined
  > {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined
    const user = await this.#repo.findById(id)
    if (!user || user.disabledAt) return undefined
    const grants = await this.#repo.activeGrants(user.id)
    return {
      id: user.id,
      forceId: user.forceId,
      displayName: user.displayName,
      roles: new Set(grants.map((g) => g.role).filter(isStaffRole)),
    }
  }

  async loadPrincipal(session: Session): Promise<StaffPrincipal | undefined> {
    if (!session.subjectId || session.data.mfaPending) return undefined
    const user = await this.#repo.findById(session.subjectId)
    if (!user || user.disabledAt) return undefined
    const grants = await this.#repo.activeGrants(user.id)
    return {
      id: user.id,
      forceId: user.forceId,
      displayName: user.displayName,
      email: user.email,
      roles: new Set(grants.map((g) => g.role).filter(isStaffRole)),
      sessionId: session.id,
    }
  }
}
