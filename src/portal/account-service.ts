// Built-in accounts for forces not on GOV.UK One Login (CP-12, CP-13, CP-15..18): registering
// from an invitation (email verified by a code, a password hashed with argon2id, a second factor
// by text, email or authenticator app, the terms accepted) and signing in (password, then the
// second factor). One-time codes go through messaging's channels; each code expires, each step
// allows five wrong codes, and passwords lock the account after the staff sign-in's limit. A
// refusal never says whether an email address has an account (no enumeration).
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { and, eq, isNotNull, notLike } from 'drizzle-orm'
import type { SchedulingService } from '../messaging/scheduling-service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { hashPassword, verifyPassword } from '../platform/auth/passwords.ts'
import { acceptedTotpStep, newTotpSecret, totpUri } from '../platform/auth/totp.ts'
import { TotpSecretUnreadableError, type TotpSecretVault } from '../platform/auth/totp-secrets.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, type FieldError, ValidationError } from '../platform/errors.ts'
import type { PortalEventSink } from './api/webhook-service.ts'
import type { AccountRepository } from './account-repository.ts'
import type { PortalRepository } from './repository.ts'
import type { OneLoginIdentity } from './one-login-service.ts'
import { portalAccounts } from './schema.ts'
import type { SessionRow } from '../platform/http/session-repository.ts'
import type {
  AccountRow,
  ChallengeRow,
  InvitationRow,
  LinkRow,
  NotifyChannel,
  SecondFactor,
} from './schema.ts'

/** The provider names citizen sessions carry (decision 0023). */
export const BUILT_IN_PROVIDER = 'waypoint'
export const ONE_LOGIN_PROVIDER = 'one-login'

/** One changed detail of an account, with the words the person and the force read. */
export interface DetailChange {
  field: string
  label: string
  /** The new value; empty when it was removed. */
  value: string
  /** For the email address: the one it replaced, which hears of the change too. */
  previous?: string
}

/** Tells the person and each force with a live case of a change (CP-27, CP-30, CP-31). */
export type DetailsChanged = (
  tx: Tx,
  account: AccountRow,
  changes: DetailChange[],
  source: 'citizen' | 'one-login',
) => Promise<void>

const MINUTE = 60_000
/** Wrong codes allowed in one step before it must start again. */
export const CODE_ATTEMPTS = 5
const CODE_MINUTES = 10
const CHALLENGE_MINUTES = 30
/** NCSC: long passwords beat complex ones; the commonest long ones are refused. */
const MIN_PASSWORD = 12
const MAX_PASSWORD = 256
const commonPasswords = new Set([
  'password1234',
  'passwordpassword',
  '123456789012',
  'qwertyuiopas',
  'iloveyou1234',
  'letmein12345',
  'welcome12345',
])

export type RegisterStep =
  | 'email'
  | 'email-code'
  | 'password'
  | 'second-factor'
  | 'second-factor-code'
  | 'terms'
export type SignInStep = 'code'

export interface StepResult {
  step: string
  /** For an authenticator app being set up: the secret and its otpauth URI. */
  appSecret?: { secret: string; uri: string }
  /** Where a code was sent, in words ("your mobile ending 789"). */
  sentTo?: string
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex')
const codeHash = (challengeId: string, code: string) => sha256(`${challengeId}:${code}`)
const emailKeyOf = (email: string) => email.trim().toLowerCase()
const validEmail = (email: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) && email.length <= 254
const ukMobile = (value: string) => {
  const digits = value.replace(/[\s()-]/g, '')
  if (/^07\d{9}$/.test(digits)) return `+44${digits.slice(1)}`
  if (/^\+447\d{9}$/.test(digits)) return digits
  return undefined
}

/** An argon2id hash of a random value, so an unknown email costs the same work as a known one. */
let dummyHash: Promise<string> | undefined

export class AccountService {
  readonly #db: Database
  readonly #accounts: AccountRepository
  readonly #portal: PortalRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #scheduling: SchedulingService
  readonly #vault: TotpSecretVault
  readonly #login: { maxFailedAttempts: number; lockoutMinutes: number }
  readonly #detailsChanged: DetailsChanged
  readonly #events: PortalEventSink | undefined
  readonly #passwordChanged: (tx: Tx, account: AccountRow) => Promise<void>
  /** The account and links read with each citizen session this process resolved, by session row. */
  readonly #signedIn = new WeakMap<object, { account: AccountRow | undefined; links: LinkRow[] }>()

  constructor(deps: {
    db: Database
    accounts: AccountRepository
    portal: PortalRepository
    clock: Clock
    audit: AuditService
    scheduling: SchedulingService
    vault: TotpSecretVault
    login: { maxFailedAttempts: number; lockoutMinutes: number }
    /** A change to an account's details from any source reaches the person and the forces (CP-30). */
    detailsChanged: DetailsChanged
    /** Registrations are told to the force's webhooks (CP-163). */
    events?: PortalEventSink
    /** A new password: the person is told, and every session of the account ends (CP-24, CP-27). */
    passwordChanged: (tx: Tx, account: AccountRow) => Promise<void>
  }) {
    this.#db = deps.db
    this.#accounts = deps.accounts
    this.#portal = deps.portal
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#scheduling = deps.scheduling
    this.#vault = deps.vault
    this.#login = deps.login
    this.#detailsChanged = deps.detailsChanged
    this.#events = deps.events
    this.#passwordChanged = deps.passwordChanged
  }

