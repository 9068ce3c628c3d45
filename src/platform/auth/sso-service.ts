// Staff single sign-on with the force's identity provider (CRM-29): OpenID Connect authorisation
// code flow with PKCE, state and nonce. The provider's groups decide force and roles (CP-47);
// a first sign-in creates the account (just in time) and each sign-in brings its roles up to
// date. The provider does the second factor, so SSO users have no Waypoint TOTP.
import * as oidc from 'openid-client'
import type { AuditService } from '../audit/audit-service.ts'
import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import { isStaffRole, type StaffRole } from './roles.ts'
import type { StaffRepository, StaffUser } from './staff-repository.ts'
import type { StaffService } from './staff-service.ts'

export interface GroupGrant {
  force: string | null
  roles: StaffRole[]
}

/** What the browser carries between leaving for the provider and coming back. */
export interface PendingSso {
  state: string
  nonce: string
  codeVerifier: string
  returnTo: string
}

export type SsoOutcome =
  | { kind: 'signed-in'; user: StaffUser; granted: StaffRole[]; revoked: string[] }
  | { kind: 'no-access'; reason: 'no-mapped-group' | 'conflicting-forces' | 'disabled' | 'email-in-use' }

export interface AuditMeta {
  ip: string
  correlationId: string
}

const SSO = 'sso'

/** Parses `OIDC_GROUP_ROLE_MAP`: `{"group": {"force": "kent" | null, "roles": ["force_admin"]}}`. */
export function parseGroupRoleMap(json: string | undefined): Map<string, GroupGrant> {
  const map = new Map<string, GroupGrant>()
  if (!json) return map
  const parsed = JSON.parse(json) as Record<string, { force?: string | null; roles?: unknown }>
  for (const [group, grant] of Object.entries(parsed)) {
    const roles = Array.isArray(grant.roles) ? grant.roles.map(String) : []
    const unknown = roles.filter((r) => !isStaffRole(r))
    if (unknown.length)
      throw new Error(`OIDC_GROUP_ROLE_MAP: unknown roles ${unknown.join(', ')} for ${group}`)
    map.set(group, { force: grant.force ?? null, roles: roles as StaffRole[] })
  }
  return map
}

export class StaffSsoService {
  readonly #config: Config['oidc']
  readonly #redirectUri: string
  readonly #allowHttp: boolean
  readonly #groups: Map<string, GroupGrant>
  readonly #staff: StaffService
  readonly #repo: StaffRepository
  readonly #audit: AuditService
  readonly #clock: Clock
  #discovered: Promise<oidc.Configuration> | undefined

  constructor(
    config: Config,
    deps: { staff: StaffService; repository: StaffRepository; audit: AuditService; clock: Clock },
  ) {
    this.#config = config.oidc
    this.#redirectUri = new URL('/sign-in/sso/callback', config.http.publicUrl).toString()
    this.#allowHttp = config.environment !== 'production'
    this.#groups = parseGroupRoleMap(config.oidc.groupRoleMap)
    this.#staff = deps.staff
    this.#repo = deps.repository
    this.#audit = deps.audit
    this.#clock = deps.clock
  }

