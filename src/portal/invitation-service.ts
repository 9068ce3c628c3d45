// Invitations to register for the portal (CP-6, CP-7, CP-9, CP-38, CP-50): who may be invited
// (the force's rules, explained like journey decisions), the invitation itself sent through
// messaging (its templates, quiet hours and opt-outs) with a single-use, expiring link whose token
// is stored hashed, reminders when it is not taken up, and what staff see on case and person pages.
import { createHash, randomBytes } from 'node:crypto'
import type { CaseEvent } from '../cases/events.ts'
import type { SchedulingService } from '../messaging/scheduling-service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, type FieldError, NotFoundError, ValidationError } from '../platform/errors.ts'
import type { CaseReader, CaseSnapshot, PersonSnapshot } from '../journeys/snapshot.ts'
import {
  decidePortalEligibility,
  defaultPortalEligibility,
  defaultPortalPeriods,
  roleWords,
} from './eligibility.ts'
import type { PortalEventSink } from './api/webhook-service.ts'
import type { CaseNotice } from './notification-service.ts'
import type { PortalRepository } from './repository.ts'
import {
  type CaseKind,
  type InvitationRow,
  type PortalEligibility,
  type PortalRole,
  portalRoles,
} from './schema.ts'

const DAY = 86_400_000

/** Tells the accounts linked to a case of updates (NotificationService.notify). */
export type CaseNotifier = (tx: Tx, notice: CaseNotice) => Promise<number>

export interface PortalSettings {
  eligibility: PortalEligibility
  linkValidDays: number
  remindAfterDays: number
  maxReminders: number
}

export interface InviteRequest {
  forceId: string
  personId: string
  caseKind: CaseKind
  caseId: string
  /** Who asked: a member of staff, or a journey step. */
  actor:
    | { kind: 'staff'; id: string; name: string }
    | { kind: 'journey'; enrolmentId: string }
    | { kind: 'system'; name: string }
  /** Set when this person is invited instead of the person they act for (CP-38). */
  insteadOf?: string
}

export type InviteOutcome =
  | { kind: 'invited'; invitation: InvitationRow; messageId: string; sendAfter: Date }
  | { kind: 'refused'; reason: string; messageId?: string }
  | { kind: 'linked'; accountId: string }

/** What staff see about a person's portal account (CP-50, CP-78). */
export interface PortalStanding {
  hasAccount: boolean
  linkedAt: Date | null
  /** The cases the account follows in this force, each in its role and for whom (CP-50). */
  links: { caseId: string; role: PortalRole; actsForPersonId: string | null }[]
  invitations: {
    id: string
    caseId: string
    channel: string
    sentAt: Date
    expiresAt: Date
    remindersSent: number
    status: 'registered' | 'waiting' | 'expired'
  }[]
  /** Whether a member of staff may invite them now, and why not. */
  eligibility?: { eligible: boolean; reasons: string[] }
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

export class InvitationService {
  readonly #db: Database
  readonly #repo: PortalRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #scheduling: SchedulingService
  readonly #loadCase: CaseReader['loadCase']
  readonly #publicUrl: string
  readonly #events: PortalEventSink | undefined
  readonly #notify: CaseNotifier | undefined