  /** Starts registering from an open invitation; returns the browser's challenge token. */
  async startRegistration(invitation: InvitationRow): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    const now = this.#clock.now()
    await this.#db.asSystem((tx) =>
      this.#accounts.addChallenge(tx, {
        tokenHash: sha256(token),
        purpose: 'register',
        step: 'email',
        forceId: invitation.forceId,
        invitationId: invitation.id,
        createdAt: now,
        expiresAt: new Date(now.getTime() + CHALLENGE_MINUTES * MINUTE),
      }),
    )
    return token
  }

  /** Keeps a One Login sign-in's state and nonce until the person returns; answers the browser's token. */
  async startOneLogin(
    pending: { state: string; nonce: string; vtr: string; returnTo: string },
    forceId: string,
    invitationId: string | null,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url')
    const now = this.#clock.now()
    await this.#db.asSystem((tx) =>
      this.#accounts.addChallenge(tx, {
        tokenHash: sha256(token),
        purpose: 'one-login',
        step: 'authorize',
        forceId,
        invitationId,
        pending,
        createdAt: now,
        expiresAt: new Date(now.getTime() + CHALLENGE_MINUTES * MINUTE),
      }),
    )
    return token
  }

  /** A challenge is used once: a One Login answer cannot be replayed. */
  endChallenge(challenge: ChallengeRow): Promise<void> {
    return this.#db.asSystem((tx) => this.#accounts.endChallenge(tx, challenge.id))
  }

  /** The challenge a browser's token names, while it lasts. */
  async challenge(
    token: string | undefined,
    purpose: 'register' | 'sign-in' | 'one-login' | 'reset' | 'change',
  ): Promise<ChallengeRow | undefined> {
    if (!token) return undefined
    const found = await this.#db.asSystem((tx) => this.#accounts.challengeByToken(tx, sha256(token)))
    if (!found || found.purpose !== purpose || found.expiresAt <= this.#clock.now()) return undefined
    return found
  }

  /** Registration step 1: the email address, to which a code is sent (CP-15). */
  async registerEmail(challenge: ChallengeRow, email: string): Promise<StepResult> {
    const trimmed = email.trim()
    if (!validEmail(trimmed))
      throw new ValidationError([
        { field: 'email', message: 'Enter an email address in the correct format, like name@example.com' },
      ])
    return this.#db.asSystem(async (tx) => {
      await this.#accounts.updateChallenge(tx, challenge.id, { email: trimmed })
      await this.#sendCode(tx, challenge, 'email', trimmed, 'email-code')
      return { step: 'email-code', sentTo: trimmed }
    })
  }

  /**
   * Registration step 2: the code sent to the email. When the address already has an account,
   * the invitation's case is added to it and the person is asked to sign in (CP-50a): only once
   * they have shown they hold the address, so nobody learns of an account by trying addresses.
   */
  async registerEmailCode(
    challenge: ChallengeRow,
    code: string,
  ): Promise<StepResult & { existingAccount?: boolean }> {
    await this.#checkCode(challenge, code, 'email-code')
    return this.#db.asSystem(async (tx) => {
      const existing = await this.#accounts.accountByEmail(tx, emailKeyOf(challenge.email ?? ''))
      if (existing) {
        await this.#acceptInvitation(tx, challenge.invitationId!, existing)
        await this.#accounts.endChallenge(tx, challenge.id)
        return { step: 'done', existingAccount: true }
      }
      await this.#accounts.updateChallenge(tx, challenge.id, {
        step: 'password',
        codeHash: null,
        attempts: 0,
      })
      return { step: 'password' }
    })
  }

  /** Registration step 3: the password, kept hashed until the account is made. */
  async registerPassword(challenge: ChallengeRow, password: string, confirm: string): Promise<StepResult> {
    this.#expectStep(challenge, 'password')
    const errors = passwordErrors(password, confirm, challenge.email ?? '')
    if (errors.length) throw new ValidationError(errors)
    const hashed = await hashPassword(password)
    await this.#db.asSystem((tx) =>
      this.#accounts.updateChallenge(tx, challenge.id, {
        step: 'second-factor',
        pending: { ...challenge.pending, passwordHash: hashed },
      }),
    )
    return { step: 'second-factor' }
  }

  /** Registration step 4: how the second factor reaches them (CP-12, CP-17). */
  async registerSecondFactor(challenge: ChallengeRow, method: string, mobile: string): Promise<StepResult> {
    this.#expectStep(challenge, 'second-factor', 'second-factor-code')
    if (method !== 'sms' && method !== 'email' && method !== 'app')
      throw new ValidationError([{ field: 'method', message: 'Select how you want to get security codes' }])
    const number = method === 'sms' ? ukMobile(mobile) : undefined
    if (method === 'sms' && !number)
      throw new ValidationError([
        { field: 'mobile', message: 'Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982' },
      ])
    return this.#db.asSystem(async (tx) => {
      const pending = { ...challenge.pending, secondFactor: method, ...(number ? { mobile: number } : {}) }
      if (method === 'app') {
        const secret = newTotpSecret()
        await this.#accounts.updateChallenge(tx, challenge.id, {
          step: 'second-factor-code',
          attempts: 0,
          pending: { ...pending, totpSecret: this.#vault.seal(challenge.id, secret) },
        })
        return {
          step: 'second-factor-code',
          appSecret: { secret, uri: totpUri(secret, challenge.email ?? '') },
        }
      }
      await this.#accounts.updateChallenge(tx, challenge.id, { pending })
      const to = method === 'sms' ? number! : challenge.email!
      await this.#sendCode(tx, { ...challenge, pending }, method, to, 'second-factor-code')
      return { step: 'second-factor-code', sentTo: describeAddress(method, to) }
    })
  }

  /** Registration step 5: the code proving the second factor works. */
  async registerSecondFactorCode(challenge: ChallengeRow, code: string): Promise<StepResult> {
    await this.#checkCode(challenge, code, 'second-factor-code')
    await this.#db.asSystem((tx) =>
      this.#accounts.updateChallenge(tx, challenge.id, { step: 'terms', codeHash: null, attempts: 0 }),
    )
    return { step: 'terms' }
  }

  /**
   * Registration step 6: terms of use, privacy notice and cookies accepted (CP-13); the account
   * is made, the invitation taken up and the case linked, in one transaction.
   */
  async registerTerms(
    challenge: ChallengeRow,
    accepted: { terms: boolean; privacy: boolean; cookies: boolean },
    preferences: { channel?: string; quietFrom?: string; quietTo?: string } = {},
  ): Promise<{ account: AccountRow; forceId: string }> {
    this.#expectStep(challenge, 'terms')
    const errors = termsErrors(accepted)
    const chosen = readPreferences(preferences, !!challenge.pending.mobile)
    errors.push(...chosen.errors)
    if (errors.length) throw new ValidationError(errors)
    const now = this.#clock.now()
    const p = challenge.pending
    return this.#db.asSystem(async (tx) => {
      // Someone registered this address since step 2: the same answer as at step 2.
      const existing = await this.#accounts.accountByEmail(tx, emailKeyOf(challenge.email ?? ''))
      const account =
        existing ??
        (await this.#accounts.addAccount(tx, {
          email: challenge.email!,
          emailKey: emailKeyOf(challenge.email!),
          mobile: p.mobile ?? null,
          passwordHash: p.passwordHash!,
          secondFactor: p.secondFactor as SecondFactor,
          termsAcceptedAt: now,
          ...policyVersions,
          ...chosen.values,
          homeForceId: challenge.forceId!,
          createdAt: now,
          // Registering signs them in.
          lastSignedInAt: now,
        }))
      if (!existing && p.totpSecret) {
        const secret = this.#vault.open(challenge.id, p.totpSecret).secret
        await this.#accounts.updateAccount(tx, account.id, {
          totpSecret: this.#vault.seal(account.id, secret),
          totpLastStep: p.totpStep ? Number(p.totpStep) : null,
        })
      }
      await this.#acceptInvitation(tx, challenge.invitationId!, account)
      await this.#accounts.endChallenge(tx, challenge.id)
      return { account, forceId: challenge.forceId! }
    })
  }

  /**
   * Sign-in step 1: email and password. Answers the challenge token for step 2 and where the
   * code went, or the one refusal for an unknown address, a wrong password and a locked account.
   */
  async signIn(email: string, password: string): Promise<{ token: string; result: StepResult } | undefined> {
    const now = this.#clock.now()
    const account = validEmail(email.trim())
      ? await this.#db.asSystem((tx) => this.#accounts.accountByEmail(tx, emailKeyOf(email)))
      : undefined
    if (!account?.passwordHash) {
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
      await verifyPassword(await dummyHash, password)
      return undefined
    }
    const locked = !!account.lockedUntil && account.lockedUntil > now
    const matches = await verifyPassword(account.passwordHash, password)
    if (locked) return undefined
    if (!matches) {
      await this.#failed(account, 'wrong-password')
      return undefined
    }
    const token = randomBytes(32).toString('base64url')
    const result = await this.#db.asSystem(async (tx) => {
      const challenge = await this.#accounts.addChallenge(tx, {
        tokenHash: sha256(token),
        purpose: 'sign-in',
        step: 'code',
        forceId: account.homeForceId,
        accountId: account.id,
        email: account.email,
        createdAt: now,
        expiresAt: new Date(now.getTime() + CHALLENGE_MINUTES * MINUTE),
      })
      if (account.secondFactor === 'app') return { step: 'code' }
      const method = account.secondFactor === 'sms' && account.mobile ? 'sms' : 'email'
      const to = method === 'sms' ? account.mobile! : account.email
      await this.#sendCode(tx, challenge, method, to, 'code')
      return { step: 'code', sentTo: describeAddress(method, to) }
    })
    return { token, result }
  }

  /**
   * Seals under TOTP_ENCRYPTION_KEY every account's authenticator secret still sealed under
   * TOTP_ENCRYPTION_KEY_PREVIOUS (or in the older `v1:` form), so the previous key can be removed
   * without locking anyone out (decision 0049). Run at start-up; answers how many it sealed.
   * Values that open under neither key are left as they are.
   */
  async sealTotpSecretsUnderCurrentKey(): Promise<number> {
    return this.#db.asSystem(async (tx) => {
      const stale = await tx
        .select({ id: portalAccounts.id, totpSecret: portalAccounts.totpSecret })
        .from(portalAccounts)
        .where(
          and(
            isNotNull(portalAccounts.totpSecret),
            notLike(portalAccounts.totpSecret, `v2:${this.#vault.keyId}:%`),
          ),
        )
      let sealed = 0
      for (const { id, totpSecret } of stale) {
        if (!totpSecret) continue
        let opened: ReturnType<TotpSecretVault['open']>
        try {
          opened = this.#vault.open(id, totpSecret)
        } catch (error) {
          if (error instanceof TotpSecretUnreadableError) continue
          throw error
        }
        if (opened.sealed) continue
        await tx
          .update(portalAccounts)
          .set({ totpSecret: this.#vault.seal(id, opened.secret) })
          .where(and(eq(portalAccounts.id, id), eq(portalAccounts.totpSecret, totpSecret)))
        sealed += 1
      }
      return sealed
    })
  }

  /** Sign-in step 2: the second factor's code (CP-17, CP-18). Answers the account once it holds. */
  async signInCode(challenge: ChallengeRow, code: string): Promise<AccountRow> {
    const account = await this.#db.asSystem((tx) => this.#accounts.account(tx, challenge.accountId!))
    if (!account || (account.lockedUntil && account.lockedUntil > this.#clock.now()))
      throw codeRefused('Your account is locked for a while. Try again later.')
    if (account.secondFactor === 'app') {
      const secret = this.#vault.open(account.id, account.totpSecret ?? '').secret
      const step = await acceptedTotpStep(secret, code, this.#clock.now(), account.totpLastStep)
      if (step === undefined) {
        await this.#wrongCode(challenge, account)
        throw codeRefused('Enter the code shown in your authenticator app')
      }
      await this.#db.asSystem((tx) => this.#accounts.updateAccount(tx, account.id, { totpLastStep: step }))
    } else await this.#checkCode(challenge, code, 'code', account)
    const now = this.#clock.now()
    await this.#db.asSystem(async (tx) => {
      await this.#accounts.updateAccount(tx, account.id, {
        failedAttempts: 0,
        lockedUntil: null,
        previousSignedInAt: account.lastSignedInAt,
        lastSignedInAt: now,
      })
      await this.#accounts.endChallenge(tx, challenge.id)
    })
    return account
  }

  /**
   * CP-24, resetting a forgotten password, step 1: the email address. A code goes to it when a
   * built-in account uses it; either way the answer and the next page are the same, so nobody
   * learns whether an address has an account.
   */
  async startReset(email: string): Promise<{ token: string; sentTo: string }> {
    const trimmed = email.trim()
    if (!validEmail(trimmed))
      throw new ValidationError([
        { field: 'email', message: 'Enter an email address in the correct format, like name@example.com' },
      ])
    const token = randomBytes(32).toString('base64url')
    const now = this.#clock.now()
    await this.#db.asSystem(async (tx) => {
      const account = await this.#accounts.accountByEmail(tx, emailKeyOf(trimmed))
      const builtIn = account?.passwordHash ? account : undefined
      const challenge = await this.#accounts.addChallenge(tx, {
        tokenHash: sha256(token),
        purpose: 'reset',
        step: 'code',
        forceId: builtIn?.homeForceId ?? null,
        accountId: builtIn?.id ?? null,
        email: trimmed,
        createdAt: now,
        expiresAt: new Date(now.getTime() + CHALLENGE_MINUTES * MINUTE),
      })
      if (builtIn) await this.#sendCode(tx, challenge, 'email', builtIn.email, 'code')
    })
    return { token, sentTo: trimmed }
  }

  /** CP-24, step 2: the code sent to the address (five wrong codes end the reset). */
  async resetCode(challenge: ChallengeRow, code: string): Promise<void> {
    await this.#checkCode(challenge, code, 'code')
    await this.#db.asSystem((tx) =>
      this.#accounts.updateChallenge(tx, challenge.id, { step: 'password', codeHash: null, attempts: 0 }),
    )
  }

  /**
   * CP-24, step 3: the new password. Every session of the account ends, a lock from wrong
   * passwords is lifted (they proved they hold the address), and they are told of the change.
   */
  async resetPassword(challenge: ChallengeRow, password: string, confirm: string): Promise<AccountRow> {
    this.#expectStep(challenge, 'password')
    const errors = passwordErrors(password, confirm, challenge.email ?? '')
    if (errors.length) throw new ValidationError(errors)
    const hashed = await hashPassword(password)
    const account = await this.#db.asSystem(async (tx) => {
      const found = await this.#accounts.account(tx, challenge.accountId!)
      if (!found) throw new DomainError('wrong-step', 'Start again.', { status: 409 })
      await this.#accounts.updateAccount(tx, found.id, {
        passwordHash: hashed,
        failedAttempts: 0,
        lockedUntil: null,
      })
      await this.#accounts.endChallenge(tx, challenge.id)
      await this.#audit.record(
        {
          action: 'portal.password-reset',
          forceId: found.homeForceId,
          actor: { kind: 'citizen', id: found.id },
          recordType: 'portal-account',
          recordId: found.id,
        },
        tx,
      )
      await this.#passwordChanged(tx, found)
      return found
    })
    return account
  }

  /**
   * CP-29: a signed-in person with a built-in account asks to sign in with another email address
   * or mobile number. Their password is asked for again (a session left open on a shared computer
   * is not enough), and a code goes to the new address or number, which is changed only when the
   * code comes back. Answers the browser's challenge token and where the code went.
   */
  async startSignInChange(
    account: AccountRow,
    field: 'email' | 'mobile',
    input: { value?: string; password?: string },
  ): Promise<{ token: string; sentTo: string }> {
    if (!account.passwordHash)
      throw new DomainError('one-login', 'Change your sign-in details in your GOV.UK One Login.', {
        status: 409,
      })
    const errors: FieldError[] = []
    const raw = (input.value ?? '').trim()
    let value: string | undefined
    if (field === 'email') {
      if (!raw) errors.push({ field: 'value', message: 'Enter your new email address' })
      else if (!validEmail(raw))
        errors.push({
          field: 'value',
          message: 'Enter an email address in the correct format, like name@example.com',
        })
      else if (emailKeyOf(raw) === account.emailKey)
        errors.push({ field: 'value', message: 'Enter an email address that is not the one you use now' })
      else value = raw
    } else {
      value = raw ? ukMobile(raw) : undefined
      if (!raw) errors.push({ field: 'value', message: 'Enter your new mobile number' })
      else if (!value)
        errors.push({
          field: 'value',
          message: 'Enter a UK mobile number, like 07700 900 982 or +44 7700 900 982',
        })
      else if (value === account.mobile) {
        errors.push({ field: 'value', message: 'Enter a mobile number that is not the one you use now' })
        value = undefined
      }
    }
    if (!input.password) errors.push({ field: 'password', message: 'Enter your password' })
    else if (!(await verifyPassword(account.passwordHash, input.password))) {
      await this.#failed(account, 'wrong-password-on-change')
      errors.push({ field: 'password', message: 'The password is not right' })
    }
    if (errors.length || !value) throw new ValidationError(errors)
    const token = randomBytes(32).toString('base64url')
    const now = this.#clock.now()
    const sentTo = await this.#db.asSystem(async (tx) => {
      const challenge = await this.#accounts.addChallenge(tx, {
        tokenHash: sha256(token),
        purpose: 'change',
        step: 'change-code',
        forceId: account.homeForceId,
        accountId: account.id,
        email: account.email,
        pending: { field, value },
        createdAt: now,
        expiresAt: new Date(now.getTime() + CHALLENGE_MINUTES * MINUTE),
      })
      const channel = field === 'email' ? 'email' : 'sms'
      await this.#sendCode(tx, challenge, channel, value!, 'change-code')
      return describeAddress(channel, value!)
    })
    return { token, sentTo }
  }

  /**
   * CP-29, CP-27, CP-30: the code sent to the new address or number. The account signs in with it
   * from now on; the person hears of it (at the old email address too), and every force with a
   * live case is told through the write-back (profile's detailsChanged). The challenge must be the
   * signed-in account's own.
   */
  async confirmSignInChange(
    account: AccountRow,
    challenge: ChallengeRow,
    code: string,
  ): Promise<'email' | 'mobile'> {
    if (challenge.accountId !== account.id)
      throw new DomainError('wrong-step', 'That step is not the next one. Continue from where you were.', {
        status: 409,
      })
    // Five wrong codes end the change only: the account stays open (the person is signed in).
    await this.#checkCode(challenge, code, 'change-code')
    const field = challenge.pending.field as 'email' | 'mobile'
    const value = challenge.pending.value!
    await this.#db.asSystem(async (tx) => {
      if (field === 'email') {
        const taken = await this.#accounts.accountByEmail(tx, emailKeyOf(value))
        if (taken && taken.id !== account.id)
          throw new ValidationError([
            { field: 'code', message: 'Another account uses that email address. Use a different one.' },
          ])
        await this.#accounts.updateAccount(tx, account.id, { email: value, emailKey: emailKeyOf(value) })
      } else await this.#accounts.updateAccount(tx, account.id, { mobile: value, phoneVerified: true })
      await this.#accounts.endChallenge(tx, challenge.id)
      const updated = (await this.#accounts.account(tx, account.id))!
      await this.#audit.record(
        {
          action: 'portal.sign-in-details-changed',
          forceId: account.homeForceId,
          actor: { kind: 'citizen', id: account.id },
          recordType: 'portal-account',
          recordId: account.id,
          // Which detail, never its value.
          detail: { field },
        },
        tx,
      )
      await this.#detailsChanged(
        tx,
        updated,
        field === 'email'
          ? [{ field: 'email', label: 'Email address', value, previous: account.email }]
          : [{ field: 'mobile', label: 'Mobile number', value }],
        'citizen',
      )
    })
    return field
  }

  /**
   * CP-29, CP-27: a signed-in person with a built-in account sets a new password, giving the
   * current one. Every session of the account ends (this one too) and the person is told.
   */
  async changePassword(
    account: AccountRow,
    input: { current?: string; password?: string; confirm?: string },
  ): Promise<void> {
    if (!account.passwordHash)
      throw new DomainError('one-login', 'Change your password in your GOV.UK One Login.', { status: 409 })
    const errors: FieldError[] = []
    if (!input.current) errors.push({ field: 'current', message: 'Enter your current password' })
    else if (!(await verifyPassword(account.passwordHash, input.current))) {
      await this.#failed(account, 'wrong-password-on-change')
      errors.push({ field: 'current', message: 'The current password is not right' })
    }
    errors.push(...passwordErrors(input.password ?? '', input.confirm ?? '', account.email))
    if (errors.length) throw new ValidationError(errors)
    const hashed = await hashPassword(input.password!)
    await this.#db.asSystem(async (tx) => {
      await this.#accounts.updateAccount(tx, account.id, { passwordHash: hashed })
      await this.#audit.record(
        {
          action: 'portal.password-changed',
          forceId: account.homeForceId,
          actor: { kind: 'citizen', id: account.id },
          recordType: 'portal-account',
          recordId: account.id,
        },
        tx,
      )
      await this.#passwordChanged(tx, account)
    })
  }

  /** The authenticator app's secret while it is being set up, to show as text and a link. */
  appSetupOf(challenge: ChallengeRow): { secret: string; uri: string } | undefined {
    if (challenge.step !== 'second-factor-code' || !challenge.pending.totpSecret) return undefined
    const secret = this.#vault.open(challenge.id, challenge.pending.totpSecret).secret
    return { secret, uri: totpUri(secret, challenge.email ?? '') }
  }

  /** Where the step's code was sent, in words, if one was sent. */
  codeSentTo(challenge: ChallengeRow): string | undefined {
    return challenge.codeHash ? challenge.pending.sentTo : undefined
  }

  /** The account a signed-in citizen's session names (built-in sign-in), if it still exists. */
  account(id: string): Promise<AccountRow | undefined> {
    return this.#db.asSystem((tx) => this.#accounts.account(tx, id))
  }

  /**
   * A citizen session by its id, read with the account it names and that account's case links in
   * one query (the HTTP shell resolves every citizen request's session through this), so a page
   * asks the database once for who is signed in and which cases they reach.
   */
  async findCitizenSession(sessionId: string): Promise<SessionRow | undefined> {
    const found = await this.#db.asSystem((tx) =>
      this.#accounts.sessionWithAccount(tx, sessionId, {
        builtIn: BUILT_IN_PROVIDER,
        oneLogin: ONE_LOGIN_PROVIDER,
      }),
    )
    if (!found) return undefined
    this.#signedIn.set(found.session, { account: found.account, links: found.links })
    return found.session
  }

  /**
   * The account of a request's citizen session with its case links: as read with the session
   * (`findCitizenSession`), or else read now.
   */
  async signedIn(
    session: SessionRow | undefined,
  ): Promise<{ account: AccountRow; links: readonly LinkRow[] } | undefined> {
    if (!session) return undefined
    const held = this.#signedIn.get(session)
    if (held) return held.account ? { account: held.account, links: held.links } : undefined
    const account = await this.accountOfSession(session.data as { provider?: string; subject?: string })
    if (!account) return undefined
    const links = await this.#db.asSystem((tx) => this.#portal.linksOfAccount(tx, account.id))
    return { account, links }
  }

  /**
   * The account a citizen session names: by account id for the built-in sign-in, by `sub` for
   * One Login (decision 0023). Undefined once the account is gone.
   */
  accountOfSession(
    data: { provider?: string; subject?: string } | undefined,
  ): Promise<AccountRow | undefined> {
    if (!data?.subject) return Promise.resolve(undefined)
    if (data.provider === BUILT_IN_PROVIDER) return this.account(data.subject)
    if (data.provider === ONE_LOGIN_PROVIDER)
      return this.#db.asSystem((tx) => this.#accounts.accountBySub(tx, data.subject!))
    return Promise.resolve(undefined)
  }

  /**
   * Signing in with GOV.UK One Login (decision 0027). The account is the one keyed by `sub`; the
   * email address and phone number One Login reports are kept, and a change to them reaches the
   * person and the forces like any other (CP-30). A person arriving from an invitation who has no
   * account yet gets one keyed by `sub` (or, when One Login verified an address a built-in account
   * already has, that account, now keyed by `sub` too), and the invitation is taken up there; the
   * terms are then asked for before anything else. Without an invitation and without an account,
   * there is nothing to sign in to (CP-21): undefined.
   */
  async signInWithOneLogin(
    identity: OneLoginIdentity,
    invitationId: string | null,
    forceId: string,
  ): Promise<AccountRow | undefined> {
    const now = this.#clock.now()
    return this.#db.asSystem(async (tx) => {
      let account = await this.#accounts.accountBySub(tx, identity.sub)
      if (!account && invitationId) {
        const sameEmail = identity.emailVerified
          ? await this.#accounts.accountByEmail(tx, emailKeyOf(identity.email))
          : undefined
        if (sameEmail?.oneLoginSub)
          throw new DomainError(
            'email-in-use',
            'Another GOV.UK One Login uses this email address with this service. Sign in with that one.',
            { status: 409 },
          )
        if (sameEmail) {
          await this.#accounts.updateAccount(tx, sameEmail.id, { oneLoginSub: identity.sub })
          account = { ...sameEmail, oneLoginSub: identity.sub }
        } else
          account = await this.#accounts.addAccount(tx, {
            email: identity.email,
            emailKey: emailKeyOf(identity.email),
            mobile: identity.phone ?? null,
            phoneVerified: identity.phoneVerified,
            oneLoginSub: identity.sub,
            homeForceId: forceId,
            createdAt: now,
          })
      }
      if (!account) return undefined
      const changes: DetailChange[] = []
      if (account.oneLoginSub === identity.sub && account.email !== identity.email && identity.emailVerified)
        changes.push({
          field: 'email',
          label: 'Email address',
          value: identity.email,
          previous: account.email,
        })
      if (account.oneLoginSub === identity.sub && identity.phone && account.mobile !== identity.phone)
        changes.push({ field: 'mobile', label: 'Phone number', value: identity.phone })
      await this.#accounts.updateAccount(tx, account.id, {
        ...(changes.some((c) => c.field === 'email')
          ? { email: identity.email, emailKey: emailKeyOf(identity.email) }
          : {}),
        ...(changes.some((c) => c.field === 'mobile')
          ? { mobile: identity.phone, phoneVerified: identity.phoneVerified }
          : {}),
        previousSignedInAt: account.lastSignedInAt,
        lastSignedInAt: now,
      })
      const updated = (await this.#accounts.account(tx, account.id))!
      if (invitationId) {
        const [invitation] = await this.#portal.invitationsById(tx, [invitationId])
        if (invitation && !invitation.acceptedAt) await this.#acceptInvitation(tx, invitationId, updated)
      }
      if (changes.length && account.termsAcceptedAt)
        await this.#detailsChanged(tx, updated, changes, 'one-login')
      return updated
    })
  }

  /**
   * The terms, privacy notice and cookies policy accepted, and notification preferences chosen,
   * by someone whose account was made at their first One Login sign-in (CP-11, CP-13).
   */
  async acceptTerms(
    account: AccountRow,
    accepted: { terms: boolean; privacy: boolean; cookies: boolean },
    preferences: { channel?: string; quietFrom?: string; quietTo?: string },
  ): Promise<void> {
    const errors = termsErrors(accepted)
    const chosen = readPreferences(preferences, !!account.mobile)
    errors.push(...chosen.errors)
    if (errors.length) throw new ValidationError(errors)
    await this.#db.asSystem(async (tx) => {
      await this.#accounts.updateAccount(tx, account.id, {
        termsAcceptedAt: this.#clock.now(),
        ...policyVersions,
        ...chosen.values,
      })
      await this.#audit.record(
        {
          action: 'portal.terms-accepted',
          forceId: account.homeForceId,
          actor: { kind: 'citizen', id: account.id },
          recordType: 'portal-account',
          recordId: account.id,
          detail: { ...policyVersions },
        },
        tx,
      )
    })
  }

  /**
   * An account with an authenticator app, made without the registration pages and taking up an
   * invitation: for the demo and, later, a sandbox force's generated test data. Answers the
   * account the address already has, if any.
   */
  async ensureAccount(input: {
    email: string
    password: string
    totpSecret: string
    invitationId: string
    forceId: string
  }): Promise<AccountRow> {
    const passwordHash = await hashPassword(input.password)
    const now = this.#clock.now()
    return this.#db.asSystem(async (tx) => {
      const existing = await this.#accounts.accountByEmail(tx, emailKeyOf(input.email))
      if (existing) return existing
      const account = await this.#accounts.addAccount(tx, {
        email: input.email,
        emailKey: emailKeyOf(input.email),
        passwordHash,
        secondFactor: 'app',
        termsAcceptedAt: now,
        homeForceId: input.forceId,
        createdAt: now,
      })
      await this.#accounts.updateAccount(tx, account.id, {
        totpSecret: this.#vault.seal(account.id, input.totpSecret),
      })
      await this.#acceptInvitation(tx, input.invitationId, account)
      return account
    })
  }

  async #acceptInvitation(tx: Tx, invitationId: string, account: AccountRow): Promise<void> {
    const now = this.#clock.now()
    const [invitation] = await this.#portal.invitationsById(tx, [invitationId])
    if (!invitation || invitation.acceptedAt)
      throw new DomainError('invitation-used', 'This invitation has already been used. Sign in instead.', {
        status: 409,
      })
    await this.#portal.updateInvitation(tx, invitationId, { acceptedAt: now, accountId: account.id })
    await this.#portal.addLink(tx, {
      forceId: invitation.forceId,
      accountId: account.id,
      personId: invitation.personId,
      caseKind: invitation.caseKind,
      caseId: invitation.caseId,
      role: invitation.role,
      actsForPersonId: invitation.actsForPersonId,
      invitationId,
      linkedAt: now,
    })
    // CP-8: the force hears of the registration in its own trail, beside the person.
    await this.#audit.record(
      {
        action: 'portal.registered',
        forceId: invitation.forceId,
        actor: { kind: 'citizen', id: account.id },
        recordType: 'person',
        recordId: invitation.personId,
        detail: {
          invitationId,
          caseId: invitation.caseId,
          accountId: account.id,
          role: invitation.role,
          actsForPersonId: invitation.actsForPersonId,
        },
      },
      tx,
    )
    await this.#events?.(tx, {
      type: 'account.registered',
      forceId: invitation.forceId,
      data: { accountId: account.id, invitationId, caseId: invitation.caseId },
    })
  }

  async #sendCode(
    tx: Tx,
    challenge: ChallengeRow,
    channel: 'sms' | 'email',
    to: string,
    step: string,
  ): Promise<void> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    const now = this.#clock.now()
    const message = await this.#scheduling.schedule(tx, {
      forceId: challenge.forceId!,
      channel,
      to,
      templateKey: 'portal-code',
      personalisation: { code, force_name: await this.#forceName(tx, challenge.forceId!) },
      dueAt: now,
      // A code asked for now is wanted now, at any hour.
      urgent: true,
      // Only the person may read it: hidden from staff, the write-back and the stored message.
      credentials: { code: 'code' },
    })
    if (message.status === 'suppressed')
      throw new ValidationError([
        {
          field: channel === 'sms' ? 'mobile' : 'email',
          message: `We could not send a code to that ${channel === 'sms' ? 'number' : 'address'}. Try another.`,
        },
      ])
    await this.#accounts.updateChallenge(tx, challenge.id, {
      step,
      pending: { ...challenge.pending, sentTo: describeAddress(channel, to) },
      codeHash: codeHash(challenge.id, code),
      codeChannel: channel,
      codeExpiresAt: new Date(now.getTime() + CODE_MINUTES * MINUTE),
      attempts: 0,
    })
  }

  async #forceName(tx: Tx, forceId: string): Promise<string> {
    return (await this.#portal.forceName(tx, forceId)) ?? forceId
  }

  async #checkCode(challenge: ChallengeRow, code: string, step: string, account?: AccountRow): Promise<void> {
    this.#expectStep(challenge, step)
    if (step === 'second-factor-code' && challenge.pending.totpSecret) {
      const secret = this.#vault.open(challenge.id, challenge.pending.totpSecret).secret
      const accepted = await acceptedTotpStep(secret, code, this.#clock.now(), null)
      if (accepted !== undefined) {
        await this.#db.asSystem((tx) =>
          this.#accounts.updateChallenge(tx, challenge.id, {
            pending: { ...challenge.pending, totpStep: String(accepted) },
          }),
        )
        return
      }
      await this.#wrongCode(challenge, account)
      throw codeRefused('Enter the code shown in your authenticator app')
    }
    const typed = code.replace(/\s+/g, '')
    const expected = challenge.codeHash ?? ''
    const ok =
      /^\d{6}$/.test(typed) &&
      !!challenge.codeExpiresAt &&
      challenge.codeExpiresAt > this.#clock.now() &&
      expected.length === 64 &&
      timingSafeEqual(Buffer.from(codeHash(challenge.id, typed)), Buffer.from(expected))
    if (ok) return
    await this.#wrongCode(challenge, account)
    throw codeRefused(
      challenge.codeExpiresAt && challenge.codeExpiresAt <= this.#clock.now()
        ? 'The code has expired. Ask for a new one.'
        : 'Enter the 6-digit code we sent you',
    )
  }

  /** Counts a wrong code; the fifth ends the challenge and, when signing in, locks the account. */
  async #wrongCode(challenge: ChallengeRow, account?: AccountRow): Promise<void> {
    const attempts = await this.#db.asSystem((tx) => this.#accounts.countWrongCode(tx, challenge.id))
    if (attempts < CODE_ATTEMPTS) return
    await this.#db.asSystem((tx) => this.#accounts.endChallenge(tx, challenge.id))
    if (account) await this.#failed(account, 'too-many-codes', true)
    throw new DomainError(
      'too-many-codes',
      'You entered a wrong code too many times. For your security, start again later.',
      { status: 429 },
    )
  }

  async #failed(account: AccountRow, reason: string, lockNow = false): Promise<void> {
    const now = this.#clock.now()
    await this.#db.asSystem(async (tx) => {
      const failures = await this.#accounts.countFailure(tx, account.id)
      const lock = lockNow || failures >= this.#login.maxFailedAttempts
      if (lock)
        await this.#accounts.updateAccount(tx, account.id, {
          lockedUntil: new Date(now.getTime() + this.#login.lockoutMinutes * MINUTE),
          failedAttempts: 0,
        })
      await this.#audit.record(
        {
          action: lock ? 'portal.account-locked' : 'portal.sign-in-refused',
          forceId: account.homeForceId,
          actor: { kind: 'citizen', id: account.id },
          recordType: 'portal-account',
          recordId: account.id,
          detail: { reason },
        },
        tx,
      )
    })
  }

  #expectStep(challenge: ChallengeRow, ...steps: string[]): void {
    if (!steps.includes(challenge.step))
      throw new DomainError('wrong-step', 'That step is not the next one. Continue from where you were.', {
        status: 409,
      })
  }
}

