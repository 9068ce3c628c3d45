// Two-way messages between a signed-in person and the investigating officer, the person's side
// (CP-76..86, CP-98..100, CP-102, CP-107, CP-125; decision 0028). A message is sent only while an
// officer is assigned and the case is open, checked against the force's limits, read for signs
// of a new crime (with signposting), filed in the person's portal conversation through
// ConversationService, given a due time under the force's working-hours SLA, and written to the
// RMS through the write-back outbox, all in one transaction in the force that owns the case. The
// person is told of an officer's message by text or email (never its content), which messaging
// holds through the force's quiet hours. The national API (/api/v1/portal) calls the same methods.
import type { CaseService } from '../cases/service.ts'
import type { ConversationMessageRow } from '../messaging/conversations/repository.ts'
import type { ConversationService } from '../messaging/conversations/service.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import { addWorkingHours } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { ValidationError } from '../platform/errors.ts'
import { caseTargets } from '../writeback/sent-messages.ts'
import type { WritebackService } from '../writeback/service.ts'
import { type CitizenCase, type CitizenCaseService, type CitizenRef, idOf } from './case-view-service.ts'
import { roleWords } from './eligibility.ts'
import type { MessageSettingsRepository } from './message-repository.ts'
import {
  defaultNewCrimeRules,
  newCrimeDetectorFor,
  type NewCrimeRules,
  type NewCrimeVerdict,
  parseNewCrimeRules,
} from './new-crime.ts'
import type { CaseNotifier } from './invitation-service.ts'
import type { PortalRepository } from './repository.ts'

export interface MessageSettings {
  minLength: number
  maxLength: number
  /** Working hours within which an officer answers before a supervisor is told (CP-104). */
  slaWorkingHours: number
  workingStart: string
  workingEnd: string
  /** How long after sending an officer may recall or edit a portal message (CP-97). */
  editWindowMinutes: number
  newCrimeRules: NewCrimeRules
  /** True when the force has changed nothing. */
  isDefault: boolean
}

export const defaultMessageSettings: MessageSettings = {
  minLength: 2,
  maxLength: 2000,
  slaWorkingHours: 16,
  workingStart: '09:00',
  workingEnd: '17:00',
  editWindowMinutes: 15,
  newCrimeRules: defaultNewCrimeRules,
  isDefault: true,
}

/** The form's field, for the error summary. */
export const messageField = 'message'

/** One message as the person sees it. */
export interface CitizenMessage {
  id: string
  fromMe: boolean
  author: string
  body: string
  sentAt: Date
  kind: ConversationMessageRow['kind']
  /** The officer's messages: read by the person (they may mark one unread again). */
  read: boolean
  recalled: boolean
  edited: boolean
  /** A request for information the person has not answered yet (CP-107). */
  openRequest: boolean
  /** The person's own message read as a new crime (they were signposted; CP-84, CP-85). */
  newCrime: boolean
}

export interface CitizenThread {
  case: CitizenCase
  conversationId: string | null
  messages: CitizenMessage[]
  canSend: { ok: true } | { ok: false; reason: string }
  limits: { minLength: number; maxLength: number }
  /** When the officer aims to answer, in words (CP-86). */
  answerWithin: string
  signpost: NewCrimeRules['signpost']
  unread: number
}

export interface SentPortalMessage {
  messageId: string
  conversationId: string
  sentAt: Date
  dueBy: Date
  /** Set when the message reads as a new crime: the person is shown where to report it (CP-84, CP-85). */
  newCrime: (NewCrimeVerdict & { signpost: NewCrimeRules['signpost'] }) | null
}

export interface CitizenRequest {
  ip: string
  id: string
}

/** Told, in the transaction that stores it, that a person wrote (the officer console notifies the officer; CP-88). */
export type CitizenMessageListener = (
  tx: Tx,
  message: { forceId: string; caseId: string; conversationId: string; messageId: string },
) => Promise<void>

/** Told, in the transaction of a reply from the force, that the person has a new message. */
export type ReplyListener = (
  tx: Tx,
  reply: { forceId: string; caseId: string; personId: string },
) => Promise<unknown>

export class PortalMessageService {
  readonly #db: Database
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #cases: CitizenCaseService
  readonly #caseService: CaseService
  readonly #conversations: ConversationService
  readonly #writeback: WritebackService
  readonly #settings: MessageSettingsRepository
  readonly #portal: PortalRepository
  readonly #notify: CaseNotifier | undefined
  readonly #listeners: CitizenMessageListener[] = []
  readonly #replyListeners: ReplyListener[] = []

