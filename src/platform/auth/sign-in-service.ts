// Local (break-glass) staff sign-in: argon2id password, then TOTP (ARCHITECTURE.md security
// baseline; ASVS L3 for authentication). Failed attempts — password or code — count towards a
// lockout; every refusal looks the same, and unknown accounts cost the same argon2 work as known
// ones, so the form does not reveal which email addresses have accounts. Authenticator secrets
// are stored sealed (totp-secrets.ts, decision 0009).
import { randomBytes } from 'node:crypto'
import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { hashPassword, verifyPassword } from './passwords.ts'
import type { StaffRepository, StaffUser } from './staff-repository.ts'
import { encodeQr, QrCodeTooLongError, qrSvg } from './qr-code.ts'
import { acceptedTotpStep, newTotpSecret, totpUri } from './totp.ts'
import { type OpenedTotpSecret, TotpSecretUnreadableError, type TotpSecretVault } from './totp-secrets.ts'

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
  | { ok: false; user: StaffUser | undefined; locked: boolean; unavailable?: true }

export interface Enrolment {
  secret: string
  uri: string
  /** The link as a QR code (inline SVG) for the app to scan; absent when too long for one. */
  qrCode?: string
}

export class StaffSignInService {
  readonly #repo: StaffRepository
  readonly #clock: Clock
  readonly #login: Config['login']
  readonly #secrets: TotpSecretVault
  readonly #log: Logger
  #dummyHash: Promise<string> | undefined

  constructor(
    repo: StaffRepository,
    clock: Clock,
    login: Config['login'],
    deps: { secrets: TotpSecretVault; log: Logger },
  ) {
    this.#repo = repo
    this.#clock = clock
    this.#login = login
    this.#secrets = deps.secrets
    this.#log = deps.log
  }

  /**
   * Seals every authenticator secret not yet sealed under the current key — stored in clear
   * (written before secrets were encrypted), in the `v1:` form, or under
   * TOTP_ENCRYPTION_KEY_PREVIOUS — so break-glass accounts that rarely sign in do not keep one.
   * Run at start-up. Values that open under neither key are left as they are.
   */
  async sealClearSecrets(): Promise<number> {
    let sealed = 0
    const unreadable: string[] = []
    for (const { id, totpSecret } of await this.#repo.totpSecretsNotSealedUnder(this.#secrets.keyId)) {
      let opened: OpenedTotpSecret
      try {
        opened = this.#secrets.open(id, totpSecret)
      } catch (error) {
        if (!(error instanceof TotpSecretUnreadableError)) throw error
        unreadable.push(id)
        continue
      }
      if (opened.sealed) continue
      if (await this.#repo.replaceTotpSecret(id, totpSecret, this.#secrets.seal(id, opened.secret)))
        sealed += 1
    }
    if (sealed > 0) this.#log.info({ sealed }, 'sealed staff authenticator secrets under TOTP_ENCRYPTION_KEY')
    if (unreadable.length > 0)
      this.#log.warn(
        { userIds: unreadable },
        'staff authenticator secrets open under neither TOTP_ENCRYPTION_KEY nor TOTP_ENCRYPTION_KEY_PREVIOUS',
      )
    return sealed
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
    // An unconfirmed secret that no longer opens was never usable: a new one replaces it.
    let secret = user.totpSecret ? this.#open(user.id, user.totpSecret)?.secret : undefined
    if (!secret) {
      secret = newTotpSecret()
      await this.#repo.update(user.id, { totpSecret: this.#secrets.seal(user.id, secret) })
    }
    const uri = totpUri(secret, user.email)
    return { secret, uri, ...qrCodeOf(uri) }
  }

  /** Checks the second factor; a first good code also confirms an enrolment. */
  async checkCode(userId: string, code: string): Promise<CodeCheck> {
    const user = await this.#repo.findById(userId)
    if (!user?.totpSecret || user.disabledAt || this.#isLocked(user)) {
      return { ok: false, user, locked: true }
    }
    const opened = this.#open(user.id, user.totpSecret)
    // Not the person's fault, so not counted towards the lockout; the error is logged.
    if (!opened) return { ok: false, user, locked: false, unavailable: true }
    const now = this.#clock.now()
    const step = await acceptedTotpStep(opened.secret, code, now, await this.#repo.totpLastStep(user.id))
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
    if (!opened.sealed)
      await this.#repo.replaceTotpSecret(user.id, user.totpSecret, this.#secrets.seal(user.id, opened.secret))
    return { ok: true, user }
  }

  /** The stored secret opened, or undefined (logged) when it does not decrypt with the configured key. */
  #open(userId: string, stored: string): OpenedTotpSecret | undefined {
    try {
      return this.#secrets.open(userId, stored)
    } catch (error) {
      if (!(error instanceof TotpSecretUnreadableError)) throw error
      this.#log.error(
        { err: error, userId },
        'staff authenticator secret cannot be decrypted: is TOTP_ENCRYPTION_KEY the key it was sealed with?',
      )
      return undefined
    }
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

/** The setup link as a QR code, unless it is too long for one (an email address of 100 characters or more). */
function qrCodeOf(uri: string): { qrCode?: string } {
  try {
    return { qrCode: qrSvg(encodeQr(uri), 'QR code of the setup link for your authenticator app') }
  } catch (error) {
    if (error instanceof QrCodeTooLongError) return {}
    throw error
  }
}