/** The versions of the policies a person accepts now (CP-13); a new version is asked for again. */
export const policyVersions = {
  termsVersion: '2026-12',
  privacyVersion: '2026-12',
  cookiesVersion: '2026-12',
}

function termsErrors(accepted: { terms: boolean; privacy: boolean; cookies: boolean }): FieldError[] {
  const errors: FieldError[] = []
  if (!accepted.terms)
    errors.push({ field: 'terms', message: 'Accept the terms of use to create your account' })
  if (!accepted.privacy)
    errors.push({ field: 'privacy', message: 'Confirm you have read the privacy notice' })
  if (!accepted.cookies)
    errors.push({ field: 'cookies', message: 'Confirm you have read the cookies policy' })
  return errors
}

/** Notification preferences as a form gives them (CP-11, CP-25): a channel and optional quiet hours. */
export function readPreferences(
  input: { channel?: string; quietFrom?: string; quietTo?: string },
  hasMobile: boolean,
): {
  values: { notifyChannel: NotifyChannel; quietFrom: number | null; quietTo: number | null }
  errors: FieldError[]
} {
  const errors: FieldError[] = []
  const channel = (input.channel || 'email') as NotifyChannel
  if (!['email', 'sms', 'both'].includes(channel))
    errors.push({ field: 'channel', message: 'Select how you want us to tell you about your case' })
  else if (channel !== 'email' && !hasMobile)
    errors.push({ field: 'channel', message: 'Add a mobile number to get text messages, or choose email' })
  const hour = (value: string | undefined, field: string) => {
    if (value === undefined || value === '') return null
    const n = Number(value)
    if (!/^\d{1,2}$/.test(value) || n > 23) {
      errors.push({ field, message: 'Choose an hour from the list' })
      return null
    }
    return n
  }
  const quietFrom = hour(input.quietFrom, 'quietFrom')
  const quietTo = hour(input.quietTo, 'quietTo')
  if ((quietFrom === null) !== (quietTo === null) && !errors.length)
    errors.push({
      field: quietFrom === null ? 'quietFrom' : 'quietTo',
      message: 'Choose both when quiet hours start and when they end, or neither',
    })
  else if (quietFrom !== null && quietFrom === quietTo)
    errors.push({
      field: 'quietTo',
      message: 'Quiet hours must end at a different hour from when they start',
    })
  return { values: { notifyChannel: channel, quietFrom, quietTo }, errors }
}

function codeRefused(message: string): ValidationError {
  return new ValidationError([{ field: 'code', message }])
}

function describeAddress(channel: 'sms' | 'email', to: string): string {
  return channel === 'sms' ? `your mobile number ending ${to.slice(-3)}` : to
}

/** The password rules (CP-12): length, not the email address, not a common password. */
export function passwordErrors(password: string, confirm: string, email: string): FieldError[] {
  if (password.length < MIN_PASSWORD)
    return [{ field: 'password', message: `Enter a password of at least ${MIN_PASSWORD} characters` }]
  if (password.length > MAX_PASSWORD)
    return [{ field: 'password', message: `Enter a password of ${MAX_PASSWORD} characters or fewer` }]
  if (commonPasswords.has(password.toLowerCase()) || password.toLowerCase() === email.trim().toLowerCase())
    return [{ field: 'password', message: 'Choose a password that is harder to guess' }]
  if (password !== confirm) return [{ field: 'confirm', message: 'The passwords do not match' }]
  return []
}
