// Local (break-glass) staff sign-in: argon2id password, then TOTP (ARCHITECTURE.md security
// baseline; ASVS L3 for authentication). Failed attempts — password or code — count towards a
// lockout; every refusal looks the same, and unknown accounts cost the same argon2 work as known
// ones, so the form does not reveal which email addresses have accounts.
import { randomBytes } from 'node:crypto'
import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import { hashPassword, verifyPassword } from './passwords.ts'
import type { StaffRepository, StaffUser } from './staff-repository.ts'
import { acceptedTotpStep, newTotpSecret, totpUri } from './totp.ts'

const PENDING_MINUTES = 10

export type PasswordCheck =
  | { ok: true; user: StaffUser; needsEnrolment: boolean }
  | {
      ok: false
      user: StaffUser | undefined
      reason: 'unknown-account' | 'wrong-password' | 'locked' | 'disabled'
    }

export type CodeCheck =
  | { ok: true; user: StaffUser }
  | { ok: false; user: StaffUser | undefined; locked: boolean }

export interface Enrolment {
  secret: string
  uri: string
}

export class StaffSignInService {
  readonly #repo: StaffRepository
  readonly #clock: Clock
  readonly #login: Config['login']
  #dummyHash: Promise<string> | undefined

  constructor(repo: StaffRepository, clock: Clock, login: Config['login']) {
    this.#repo = repo
    this.#clock = clock
    this.#login = login
  }

  now(): Date {
    return this.#clock.now()
  }

  /** A half-finished sign-in (password done, code not yet; or away at the identity provider) lasts 10 minutes. */
  isPendingFresh(startedAt: string): boolean {
    const started = new Date(startedAt).getTime()
    const age = this.#clock.now().getTime() - started
    return Number.isFinite(started) && age >= 0 && age <= PENDING_MINUTES * 60_000
  }

  async checkPassword(email: string, password: string): Promise<PasswordCheck> {
    const user = email ? await this.#repo.findByEmail(email.trim()) : undefined
    if (!user?.passwordHash || user.disabledAt || this.#isLocked(user)) {
      // Same argon2 work as a real check, so timing does not reveal the account's state.
      await verifyPassword(await this.#dummy(), password)
      const reason = !user?.passwordHash ? 'unknown-account' : user.disabledAt ? 'disabled' : 'locked'
      return { ok: false, user, reason }
    }
    if (!(await verifyPassword(user.passwordHash, password))) {
      await this.#recordFailure(user)
      return { ok: false, user, reason: 'wrong-password' }
    }
    return { ok: true, user, needsEnrolment: !user.totpConfirmedAt || !user.totpSecret }
  }

  /** The secret to add to an authenticator; created on first use and kept until confirmed. */
  async enrolment(userId: string): Promise<Enrolment | undefined> {
    const user = await this.#repo.findById(userId)
    if (!user || user.totpConfirmedAt) return undefined
    let secret = user.totpSecret
    if (!secret) {
      secret = newTotpSecret()
      await this.#repo.update(user.id, { totpSecret: secret })
    }
    return { secret, uri: totpUri(secret, user.email) }
  }

  /** Checks the second factor; a first good code also confirms an enrolment. */
  async checkCode(userId: string, code: string): Promise<CodeCheck> {
    const user = await this.#repo.findById(userId)
    if (!user?.totpSecret || user.disabledAt || this.#isLocked(user)) {
      return { ok: false, user, locked: true }
    }
    const now = this.#clock.now()
    const step = await acceptedTotpStep(user.totpSecret, code, now, await this.#repo.totpLastStep(user.id))
    if (step === undefined || !(await this.#repo.claimTotpStep(user.id, step))) {
      const locked = await this.#recordFailure(user)
      return { ok: false, user, locked }
    }
    await this.#repo.update(user.id, {
      failedAttempts: 0,
      lockedUntil: null,
      lastSignInAt: now,
      ...(user.totpConfirmedAt ? {} : { totpConfirmedAt: now }),
    })
    return { ok: true, user }
  }

  #isLocked(user: StaffUser): boolean {
    return !!user.lockedUntil && user.lockedUntil > this.#clock.now()
  }

  /** Counts a failure; true when it locked the account. */
  #recordFailure(user: StaffUser): Promise<boolean> {
    const lockUntil = new Date(this.#clock.now().getTime() + this.#login.lockoutMinutes * 60_000)
    return this.#repo.recordFailedAttempt(user.id, this.#login.maxFailedAttempts, lockUntil)
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
    return this.#dummyHash
  }
}
