// Web chat (CRM-7, CRM-8, CRM-16, CRM-34): a person chats with the force from a widget on its
// Single Online Home pages. Each chat is a conversation (channel 'chat'): what the person writes
// joins Contact's queue like a text or an email, a handler answers from the conversation page, and
// the person sees the answer at once (chat-socket.ts). Out of the force's hours the person gets
// the force's automatic reply; a force may plug in an automated first responder (a bot) that
// answers before a handler and hands over when it cannot help. When the chat ends the person can
// take a transcript (downloaded, or emailed through messaging's channels) and answer a short
// survey. Chats, messages, hand-overs, transcripts and surveys are audited.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { DateTime } from 'luxon'
import type { ConversationService } from '../messaging/conversations/service.ts'
import { chatMessageMax } from '../messaging/conversations/service.ts'
import type { DirectMessageService } from '../messaging/direct-message-service.ts'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import { ukZone } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../platform/errors.ts'
import { MAX_LENGTH } from '../platform/http/limits.ts'
import type { ChatHours, ChatMessageRow, ChatRepository, ChatRow, SurveyReport } from './chat-repository.ts'
import type { QueueService } from './queue.ts'
import type { Skill } from './queue-repository.ts'

export { chatMessageMax }

/** The most a person may write: this many messages in `rateWindowMs`. */
export const chatRate = { messages: 8, windowMs: 10_000 }
export const chatNameMax = 100
export const surveyCommentMax = 500
export const outOfHoursReplyMax = 1000
export const maxAllowedOrigins = 20

export const weekdays = [
  { day: '1', name: 'Monday' },
  { day: '2', name: 'Tuesday' },
  { day: '3', name: 'Wednesday' },
  { day: '4', name: 'Thursday' },
  { day: '5', name: 'Friday' },
  { day: '6', name: 'Saturday' },
  { day: '7', name: 'Sunday' },
] as const

export const surveyRatings = [
  { value: 5, text: 'Very satisfied' },
  { value: 4, text: 'Satisfied' },
  { value: 3, text: 'Neither satisfied nor dissatisfied' },
  { value: 2, text: 'Dissatisfied' },
  { value: 1, text: 'Very dissatisfied' },
] as const

export interface ChatSettings {
  enabled: boolean
  allowedOrigins: string[]
  hours: ChatHours
  outOfHoursReply: string
  updatedAt: Date | null
}

/** What a force has until its administrator sets its own: open 8am–8pm every day. */
export const defaultChatSettings: ChatSettings = {
  enabled: true,
  allowedOrigins: [],
  hours: Object.fromEntries(weekdays.map((d) => [d.day, ['08:00', '20:00']])) as ChatHours,
  outOfHoursReply:
    'Thank you for your message. Our web chat is closed at the moment; we have your message and will answer it when we open. If you are in danger or a crime is happening now, call 999.',
  updatedAt: null,
}

/**
 * The seam for an automated first responder (CRM-7; user stories 8, 9 and 11): when a force has
 * one, the chat asks it first about each message until it hands over, and shows the person that
 * the answer is automated. Waypoint has none by default; the force's chat then goes straight to
 * the queue.
 */
export interface ChatFirstResponder {
  /** The name the person sees beside its answers, marked as automated. */
  readonly name: string
  respond(input: {
    forceId: string
    chatId: string
    text: string
    history: { from: 'citizen' | 'responder' | 'staff'; text: string }[]
  }): Promise<FirstResponderAnswer>
}

/** What a first responder says about a message, and whether the chat now goes to a person. */
export interface FirstResponderAnswer {
  reply?: string
  handOver: boolean
  /** On hand-over, the contact's queue priority (1 urgent … 4 low) and skill, if not the channel's. */
  priority?: number
  skill?: Skill
  /** Why it answered or handed over (an intent, its confidence, signs of danger), audited. */
  detail?: Record<string, unknown>
}

/** The force's first responder, if it has one switched on. */
export type FirstResponderFor = (
  forceId: string,
) => ChatFirstResponder | undefined | Promise<ChatFirstResponder | undefined>

/** One message as the person's chat window shows it. */
export interface ChatMessage {
  id: string
  from: 'citizen' | 'staff' | 'bot'
  /** The handler's first name, the responder's name or "Automatic reply"; null for the person. */
  name: string | null
  text: string
  at: string
}