  get enabled(): boolean {
    return !!(this.#config.issuer && this.#config.clientId)
  }

  async begin(returnTo: string): Promise<{ url: URL; pending: PendingSso }> {
    const configuration = await this.#configuration()
    const pending: PendingSso = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      returnTo,
    }
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.#redirectUri,
      scope: 'openid email profile groups',
      response_type: 'code',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    })
    return { url, pending }
  }

  /** Validates the provider's answer (state, nonce, PKCE, ID token) and maps groups to roles. */
  async complete(callbackUrl: URL, pending: PendingSso, meta: AuditMeta): Promise<SsoOutcome> {
    const configuration = await this.#configuration()
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      pkceCodeVerifier: pending.codeVerifier,
      idTokenExpected: true,
    })
    const claims = tokens.claims()!
    const issuer = configuration.serverMetadata().issuer
    const groups = Array.isArray(claims.groups) ? claims.groups.map(String) : []
    const mapped = groups.map((g) => this.#groups.get(g)).filter((g) => g !== undefined)
    if (mapped.length === 0) return { kind: 'no-access', reason: 'no-mapped-group' }
    const forces = new Set(mapped.map((g) => g.force))
    if (forces.size > 1) return { kind: 'no-access', reason: 'conflicting-forces' }
    const forceId = [...forces][0] ?? null
    const roles = [...new Set(mapped.flatMap((g) => g.roles))]

    const user = await this.#findOrCreate(issuer, claims, forceId, meta)
    if (!user) return { kind: 'no-access', reason: 'email-in-use' }
    if (user.disabledAt) return { kind: 'no-access', reason: 'disabled' }
    const { granted, revoked } = await this.#syncRoles(user, forceId, roles, meta)
    await this.#repo.update(user.id, { lastSignInAt: this.#clock.now() })
    return { kind: 'signed-in', user: { ...user, forceId }, granted, revoked }
  }

  async #findOrCreate(
    issuer: string,
    claims: oidc.IDToken,
    forceId: string | null,
    meta: AuditMeta,
  ): Promise<StaffUser | undefined> {
    const existing = await this.#repo.findByOidcSubject(issuer, claims.sub)
    if (existing) return existing
    const email = String(claims.email ?? `${claims.sub}@${new URL(issuer).hostname}`)
    const displayName = String(claims.name ?? email)
    const sameEmail = await this.#repo.findByEmail(email)
    if (sameEmail) {
      // An account an administrator made for SSO is linked on first sign-in; a local
      // (password) account is never taken over by an identity provider's email claim.
      if (sameEmail.passwordHash || sameEmail.oidcSubject || sameEmail.signInMethod === 'local')
        return undefined
      await this.#repo.update(sameEmail.id, { oidcIssuer: issuer, oidcSubject: claims.sub })
      return { ...sameEmail, oidcIssuer: issuer, oidcSubject: claims.sub }
    }
    const user = await this.#staff.create(
      { forceId, email, displayName, roles: [], oidcIssuer: issuer, oidcSubject: claims.sub },
      null,
    )
    await this.#audit.record({
      action: 'staff.created',
      forceId,
      actor: { kind: 'system', name: 'single sign-on' },
      recordType: 'staff',
      recordId: user.id,
      detail: { via: SSO },
      ...meta,
    })
    return user
  }

  /** Grants the groups' roles, and revokes roles SSO granted earlier that the groups no longer give. */
  async #syncRoles(user: StaffUser, forceId: string | null, roles: StaffRole[], meta: AuditMeta) {
    if (user.forceId !== forceId) {
      // Moved force: every role held for the old force goes.
      for (const grant of await this.#repo.activeGrants(user.id)) {
        await this.#revoke(user, grant.role, meta)
      }
      await this.#repo.update(user.id, { forceId })
    }
    const current = await this.#repo.activeSsoRoles(user.id)
    const revoked = current.filter((r) => !roles.includes(r as StaffRole))
    for (const role of revoked) await this.#revoke(user, role, meta)
    const granted: StaffRole[] = []
    for (const role of roles) {
      if (await this.#staff.grantRole(user.id, role, null, SSO)) {
        granted.push(role)
        await this.#audit.record({
          action: 'role.granted',
          forceId,
          actor: { kind: 'system', name: 'single sign-on' },
          recordType: 'staff',
          recordId: user.id,
          detail: { role, via: SSO },
          ...meta,
        })
      }
    }
    return { granted, revoked }
  }

  async #revoke(user: StaffUser, role: string, meta: AuditMeta): Promise<void> {
    await this.#staff.revokeRole(user.id, role, null, SSO)
    await this.#audit.record({
      action: 'role.revoked',
      forceId: user.forceId,
      actor: { kind: 'system', name: 'single sign-on' },
      recordType: 'staff',
      recordId: user.id,
      detail: { role, via: SSO },
      ...meta,
    })
  }

  #configuration(): Promise<oidc.Configuration> {
    if (!this.enabled) throw new Error('Single sign-on is not configured')
    this.#discovered ??= oidc
      .discovery(
        new URL(this.#config.issuer!),
        this.#config.clientId!,
        this.#config.clientSecret,
        undefined,
        this.#allowHttp && this.#config.issuer!.startsWith('http:')
          ? { execute: [oidc.allowInsecureRequests] }
          : undefined,
      )
      .catch((error: unknown) => {
        this.#discovered = undefined
        throw error
      })
    return this.#discovered
  }
}
