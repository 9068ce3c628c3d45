// The officer and supervisor console for portal messages (CP-49, CP-79, CP-88, CP-94, CP-97,
// CP-104, CP-118, CP-148; decision 0028). An officer sees "My cases" (the crimes assigned to their
// collar number that have a portal person), opens a case's conversation, and answers as free
// text or from a template, asks for information, or sends extra information, only while the case
// is open; they may recall or edit a portal message within the force's window. A reply answers
// the person's messages (and clears their escalation), is written to the RMS through the
// write-back outbox, and the person is told by text or email, held through quiet hours. A
// message left unanswered past the force's working-hours SLA escalates to the team's supervisors
// (job `officers.escalate-overdue`). Staff of another force find nothing: conversations are held
// under their own force's row-level security, and no sharing agreement opens them.
import type { ConversationMessageRow } from '../messaging/conversations/repository.ts'
import type { ConversationService, SentReply } from '../messaging/conversations/service.ts'
import { replyField } from '../messaging/conversations/service.ts'
import type { MessageKind } from '../messaging/conversations/schema.ts'
import type { CaseService } from '../cases/service.ts'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { StaffMail } from '../platform/auth/staff-mail.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { isUniqueViolation } from '../platform/db/database-error.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import type { Logger } from '../platform/logger.ts'
import type { PortalMessageService } from '../portal/message-service.ts'
import { caseTargets } from '../writeback/sent-messages.ts'
import type { WritebackService } from '../writeback/service.ts'
import type { OfficerCaseRow, OfficerRepository, SlaRow } from './repository.ts'
import type { OfficerProfile } from './schema.ts'

/** Ready-made messages an officer may start from (CP-94); the officer edits them before sending. */
export const replyTemplates: readonly { id: string; title: string; kind: MessageKind; text: string }[] = [
  {
    id: 'received',
    title: 'Thank you, I have your message',
    kind: 'message',
    text: 'Thank you for your message. I have read it and added it to your case. I will update you when there is news.',
  },
  {
    id: 'update-soon',
    title: 'An update is coming',
    kind: 'message',
    text: 'Thank you for your patience. Enquiries on your case are continuing and I will send you an update within the next week.',
  },
  {
    id: 'ask-statement-detail',
    title: 'Ask for more detail',
    kind: 'information-request',
    text: 'To help the investigation, please send me any more detail you remember: times, descriptions of people or vehicles, and anyone else who saw what happened.',
  },
  {
    id: 'support-services',
    title: 'Victim support services',
    kind: 'extra-information',
    text: 'Victim Support can help you whether or not anyone is charged. Call 08 08 16 89 111 (free, 24 hours) or visit victimsupport.org.uk.',
  },
]

export interface Acting {
  staffId: string
  displayName: string
  audited: Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'>
}

export interface OfficerConversation {
  conversationId: string
  crimeId: string
  crimeRef: string
  crimeType: string | null
  status: string
  officerName: string | null
  personId: string | null
  personName: string | null
  hasAccount: boolean
  canSend: { ok: true } | { ok: false; reason: string }
  editWindowMinutes: number
  messages: (ConversationMessageRow & { changeable: boolean })[]
}

export interface SlaReport {
  from: Date
  to: Date
  rows: SlaRow[]
  total: number
  answeredInTime: number
  answeredLate: number
  unansweredOverdue: number
  waiting: number
  /** Of the messages whose due time has passed, the share answered in time (0..1), or null. */
  compliance: number | null
}

export class OfficerConsoleService {
  readonly #db: Database
  readonly #repo: OfficerRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #conversations: ConversationService
  readonly #messages: PortalMessageService
  readonly #cases: CaseService
  readonly #writeback: WritebackService
  readonly #mail: StaffMail
  readonly #publicUrl: string
  readonly #log: Logger