export interface ChatState {
  chatId: string
  conversationId: string
  ended: boolean
  endedBy: 'citizen' | 'staff' | null
  surveyed: boolean
  outOfHours: boolean
  messages: ChatMessage[]
}

export interface Audited {
  ip?: string | null
  correlationId?: string | null
}

const autoReplyName = 'Automatic reply'

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Whether the force's chat is open at `now` (UK wall clock, by weekday). */
export function isOpen(hours: ChatHours, now: Date): boolean {
  const local = DateTime.fromJSDate(now, { zone: ukZone })
  const today = hours[String(local.weekday)]
  if (!today) return false
  const hhmm = local.toFormat('HH:mm')
  return hhmm >= today[0] && hhmm < today[1]
}

/** An origin as a browser sends it (scheme, host, port), or undefined if `value` is not one. */
export function parseOrigin(value: string, allowHttp: boolean): string | undefined {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    // Expected: what was typed is not a URL.
    return undefined
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return undefined
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
    return undefined
  return url.origin
}

export class ChatService {
  readonly #db: Database
  readonly #repo: ChatRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #conversations: ConversationService
  readonly #queue: QueueService
  readonly #direct: (() => DirectMessageService | undefined) | undefined
  readonly #responder: FirstResponderFor
  readonly #allowHttpOrigins: boolean