  constructor(deps: {
    db: Database
    clock: Clock
    audit: AuditService
    cases: CitizenCaseService
    caseService: CaseService
    conversations: ConversationService
    writeback: WritebackService
    settings: MessageSettingsRepository
    portal: PortalRepository
    /** Tells the person's account of the reply (the Portal's notifications). */
    notify?: CaseNotifier
  }) {
    this.#db = deps.db
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#cases = deps.cases
    this.#caseService = deps.caseService
    this.#conversations = deps.conversations
    this.#writeback = deps.writeback
    this.#settings = deps.settings
    this.#portal = deps.portal
    this.#notify = deps.notify
  }

  onCitizenMessage(listener: CitizenMessageListener): void {
    this.#listeners.push(listener)
  }

  /** The force's rules for portal messages, or the defaults. */
  async settings(forceId: string, tx?: Tx): Promise<MessageSettings> {
    const read = async (t: Tx) => {
      const row = await this.#settings.settings(t, forceId)
      if (!row) return defaultMessageSettings
      return {
        minLength: row.minLength,
        maxLength: row.maxLength,
        slaWorkingHours: row.slaWorkingHours,
        workingStart: row.workingStart,
        workingEnd: row.workingEnd,
        editWindowMinutes: row.editWindowMinutes,
        newCrimeRules: row.newCrimeRules ?? defaultNewCrimeRules,
        isDefault: false,
      }
    }
    return tx ? read(tx) : this.#db.withForce(forceId, read)
  }

