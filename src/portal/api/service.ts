// The national front-end's side of the Portal (issue 14 §7; decision 0029). iHub calls Waypoint
// with a force's client credentials and names the person by the subject GOV.UK One Login gave the
// national front-end. A person is registered from an invitation of that force, and a client sees
// only that force's side of an account: its invitations, and the cases of the account linked in
// that force (another force's case, or another person's, is "not found"). Everything else is the
// Portal's own services: invitations, accounts and the citizen's case view, audited as they are.
import type { AuditService } from '../../platform/audit/audit-service.ts'
import type { Clock } from '../../platform/clock.ts'
import type { Database } from '../../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { AccountRepository } from '../account-repository.ts'
import type { AccountService } from '../account-service.ts'
import type { CitizenCase, CitizenCaseService, CitizenCaseSummary } from '../case-view-service.ts'
import type { InvitationService, InviteOutcome } from '../invitation-service.ts'
import type { CitizenThread, PortalMessageService, SentPortalMessage } from '../message-service.ts'
import type { PortalRepository } from '../repository.ts'
import type { AccountRow, CaseKind, InvitationRow, LinkRow } from '../schema.ts'

export interface ApiCaller {
  forceId: string
  clientId: string
  ip: string
  correlationId: string
}

export interface InvitationStatus {
  id: string
  personId: string
  caseKind: CaseKind
  caseId: string
  role: string
  channel: string
  sentAt: Date
  expiresAt: Date
  remindersSent: number
  status: 'registered' | 'waiting' | 'expired'
}

/** A member of staff of a force, as the officer's reply needs them. */
export type StaffLookup = (
  staffId: string,
) => Promise<
  { id: string; forceId: string | null; displayName: string; roles: ReadonlySet<string> } | undefined
>

/** The officer console's reply (src/officers), passed in by the composition root. */
export type OfficerReply = (
  forceId: string,
  conversationId: string,
  input: { text: string },
  acting: {
    staffId: string
    displayName: string
    audited: { actor: { kind: 'client'; id: string; name: string }; ip: string; correlationId: string }
  },
) => Promise<{ messageId: string; sendAfter: Date }>

/** Who may answer a person through the API on the force's behalf. */
const replyingRoles = ['investigating_officer', 'supervisor']

export interface Registration {
  account: AccountRow
  created: boolean
  caseId: string
}

export class PortalApiService {
  readonly #db: Database
  readonly #portal: PortalRepository
  readonly #accountRows: AccountRepository
  readonly #accounts: AccountService
  readonly #invitations: InvitationService
  readonly #cases: CitizenCaseService
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #messages: PortalMessageService
  readonly #staff: StaffLookup
  readonly #officerReply: () => OfficerReply

  constructor(deps: {
    db: Database
    portal: PortalRepository
    accountRows: AccountRepository
    accounts: AccountService
    invitations: InvitationService
    cases: CitizenCaseService
    clock: Clock
    audit: AuditService
    messages: PortalMessageService
    staff: StaffLookup
    /** The officer console's reply; built after the Portal. */
    officerReply: () => OfficerReply
  }) {
    this.#db = deps.db
    this.#portal = deps.portal
    this.#accountRows = deps.accountRows
    this.#accounts = deps.accounts
    this.#invitations = deps.invitations
    this.#cases = deps.cases
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#messages = deps.messages
    this.#staff = deps.staff
    this.#officerReply = deps.officerReply
  }

  /** Invites a person of the client's force on one of its cases, by the force's own rules (CP-6, CP-9). */
  invite(
    caller: ApiCaller,
    request: { personId: string; caseKind: CaseKind; caseId: string },
  ): Promise<InviteOutcome> {
    return this.#invitations.inviteAs(caller.forceId, { ...request, reason: `API client ${caller.clientId}` })
  }

  /** A person's invitations in the client's force. */
  async invitationsOf(forceId: string, personId: string): Promise<InvitationStatus[]> {
    return this.#db.withForce(forceId, async (tx) =>
      (await this.#portal.invitationsOfPerson(tx, personId)).map((i) => this.#status(i)),
    )
  }

