// A local user's set-up link (issue 13 §5): an administrator adds someone who will sign in with a
// Waypoint password and an authenticator app, and Waypoint emails them a link that expires
// (STAFF_SET_UP_LINK_HOURS, 72 by default) and works once. Only the token's SHA-256 is stored;
// sending a new link ends the old one. On the link's page the person chooses a password
// (passwords.ts rules, argon2id) and enrols their authenticator with a first code, and is then
// signed in. Every link issued, used or refused is audited.
import { createHash, randomBytes } from 'node:crypto'
import type { AuditService } from '../audit/audit-service.ts'
import type { Clock } from '../clock.ts'
import { DomainError, ValidationError } from '../errors.ts'
import { hashPassword, passwordProblems } from './passwords.ts'
import type { SetUpLink, SetUpLinkRepository } from './set-up-link-repository.ts'
import type { Enrolment, StaffSignInService } from './sign-in-service.ts'
import type { StaffMail } from './staff-mail.ts'
import type { StaffRepository, StaffUser } from './staff-repository.ts'

export interface AuditMeta {
  ip: string
  correlationId: string
}

export type LinkState = 'open' | 'used' | 'expired' | 'replaced'

/** An open link and whose it is. */
export interface OpenLink {
  link: SetUpLink
  user: StaffUser
  enrolment: Enrolment
}

export const setUpPath = '/sign-in/set-up'

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex')

export class SetUpLinkService {
  readonly #links: SetUpLinkRepository
  readonly #staff: StaffRepository
  readonly #signIn: StaffSignInService
  readonly #mail: StaffMail
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #hours: number
  readonly #publicUrl: string

  constructor(deps: {
    links: SetUpLinkRepository
    staff: StaffRepository
    signIn: StaffSignInService
    mail: StaffMail
    audit: AuditService
    clock: Clock
    hours: number
    publicUrl: string
  }) {
    this.#links = deps.links
    this.#staff = deps.staff
    this.#signIn = deps.signIn
    this.#mail = deps.mail
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#hours = deps.hours
    this.#publicUrl = deps.publicUrl
  }

  /**
   * Emails a new link to a local user not yet set up; any earlier link stops working. With
   * `reset`, to a local user who has set up (one who lost their authenticator app, say): their
   * password and authenticator stop working at once, audited before the email goes, and the link
   * sets up new ones.
   */
  async issue(
    user: StaffUser,
    actor: { id: string; name: string },
    meta: AuditMeta,
    options: { reset?: boolean } = {},
  ): Promise<{ expiresAt: Date }> {
    const reset = options.reset === true
    if (user.signInMethod !== 'local' || user.disabledAt || (reset ? !user.passwordHash : user.passwordHash))
      throw new DomainError(
        'set-up-not-needed',
        reset
          ? 'Only a local user who has set up their account can have their sign-in reset'
          : 'Only a local user who has not set up their account yet can be sent a set-up link',
        { status: 409 },
      )
    const token = randomBytes(32).toString('base64url')
    const now = this.#clock.now()
    const expiresAt = new Date(now.getTime() + this.#hours * 3_600_000)
    const link = await this.#links.replace({
      userId: user.id,
      forceId: user.forceId,
      tokenHash: hashOf(token),
      createdBy: actor.id,
      expiresAt,
      now,
      reset,
    })
    if (reset)
      await this.#record(
        'staff.sign-in-reset',
        user,
        { kind: 'staff', id: actor.id, name: actor.name },
        meta,
        {
          linkId: link.id,
        },
      )
    const url = new URL(setUpPath, this.#publicUrl)
    url.searchParams.set('token', token)
    await this.#mail.send({
      userId: user.id,
      to: user.email,
      subject: reset ? 'Set up your Waypoint sign-in again' : 'Set up your Waypoint account',
      body: [
        `Dear ${user.displayName},`,
        '',
        reset
          ? `${actor.name} has reset your Waypoint sign-in: your old password and authenticator app no longer work. Open this link to choose a new password and set up your authenticator app again:`
          : `${actor.name} has added you to Waypoint. Open this link to choose your password and set up your authenticator app:`,
        '',
        url.toString(),
        '',
        `The link works once and stops working at ${expiresAt.toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'long', timeStyle: 'short' })} (UK time).`,
        'If you were not expecting this email, you can ignore it.',
      ].join('\n'),
      link: url.toString(),
    })
    await this.#record(
      'staff.set-up-link-issued',
      user,
      { kind: 'staff', id: actor.id, name: actor.name },
      meta,
      {
        linkId: link.id,
        expiresAt: expiresAt.toISOString(),
      },
    )
    return { expiresAt }
  }

  /** The newest link of a user and what became of it, for their page. */
  async latest(userId: string): Promise<{ link: SetUpLink; state: LinkState } | undefined> {
    const link = await this.#links.latestFor(userId)
    return link ? { link, state: this.#state(link) } : undefined
  }

  /** The link behind a token if it still works (refusals are audited when the link exists). */
  async open(token: string, meta: AuditMeta): Promise<OpenLink | undefined> {
    const link = token.length <= 100 ? await this.#links.findByHash(hashOf(token)) : undefined
    if (!link) return undefined
    const user = await this.#staff.findById(link.userId)
    const state = this.#state(link)
    if (state !== 'open' || !user || user.disabledAt || user.passwordHash) {
      if (user)
        await this.#record('staff.set-up-link-refused', user, this.#actor(user), meta, {
          linkId: link.id,
          reason: user.disabledAt ? 'disabled' : state === 'open' ? 'already-set-up' : state,
        })
      return undefined
    }
    const enrolment = await this.#signIn.enrolment(user.id)
    if (!enrolment) return undefined
    return { link, user, enrolment }
  }

  /**
   * Sets the password and confirms the authenticator with its first code; the link is used only
   * when both are right. Throws ValidationError with the fields to correct.
   */
  async complete(
    open: OpenLink,
    form: { password: string; confirmPassword: string; code: string },
    meta: AuditMeta,
  ): Promise<StaffUser | undefined> {
    const { user, link } = open
    const errors = passwordProblems(form.password, form.confirmPassword, user.email)
    if (!form.code.trim())
      errors.push({ field: 'code', message: 'Enter the 6-digit code from your authenticator app' })
    if (errors.length) throw new ValidationError(errors)
    const check = await this.#signIn.checkCode(user.id, form.code)
    if (!check.ok)
      throw new ValidationError([
        {
          field: 'code',
          message:
            'The code is not correct or has already been used. Enter the 6-digit code your authenticator app shows now.',
        },
      ])
    const passwordHash = await hashPassword(form.password)
    if (!(await this.#links.useAndSetPassword(link.id, user.id, passwordHash, this.#clock.now())))
      return undefined
    await this.#record('staff.set-up-completed', user, this.#actor(user), meta, { linkId: link.id })
    return user
  }

  #state(link: SetUpLink): LinkState {
    if (link.usedAt) return 'used'
    if (link.revokedAt) return 'replaced'
    return link.expiresAt > this.#clock.now() ? 'open' : 'expired'
  }

  #actor(user: StaffUser) {
    return { kind: 'staff' as const, id: user.id, name: user.displayName }
  }

  #record(
    action: string,
    user: StaffUser,
    actor: { kind: 'staff'; id: string; name: string },
    meta: AuditMeta,
    detail: Record<string, unknown>,
  ) {
    return this.#audit.record({
      action,
      forceId: user.forceId,
      actor,
      recordType: 'staff',
      recordId: user.id,
      ip: meta.ip,
      correlationId: meta.correlationId,
      detail,
    })
  }
}