  constructor(deps: {
    db: Database
    repo: ChatRepository
    clock: Clock
    audit: AuditService
    conversations: ConversationService
    queue: QueueService
    /** Emails transcripts through messaging's dispatch. */
    direct?: () => DirectMessageService | undefined
    /** The force's automated first responder; none by default. */
    firstResponder?: FirstResponderFor
    /** Whether http:// origins may embed the widget (not in production). */
    allowHttpOrigins: boolean
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#conversations = deps.conversations
    this.#queue = deps.queue
    this.#direct = deps.direct
    this.#responder = deps.firstResponder ?? (() => undefined)
    this.#allowHttpOrigins = deps.allowHttpOrigins
  }

  async #record(tx: Tx, forceId: string, action: string, chatId: string, audited: Audited, detail = {}) {
    const actor: AuditEvent['actor'] = { kind: 'citizen', id: null, name: 'Web chat' }
    await this.#audit.record(
      {
        action,
        forceId,
        actor,
        ip: audited.ip ?? null,
        correlationId: audited.correlationId ?? null,
        recordType: 'contact-chat',
        recordId: chatId,
        detail,
      },
      tx,
    )
  }

  settings(forceId: string): Promise<ChatSettings> {
    return this.#db.withForce(forceId, async (tx) => (await this.#repo.settings(tx)) ?? defaultChatSettings)
  }

  /** Whether a page on `origin` may embed the force's chat. */
  async allows(forceId: string, origin: string | undefined): Promise<boolean> {
    if (!origin) return false
    const settings = await this.settings(forceId)
    return settings.enabled && settings.allowedOrigins.includes(origin)
  }

  /**
   * A force administrator sets the origins that may embed the widget, the opening hours and the
   * out-of-hours reply; refused with each field's error, audited with what changed.
   */
  async saveSettings(
    forceId: string,
    input: { enabled?: string; origins?: string; outOfHoursReply?: string } & Record<
      string,
      string | undefined
    >,
    acting: {
      actor: AuditEvent['actor']
      ip?: string | null
      correlationId?: string | null
      staffId: string
    },
  ): Promise<void> {
    const errors: { field: string; message: string }[] = []
    const lines = (input.origins ?? '')
      .split(/[\s,]+/)
      .map((l) => l.trim())
      .filter(Boolean)
    const origins: string[] = []
    for (const line of lines) {
      const origin = parseOrigin(line, this.#allowHttpOrigins)
      if (!origin) {
        errors.push({
          field: 'origins',
          message: `Enter each website as its address without a path, like https://www.essex.police.uk (not ${line.slice(0, 60)})`,
        })
        break
      }
      if (!origins.includes(origin)) origins.push(origin)
    }
    if (origins.length > maxAllowedOrigins)
      errors.push({ field: 'origins', message: `Enter at most ${maxAllowedOrigins} websites` })
    const hours: ChatHours = {}
    const time = /^([01]\d|2[0-3]):[0-5]\d$/
    for (const { day, name } of weekdays) {
      const opens = (input[`opens-${day}`] ?? '').trim()
      const closes = (input[`closes-${day}`] ?? '').trim()
      if (!opens && !closes) {
        hours[day] = null
        continue
      }
      if (!time.test(opens) || !time.test(closes) || opens >= closes) {
        errors.push({
          field: `opens-${day}`,
          message: `Enter ${name}’s opening and closing times as 24-hour times like 08:00 and 20:00, closing after opening, or leave both empty if closed`,
        })
        continue
      }
      hours[day] = [opens, closes]
    }
    const reply = (input.outOfHoursReply ?? '').replace(/\r\n?/g, '\n').trim()
    if (!reply) errors.push({ field: 'outOfHoursReply', message: 'Enter the reply people get out of hours' })
    else if (reply.length > outOfHoursReplyMax)
      errors.push({
        field: 'outOfHoursReply',
        message: `The out-of-hours reply must be ${outOfHoursReplyMax} characters or fewer`,
      })
    if (errors.length) throw new ValidationError(errors)
    const enabled = input.enabled !== 'no'
    await this.#db.withForce(forceId, async (tx) => {
      const before = (await this.#repo.settings(tx)) ?? defaultChatSettings
      await this.#repo.saveSettings(tx, forceId, {
        enabled,
        allowedOrigins: origins,
        hours,
        outOfHoursReply: reply,
        updatedAt: this.#clock.now(),
        updatedBy: acting.staffId,
      })
      await this.#audit.record(
        {
          action: 'contact.chat-settings-changed',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'contact-chat-settings',
          recordId: forceId,
          detail: {
            enabled,
            originsAdded: origins.filter((o) => !before.allowedOrigins.includes(o)),
            originsRemoved: before.allowedOrigins.filter((o) => !origins.includes(o)),
            hours,
            outOfHoursReplyChanged: reply !== before.outOfHoursReply,
          },
        },
        tx,
      )
    })
  }

  #checkText(text: unknown, field = 'text'): string {
    const clean = (typeof text === 'string' ? text : '').replace(/\r\n?/g, '\n').trim()
    if (!clean) throw new ValidationError([{ field, message: 'Enter your message' }])
    if (clean.length > chatMessageMax)
      throw new ValidationError([
        { field, message: `Your message must be ${chatMessageMax} characters or fewer` },
      ])
    return clean
  }

  /**
   * A person starts a chat with their first message (and, if they give it, their name): the chat's
   * conversation opens and joins the queue, or the force's first responder answers first. Out of
   * hours the force's automatic reply follows at once. Returns the token the person's window
   * holds (kept only as its hash) and the chat as it stands.
   */
  async start(
    forceId: string,
    input: { name?: unknown; text?: unknown; origin: string },
    audited: Audited = {},
  ): Promise<{ token: string; state: ChatState }> {
    const text = this.#checkText(input.text)
    const name = typeof input.name === 'string' ? input.name.trim() : ''
    if (name.length > chatNameMax)
      throw new ValidationError([
        { field: 'name', message: `Your name must be ${chatNameMax} characters or fewer` },
      ])
    const token = randomBytes(32).toString('base64url')
    const chatId = randomUUID()
    const responder = await this.#responder(forceId)
    const state = await this.#db.withForce(forceId, async (tx) => {
      const settings = (await this.#repo.settings(tx)) ?? defaultChatSettings
      if (!settings.enabled)
        throw new DomainError('chat-closed', 'Web chat is not available at the moment', { status: 503 })
      const now = this.#clock.now()
      const outOfHours = !isOpen(settings.hours, now)
      const received = await this.#conversations.receiveChat(tx, forceId, {
        chatId,
        conversationId: null,
        displayName: name || null,
        text,
        queue: !responder,
      })
      await this.#repo.insertChat(tx, {
        id: chatId,
        forceId,
        conversationId: received.conversationId,
        tokenHash: hashToken(token),
        origin: input.origin,
        at: now,
        outOfHours,
        responder: responder?.name ?? null,
      })
      await this.#record(tx, forceId, 'contact.chat-started', chatId, audited, {
        conversation: received.conversationId,
        origin: input.origin,
        outOfHours,
        responder: responder?.name ?? null,
      })
      if (outOfHours)
        await this.#conversations.replyIn(tx, forceId, received.conversationId, {
          author: { kind: 'bot', name: autoReplyName },
          text: settings.outOfHoursReply,
          audited: { actor: { kind: 'system', id: null, name: 'Web chat' } },
        })
      return this.#state(tx, (await this.#repo.chat(tx, chatId))!)
    })
    if (responder)
      return { token, state: await this.#askResponder(forceId, chatId, text, responder, audited) }
    return { token, state }
  }

  async #chatOf(tx: Tx, token: unknown): Promise<ChatRow> {
    const chat =
      typeof token === 'string' && token ? await this.#repo.chatByToken(tx, hashToken(token)) : undefined
    if (!chat) throw new NotFoundError('The chat')
    return chat
  }

  async #state(tx: Tx, chat: ChatRow): Promise<ChatState> {
    return {
      chatId: chat.id,
      conversationId: chat.conversationId,
      ended: chat.endedAt !== null,
      endedBy: chat.endedBy,
      surveyed: chat.surveyed,
      outOfHours: chat.outOfHours,
      messages: (await this.#repo.messages(tx, chat.conversationId)).map(chatMessage),
    }
  }

  /** The chat a token opens, with its messages (a window reconnecting); not found otherwise. */
  resume(forceId: string, token: unknown): Promise<ChatState> {
    return this.#db.withForce(forceId, async (tx) => this.#state(tx, await this.#chatOf(tx, token)))
  }

  /** The chat's messages as its window shows them. */
  messages(forceId: string, conversationId: string): Promise<ChatMessage[]> {
    return this.#db.withForce(forceId, async (tx) =>
      (await this.#repo.messages(tx, conversationId)).map(chatMessage),
    )
  }

  /**
   * A further message from the person: refused once the chat has ended, when too long, or when
   * they write faster than `chatRate` allows (429).
   */
  async send(
    forceId: string,
    token: unknown,
    input: { text?: unknown },
    audited: Audited = {},
  ): Promise<ChatMessage> {
    const text = this.#checkText(input.text)
    const { chat, message } = await this.#db.withForce(forceId, async (tx) => {
      const chat = await this.#chatOf(tx, token)
      if (chat.endedAt)
        throw new DomainError('chat-ended', 'This chat has ended: start a new one to write again', {
          status: 409,
        })
      const now = this.#clock.now()
      const recent = await this.#repo.inboundSince(
        tx,
        chat.conversationId,
        new Date(now.getTime() - chatRate.windowMs),
      )
      if (recent >= chatRate.messages)
        throw new DomainError(
          'too-many-messages',
          'You are sending messages too quickly: wait a few seconds',
          {
            status: 429,
          },
        )
      const received = await this.#conversations.receiveChat(tx, forceId, {
        chatId: chat.id,
        conversationId: chat.conversationId,
        displayName: null,
        text,
        queue: chat.responder === null,
      })
      return {
        chat,
        message: {
          id: received.messageId,
          from: 'citizen' as const,
          name: null,
          text,
          at: received.sentAt.toISOString(),
        },
      }
    })
    const responder = chat.responder ? await this.#responder(forceId) : undefined
    if (responder) await this.#askResponder(forceId, chat.id, text, responder, audited)
    return message
  }

  /**
   * Asks the force's first responder about the person's message, outside any transaction (it may
   * take a while): its answer goes in the chat as automated; when it hands over, the chat joins
   * the queue, audited.
   */
  async #askResponder(
    forceId: string,
    chatId: string,
    text: string,
    responder: ChatFirstResponder,
    audited: Audited,
  ): Promise<ChatState> {
    const history = await this.#db.withForce(forceId, async (tx) => {
      const chat = (await this.#repo.chat(tx, chatId))!
      return (await this.#repo.messages(tx, chat.conversationId)).map((m) => ({
        from:
          m.direction === 'inbound'
            ? ('citizen' as const)
            : m.authorKind === 'staff'
              ? ('staff' as const)
              : ('responder' as const),
        text: m.body,
      }))
    })
    const answer = await responder.respond({ forceId, chatId, text, history })
    return this.#db.withForce(forceId, async (tx) => {
      const chat = (await this.#repo.chat(tx, chatId))!
      if (answer.reply?.trim())
        await this.#conversations.replyIn(tx, forceId, chat.conversationId, {
          author: { kind: 'bot', name: responder.name },
          text: answer.reply.trim().slice(0, chatMessageMax),
          audited: { actor: { kind: 'system', id: null, name: responder.name } },
        })
      await this.#record(tx, forceId, 'contact.chat-responder-answered', chatId, audited, {
        responder: responder.name,
        handOver: answer.handOver,
        ...answer.detail,
      })
      if (answer.handOver && chat.responder) {
        await this.#repo.handOver(tx, chatId)
        const [latest] = (await this.#repo.messages(tx, chat.conversationId))
          .filter((m) => m.direction === 'inbound')
          .slice(-1)
        await this.#queue.enqueue(tx, {
          forceId,
          conversationId: chat.conversationId,
          personId: null,
          channel: 'chat',
          ...(answer.priority ? { priority: answer.priority } : {}),
          ...(answer.skill ? { skill: answer.skill } : {}),
        })
        await this.#record(tx, forceId, 'contact.chat-handed-over', chatId, audited, {
          responder: responder.name,
          message: latest?.id ?? null,
          priority: answer.priority ?? null,
          skill: answer.skill ?? null,
        })
      }
      return this.#state(tx, (await this.#repo.chat(tx, chatId))!)
    })
  }

  /** The person ends the chat: its conversation closes; the handler still records the outcome. */
  async end(forceId: string, token: unknown, audited: Audited = {}): Promise<ChatState> {
    return this.#db.withForce(forceId, async (tx) => {
      const chat = await this.#chatOf(tx, token)
      if (await this.#repo.end(tx, chat.id, 'citizen', this.#clock.now())) {
        await this.#conversations.close(tx, forceId, chat.conversationId)
        await this.#record(tx, forceId, 'contact.chat-ended', chat.id, audited, { by: 'citizen' })
      }
      return this.#state(tx, (await this.#repo.chat(tx, chat.id))!)
    })
  }

  /**
   * Whether the handler has ended the chat's contact (wrap-up or closed): if so the chat ends too
   * (by staff), its conversation closes, and true is returned.
   */
  async endedByStaff(forceId: string, chatId: string): Promise<boolean> {
    return this.#db.withForce(forceId, async (tx) => {
      const chat = await this.#repo.chat(tx, chatId)
      if (!chat) return false
      if (chat.endedAt) return true
      const contact = await this.#repo.contactOf(tx, chat.conversationId)
      if (!contact || (contact.status !== 'wrap_up' && contact.status !== 'closed')) return false
      if (await this.#repo.end(tx, chat.id, 'staff', this.#clock.now())) {
        await this.#conversations.close(tx, forceId, chat.conversationId)
        await this.#record(
          tx,
          forceId,
          'contact.chat-ended',
          chat.id,
          {},
          { by: 'staff', contact: contact.id },
        )
      }
      return true
    })
  }

  /** The contact (queue item) of a chat's conversation, for the socket to follow. */
  contactOf(forceId: string, conversationId: string): Promise<{ id: string; status: string } | undefined> {
    return this.#db.withForce(forceId, (tx) => this.#repo.contactOf(tx, conversationId))
  }

  /** The chat as plain text, for the person to keep; audited. */
  async transcript(
    forceId: string,
    forceName: string,
    token: unknown,
    audited: Audited = {},
    how: 'downloaded' | 'emailed' = 'downloaded',
  ): Promise<{ chatId: string; text: string; startedAt: Date }> {
    return this.#db.withForce(forceId, async (tx) => {
      const chat = await this.#chatOf(tx, token)
      const messages = await this.#repo.messages(tx, chat.conversationId)
      await this.#record(tx, forceId, 'contact.chat-transcript-taken', chat.id, audited, { how })
      return { chatId: chat.id, text: transcriptText(forceName, chat, messages), startedAt: chat.startedAt }
    })
  }

  /** Emails the transcript to the address the person gives, through messaging's dispatch. */
  async emailTranscript(
    forceId: string,
    forceName: string,
    token: unknown,
    input: { email?: unknown },
    audited: Audited = {},
  ): Promise<void> {
    const email = typeof input.email === 'string' ? input.email.trim() : ''
    if (!email) throw new ValidationError([{ field: 'email', message: 'Enter your email address' }])
    if (email.length > MAX_LENGTH.email)
      throw new ValidationError([
        { field: 'email', message: `Your email address must be ${MAX_LENGTH.email} characters or fewer` },
      ])
    const direct = this.#direct?.()
    if (!direct)
      throw new DomainError('not-configured', 'Transcripts cannot be emailed at the moment', { status: 503 })
    await this.#db.withForce(forceId, async (tx) => {
      const chat = await this.#chatOf(tx, token)
      const messages = await this.#repo.messages(tx, chat.conversationId)
      const text = transcriptText(forceName, chat, messages)
      if (text.length > MAX_LENGTH.longText)
        throw new ValidationError([
          { field: 'email', message: 'This chat is too long to email: download the transcript instead' },
        ])
      await direct.send(
        tx,
        {
          forceId,
          personId: null,
          caseId: null,
          channel: 'email',
          to: email,
          subject: `Your web chat with ${forceName}`,
          text,
          actorId: chat.id,
          urgent: true,
        },
        'email',
      )
      await this.#record(tx, forceId, 'contact.chat-transcript-taken', chat.id, audited, { how: 'emailed' })
    })
  }

  /**
   * A message sent with the plain form that stands in for the chat without JavaScript: it becomes
   * an email from the person (answered by email), in the queue like any other.
   */
  async receiveForm(
    forceId: string,
    input: { name: string | null; email: string; text: string; ref: string },
  ): Promise<{ conversationId: string }> {
    const text = this.#checkText(input.text, 'message')
    const received = await this.#db.withForce(forceId, (tx) =>
      this.#conversations.receive(tx, forceId, {
        channel: 'email',
        provider: 'web-form',
        providerRef: input.ref,
        from: input.email,
        fromName: input.name,
        to: null,
        subject: 'Message from the website',
        body: text,
        receivedAt: null,
        attachments: [],
      }),
    )
    return { conversationId: received.conversationId }
  }

  /** The person's answer to the survey after the chat: once per chat, only once it has ended. */
  async survey(
    forceId: string,
    token: unknown,
    input: { rating?: unknown; comment?: unknown },
    audited: Audited = {},
  ): Promise<void> {
    const rating = Number(input.rating)
    const comment = typeof input.comment === 'string' ? input.comment.replace(/\r\n?/g, '\n').trim() : ''
    const errors = []
    if (!Number.isInteger(rating) || rating < 1 || rating > 5)
      errors.push({ field: 'rating', message: 'Choose how satisfied you are with the chat' })
    if (comment.length > surveyCommentMax)
      errors.push({
        field: 'comment',
        message: `Your comment must be ${surveyCommentMax} characters or fewer`,
      })
    if (errors.length) throw new ValidationError(errors)
    await this.#db.withForce(forceId, async (tx) => {
      const chat = await this.#chatOf(tx, token)
      if (!chat.endedAt)
        throw new DomainError('chat-not-ended', 'The survey is for after the chat has ended', { status: 409 })
      const stored = await this.#repo.insertSurvey(tx, {
        chatId: chat.id,
        forceId,
        rating,
        comment: comment || null,
        at: this.#clock.now(),
      })
      if (!stored)
        throw new DomainError('survey-answered', 'You have already answered the survey for this chat', {
          status: 409,
        })
      await this.#record(tx, forceId, 'contact.chat-survey-answered', chat.id, audited, { rating })
    })
  }

  /** Chats and survey answers over the last `days` days, for supervisors. */
  report(forceId: string, days: number): Promise<SurveyReport & { from: Date; to: Date }> {
    const to = this.#clock.now()
    const from = new Date(to.getTime() - days * 86_400_000)
    return this.#db.withForce(forceId, async (tx) => ({
      ...(await this.#repo.report(tx, from, to)),
      from,
      to,
    }))
  }
}

