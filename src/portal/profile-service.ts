// The citizen's account settings (decision 0027): their profile (CP-28, CP-29), how and when the
// Portal tells them things (CP-11, CP-25), and deleting the account (CP-33). Every change is
// told to the person (CP-27) and, for their personal details, to every force with a live case
// through the write-back outbox, into the open CAD log or the crime record, in the same
// transaction (CP-30, CP-31), whether the person changed it here or at GOV.UK One Login. Each
// change and the deletion are audited in the trail of every force the account is linked to.
import type { SchedulingService } from '../messaging/scheduling-service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { type FieldError, ValidationError } from '../platform/errors.ts'
import type { AccountRepository } from './account-repository.ts'
import { type DetailChange, readPreferences } from './account-service.ts'
import type { PortalRepository } from './repository.ts'
import type { AccountRow, LinkRow } from './schema.ts'

/** Writes a note into a case's open CAD log and crime record; answers how many entries were queued. */
export type CaseNoteWriter = (
  tx: Tx,
  note: { forceId: string; caseId: string; time: Date; content: string; sourceRef: string },
) => Promise<number>

export interface ProfileInput {
  firstName?: string
  lastName?: string
  address?: string
  contactPhone?: string
}

const LIMITS = { firstName: 100, lastName: 100, address: 500 }
const LABELS: Record<string, string> = {
  firstName: 'First name',
  lastName: 'Last name',
  address: 'Address',
  contactPhone: 'Contact phone number',
}

export class ProfileService {
  readonly #db: Database
  readonly #accounts: AccountRepository
  readonly #portal: PortalRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #scheduling: SchedulingService
  readonly #writeNote: CaseNoteWriter
  readonly #publicUrl: string
  /** Ends the account's citizen sessions and forgets its sign-in identities (platform). */
  readonly #forgetCitizen: (provider: string, subject: string) => Promise<void>
  /** Ends the account's citizen sessions only. */
  readonly #endSessions: (provider: string, subject: string) => Promise<void>

  constructor(deps: {
    db: Database
    accounts: AccountRepository
    portal: PortalRepository
    clock: Clock
    audit: AuditService
    scheduling: SchedulingService
    writeNote: CaseNoteWriter
    publicUrl: string
    forgetCitizen: (provider: string, subject: string) => Promise<void>
    endSessions: (provider: string, subject: string) => Promise<void>
  }) {
    this.#db = deps.db
    this.#accounts = deps.accounts
    this.#portal = deps.portal
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#scheduling = deps.scheduling
    this.#writeNote = deps.writeNote
    this.#publicUrl = deps.publicUrl
    this.#forgetCitizen = deps.forgetCitizen
    this.#endSessions = deps.endSessions
  }