  async invitation(forceId: string, id: string): Promise<InvitationStatus> {
    const [found] = await this.#db.withForce(forceId, (tx) => this.#portal.invitationsById(tx, [id]))
    if (!found) throw new NotFoundError('The invitation')
    return this.#status(found)
  }

  #status(i: InvitationRow): InvitationStatus {
    const now = this.#clock.now()
    return {
      id: i.id,
      personId: i.personId,
      caseKind: i.caseKind,
      caseId: i.caseId,
      role: i.role,
      channel: i.channel,
      sentAt: i.lastSentAt,
      expiresAt: i.expiresAt,
      remindersSent: i.remindersSent,
      status: i.acceptedAt ? 'registered' : i.expiresAt <= now ? 'expired' : 'waiting',
    }
  }

  /**
   * Registers the person the national front-end signed in with One Login (CP-10, CP-50a): the
   * invitation's link token proves they were invited; their subject finds their account, or their
   * email address (which One Login has verified) an account they made before, or a new account is
   * made. The invitation's case is linked to it and the force hears of it (CP-8).
   */
  async register(
    caller: ApiCaller,
    input: { subject: string; email: string; mobile?: string | null; invitationToken: string },
  ): Promise<Registration> {
    const invitation = await this.#openInvitation(caller.forceId, input.invitationToken)
    const email = input.email.trim()
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      throw new ValidationError([{ field: 'email', message: 'Give the email address One Login verified' }])
    const existing = await this.#db.asSystem(
      async (tx) =>
        (await this.#accountRows.accountBySub(tx, input.subject)) ??
        (await this.#accountRows.accountByEmail(tx, email.toLowerCase())),
    )
    // The national front-end signed the person in with One Login, which verified these details:
    // the same path as a One Login sign-in on Waypoint's own pages (decision 0027).
    const account = await this.#accounts.signInWithOneLogin(
      {
        sub: input.subject,
        level: 'Cl.Cm',
        email,
        emailVerified: true,
        phone: input.mobile?.trim() || undefined,
        phoneVerified: !!input.mobile?.trim(),
      },
      invitation.id,
      caller.forceId,
    )
    if (!account) throw new NotFoundError('An open invitation with that token')
    return { account, created: !existing, caseId: invitation.caseId }
  }

  /** Adds the case of another invitation of the force to the person's account (CP-50a). */
  async link(caller: ApiCaller, subject: string, invitationToken: string): Promise<Registration> {
    const invitation = await this.#openInvitation(caller.forceId, invitationToken)
    const account = await this.accountOf(subject)
    await this.#accounts.signInWithOneLogin(
      {
        sub: subject,
        level: 'Cl.Cm',
        email: account.email,
        emailVerified: true,
        phone: undefined,
        phoneVerified: false,
      },
      invitation.id,
      caller.forceId,
    )
    return { account, created: false, caseId: invitation.caseId }
  }

  /** The account the national front-end knows by this One Login subject; "not found" if none. */
  async accountOf(subject: string): Promise<AccountRow> {
    const account = await this.#db.asSystem((tx) => this.#accountRows.accountBySub(tx, subject))
    if (!account) throw new NotFoundError('The account')
    return account
  }

  /** The person's profile as the force may see it, audited as a view of the person. */
  async profile(caller: ApiCaller, subject: string): Promise<{ account: AccountRow; links: LinkRow[] }> {
    const account = await this.accountOf(subject)
    const links = await this.#linksInForce(account.id, caller.forceId)
    if (links.length === 0) throw new NotFoundError('The account')
    await this.#audit.record({
      action: 'portal-account.viewed',
      forceId: caller.forceId,
      actor: { kind: 'client', id: caller.clientId, name: null },
      recordType: 'person',
      recordId: links[0]!.personId,
      detail: { accountId: account.id, through: 'api' },
      ip: caller.ip,
      correlationId: caller.correlationId,
    })
    return { account, links }
  }

  /** The account's cases in the client's force (CP-51, CP-53): a dashboard. */
  async cases(caller: ApiCaller, subject: string): Promise<CitizenCaseSummary[]> {
    const account = await this.accountOf(subject)
    if ((await this.#linksInForce(account.id, caller.forceId)).length === 0) return []
    const all = await this.#cases.dashboard(account.id, account.previousSignedInAt)
    return all.filter((c) => c.forceId === caller.forceId)
  }

  /**
   * One case of the account's in the client's force, audited as the citizen's view; any other
   * case (another person's, another force's) is "not found" and nothing is read or audited.
   */
  async caseOf(caller: ApiCaller, subject: string, caseId: string): Promise<CitizenCase> {
    const account = await this.accountOf(subject)
    const links = await this.#linksInForce(account.id, caller.forceId)
    if (!links.some((l) => l.caseId === caseId)) throw new NotFoundError('The case')
    return this.#cases.caseOf(account.id, caseId, account.previousSignedInAt, {
      ip: caller.ip,
      id: caller.correlationId,
    })
  }

  /** The person's messages with the officer about one case in the client's force (CP-76, CP-102). */
  async messages(
    caller: ApiCaller,
    subject: string,
    caseId: string,
    markRead: boolean,
  ): Promise<CitizenThread> {
    const account = await this.#ownCase(caller, subject, caseId)
    return this.#messages.thread(account.id, caseId, this.#request(caller), {
      markRead,
      lastSignedInAt: account.previousSignedInAt,
    })
  }

  /** The person writes to the officer: the Portal's own rules, limits and new-crime check apply (CP-76, CP-81, CP-84). */
  async send(
    caller: ApiCaller,
    subject: string,
    caseId: string,
    input: { text: string; answersRequest?: string | null },
  ): Promise<SentPortalMessage> {
    const account = await this.#ownCase(caller, subject, caseId)
    return this.#messages.send(account.id, caseId, input, this.#request(caller))
  }

  /** The person marks one of the officer's messages read or unread (CP-102). */
  async readState(caller: ApiCaller, subject: string, caseId: string, messageId: string, read: boolean) {
    const account = await this.#ownCase(caller, subject, caseId)
    await this.#messages.change(
      account.id,
      caseId,
      messageId,
      read ? 'read' : 'unread',
      this.#request(caller),
    )
  }

  /**
   * The force answers the person for a named officer of the force (CP-94): the officer console's
   * reply, with its rules (only while the case is open and has an officer), its write to the RMS
   * and the person's notification. The officer must be the force's investigating officer or
   * supervisor; anyone else, or staff of another force, is refused.
   */
  async reply(
    caller: ApiCaller,
    subject: string,
    caseId: string,
    input: { text: string; staffId: string },
  ): Promise<{ messageId: string; sendAfter: Date }> {
    const officer = await this.#staff(input.staffId)
    if (!officer || officer.forceId !== caller.forceId || !replyingRoles.some((r) => officer.roles.has(r)))
      throw new ValidationError([
        { field: 'staffId', message: 'Name an investigating officer or supervisor of the force' },
      ])
    const thread = await this.messages(caller, subject, caseId, false)
    if (!thread.conversationId)
      throw new DomainError('no-conversation', 'The person has not written about this case yet', {
        status: 409,
      })
    return this.#officerReply()(
      caller.forceId,
      thread.conversationId,
      { text: input.text },
      {
        staffId: officer.id,
        displayName: officer.displayName,
        audited: {
          actor: { kind: 'client', id: caller.clientId, name: `for ${officer.displayName}` },
          ip: caller.ip,
          correlationId: caller.correlationId,
        },
      },
    )
  }

  async #ownCase(caller: ApiCaller, subject: string, caseId: string): Promise<AccountRow> {
    const account = await this.accountOf(subject)
    const links = await this.#linksInForce(account.id, caller.forceId)
    if (!links.some((l) => l.caseId === caseId)) throw new NotFoundError('The case')
    return account
  }

  #request(caller: ApiCaller) {
    return { ip: caller.ip, id: caller.correlationId }
  }

  async #linksInForce(accountId: string, forceId: string): Promise<LinkRow[]> {
    const links = await this.#db.asSystem((tx) => this.#portal.linksOfAccount(tx, accountId))
    return links.filter((l) => l.forceId === forceId)
  }

  async #openInvitation(forceId: string, token: string): Promise<InvitationRow> {
    const invitation = await this.#invitations.openInvitation(token)
    // Another force's invitation is no more found than a used, expired or made-up one.
    if (!invitation || invitation.forceId !== forceId)
      throw new NotFoundError('An open invitation with that token')
    return invitation
  }
}