function chatMessage(m: ChatMessageRow): ChatMessage {
  const from = m.direction === 'inbound' ? 'citizen' : m.authorKind === 'staff' ? 'staff' : 'bot'
  return {
    id: m.id,
    from,
    // A handler goes by their first name only.
    name: from === 'citizen' ? null : from === 'staff' ? (m.author ?? '').split(/\s+/)[0] || null : m.author,
    text: m.body,
    at: m.sentAt.toISOString(),
  }
}

function transcriptText(forceName: string, chat: ChatRow, messages: ChatMessageRow[]): string {
  const when = (d: Date) => DateTime.fromJSDate(d, { zone: ukZone }).toFormat('d LLLL yyyy, HH:mm')
  const lines = [`Web chat with ${forceName}`, `Started ${when(chat.startedAt)} (UK time)`, '']
  for (const m of messages.map(chatMessage)) {
    const who =
      m.from === 'citizen'
        ? 'You'
        : m.from === 'staff'
          ? `${m.name ?? 'Handler'} (${forceName})`
          : `${m.name} (automated)`
    lines.push(`${DateTime.fromISO(m.at, { zone: ukZone }).toFormat('HH:mm')} ${who}: ${m.text}`)
  }
  if (chat.endedAt) lines.push('', `Ended ${when(chat.endedAt)}`)
  return `${lines.join('\n')}\n`
}