  /** CP-29: names, address and a contact phone number, as the person keeps them. */
  async updateDetails(account: AccountRow, input: ProfileInput): Promise<DetailChange[]> {
    const errors: FieldError[] = []
    const clean = (field: 'firstName' | 'lastName' | 'address') => {
      const value = (input[field] ?? '').trim().replace(/\s+\n/g, '\n')
      if (value.length > LIMITS[field])
        errors.push({ field, message: `${LABELS[field]} must be ${LIMITS[field]} characters or fewer` })
      return value
    }
    const next = {
      firstName: clean('firstName'),
      lastName: clean('lastName'),
      address: clean('address'),
      contactPhone: '',
    }
    const phone = (input.contactPhone ?? '').trim()
    if (phone) {
      const normal = ukPhone(phone)
      if (!normal)
        errors.push({
          field: 'contactPhone',
          message: 'Enter a UK phone number, like 01632 960 001, 07700 900 982 or +44 7700 900 982',
        })
      else next.contactPhone = normal
    }
    if (errors.length) throw new ValidationError(errors)
    const changes: DetailChange[] = []
    for (const field of ['firstName', 'lastName', 'address', 'contactPhone'] as const)
      if ((account[field] ?? '') !== next[field])
        changes.push({ field, label: LABELS[field]!, value: next[field] })
    if (!changes.length) return changes
    await this.#db.asSystem(async (tx) => {
      await this.#accounts.updateAccount(tx, account.id, {
        firstName: next.firstName || null,
        lastName: next.lastName || null,
        address: next.address || null,
        contactPhone: next.contactPhone || null,
      })
      await this.detailsChanged(tx, { ...account, ...next }, changes, 'citizen')
    })
    return changes
  }

  /** CP-25: how and when the Portal tells them things; the person hears of the change (CP-27). */
  async updatePreferences(
    account: AccountRow,
    input: { channel?: string; quietFrom?: string; quietTo?: string },
  ): Promise<void> {
    const chosen = readPreferences(input, !!account.mobile)
    if (chosen.errors.length) throw new ValidationError(chosen.errors)
    const v = chosen.values
    if (
      v.notifyChannel === account.notifyChannel &&
      v.quietFrom === account.quietFrom &&
      v.quietTo === account.quietTo
    )
      return
    await this.#db.asSystem(async (tx) => {
      await this.#accounts.updateAccount(tx, account.id, v)
      const updated = { ...account, ...v }
      await this.#audit.record(
        {
          action: 'portal.preferences-changed',
          forceId: account.homeForceId,
          actor: { kind: 'citizen', id: account.id },
          recordType: 'portal-account',
          recordId: account.id,
          detail: { channel: v.notifyChannel, quietFrom: v.quietFrom, quietTo: v.quietTo },
        },
        tx,
      )
      await this.#tellPerson(tx, updated, ['Notification settings'])
    })
  }

  /**
   * The language the person chose for the Portal's pages with the Cymraeg / English toggle
   * (CP-155, decision 0057), kept on the account and audited; choosing the one held changes nothing.
   */
  async chooseLanguage(
    account: AccountRow,
    language: 'en' | 'cy',
    where: { ip?: string; correlationId?: string } = {},
  ): Promise<void> {
    if (account.language === language) return
    await this.#db.asSystem(async (tx) => {
      await this.#accounts.updateAccount(tx, account.id, { language })
      await this.#audit.record(
        {
          action: 'portal.language-chosen',
          forceId: account.homeForceId,
          actor: { kind: 'citizen', id: account.id },
          recordType: 'portal-account',
          recordId: account.id,
          detail: { language, previous: account.language ?? null },
          ...where,
        },
        tx,
      )
    })
  }

  /**
   * A change of personal details, from the person or from One Login: the person is told, and
   * each force with a live case gets it in the case's CAD log or crime record, and in its audit
   * trail beside the person (CP-27, CP-30, CP-31).
   */
  async detailsChanged(
    tx: Tx,
    account: AccountRow,
    changes: DetailChange[],
    source: 'citizen' | 'one-login',
  ): Promise<void> {
    const now = this.#clock.now()
    const links = await this.#portal.linksOfAccount(tx, account.id)
    const what = changes
      .map((c) => `${c.label}: ${c.value ? c.value.replace(/\s*\n\s*/g, ', ') : '(removed)'}`)
      .join('; ')
    const via = source === 'one-login' ? 'at GOV.UK One Login' : 'in their portal account'
    for (const link of uniqueCases(links)) {
      await this.#writeNote(tx, {
        forceId: link.forceId,
        caseId: link.caseId,
        time: now,
        content: `The ${describeRole(link.role)} changed their details ${via}. ${what}`,
        sourceRef: `portal-account:${account.id}:${now.getTime()}`,
      })
    }
    for (const link of uniquePeople(links))
      await this.#audit.record(
        {
          action: 'portal.account-details-changed',
          forceId: link.forceId,
          actor:
            source === 'one-login'
              ? { kind: 'system', name: 'GOV.UK One Login' }
              : { kind: 'citizen', id: account.id },
          recordType: 'person',
          recordId: link.personId,
          // The fields, never their values: the case record holds those.
          detail: { accountId: account.id, fields: changes.map((c) => c.field), source },
        },
        tx,
      )
    const previousEmail = changes.find((c) => c.field === 'email')?.previous
    await this.#tellPerson(
      tx,
      account,
      changes.map((c) => c.label),
      previousEmail,
    )
  }

  /**
   * CP-33: the account and what only it held (sign-in details, profile, preferences, its links)
   * are removed; each linked force keeps its own records of the person, the invitations it sent
   * and its audit trail, hears of the deletion in its trail and, for a live case, in the CAD log
   * or crime record. The person is sent a confirmation, and every session of theirs ends.
   */
  async deleteAccount(account: AccountRow): Promise<void> {
    const now = this.#clock.now()
    await this.#db.asSystem(async (tx) => {
      const links = await this.#portal.linksOfAccount(tx, account.id)
      for (const link of uniqueCases(links))
        await this.#writeNote(tx, {
          forceId: link.forceId,
          caseId: link.caseId,
          time: now,
          content: `The ${describeRole(link.role)} deleted their portal account. They can no longer follow this case online; messages still reach them by text or email.`,
          sourceRef: `portal-account-deleted:${account.id}`,
        })
      const forces = new Set([account.homeForceId, ...links.map((l) => l.forceId)])
      for (const forceId of forces)
        await this.#audit.record(
          {
            action: 'portal.account-deleted',
            forceId,
            actor: { kind: 'citizen', id: account.id },
            recordType: 'portal-account',
            recordId: account.id,
            detail: { people: links.filter((l) => l.forceId === forceId).map((l) => l.personId) },
          },
          tx,
        )
      await this.#send(tx, account, 'portal-account-deleted', {}, account.email)
      await this.#accounts.removeAccount(tx, account.id)
    })
    await this.#forgetCitizen('waypoint', account.id)
    if (account.oneLoginSub) await this.#forgetCitizen('one-login', account.oneLoginSub)
  }

  /** CP-24, CP-27: a new password is told to the person, and every session of the account ends. */
  async passwordChanged(tx: Tx, account: AccountRow): Promise<void> {
    await this.#tellPerson(tx, account, ['Password'])
    this.#db.afterTransaction(tx, async (committed) => {
      if (committed) await this.#endSessions('waypoint', account.id)
    })
  }

  /** CP-27: the person hears of any change to their account, at once (it may not have been them). */
  async #tellPerson(tx: Tx, account: AccountRow, labels: string[], alsoEmail?: string): Promise<void> {
    const personalisation = {
      changes: labels.join(', '),
      portal_link: new URL('/portal/account', this.#publicUrl).toString(),
    }
    await this.#send(tx, account, 'portal-account-changed', personalisation, alsoEmail)
  }

  async #send(
    tx: Tx,
    account: AccountRow,
    templateKey: string,
    personalisation: Record<string, string>,
    alsoEmail?: string,
  ): Promise<void> {
    const forceName = (await this.#portal.forceName(tx, account.homeForceId)) ?? account.homeForceId
    const to: { channel: 'sms' | 'email'; address: string }[] = []
    if (account.notifyChannel !== 'sms' || !account.mobile)
      to.push({ channel: 'email', address: account.email })
    if (account.notifyChannel !== 'email' && account.mobile)
      to.push({ channel: 'sms', address: account.mobile })
    if (alsoEmail && alsoEmail !== account.email && !to.some((t) => t.address === alsoEmail))
      to.push({ channel: 'email', address: alsoEmail })
    for (const { channel, address } of to)
      await this.#scheduling.schedule(tx, {
        forceId: account.homeForceId,
        channel,
        to: address,
        templateKey,
        personalisation: { force_name: forceName, ...personalisation },
        dueAt: this.#clock.now(),
        urgent: true,
      })
  }
}

/** One link per case (a person may be linked to a case in two roles). */
function uniqueCases(links: LinkRow[]): LinkRow[] {
  return [...new Map(links.map((l) => [`${l.forceId}:${l.caseId}`, l])).values()]
}

function uniquePeople(links: LinkRow[]): LinkRow[] {
  return [...new Map(links.map((l) => [`${l.forceId}:${l.personId}`, l])).values()]
}

function describeRole(role: string): string {
  return role === 'parent_guardian' ? 'parent or guardian' : role
}

/** A UK landline or mobile in the international form, or undefined. */
export function ukPhone(value: string): string | undefined {
  const digits = value.replace(/[\s()-]/g, '')
  if (/^0[1-37]\d{8,9}$/.test(digits)) return `+44${digits.slice(1)}`
  if (/^\+44[1-37]\d{8,9}$/.test(digits)) return digits
  return undefined
}