  constructor(deps: {
    db: Database
    repo: OfficerRepository
    clock: Clock
    audit: AuditService
    conversations: ConversationService
    messages: PortalMessageService
    cases: CaseService
    writeback: WritebackService
    mail: StaffMail
    publicUrl: string
    log: Logger
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#conversations = deps.conversations
    this.#messages = deps.messages
    this.#cases = deps.cases
    this.#writeback = deps.writeback
    this.#mail = deps.mail
    this.#publicUrl = deps.publicUrl
    this.#log = deps.log
  }

  profile(forceId: string, staffId: string): Promise<OfficerProfile | undefined> {
    return this.#db.withForce(forceId, (tx) => this.#repo.profile(tx, staffId))
  }

  /** Records which officer (collar number) and team a member of staff is; audited. */
  async saveProfile(
    forceId: string,
    staffId: string,
    profile: { collar: string; team: string | null },
    acting: Acting,
  ): Promise<void> {
    const collar = profile.collar.trim()
    if (!/^[A-Za-z0-9-]{1,20}$/.test(collar))
      throw new ValidationError([
        { field: 'collar', message: 'Enter a collar number of up to 20 letters and digits' },
      ])
    await this.#db.withForce(forceId, async (tx) => {
      await this.#repo
        .saveProfile(tx, {
          forceId,
          staffId,
          collar,
          team: profile.team?.trim() || null,
          updatedAt: this.#clock.now(),
        })
        .catch((error: unknown) => {
          // Another member of staff of the force already has this collar number.
          if (isUniqueViolation(error, 'officer_profiles_collar'))
            throw new ValidationError([
              { field: 'collar', message: `Collar number ${collar} is already someone else's in this force` },
            ])
          throw error
        })
      await this.#audit.record(
        {
          action: 'officer-profile.saved',
          forceId,
          ...acting.audited,
          recordType: 'staff',
          recordId: staffId,
          detail: { collar },
        },
        tx,
      )
    })
  }

  /** "My cases" (CP-49): the portal cases assigned to the officer's collar number, unread and due first. */
  async myCases(
    forceId: string,
    staffId: string,
  ): Promise<{ profile: OfficerProfile | undefined; cases: OfficerCaseRow[] }> {
    return this.#db.withForce(forceId, async (tx) => {
      const profile = await this.#repo.profile(tx, staffId)
      return { profile, cases: profile ? await this.#repo.cases(tx, { collar: profile.collar }) : [] }
    })
  }

  /**
   * The members of staff whose "My cases" lists a conversation (its case's officer), for the
   * live push that tells their open page that something changed.
   */
  staffOfConversation(tx: Tx, conversationId: string): Promise<string[]> {
    return this.#repo.staffOfConversation(tx, conversationId)
  }

  /** A supervisor's team (their profile's team, or the whole force without one) and its open escalations (CP-104). */
  async team(forceId: string, staffId: string) {
    return this.#db.withForce(forceId, async (tx) => {
      const profile = await this.#repo.profile(tx, staffId)
      const team = profile?.team ?? null
      return {
        team,
        cases: await this.#repo.cases(tx, team ? { team } : 'force'),
        escalations: await this.#repo.openEscalations(tx, team),
      }
    })
  }

  /**
   * A portal conversation as the officer opens it: the person's messages are marked read and the
   * view audited (conversations' `open`). Not found in any other force, or if it is not a portal
   * conversation about a crime.
   */
  async conversation(forceId: string, conversationId: string, viewer: Acting): Promise<OfficerConversation> {
    const page = await this.#conversations.open(forceId, conversationId, {
      staffId: viewer.staffId,
      audit: (tx, id) =>
        this.#audit.record(
          {
            action: 'conversation.viewed',
            forceId,
            ...viewer.audited,
            recordType: 'conversation',
            recordId: id,
            detail: { on: 'officer console' },
          },
          tx,
        ),
    })
    const settings = await this.#messages.settings(forceId)
    return this.#db.withForce(forceId, async (tx) => {
      const found = await this.#repo.conversationCase(tx, conversationId)
      if (!found) throw new NotFoundError('The conversation')
      const hasAccount = found.personId
        ? await this.#repo.hasAccount(tx, found.personId, found.crimeId)
        : false
      const now = this.#clock.now().getTime()
      return {
        conversationId,
        crimeId: found.crimeId,
        crimeRef: found.crimeRef,
        crimeType: found.crimeType,
        status: found.status,
        officerName: found.officerName,
        personId: found.personId,
        personName: page.conversation.personName,
        hasAccount,
        canSend: sendable(found),
        editWindowMinutes: settings.editWindowMinutes,
        messages: page.messages.map((m) => ({
          ...m,
          changeable:
            m.direction === 'outbound' &&
            m.channel === 'portal' &&
            m.authorStaffId === viewer.staffId &&
            !m.recalledAt &&
            now - m.sentAt.getTime() <= settings.editWindowMinutes * 60_000,
        })),
      }
    })
  }

  /**
   * The officer writes to the person (CP-94, CP-98, CP-118, CP-107): refused while the case is
   * closed or has no officer (CP-82). In one transaction: the message is stamped in the portal,
   * the person's messages are answered and their escalations resolved, it is written to the RMS,
   * and the person is told by text or email without its content, held through quiet hours (CP-99, CP-100).
   */
  async send(
    forceId: string,
    conversationId: string,
    input: { text: string; kind: MessageKind },
    acting: Acting,
  ): Promise<SentReply & { notified: number }> {
    if (input.kind === 'information')
      throw new ValidationError([{ field: replyField, message: 'Choose what kind of message this is' }])
    const settings = await this.#messages.settings(forceId)
    const text = input.text.replace(/\r\n?/g, '\n').trim()
    if (text.length === 0) throw new ValidationError([{ field: replyField, message: 'Enter your message' }])
    if (text.length > settings.maxLength)
      throw new ValidationError([
        { field: replyField, message: `Your message must be ${settings.maxLength} characters or fewer` },
      ])
    return this.#db.withForce(forceId, async (tx) => {
      const found = await this.#repo.conversationCase(tx, conversationId)
      if (!found) throw new NotFoundError('The conversation')
      const can = sendable(found)
      if (!can.ok) throw new ValidationError([{ field: replyField, message: can.reason }])
      const sent = await this.#conversations.replyIn(tx, forceId, conversationId, {
        author: { kind: 'staff', staffId: acting.staffId, displayName: acting.displayName },
        text,
        kind: input.kind,
        audited: acting.audited,
      })
      if (input.kind !== 'extra-information')
        await this.#repo.resolveEscalations(tx, conversationId, this.#clock.now())
      const target = await caseTargets(this.#cases, tx, forceId, found.crimeId)
      if (target)
        await this.#writeback.recordCommunication(tx, {
          forceId,
          messageId: sent.messageId,
          direction: 'to-victim',
          channel: 'portal',
          time: this.#clock.now(),
          content: `${kindWords[input.kind]}${text}`,
          author: acting.displayName,
          cadLog: target.cadLog,
          crimeReference: target.crimeReference,
        })
      const notified = found.personId
        ? await this.#messages.notifyOfReply(tx, forceId, {
            personId: found.personId,
            caseId: found.crimeId,
          })
        : 0
      return { ...sent, notified }
    })
  }

  /** Recall or edit a portal message the officer sent, within the force's window (CP-97). */
  async change(
    forceId: string,
    conversationId: string,
    messageId: string,
    change: { action: 'recall' | 'edit'; text?: string },
    acting: Acting,
  ): Promise<void> {
    const settings = await this.#messages.settings(forceId)
    await this.#db.withForce(forceId, async (tx) => {
      if (change.text && change.text.length > settings.maxLength)
        throw new ValidationError([
          { field: replyField, message: `Your message must be ${settings.maxLength} characters or fewer` },
        ])
      await this.#conversations.changeSent(tx, forceId, conversationId, messageId, {
        action: change.action,
        ...(change.text !== undefined ? { text: change.text } : {}),
        staffId: acting.staffId,
        windowMinutes: settings.editWindowMinutes,
        audited: acting.audited,
      })
      const found = await this.#repo.conversationCase(tx, conversationId)
      const target = found ? await caseTargets(this.#cases, tx, forceId, found.crimeId) : undefined
      // The RMS keeps what was sent and learns of the change as a new entry (never rewritten).
      if (target)
        await this.#writeback.recordCommunication(tx, {
          forceId,
          messageId: `${messageId}:${change.action}:${this.#clock.now().getTime()}`,
          direction: 'to-victim',
          channel: 'portal',
          time: this.#clock.now(),
          content:
            change.action === 'recall'
              ? 'The officer recalled their portal message sent earlier.'
              : `The officer edited their portal message sent earlier. It now reads:\n${(change.text ?? '').trim()}`,
          author: acting.displayName,
          cadLog: target.cadLog,
          crimeReference: target.crimeReference,
        })
    })
  }

  /**
   * Tells the officer of a case that the person wrote (CP-88): an email to each member of staff
   * with the case's collar number, after the message is committed, saying where to read it and
   * never what it says. Pages open in the console hear of it through live push already.
   */
  async notifyOfficer(
    tx: Tx,
    message: { forceId: string; caseId: string; conversationId: string },
  ): Promise<void> {
    const found = await this.#repo.conversationCase(tx, message.conversationId)
    if (!found?.officerCollar) return
    const staff = await this.#repo.staffOfCollar(tx, found.officerCollar)
    if (staff.length === 0) return
    const link = `${this.#publicUrl}/console/officers/conversations/${message.conversationId}`
    this.#db.afterTransaction(tx, async (committed) => {
      if (!committed) return
      for (const s of staff)
        await this.#mail
          .send({
            userId: s.staffId,
            to: s.email,
            subject: `New portal message on ${found.crimeRef}`,
            body: `The person on ${found.crimeRef} has sent you a message in My Police Portal. Read and answer it in Waypoint: ${link}`,
            link,
          })
          .catch((error) =>
            this.#log.warn({ err: error, staffId: s.staffId }, 'officer not emailed of a portal message'),
          )
    })
  }

  /**
   * Escalates every person's message past its due time with no answer (CP-104): an escalation for
   * the officer's team's supervisors, the message marked escalated, audited. Run by the job in
   * each force; returns how many it raised.
   */
  async escalateOverdue(forceId: string, limit = 200): Promise<number> {
    return this.#db.withForce(forceId, async (tx) => {
      let raised = 0
      for (const m of await this.#conversations.overdue(tx, limit)) {
        const found = await this.#repo.conversationCase(tx, m.conversationId)
        const added = await this.#repo.addEscalation(tx, {
          forceId,
          conversationId: m.conversationId,
          messageId: m.id,
          officerCollar: found?.officerCollar ?? null,
          team: found?.team ?? null,
          dueBy: m.dueBy ?? this.#clock.now(),
          escalatedAt: this.#clock.now(),
        })
        await this.#conversations.markEscalated(tx, m.id)
        if (!added) continue
        raised += 1
        await this.#audit.record(
          {
            action: 'conversation-message.escalated',
            forceId,
            actor: { kind: 'system', name: 'officers escalation' },
            recordType: 'conversation',
            recordId: m.conversationId,
            detail: { message: m.id, team: found?.team ?? null },
          },
          tx,
        )
      }
      return raised
    })
  }

  /** SLA compliance of answers to people's portal messages sent in [from, to) (CP-148). */
  async slaReport(forceId: string, from: Date, to: Date): Promise<SlaReport> {
    const now = this.#clock.now()
    const list = await this.#db.withForce(forceId, (tx) => this.#repo.slaRows(tx, from, to))
    let answeredInTime = 0
    let answeredLate = 0
    let unansweredOverdue = 0
    let waiting = 0
    for (const r of list) {
      if (r.answeredAt && r.answeredAt <= r.dueBy) answeredInTime += 1
      else if (r.answeredAt) answeredLate += 1
      else if (r.dueBy <= now) unansweredOverdue += 1
      else waiting += 1
    }
    const decided = answeredInTime + answeredLate + unansweredOverdue
    return {
      from,
      to,
      rows: list,
      total: list.length,
      answeredInTime,
      answeredLate,
      unansweredOverdue,
      waiting,
      compliance: decided === 0 ? null : answeredInTime / decided,
    }
  }
}

const kindWords: Record<MessageKind, string> = {
  message: '',
  'information-request': 'Request for information: ',
  information: '',
  'extra-information': 'Additional information: ',
}

function sendable(c: {
  status: string
  closedAt: Date | null
  officerCollar: string | null
  officerName: string | null
}) {
  if (!c.officerCollar && !c.officerName)
    return {
      ok: false as const,
      reason: 'No investigating officer is assigned to this case, so no message can be sent',
    }
  if (c.closedAt || c.status !== 'open')
    return { ok: false as const, reason: 'This case is closed or charged, so messages can no longer be sent' }
  return { ok: true as const }
}