  /** A force administrator changes the rules; audited. */
  async saveSettings(
    forceId: string,
    settings: Omit<MessageSettings, 'isDefault'>,
    acting: { staffId: string; ip: string; correlationId: string },
  ): Promise<void> {
    await this.#db.withForce(forceId, async (tx) => {
      await this.#settings.save(tx, {
        forceId,
        ...settings,
        updatedAt: this.#clock.now(),
        updatedBy: acting.staffId,
      })
      await this.#audit.record(
        {
          action: 'portal.message-settings-changed',
          forceId,
          actor: { kind: 'staff', id: acting.staffId },
          recordType: 'portal-settings',
          recordId: forceId,
          detail: {
            slaWorkingHours: settings.slaWorkingHours,
            editWindowMinutes: settings.editWindowMinutes,
            maxLength: settings.maxLength,
            rules: settings.newCrimeRules.rules.length,
          },
          ip: acting.ip,
          correlationId: acting.correlationId,
        },
        tx,
      )
    })
  }

  /**
   * The settings form as a force administrator sends it (text fields): each checked, with every
   * refusal named by its field, then saved and audited. The new-crime rules come as JSON.
   */
  async saveSettingsForm(
    forceId: string,
    form: Record<string, string | undefined>,
    acting: { staffId: string; ip: string; correlationId: string },
  ): Promise<void> {
    const errors: { field: string; message: string }[] = []
    const whole = (field: string, min: number, max: number, words: string) => {
      const value = Number((form[field] ?? '').trim())
      if (!Number.isInteger(value) || value < min || value > max)
        errors.push({ field, message: `Enter ${words} as a whole number from ${min} to ${max}` })
      return value
    }
    const time = (field: string, words: string) => {
      const value = (form[field] ?? '').trim()
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value))
        errors.push({ field, message: `Enter ${words} as HH:MM, for example 09:00` })
      return value
    }
    const minLength = whole('minLength', 1, 100, 'the shortest message')
    const maxLength = whole('maxLength', 100, 5000, 'the longest message')
    const slaWorkingHours = whole('slaWorkingHours', 1, 200, 'the working hours to answer within')
    const workingStart = time('workingStart', 'when working hours start')
    const workingEnd = time('workingEnd', 'when working hours end')
    if (!errors.some((e) => e.field.startsWith('working')) && workingEnd <= workingStart)
      errors.push({ field: 'workingEnd', message: 'Working hours must end after they start' })
    const editWindowMinutes = whole(
      'editWindowMinutes',
      0,
      1440,
      'the minutes an officer may change a message',
    )
    const rules = parseNewCrimeRules(form.newCrimeRules ?? '')
    if ('error' in rules) errors.push({ field: 'newCrimeRules', message: rules.error })
    if (errors.length > 0 || 'error' in rules) throw new ValidationError(errors)
    await this.saveSettings(
      forceId,
      {
        minLength,
        maxLength,
        slaWorkingHours,
        workingStart,
        workingEnd,
        editWindowMinutes,
        newCrimeRules: rules,
      },
      acting,
    )
  }

  /** When a message written at `at` is due an answer, under the force's working hours (bank holidays honoured). */
  dueBy(settings: MessageSettings, at: Date): Date {
    return addWorkingHours(at, settings.slaWorkingHours, {
      start: settings.workingStart,
      end: settings.workingEnd,
    })
  }

  /**
   * The person's messages about one of their cases (CP-76, CP-98, CP-102): the officer's messages
   * are marked read as they are shown (`markRead`), messages the person deleted are left out, and
   * the view is audited in the force that owns the case. Another person's case is not found.
   */
  async thread(
    citizen: CitizenRef,
    caseId: string,
    request: CitizenRequest,
    options: { markRead?: boolean; lastSignedInAt?: Date | null } = {},
  ): Promise<CitizenThread> {
    const accountId = idOf(citizen)
    // The case, the force's settings, the conversation and the audit of the view in one
    // transaction (decision 0031).
    return this.#cases.withCase(citizen, caseId, options.lastSignedInAt ?? null, async (tx, link, found) => {
      const settings = await this.settings(link.forceId, tx)
      const thread = await this.#conversations.portalThread(tx, link.personId, caseId)
      let marked = 0
      if (thread && options.markRead !== false)
        marked = await this.#conversations.readByCitizen(tx, link.forceId, thread.conversation.id)
      await this.#audit.record(
        {
          action: 'conversation.viewed',
          forceId: link.forceId,
          actor: { kind: 'citizen', id: accountId },
          recordType: 'conversation',
          recordId: thread?.conversation.id ?? caseId,
          detail: { through: 'portal', personId: link.personId, markedRead: marked },
          ip: request.ip,
          correlationId: request.id,
        },
        tx,
      )
      const answered = new Set((thread?.messages ?? []).map((m) => m.answersRequest).filter(Boolean))
      const messages = (thread?.messages ?? [])
        .filter((m) => !m.hiddenByCitizenAt)
        .map(
          (m): CitizenMessage => ({
            id: m.id,
            fromMe: m.direction === 'inbound',
            author: m.direction === 'inbound' ? 'You' : (m.author ?? found.officer?.name ?? 'Your officer'),
            body: m.recalledAt ? '' : m.body,
            sentAt: m.sentAt,
            kind: m.kind,
            read:
              m.direction === 'inbound' || m.readAt !== null || (marked > 0 && options.markRead !== false),
            recalled: m.recalledAt !== null,
            edited: m.editedAt !== null,
            openRequest: m.kind === 'information-request' && !m.recalledAt && !answered.has(m.id),
            newCrime: m.direction === 'inbound' && m.newCrimeRule !== null,
          }),
        )
      return {
        case: found,
        conversationId: thread?.conversation.id ?? null,
        messages,
        canSend: found.messagingOpen ? { ok: true } : { ok: false, reason: closedReason(found) },
        limits: { minLength: settings.minLength, maxLength: settings.maxLength },
        answerWithin: answerWithin(settings),
        signpost: settings.newCrimeRules.signpost,
        unread: messages.filter((m) => !m.fromMe && !m.read).length,
      }
    })
  }

  /**
   * The person sends a message, or answers the force's request for information (CP-107): refused
   * with the reason on `messageField` when the case is closed or has no officer (CP-81), or the
   * text is outside the force's limits (CP-125). Stored, stamped, due under the SLA, written to
   * the RMS and its officer told, in one transaction; the reply says whether it read as a new
   * crime, so the page can signpost (CP-83..85).
   */
  async send(
    citizen: CitizenRef,
    caseId: string,
    input: { text: string; answersRequest?: string | null },
    request: CitizenRequest,
  ): Promise<SentPortalMessage> {
    const accountId = idOf(citizen)
    const text = input.text.replace(/\r\n?/g, '\n').trim()
    const refuse = (message: string) => new ValidationError([{ field: messageField, message }])
    // The case and the force's rules are read, and the message stored, in one transaction
    // (decision 0031); a refusal writes nothing.
    const { settings, verdict, ...sent } = await this.#cases.withCase(
      citizen,
      caseId,
      null,
      async (tx, link, found) => {
        if (!found.messagingOpen) throw refuse(closedReason(found))
        const settings = await this.settings(link.forceId, tx)
        if (text.length === 0) throw refuse('Enter your message')
        if (text.length < settings.minLength)
          throw refuse(`Your message must be at least ${settings.minLength} characters`)
        if (text.length > settings.maxLength)
          throw refuse(`Your message must be ${settings.maxLength} characters or fewer`)
        const verdict = newCrimeDetectorFor(settings.newCrimeRules).check(text)
        let kind: 'message' | 'information' = 'message'
        if (input.answersRequest) {
          const thread = await this.#conversations.portalThread(tx, link.personId, caseId)
          const asked = thread?.messages.find((m) => m.id === input.answersRequest)
          if (asked?.kind !== 'information-request' || asked.recalledAt)
            throw refuse('The request for information was not found')
          kind = 'information'
        }
        const at = this.#clock.now()
        const dueBy = this.dueBy(settings, at)
        const stored = await this.#conversations.receivePortal(tx, link.forceId, {
          personId: link.personId,
          caseId,
          accountId,
          displayName: null,
          text,
          kind,
          answersRequest: input.answersRequest ?? null,
          dueBy,
          newCrimeRule: verdict.because,
          audited: { ip: request.ip, correlationId: request.id },
        })
        // Every message is stamped into the RMS's victim contact log (CP-87, CP-88, CP-101).
        const target = await caseTargets(this.#caseService, tx, link.forceId, caseId)
        if (target)
          await this.#writeback.recordCommunication(tx, {
            forceId: link.forceId,
            messageId: stored.messageId,
            direction: 'from-victim',
            channel: 'portal',
            time: stored.sentAt,
            content: kind === 'information' ? `Information submitted on request:\n${text}` : text,
            author:
              link.role === 'victim'
                ? 'The victim, through My Police Portal'
                : `The ${roleWords(link.role)}${link.actsForPersonId ? ', on behalf of the person they act for' : ''}, through My Police Portal`,
            cadLog: target.cadLog,
            crimeReference: target.crimeReference,
          })
        for (const listener of this.#listeners)
          await listener(tx, {
            forceId: link.forceId,
            caseId,
            conversationId: stored.conversationId,
            messageId: stored.messageId,
          })
        return { ...stored, dueBy, settings, verdict }
      },
    )
    return {
      ...sent,
      newCrime: verdict.newCrime ? { ...verdict, signpost: settings.newCrimeRules.signpost } : null,
    }
  }

  /** The person marks an officer's message read or unread, or deletes a message from their view (CP-102). */
  async change(
    citizen: CitizenRef,
    caseId: string,
    messageId: string,
    change: 'read' | 'unread' | 'delete',
    request: CitizenRequest,
  ): Promise<void> {
    const accountId = idOf(citizen)
    await this.#cases.withCase(citizen, caseId, null, async (tx, link) => {
      const thread = await this.#conversations.portalThread(tx, link.personId, caseId)
      if (!thread) throw new ValidationError([{ field: messageField, message: 'The message was not found' }])
      await this.#conversations.citizenChange(tx, link.forceId, thread.conversation.id, messageId, change)
      await this.#audit.record(
        {
          action:
            change === 'delete'
              ? 'conversation-message.deleted-by-citizen'
              : `conversation-message.marked-${change}`,
          forceId: link.forceId,
          actor: { kind: 'citizen', id: accountId },
          recordType: 'conversation',
          recordId: thread.conversation.id,
          detail: { message: messageId },
          ip: request.ip,
          correlationId: request.id,
        },
        tx,
      )
    })
  }

  /**
   * Tells the person that the force has written (CP-99): that there is a new message, never what
   * it says, on the channel and outside the quiet hours their account chose and the force's
   * sending window (CP-100, CP-64), as soon as the force's notification settings say (CP-62,
   * CP-56). In the caller's transaction (the officer console's reply).
   */
  async notifyOfReply(tx: Tx, forceId: string, reply: { personId: string; caseId: string }): Promise<number> {
    const scheduled =
      (await this.#notify?.(tx, {
        forceId,
        caseId: reply.caseId,
        kinds: ['message'],
        personIds: [reply.personId],
      })) ?? 0
    for (const listener of this.#replyListeners)
      await listener(tx, { forceId, caseId: reply.caseId, personId: reply.personId })
    return scheduled
  }

  /** Told, in the reply's transaction, that the force wrote to the person (iHub's webhooks, CP-163). */
  onReply(listener: ReplyListener): void {
    this.#replyListeners.push(listener)
  }
}

function closedReason(c: CitizenCase): string {
  if (!c.mayMessage)
    return 'As a witness you cannot send messages here. Your investigating officer or the witness care unit will contact you.'
  if (c.kind === 'crime' && c.officer === null)
    return 'You can send messages once an investigating officer is assigned to your case.'
  if (c.kind === 'crime')
    return 'You cannot send messages about this case because it is closed or has gone to court. If something new has happened, report it.'
  return 'You can send messages once your report is recorded as a crime and an investigating officer is assigned.'
}

function answerWithin(s: MessageSettings): string {
  const days = s.slaWorkingHours / 8
  const span = Number.isInteger(days)
    ? `${days} working day${days === 1 ? '' : 's'}`
    : `${s.slaWorkingHours} working hours`
  return `Your officer aims to reply within ${span} (${s.workingStart} to ${s.workingEnd}, Monday to Friday, not bank holidays). They may be on leave or working shifts.`
}