  constructor(deps: {
    db: Database
    repo: PortalRepository
    clock: Clock
    audit: AuditService
    scheduling: SchedulingService
    loadCase: CaseReader['loadCase']
    publicUrl: string
    /** Invitations sent are told to the force's webhooks (CP-163). */
    events?: PortalEventSink
    /** Tells a person with an account of a new case linked to it (CP-50c; the notifications). */
    notify?: CaseNotifier
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#scheduling = deps.scheduling
    this.#loadCase = deps.loadCase
    this.#publicUrl = deps.publicUrl
    this.#events = deps.events
    this.#notify = deps.notify
  }

  async settings(tx: Tx, forceId: string): Promise<PortalSettings> {
    const row = await this.#repo.settings(tx, forceId)
    return row
      ? {
          eligibility: row.eligibility,
          linkValidDays: row.linkValidDays,
          remindAfterDays: row.remindAfterDays,
          maxReminders: row.maxReminders,
        }
      : { eligibility: defaultPortalEligibility, ...defaultPortalPeriods }
  }

  settingsOf(forceId: string): Promise<PortalSettings> {
    return this.#db.withForce(forceId, (tx) => this.settings(tx, forceId))
  }

  /**
   * A force admin sets who may be invited and the force's periods (CP-7, CP-9): the roles, how
   * long a link works, when reminders go and how many. The conditions keep the force's own.
   */
  async saveSettings(
    forceId: string,
    form: { roles: string[]; linkValidDays: string; remindAfterDays: string; maxReminders: string },
    actor: { id: string; name: string },
  ): Promise<void> {
    const errors: FieldError[] = []
    const roles = form.roles.filter((r): r is PortalRole => portalRoles.includes(r as PortalRole))
    if (roles.length === 0 || roles.length !== form.roles.length)
      errors.push({ field: 'roles', message: 'Select at least one role to invite' })
    const whole = (field: string, value: string, min: number, max: number, words: string) => {
      const n = Number(value)
      if (!/^\d{1,3}$/.test(value.trim()) || n < min || n > max) {
        errors.push({ field, message: `Enter ${words} between ${min} and ${max}` })
        return min
      }
      return n
    }
    const linkValidDays = whole('linkValidDays', form.linkValidDays, 1, 90, 'a number of days')
    const remindAfterDays = whole('remindAfterDays', form.remindAfterDays, 1, 60, 'a number of days')
    const maxReminders = whole('maxReminders', form.maxReminders, 0, 5, 'a number of reminders')
    if (!errors.length && remindAfterDays >= linkValidDays && maxReminders > 0)
      errors.push({ field: 'remindAfterDays', message: 'Remind before the link expires' })
    if (errors.length) throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      const current = await this.settings(tx, forceId)
      const next = {
        eligibility: { ...current.eligibility, roles },
        linkValidDays,
        remindAfterDays,
        maxReminders,
      }
      await this.#repo.saveSettings(tx, {
        forceId,
        ...next,
        updatedAt: this.#clock.now(),
        updatedBy: actor.id,
      })
      await this.#audit.record(
        {
          action: 'portal.settings-changed',
          forceId,
          actor: { kind: 'staff', id: actor.id, name: actor.name },
          recordType: 'portal-settings',
          recordId: forceId,
          detail: { roles, linkValidDays, remindAfterDays, maxReminders },
        },
        tx,
      )
    })
  }

  /** A member of staff invites a person on a case (the "Invite to the portal" button). */
  async inviteByStaff(
    request: Omit<InviteRequest, 'actor'> & { actor: { id: string; name: string } },
  ): Promise<InviteOutcome> {
    return this.#db.withForce(request.forceId, (tx) =>
      this.invite(tx, { ...request, actor: { kind: 'staff', ...request.actor } }),
    )
  }

  /**
   * Invites a person in the caller's transaction (a journey's step, or a member of staff): links
   * the case instead when the person already has an account (CP-50a), refuses with the force's
   * reason when they are not eligible, and otherwise sends the invitation through messaging.
   */
  async invite(tx: Tx, request: InviteRequest): Promise<InviteOutcome> {
    const now = this.#clock.now()
    const snapshot = await this.#loadCase(tx, {
      forceId: request.forceId,
      ...(request.caseKind === 'crime' ? { crimeId: request.caseId } : { incidentId: request.caseId }),
    })
    if (!snapshot) throw new NotFoundError('The case')
    const person = snapshot.people.find((p) => p.id === request.personId)
    if (!person) throw new NotFoundError('The person on this case')
    const actor =
      request.actor.kind === 'staff'
        ? { kind: 'staff' as const, id: request.actor.id, name: request.actor.name }
        : request.actor.kind === 'journey'
          ? { kind: 'system' as const, id: null, name: `journey enrolment ${request.actor.enrolmentId}` }
          : { kind: 'system' as const, id: null, name: request.actor.name }

    const accountId = await this.#repo.accountOfPerson(tx, request.personId)
    if (accountId) {
      const alreadyLinked = (await this.#repo.linksOfCase(tx, request.caseId)).some(
        (l) => l.personId === person.id,
      )
      if (!alreadyLinked)
        await this.#linkAndNotify(
          tx,
          snapshot,
          person,
          { caseKind: request.caseKind, caseId: request.caseId },
          accountId,
        )
      return { kind: 'linked', accountId }
    }

    const settings = await this.settings(tx, request.forceId)
    const decision = decidePortalEligibility(settings.eligibility, snapshot, person, now)
    if (!decision.eligible) {
      const refused = `Not eligible: ${decision.reasons.join('; ')}`
      if (request.insteadOf) return { kind: 'refused', reason: refused }
      // CP-38: someone the force does not invite (a child victim) is represented by whoever the
      // source says acts for them on this case (their parent or guardian, or attorney), who is
      // invited instead under the force's rules for their own role.
      const proxies = snapshot.people.filter((p) => p.actsForPersonId === person.id && proxyRoles.has(p.role))
      const reasons = [refused]
      for (const proxy of proxies) {
        const outcome = await this.invite(tx, { ...request, personId: proxy.id, insteadOf: person.id })
        if (outcome.kind !== 'refused') return outcome
        reasons.push(`their ${roleWords(proxy.role)} was not invited instead: ${outcome.reason}`)
      }
      return { kind: 'refused', reason: reasons.join('; ') }
    }
    const waiting = (await this.#repo.invitationsOfPerson(tx, request.personId)).find(
      (i) => i.caseId === request.caseId && !i.acceptedAt && i.expiresAt > now,
    )
    if (waiting) return { kind: 'refused', reason: 'An invitation about this case is waiting to be taken up' }
    const contact = contactFor(person)
    if (!contact) return { kind: 'refused', reason: 'The person has no mobile number or email address' }

    const token = randomBytes(32).toString('base64url')
    const expiresAt = new Date(now.getTime() + settings.linkValidDays * DAY)
    const message = await this.#scheduling.schedule(tx, {
      forceId: request.forceId,
      personId: request.personId,
      caseId: request.caseId,
      channel: contact.channel,
      to: contact.address,
      templateKey: 'portal-invitation',
      language: person.language ?? 'en',
      personalisation: this.#personalisation(snapshot, token, expiresAt),
      // The link's token lets whoever holds it register as the person: only they may read it.
      credentials: { portal_link: 'link' },
      dueAt: now,
      actorId: request.actor.kind === 'staff' ? request.actor.id : null,
    })
    // Held back by messaging (opted out, no template, a failed address): the held-back message
    // shows in the outbox with its reason, and there is no invitation to take up.
    if (message.status === 'suppressed')
      return {
        kind: 'refused',
        reason: message.statusReason ?? 'The message was held back',
        messageId: message.id,
      }
    const invitation = await this.#repo.addInvitation(tx, {
      forceId: request.forceId,
      personId: request.personId,
      caseKind: request.caseKind,
      caseId: request.caseId,
      role: person.role as PortalRole,
      actsForPersonId: person.actsForPersonId ?? null,
      channel: contact.channel,
      address: contact.address,
      tokenHash: hashToken(token),
      reason: decision.reasons.join('; ').slice(0, 1000),
      createdBy: request.actor.kind === 'staff' ? request.actor.id : null,
      createdAt: now,
      expiresAt,
      lastSentAt: now,
      messageId: message.id,
    })
    await this.#audit.record(
      {
        action: 'portal.invited',
        forceId: request.forceId,
        actor,
        recordType: 'person',
        recordId: request.personId,
        detail: {
          invitationId: invitation.id,
          caseId: request.caseId,
          channel: contact.channel,
          role: invitation.role,
          actsForPersonId: invitation.actsForPersonId,
          ...(request.insteadOf ? { insteadOf: request.insteadOf } : {}),
        },
      },
      tx,
    )
    await this.#events?.(tx, {
      type: 'invitation.sent',
      forceId: request.forceId,
      data: { invitationId: invitation.id, personId: request.personId, caseId: request.caseId },
    })
    return { kind: 'invited', invitation, messageId: message.id, sendAfter: message.sendAfter }
  }

  /**
   * The case-event listener (CP-50a, CP-50b): a new incident or crime, or a person joining one,
   * whose person already has an account in this force is linked to that account, and the person
   * is sent a notification, not an invitation. Runs in the ingest transaction.
   */
  async onCaseEvents(tx: Tx, events: CaseEvent[]): Promise<void> {
    const wanted = new Set(['crime.recorded', 'incident.opened', 'case.party-added'])
    const seen = new Set<string>()
    for (const event of events) {
      if (event.type === 'case.party-changed') await this.#relationshipChanged(tx, event)
      if (!wanted.has(event.type)) continue
      const caseKind: CaseKind = event.crimeId ? 'crime' : 'incident'
      const caseId = event.crimeId ?? event.incidentId
      if (!caseId || seen.has(caseId)) continue
      seen.add(caseId)
      // Most forces' cases concern nobody with an account: one cheap read before reading the case.
      if (!(await this.#repo.hasLinks(tx))) return
      const snapshot = await this.#loadCase(tx, {
        forceId: event.forceId,
        ...(caseKind === 'crime' ? { crimeId: caseId } : { incidentId: caseId }),
      })
      if (!snapshot) continue
      const linked = new Set((await this.#repo.linksOfCase(tx, caseId)).map((l) => l.personId))
      for (const person of snapshot.people) {
        if (linked.has(person.id) || !portalRoles.includes(person.role as PortalRole)) continue
        const accountId = await this.#repo.accountOfPerson(tx, person.id)
        if (accountId) await this.#linkAndNotify(tx, snapshot, person, { caseKind, caseId }, accountId)
      }
    }
  }

  /**
   * A later source event named whom a parent or guardian, or attorney, on the case acts for
   * (decision 0046): their link and waiting invitation that named nobody now name that person,
   * audited. A link naming someone else is left as it is: decision 0037's check on each read
   * then refuses the case until the force invites them again.
   */
  async #relationshipChanged(tx: Tx, event: CaseEvent): Promise<void> {
    const caseId = event.crimeId ?? event.incidentId
    const role = event.changes.role?.to
    const actsForPersonId = event.changes.actsFor?.to
    if (!caseId || !event.personId || typeof role !== 'string' || typeof actsForPersonId !== 'string') return
    if (!proxyRoles.has(role)) return
    const changed = await this.#repo.nameWhomActedFor(tx, {
      personId: event.personId,
      caseId,
      role,
      actsForPersonId,
    })
    if (changed.links.length === 0 && changed.invitations.length === 0) return
    await this.#audit.record(
      {
        action: 'portal.acts-for-recorded',
        forceId: event.forceId,
        actor: { kind: 'system', name: 'portal' },
        recordType: 'person',
        recordId: event.personId,
        detail: { caseId, role, actsForPersonId, links: changed.links, invitations: changed.invitations },
      },
      tx,
    )
  }

  async #linkAndNotify(
    tx: Tx,
    snapshot: CaseSnapshot,
    person: PersonSnapshot,
    target: { caseKind: CaseKind; caseId: string },
    accountId: string,
  ): Promise<void> {
    const now = this.#clock.now()
    await this.#repo.addLink(tx, {
      forceId: snapshot.forceId,
      accountId,
      personId: person.id,
      caseKind: target.caseKind,
      caseId: target.caseId,
      role: person.role as PortalRole,
      actsForPersonId: person.actsForPersonId ?? null,
      linkedAt: now,
    })
    // CP-50c: told on the account's channel and outside its quiet hours, as the force chose.
    const told =
      (await this.#notify?.(tx, {
        forceId: snapshot.forceId,
        caseId: target.caseId,
        kinds: ['new-case'],
        personIds: [person.id],
      })) ?? 0
    await this.#audit.record(
      {
        action: 'portal.case-linked',
        forceId: snapshot.forceId,
        actor: { kind: 'system', name: 'portal' },
        recordType: 'person',
        recordId: person.id,
        detail: {
          caseId: target.caseId,
          accountId,
          role: person.role,
          actsForPersonId: person.actsForPersonId ?? null,
          messagesScheduled: told,
        },
      },
      tx,
    )
  }

  /** Invites on the system's behalf (the demo; later a sandbox force's generated data). */
  inviteAs(
    forceId: string,
    request: { personId: string; caseKind: CaseKind; caseId: string; reason: string },
  ): Promise<InviteOutcome> {
    return this.#db.withForce(forceId, (tx) =>
      this.invite(tx, { ...request, forceId, actor: { kind: 'system', name: request.reason } }),
    )
  }

  /** A journey's "invite to the portal" step (journeys' PortalInviter port). */
  async inviteFromJourney(
    tx: Tx,
    request: { forceId: string; personId: string; caseKind: CaseKind; caseId: string; enrolmentId: string },
  ): Promise<{ sent: boolean; messageId: string | null; sendAfter: Date | null; detail: string }> {
    const outcome = await this.invite(tx, {
      ...request,
      actor: { kind: 'journey', enrolmentId: request.enrolmentId },
    })
    switch (outcome.kind) {
      case 'invited':
        return {
          sent: true,
          messageId: outcome.messageId,
          sendAfter: outcome.sendAfter,
          detail:
            outcome.invitation.personId === request.personId
              ? 'invited to the portal'
              : `their ${roleWords(outcome.invitation.role)} was invited to the portal instead`,
        }
      case 'linked':
        return {
          sent: false,
          messageId: null,
          sendAfter: null,
          detail: 'the case was added to the person’s portal account',
        }
      case 'refused':
        return { sent: false, messageId: outcome.messageId ?? null, sendAfter: null, detail: outcome.reason }
    }
  }

  /**
   * Sends a reminder for each invitation not taken up within its force's period (CP-7), with a
   * new link (the old one stops working), up to the force's number of reminders. Job
   * `portal.send-reminders`, across forces.
   */
  async sendReminders(limit = 200): Promise<number> {
    const now = this.#clock.now()
    const waiting = await this.#db.asSystem((tx) =>
      this.#repo.waitingInvitations(tx, new Date(now.getTime() - DAY), limit),
    )
    let sent = 0
    for (const invitation of waiting) {
      const reminded = await this.#db.withForce(invitation.forceId, async (tx) => {
        const settings = await this.settings(tx, invitation.forceId)
        if (invitation.remindersSent >= settings.maxReminders) return false
        if (invitation.lastSentAt.getTime() > now.getTime() - settings.remindAfterDays * DAY) return false
        const snapshot = await this.#loadCase(tx, {
          forceId: invitation.forceId,
          ...(invitation.caseKind === 'crime'
            ? { crimeId: invitation.caseId }
            : { incidentId: invitation.caseId }),
        })
        const person = snapshot?.people.find((p) => p.id === invitation.personId)
        if (!snapshot || !person) return false
        const token = randomBytes(32).toString('base64url')
        const expiresAt = new Date(now.getTime() + settings.linkValidDays * DAY)
        const message = await this.#scheduling.schedule(tx, {
          forceId: invitation.forceId,
          personId: invitation.personId,
          caseId: invitation.caseId,
          channel: invitation.channel,
          to: invitation.address,
          templateKey: 'portal-reminder',
          language: person.language ?? 'en',
          personalisation: this.#personalisation(snapshot, token, expiresAt),
          // The link's token lets whoever holds it register as the person: only they may read it.
          credentials: { portal_link: 'link' },
          dueAt: now,
        })
        await this.#repo.updateInvitation(tx, invitation.id, {
          lastSentAt: now,
          remindersSent: invitation.remindersSent + 1,
          ...(message.status === 'suppressed' ? {} : { tokenHash: hashToken(token), expiresAt }),
        })
        await this.#audit.record(
          {
            action: 'portal.reminded',
            forceId: invitation.forceId,
            actor: { kind: 'system', name: 'portal reminders' },
            recordType: 'person',
            recordId: invitation.personId,
            detail: { invitationId: invitation.id, messageId: message.id, status: message.status },
          },
          tx,
        )
        return message.status !== 'suppressed'
      })
      if (reminded) sent += 1
    }
    return sent
  }

  /** Region-wide: the invitation a link's token opens, if it is still open. */
  async openInvitation(token: string): Promise<InvitationRow | undefined> {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined
    const invitation = await this.#db.asSystem((tx) => this.#repo.invitationByToken(tx, hashToken(token)))
    if (!invitation || invitation.acceptedAt || invitation.expiresAt <= this.#clock.now()) return undefined
    return invitation
  }

  /** What the person and case pages show staff about a person's portal account (CP-50, CP-78). */
  async standing(
    forceId: string,
    personId: string,
    caseKey?: { kind: CaseKind; id: string },
  ): Promise<PortalStanding> {
    const now = this.#clock.now()
    return this.#db.withForce(forceId, async (tx) => {
      const links = await this.#repo.linksOfPerson(tx, personId)
      const invitations = await this.#repo.invitationsOfPerson(tx, personId)
      let eligibility: PortalStanding['eligibility']
      if (caseKey && links.length === 0) {
        const snapshot = await this.#loadCase(tx, {
          forceId,
          ...(caseKey.kind === 'crime' ? { crimeId: caseKey.id } : { incidentId: caseKey.id }),
        })
        const person = snapshot?.people.find((p) => p.id === personId)
        if (snapshot && person) {
          const settings = await this.settings(tx, forceId)
          eligibility = decidePortalEligibility(settings.eligibility, snapshot, person, now)
        }
      }
      return {
        hasAccount: links.length > 0,
        linkedAt: links[0]?.linkedAt ?? null,
        links: links.map((l) => ({ caseId: l.caseId, role: l.role, actsForPersonId: l.actsForPersonId })),
        invitations: invitations.map((i) => ({
          id: i.id,
          caseId: i.caseId,
          channel: i.channel,
          sentAt: i.lastSentAt,
          expiresAt: i.expiresAt,
          remindersSent: i.remindersSent,
          status: i.acceptedAt ? 'registered' : i.expiresAt <= now ? 'expired' : 'waiting',
        })),
        ...(eligibility ? { eligibility } : {}),
      }
    })
  }

  #personalisation(snapshot: CaseSnapshot, token: string, expiresAt: Date): Record<string, string> {
    return {
      force_name: snapshot.forceName || snapshot.forceId,
      portal_link: `${this.#publicUrl}/portal/register?invitation=${token}`,
      reference: snapshot.crime?.crimeRef ?? snapshot.incident?.cadRef ?? '',
      officer_name: snapshot.crime?.officerName ?? 'an officer',
      case_status: snapshot.crime?.status ?? (snapshot.incident?.open ? 'open' : 'closed'),
      expires_on: expiresAt.toLocaleDateString('en-GB', {
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        timeZone: 'Europe/London',
      }),
    }
  }
}

/** The roles that act for another person on the case, invited in their place (CP-38). */
const proxyRoles = new Set(['parent_guardian', 'attorney'])

/** The person's preferred channel when it can reach them, else a mobile, else an email address. */
function contactFor(person: PersonSnapshot): { channel: 'sms' | 'email'; address: string } | undefined {
  if (person.preferredChannel === 'email' && person.emails[0])
    return { channel: 'email', address: person.emails[0] }
  if (person.mobiles[0]) return { channel: 'sms', address: person.mobiles[0] }
  if (person.emails[0]) return { channel: 'email', address: person.emails[0] }
  return undefined
}

/** A refused staff invitation, as the error the person page shows. */
export function refusal(outcome: InviteOutcome): DomainError | undefined {
  return outcome.kind === 'refused'
    ? new DomainError('portal-invitation-refused', outcome.reason, { status: 409 })
    : undefined
}
