// Conversations: the rules of two-way communication. An inbound message (any channel, already
// turned into one shape by its channel's `receive`) is stored once per provider id, matched to a
// person by the address it came from, and filed in the conversation of the case that person was
// last messaged about, or a new one; a sender nobody matches is kept for staff to triage.
import type { AuditEvent, AuditService } from '../../platform/audit/audit-service.ts'
import type { Clock } from '../../platform/clock.ts'
import type { Database, Tx } from '../../platform/db/database.ts'
import { DomainError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { PushService } from '../../platform/push/push-service.ts'
import { addressKey } from '../addresses.ts'
import type { InboundMessage } from '../channels.ts'
import { isStopRequest } from '../addresses.ts'
import type { DirectMessageService } from '../direct-message-service.ts'
import type { OptOutService } from '../opt-out-service.ts'
import type { ConversationChannel, MessageKind } from './schema.ts'
import type {
  AttachmentRow,
  ConversationMessageRow,
  ConversationRepository,
  ConversationRow,
  JourneyMessageRow,
  ParticipantRow,
} from './repository.ts'

/** What a stored attachment may be: larger files and more of them are refused with the message. */
export const attachmentLimits = {
  maxAttachmentBytes: 10 * 1024 * 1024,
  maxAttachments: 10,
} as const

export interface ReceivedMessage {
  messageId: string
  conversationId: string
  personId: string | null
  /** False when the provider delivered a message already stored (same provider id). */
  created: boolean
}

/** One entry of a person's message timeline: journey messages and conversation messages. */
export interface PersonMessageEntry {
  at: Date
  direction: 'inbound' | 'outbound'
  channel: string
  source: 'journey' | 'conversation'
  subject: string | null
  body: string
  /** Delivery state in words, and read state for conversation messages. */
  status: string
  read: boolean | null
  conversationId: string | null
  journeyMessageId: string | null
  /** Who wrote an outbound conversation message (a member of staff, a bot); null otherwise. */
  author: string | null
}

/** Who writes an outbound message: a member of staff, or a bot (no bot writes yet). */
export type ReplyAuthor =
  | { kind: 'staff'; staffId: string; displayName: string }
  | { kind: 'bot'; name: string }

export interface Reply {
  author: ReplyAuthor
  text: string
  /** An email's subject; by default "Re: " and the conversation's. */
  subject?: string | null
  /** Who and where, for the audit trail (`whoAndWhere(request)` on a route). */
  audited: Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'>
  /** An ordinary reply, a request for information (CP-107) or extra information (CP-118). */
  kind?: MessageKind
}

/** A message a signed-in person writes in the Portal about one of their cases (CP-76). */
export interface PortalMessage {
  personId: string
  caseId: string
  /** The portal account that wrote it (the participant's address is `portal:<account>`). */
  accountId: string
  displayName: string | null
  text: string
  /** A message, or information answering the force's request (CP-107). */
  kind: 'message' | 'information'
  answersRequest?: string | null
  /** When it is due an answer under the force's SLA (CP-104). */
  dueBy: Date | null
  /** The new-crime rule it matched (CP-84), if any. */
  newCrimeRule: string | null
  /** Where it came from, for the audit trail. */
  audited?: { ip?: string; correlationId?: string }
}

export interface SentReply {
  messageId: string
  conversationId: string
  channel: ConversationChannel
  /** When it goes: now, or when the channel's quiet hours end. */
  sendAfter: Date
  heldForQuietHours: boolean
}

/**
 * A reply goes at once, even in quiet hours, when the person wrote in the conversation within
 * this long: they are awake and waiting for the answer. Otherwise quiet hours hold it (decision
 * 0025).
 */
export const inConversationMs = 30 * 60_000

/** Why the conversations page does not answer a portal conversation itself. */
export const portalReplyElsewhere =
  'Portal messages are answered by the investigating officer from Portal, My cases, which checks the case is open and tells the person'

/** The longest message either side may write in a web chat. */
export const chatMessageMax = 2000

/** Where the form's text goes: its field name, for the error summary. */
export const replyField = 'reply'

export interface ConversationPage {
  conversation: ConversationRow
  participants: ParticipantRow[]
  messages: (ConversationMessageRow & { attachments: AttachmentRow[] })[]
  markedRead: number
}

/** A message a person sent, just stored: what a listener (Contact's queue) is told, in its transaction. */
export interface ReceivedEvent {
  forceId: string
  conversationId: string
  messageId: string
  personId: string | null
  channel: ConversationChannel
}

export type ReceivedListener = (tx: Tx, event: ReceivedEvent) => Promise<void>

/** Queues a reply on the channel `social` for the connector (in the reply's transaction). */
export type SocialSender = (
  tx: Tx,
  reply: { forceId: string; conversationId: string; messageId: string; to: string; text: string },
) => Promise<void>

/** A message a person sent on a social platform, as the force's connector posted it (CRM-8). */
export interface SocialMessage {
  /** The platform's name, as the connector gives it (a key: `facebook`, `x`). */
  platform: string
  /** The platform's id for the message: sent again, it is taken once. */
  messageId: string
  /** The platform's id for the sender (their account or thread). */
  senderId: string
  senderName: string | null
  text: string
}

/** The longest message a person may send, or a handler reply, on the social channel. */
export const socialMessageMax = 4000

/** Hears that a conversation changed (a message arrived, was sent, delivered, read or changed). */
export type ChangedListener = (tx: Tx, forceId: string, conversationId: string) => Promise<void>

/** Live push topics: one conversation (key: its id) and one person's messages (key: their id). */
export const conversationTopic = 'conversation'
export const personMessagesTopic = 'person-messages'

export class ConversationService {
  readonly #db: Database
  readonly #repo: ConversationRepository
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #push: PushService | undefined
  readonly #direct: DirectMessageService | undefined
  readonly #onAttachments: ((tx: Tx) => Promise<unknown>) | undefined
  readonly #optOuts: OptOutService | undefined
  readonly #receivedListeners: ReceivedListener[] = []
  readonly #changedListeners: ChangedListener[] = []
  #socialSender: SocialSender | undefined

  constructor(deps: {
    db: Database
    repo: ConversationRepository
    clock: Clock
    audit: AuditService
    /** Pages showing a conversation or a person's messages hear of each change at once. */
    push?: PushService
    /** Sends replies by text and email through messaging's dispatch. */
    direct?: DirectMessageService
    /** Runs in the transaction that stores a message's attachments (asks for their scan). */
    onAttachments?: (tx: Tx) => Promise<unknown>
    /** A STOP text opts its number out (UJ-6). */
    optOuts?: OptOutService
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#push = deps.push
    this.#direct = deps.direct
    this.#onAttachments = deps.onAttachments
    this.#optOuts = deps.optOuts
  }

  /**
   * Subscribes to messages people send: the listener runs inside the transaction that stores each
   * new one (a message delivered again is not new), so what it does commits with it.
   */
  onReceived(listener: ReceivedListener): void {
    this.#receivedListeners.push(listener)
  }

  /**
   * Who posts a reply on the channel `social` to the force's connector (Contact's social channel,
   * CRM-8): called in the transaction that stores the reply, so it is queued with it.
   */
  sendSocialWith(sender: SocialSender): void {
    this.#socialSender = sender
  }

  /**
   * Subscribes to every change of a conversation, inside the transaction that makes it (so what
   * the listener publishes goes only if the change commits). Used by pages that list
   * conversations, such as the officer's "My cases".
   */
  onChanged(listener: ChangedListener): void {
    this.#changedListeners.push(listener)
  }

  /**
   * Tells open pages that a conversation changed (a message arrived, was delivered or was read),
   * once `tx` commits: the conversation's page, and its person's page when it has a person. Ids
   * only: the pages fetch what changed themselves.
   */
  async #changed(
    tx: Tx,
    forceId: string,
    conversation: { id: string; personId: string | null },
    ids: Record<string, string>,
  ): Promise<void> {
    for (const listener of this.#changedListeners) await listener(tx, forceId, conversation.id)
    if (!this.#push) return
    await this.#push.publish({ forceId, topic: conversationTopic, key: conversation.id, ids }, tx)
    if (conversation.personId)
      await this.#push.publish(
        {
          forceId,
          topic: personMessagesTopic,
          key: conversation.personId,
          ids: { conversation: conversation.id, ...ids },
        },
        tx,
      )
  }

  /**
   * A message a person sent on a social platform (CRM-8), in the caller's transaction: kept once
   * by the platform's message id in the sender's open conversation on the channel `social` (its
   * address `social:<platform>:<sender id>`; a new one the first time), audited as from the
   * connector and pushed; the listeners hear of it, so it joins Contact's queue.
   */
  async receiveSocial(
    tx: Tx,
    forceId: string,
    message: SocialMessage,
  ): Promise<{ messageId: string; conversationId: string; created: boolean }> {
    const address = `social:${message.platform}:${message.senderId}`
    await this.#repo.lockAddress(tx, forceId, address)
    const providerRef = `${message.platform}:${message.messageId}`
    const existing = await this.#repo.messageByProviderRef(tx, 'social', providerRef)
    if (existing) return { messageId: existing.id, conversationId: existing.conversationId, created: false }
    const now = this.#clock.now()
    const conversationId =
      (await this.#repo.openConversationOf(tx, { addressKey: address }))?.id ??
      (await this.#repo.createConversation(tx, {
        forceId,
        personId: null,
        caseId: null,
        channel: 'social',
        citizenAddressKey: address,
        subject: null,
        at: now,
      }))
    const participantId = await this.#repo.citizenParticipant(tx, conversationId, {
      forceId,
      personId: null,
      address,
      displayName: message.senderName,
      at: now,
    })
    const stored = await this.#repo.addMessage(tx, {
      forceId,
      conversationId,
      participantId,
      direction: 'inbound',
      channel: 'social',
      provider: 'social',
      providerRef,
      fromAddress: address,
      toAddress: null,
      subject: null,
      body: message.text.replace(/\r\n?/g, '\n').trim(),
      deliveryStatus: 'received',
      sentAt: now,
    })
    if (!stored.created) return { messageId: stored.id, conversationId, created: false }
    await this.#changed(tx, forceId, { id: conversationId, personId: null }, { message: stored.id })
    for (const listener of this.#receivedListeners)
      await listener(tx, { forceId, conversationId, messageId: stored.id, personId: null, channel: 'social' })
    // Last: the audit chain's head stays locked from here to the commit (decision 0029).
    await this.#audit.record(
      {
        action: 'conversation-message.received',
        forceId,
        actor: { kind: 'system', name: `Social media (${message.platform})` },
        recordType: 'conversation',
        recordId: conversationId,
        detail: { channel: 'social', platform: message.platform },
      },
      tx,
    )
    return { messageId: stored.id, conversationId, created: true }
  }

  /**
   * What the connector did with a social reply (CRM-8): taken (`sent`) or given up on (`failed`,
   * with the reason), shown with the reply; pages showing the conversation are told.
   */
  async socialDelivery(
    tx: Tx,
    forceId: string,
    messageId: string,
    outcome: { status: 'sent' | 'failed'; reason: string | null },
  ): Promise<void> {
    const message = await this.#repo.message(tx, messageId)
    if (!message) return
    await this.#repo.setDelivery(tx, messageId, {
      status: outcome.status,
      failure: outcome.status === 'failed' ? 'permanent' : null,
      reason: outcome.reason,
    })
    const conversation = await this.#repo.conversation(tx, message.conversationId)
    if (conversation) await this.#changed(tx, forceId, conversation, { message: messageId })
  }

  /**
   * A letter made for the person (CRM-21), in the caller's transaction: an outbound message of
   * the conversation on the channel `letter`, its text the letter's, waiting to be printed and
   * posted (`queued`); the PDF is its attachment, scanned like any other file before anyone may
   * download it. Pages showing the conversation or the person are told.
   */
  async addLetter(
    tx: Tx,
    forceId: string,
    letter: {
      conversationId: string
      author: { staffId: string; displayName: string }
      to: string
      subject: string
      body: string
      filename: string
      pdf: Buffer
    },
  ): Promise<{ messageId: string; attachmentId: string; sha256: string }> {
    const conversation = await this.#repo.conversation(tx, letter.conversationId)
    if (!conversation) throw new NotFoundError('The conversation')
    const now = this.#clock.now()
    const participantId = await this.#repo.authorParticipant(tx, conversation.id, {
      forceId,
      kind: 'staff',
      staffId: letter.author.staffId,
      displayName: letter.author.displayName,
      at: now,
    })
    const stored = await this.#repo.addMessage(tx, {
      forceId,
      conversationId: conversation.id,
      participantId,
      direction: 'outbound',
      channel: 'letter',
      provider: 'letter',
      providerRef: null,
      fromAddress: null,
      toAddress: letter.to,
      subject: letter.subject,
      body: letter.body,
      deliveryStatus: 'queued',
      sentAt: now,
    })
    const attachment = await this.#repo.addAttachment(tx, {
      forceId,
      messageId: stored.id,
      filename: letter.filename,
      contentType: 'application/pdf',
      content: letter.pdf,
    })
    await this.#onAttachments?.(tx)
    await this.#changed(tx, forceId, conversation, { message: stored.id })
    return { messageId: stored.id, attachmentId: attachment.id, sha256: attachment.sha256 }
  }

  /**
   * A text message a person sent, as a channel's `receive` read it (GOV.UK Notify's callback, the
   * dev outbox's simulated phone): kept in their conversation, and a STOP (or its variants) also
   * opts the number out (UJ-6), audited as from `system`. A STOP delivered again changes nothing.
   */
  async receiveText(
    forceId: string,
    inbound: InboundMessage,
    meta: { system: string; correlationId?: string },
  ): Promise<ReceivedMessage & { optedOut: boolean; cancelled: number }> {
    const stop = isStopRequest(inbound.body)
    return this.#db.withForce(forceId, async (tx) => {
      const received = await this.receive(tx, forceId, inbound)
      if (!stop || !received.created || !this.#optOuts) return { ...received, optedOut: stop, cancelled: 0 }
      const recorded = await this.#optOuts.recordOptOut(tx, {
        forceId,
        channel: 'sms',
        address: inbound.from,
        source: 'sms-stop',
        note: `Replied “${inbound.body.slice(0, 40)}”`,
      })
      await this.#audit.record(
        {
          action: 'message-opt-out.recorded',
          forceId,
          actor: { kind: 'system', name: meta.system },
          recordType: 'message-opt-out',
          recordId: recorded.optOut.id,
          detail: { source: 'sms-stop', cancelled: recorded.cancelled },
          ...(meta.correlationId ? { correlationId: meta.correlationId } : {}),
        },
        tx,
      )
      return { ...received, optedOut: true, cancelled: recorded.cancelled }
    })
  }

  /** Stores an inbound message in the sender's conversation (in the caller's transaction). */
  async receive(tx: Tx, forceId: string, inbound: InboundMessage): Promise<ReceivedMessage> {
    // A caller's number is matched as a text's sender is.
    const byAddress = inbound.channel === 'email' ? 'email' : 'sms'
    const key = addressKey(byAddress, inbound.from)
    await this.#repo.lockAddress(tx, forceId, key)
    if (inbound.providerRef) {
      const existing = await this.#repo.messageByProviderRef(tx, inbound.provider, inbound.providerRef)
      if (existing) {
        const conversation = await this.#repo.conversation(tx, existing.conversationId)
        return {
          messageId: existing.id,
          conversationId: existing.conversationId,
          personId: conversation?.personId ?? null,
          created: false,
        }
      }
    }
    const now = this.#clock.now()
    const match = await this.#match(tx, byAddress, key)
    let conversationId = (await this.#repo.openConversationOf(tx, match ? match : { addressKey: key }))?.id
    conversationId ??= await this.#repo.createConversation(tx, {
      forceId,
      personId: match?.personId ?? null,
      caseId: match?.caseId ?? null,
      channel: inbound.channel,
      citizenAddressKey: key,
      subject: inbound.subject,
      at: now,
    })
    const participantId = await this.#repo.citizenParticipant(tx, conversationId, {
      forceId,
      personId: match?.personId ?? null,
      address: inbound.from,
      displayName: inbound.fromName,
      at: now,
    })
    const stored = await this.#repo.addMessage(tx, {
      forceId,
      conversationId,
      participantId,
      direction: 'inbound',
      channel: inbound.channel,
      provider: inbound.provider,
      providerRef: inbound.providerRef,
      fromAddress: inbound.from,
      toAddress: inbound.to,
      subject: inbound.subject,
      body: inbound.body,
      deliveryStatus: 'received',
      // The provider's time when it is plausible; never in the future of Waypoint's clock.
      sentAt: inbound.receivedAt && inbound.receivedAt.getTime() <= now.getTime() ? inbound.receivedAt : now,
    })
    if (stored.created) {
      for (const attachment of inbound.attachments)
        await this.#repo.addAttachment(tx, { forceId, messageId: stored.id, ...attachment })
      if (inbound.attachments.length > 0) await this.#onAttachments?.(tx)
      await this.#audit.record(
        {
          action: 'conversation-message.received',
          forceId,
          actor: { kind: 'system', name: providerNames[inbound.provider] ?? inbound.provider },
          recordType: 'conversation',
          recordId: conversationId,
          detail: {
            channel: inbound.channel,
            matched: match !== undefined,
            attachments: inbound.attachments.length,
          },
        },
        tx,
      )
      await this.#changed(
        tx,
        forceId,
        { id: conversationId, personId: match?.personId ?? null },
        { message: stored.id },
      )
      for (const listener of this.#receivedListeners)
        await listener(tx, {
          forceId,
          conversationId,
          messageId: stored.id,
          personId: match?.personId ?? null,
          channel: inbound.channel,
        })
    }
    return {
      messageId: stored.id,
      conversationId,
      personId: match?.personId ?? null,
      created: stored.created,
    }
  }

  /**
   * A message a person wrote in a web chat (Contact's chat channel, CRM-7): the first opens the
   * chat's conversation (its address is `chat:<chat id>`); each is stored, audited and pushed
   * like any inbound message. The listeners hear of it (so it joins Contact's queue) unless
   * `queue` is false, while an automated first responder answers first.
   */
  async receiveChat(
    tx: Tx,
    forceId: string,
    message: {
      chatId: string
      conversationId: string | null
      displayName: string | null
      text: string
      queue: boolean
    },
  ): Promise<{ messageId: string; conversationId: string; sentAt: Date }> {
    const now = this.#clock.now()
    const address = `chat:${message.chatId}`
    const conversationId =
      message.conversationId ??
      (await this.#repo.createConversation(tx, {
        forceId,
        personId: null,
        caseId: null,
        channel: 'chat',
        citizenAddressKey: address,
        subject: null,
        at: now,
      }))
    const participantId = await this.#repo.citizenParticipant(tx, conversationId, {
      forceId,
      personId: null,
      address,
      displayName: message.displayName,
      at: now,
    })
    const stored = await this.#repo.addMessage(tx, {
      forceId,
      conversationId,
      participantId,
      direction: 'inbound',
      channel: 'chat',
      provider: 'chat',
      providerRef: null,
      fromAddress: null,
      toAddress: null,
      subject: null,
      body: message.text.replace(/\r\n?/g, '\n').trim(),
      deliveryStatus: 'received',
      sentAt: now,
    })
    await this.#changed(tx, forceId, { id: conversationId, personId: null }, { message: stored.id })
    if (message.queue)
      for (const listener of this.#receivedListeners)
        await listener(tx, { forceId, conversationId, messageId: stored.id, personId: null, channel: 'chat' })
    // Last: the audit chain's head stays locked from here to the commit (decision 0029).
    await this.#audit.record(
      {
        action: 'conversation-message.received',
        forceId,
        actor: { kind: 'system', name: 'Web chat' },
        recordType: 'conversation',
        recordId: conversationId,
        detail: { channel: 'chat', message: stored.id, queued: message.queue },
      },
      tx,
    )
    return { messageId: stored.id, conversationId, sentAt: now }
  }

  /** Closes a conversation (a web chat that has ended): no reply goes in it after. */
  async close(tx: Tx, forceId: string, conversationId: string): Promise<void> {
    const conversation = await this.#repo.conversation(tx, conversationId)
    if (!conversation || conversation.status === 'closed') return
    await this.#repo.close(tx, conversationId)
    await this.#changed(tx, forceId, conversation, { closed: conversationId })
  }

  /**
   * Whether a reply can go in this conversation now, and if not why, in words for the person
   * about to write it (the conversation page shows this instead of the form).
   */
  async canReply(
    forceId: string,
    conversationId: string,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    return this.#db.withForce(forceId, async (tx) => {
      const conversation = await this.#repo.conversation(tx, conversationId)
      if (!conversation) throw new NotFoundError('The conversation')
      const refused = this.#cannotReply(conversation)
      if (refused) return { ok: false, reason: refused }
      if (conversation.channel === 'portal') return { ok: false, reason: portalReplyElsewhere }
      if (conversation.channel !== 'sms' && conversation.channel !== 'email') return { ok: true }
      return this.#direct
        ? this.#direct.sendable(tx, forceId, conversation.channel, conversation.citizenAddressKey ?? '')
        : { ok: false, reason: 'Replies cannot be sent from here' }
    })
  }

  #cannotReply(conversation: ConversationRow): string | undefined {
    if (conversation.status === 'closed') return 'This conversation is closed, so no reply can be sent in it'
    if (!conversation.citizenAddressKey && conversation.channel !== 'portal')
      return 'There is no address to reply to'
    return undefined
  }

  /**
   * An outbound message in a conversation (CP-94): stored with its author as a participant, sent
   * on the conversation's channel (a text or an email through messaging's dispatch, with its
   * opt-out, address and length rules; a portal message is there for the citizen at once),
   * audited and pushed to open pages, all in one transaction. Quiet hours hold a text or email
   * unless the person wrote within the last half hour (`inConversationMs`). Refused with a
   * ValidationError on `replyField` saying why when it cannot go.
   */
  async reply(forceId: string, conversationId: string, reply: Reply): Promise<SentReply> {
    return this.#db.withForce(forceId, async (tx) => {
      // A portal conversation is answered from the officer console, which checks the case is
      // open, tells the person and writes to the RMS (decision 0028).
      const conversation = await this.#repo.conversation(tx, conversationId)
      if (conversation?.channel === 'portal')
        throw new ValidationError([{ field: replyField, message: portalReplyElsewhere }])
      return this.replyIn(tx, forceId, conversationId, reply)
    })
  }

  /** `reply` in the caller's transaction (the officer console answers and clears escalations with it). */
  async replyIn(tx: Tx, forceId: string, conversationId: string, reply: Reply): Promise<SentReply> {
    {
      const conversation = await this.#repo.conversation(tx, conversationId)
      if (!conversation) throw new NotFoundError('The conversation')
      const refused = this.#cannotReply(conversation)
      if (refused) throw new ValidationError([{ field: replyField, message: refused }])
      const now = this.#clock.now()
      const text = reply.text.replace(/\r\n?/g, '\n').trim()
      const channel = conversation.channel
      const subject =
        channel === 'email'
          ? ((
              reply.subject?.trim() ||
              (conversation.subject
                ? /^re:/i.test(conversation.subject)
                  ? conversation.subject
                  : `Re: ${conversation.subject}`
                : null)
            )?.slice(0, 500) ?? null)
          : null
      let messageId: string | null = null
      let sendAfter = now
      let urgent = false
      if (channel === 'sms' || channel === 'email') {
        if (!this.#direct) throw new DomainError('not-configured', 'Replies cannot be sent from here')
        const latest = await this.#repo.latestInboundAt(tx, conversationId)
        urgent = latest !== null && now.getTime() - latest.getTime() <= inConversationMs
        const sent = await this.#direct.send(
          tx,
          {
            forceId,
            personId: conversation.personId,
            caseId: conversation.caseId,
            channel,
            to: conversation.citizenAddressKey ?? '',
            subject,
            text,
            actorId: reply.author.kind === 'staff' ? reply.author.staffId : (reply.audited.actor.id ?? ''),
            urgent,
          },
          replyField,
        )
        messageId = sent.id
        sendAfter = sent.sendAfter
      } else if (text === '') {
        throw new ValidationError([{ field: replyField, message: 'Enter your message' }])
      } else if (channel === 'social' && text.length > socialMessageMax) {
        throw new ValidationError([
          {
            field: replyField,
            message: `A social media reply must be ${socialMessageMax} characters or fewer`,
          },
        ])
      } else if (channel === 'social' && !this.#socialSender) {
        throw new DomainError('not-configured', 'Social media replies cannot be sent from here')
      } else if (channel === 'chat' && text.length > chatMessageMax) {
        throw new ValidationError([
          { field: replyField, message: `A chat message must be ${chatMessageMax} characters or fewer` },
        ])
      }
      const participantId = await this.#repo.authorParticipant(tx, conversationId, {
        forceId,
        kind: reply.author.kind,
        staffId: reply.author.kind === 'staff' ? reply.author.staffId : null,
        displayName: reply.author.kind === 'staff' ? reply.author.displayName : reply.author.name,
        at: now,
      })
      const stored = await this.#repo.addMessage(tx, {
        forceId,
        conversationId,
        participantId,
        direction: 'outbound',
        channel,
        provider: messageId ? 'messaging' : channel,
        providerRef: null,
        fromAddress: null,
        toAddress: conversation.citizenAddressKey,
        subject,
        body: text,
        // A portal message is in the citizen's account as soon as it is stored; a social one
        // waits for the connector to take it.
        deliveryStatus: messageId || channel === 'social' ? 'queued' : 'delivered',
        sentAt: now,
        messageId,
        kind: reply.kind ?? 'message',
      })
      if (channel === 'social')
        await this.#socialSender?.(tx, {
          forceId,
          conversationId,
          messageId: stored.id,
          to: conversation.citizenAddressKey ?? '',
          text,
        })
      // A reply answers what the person wrote before it (the SLA and escalations, CP-104, CP-148).
      if ((reply.kind ?? 'message') !== 'extra-information')
        await this.#repo.markAnswered(tx, conversationId, now)
      const heldForQuietHours = sendAfter.getTime() > now.getTime()
      await this.#audit.record(
        {
          action: 'conversation-message.sent',
          forceId,
          ...reply.audited,
          recordType: 'conversation',
          recordId: conversationId,
          detail: {
            message: stored.id,
            channel,
            author: reply.author.kind,
            heldForQuietHours,
            inConversation: urgent,
          },
        },
        tx,
      )
      await this.#changed(tx, forceId, conversation, { message: stored.id })
      return { messageId: stored.id, conversationId, channel, sendAfter, heldForQuietHours }
    }
  }

  /**
   * A message the person wrote in the Portal (CP-76, CP-107): filed in their open portal
   * conversation about the case (a new one the first time), stamped with the time, audited as
   * from the citizen and pushed to open pages, in the caller's transaction.
   */
  async receivePortal(
    tx: Tx,
    forceId: string,
    message: PortalMessage,
  ): Promise<{ messageId: string; conversationId: string; sentAt: Date }> {
    const now = this.#clock.now()
    const text = message.text.replace(/\r\n?/g, '\n').trim()
    const address = `portal:${message.accountId}`
    await this.#repo.lockAddress(tx, forceId, address)
    const existing = await this.#repo.portalConversationOf(tx, message.personId, message.caseId)
    const conversationId =
      existing && existing.status === 'open'
        ? existing.id
        : await this.#repo.createConversation(tx, {
            forceId,
            personId: message.personId,
            caseId: message.caseId,
            channel: 'portal',
            citizenAddressKey: null,
            subject: null,
            at: now,
          })
    const participantId = await this.#repo.citizenParticipant(tx, conversationId, {
      forceId,
      personId: message.personId,
      address,
      displayName: message.displayName,
      at: now,
    })
    const stored = await this.#repo.addMessage(tx, {
      forceId,
      conversationId,
      participantId,
      direction: 'inbound',
      channel: 'portal',
      provider: 'portal',
      providerRef: null,
      fromAddress: null,
      toAddress: null,
      subject: null,
      body: text,
      deliveryStatus: 'received',
      sentAt: now,
      kind: message.kind,
      answersRequest: message.answersRequest ?? null,
      dueBy: message.dueBy,
      newCrimeRule: message.newCrimeRule,
    })
    await this.#audit.record(
      {
        action: 'conversation-message.received',
        forceId,
        actor: { kind: 'citizen', id: message.accountId },
        recordType: 'conversation',
        recordId: conversationId,
        detail: {
          channel: 'portal',
          message: stored.id,
          kind: message.kind,
          newCrime: !!message.newCrimeRule,
        },
      },
      tx,
    )
    await this.#changed(
      tx,
      forceId,
      { id: conversationId, personId: message.personId },
      { message: stored.id },
    )
    return { messageId: stored.id, conversationId, sentAt: now }
  }

  /** The person's portal conversation about a case, if they have one, with its messages. */
  async portalThread(
    tx: Tx,
    personId: string,
    caseId: string,
  ): Promise<{ conversation: ConversationRow; messages: ConversationMessageRow[] } | undefined> {
    const conversation = await this.#repo.portalConversationOf(tx, personId, caseId)
    if (!conversation) return undefined
    // A letter made from a portal contact goes by post: it is not a message in the person's account.
    const messages = (await this.#repo.messages(tx, [conversation.id])).filter((m) => m.channel !== 'letter')
    return { conversation, messages }
  }

  /** One message of a conversation (in the caller's force), or not found. */
  async messageOf(tx: Tx, conversationId: string, messageId: string): Promise<ConversationMessageRow> {
    const message = await this.#repo.message(tx, messageId)
    if (!message || message.conversationId !== conversationId) throw new NotFoundError('The message')
    return message
  }

  /**
   * The person deletes a message from their own view (soft delete: the force keeps it), or marks
   * one of the force's messages read or unread (CP-102).
   */
  async citizenChange(
    tx: Tx,
    forceId: string,
    conversationId: string,
    messageId: string,
    change: 'delete' | 'read' | 'unread',
  ): Promise<void> {
    const message = await this.messageOf(tx, conversationId, messageId)
    const now = this.#clock.now()
    if (change === 'delete') await this.#repo.citizenState(tx, message.id, { hidden: now })
    else if (message.direction === 'outbound')
      await this.#repo.citizenState(tx, message.id, { read: change === 'read' ? now : null })
    const conversation = await this.#repo.conversation(tx, conversationId)
    if (conversation) await this.#changed(tx, forceId, conversation, { message: message.id })
  }

  /**
   * An officer recalls or edits a portal message they sent, within `windowMinutes` of sending it
   * (CP-97). Only the author may, only a portal message (a text or email cannot be called back),
   * and the original is kept for evidence; audited, with the change pushed to open pages.
   */
  async changeSent(
    tx: Tx,
    forceId: string,
    conversationId: string,
    messageId: string,
    change: {
      action: 'recall' | 'edit'
      text?: string
      staffId: string
      windowMinutes: number
      audited: Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'>
    },
  ): Promise<void> {
    const message = await this.messageOf(tx, conversationId, messageId)
    const refuse = (why: string) => {
      throw new ValidationError([{ field: replyField, message: why }])
    }
    if (message.direction !== 'outbound' || message.authorStaffId !== change.staffId)
      refuse('You can only change a message you sent')
    if (message.channel !== 'portal') refuse('A text or email cannot be changed once sent')
    if (message.recalledAt) refuse('This message has already been recalled')
    const now = this.#clock.now()
    if (now.getTime() - message.sentAt.getTime() > change.windowMinutes * 60_000)
      refuse(`A message can only be changed within ${change.windowMinutes} minutes of sending it`)
    const text = (change.text ?? '').replace(/\r\n?/g, '\n').trim()
    if (change.action === 'edit' && text === '') refuse('Enter the message')
    await this.#repo.changeOutbound(tx, message.id, {
      recalled: change.action === 'recall',
      body: change.action === 'edit' ? text : null,
      by: change.staffId,
      at: now,
    })
    await this.#audit.record(
      {
        action: change.action === 'recall' ? 'conversation-message.recalled' : 'conversation-message.edited',
        forceId,
        ...change.audited,
        recordType: 'conversation',
        recordId: conversationId,
        detail: { message: message.id },
      },
      tx,
    )
    const conversation = await this.#repo.conversation(tx, conversationId)
    if (conversation) await this.#changed(tx, forceId, conversation, { message: message.id })
  }

  /** The person's messages past their due time, unanswered and not yet escalated (CP-104). */
  overdue(tx: Tx, limit: number) {
    return this.#repo.overdue(tx, this.#clock.now(), limit)
  }

  markEscalated(tx: Tx, messageId: string): Promise<void> {
    return this.#repo.markEscalated(tx, messageId, this.#clock.now())
  }

  /**
   * The citizen has read the force's messages in this conversation (the portal, CP-102): each
   * outbound message unread so far is marked read, and so is the citizen's participant.
   */
  async readByCitizen(tx: Tx, forceId: string, conversationId: string): Promise<number> {
    const conversation = await this.#repo.conversation(tx, conversationId)
    if (!conversation) throw new NotFoundError('The conversation')
    const marked = await this.#repo.markOutboundRead(tx, conversationId, this.#clock.now())
    if (marked > 0) await this.#changed(tx, forceId, conversation, { read: String(marked) })
    return marked
  }

  /**
   * Dispatch moved these `messages` rows (sent, delivered, failed): the conversation messages
   * sent as them already show it (migration 1010 keeps them in step); this tells their pages.
   */
  async deliveryChanged(tx: Tx, messageIds: string[]): Promise<void> {
    if ((!this.#push && this.#changedListeners.length === 0) || messageIds.length === 0) return
    for (const m of await this.#repo.sentAs(tx, messageIds))
      await this.#changed(tx, m.forceId, { id: m.conversationId, personId: m.personId }, { message: m.id })
  }

  /** Conversations of the force with messages nobody has read yet (at most `cap` counted). */
  unreadCount(forceId: string, cap: number): Promise<number> {
    return this.#db.withForce(forceId, (tx) => this.#repo.unreadConversations(tx, cap))
  }

  /**
   * The person an address belongs to: the one the journeys last messaged at it (with that case),
   * else the one person whose contact details hold it. Two people sharing a number match neither.
   */
  async #match(
    tx: Tx,
    channel: 'sms' | 'email',
    key: string,
  ): Promise<{ personId: string; caseId: string | null } | undefined> {
    const messaged = await this.#repo.lastMessagedAbout(tx, key)
    if (messaged) return messaged
    const candidates = await this.#repo.contactPointCandidates(
      tx,
      channel === 'email' ? 'email' : 'phone',
      channel === 'email' ? key : key.replace(/\D/g, '').slice(-10),
    )
    const people = new Set(
      candidates.filter((c) => addressKey(channel, c.value) === key).map((c) => c.personId),
    )
    const [only] = people
    return people.size === 1 && only ? { personId: only, caseId: null } : undefined
  }

  /** One page of the force's conversations (20 a page), the most recent first. */
  async list(
    forceId: string,
    options: { page: number; unmatched: boolean },
  ): Promise<{ conversations: ConversationRow[]; hasNext: boolean }> {
    const limit = 20
    const found = await this.#db.withForce(forceId, (tx) =>
      this.#repo.list(tx, {
        offset: (options.page - 1) * limit,
        limit: limit + 1,
        unmatched: options.unmatched,
      }),
    )
    return { conversations: found.slice(0, limit), hasNext: found.length > limit }
  }

  /**
   * A conversation as staff open it: its inbound messages are marked read by them, and the view
   * is audited in the same transaction. Another force's conversation is not found.
   */
  async open(
    forceId: string,
    id: string,
    viewer: { staffId: string; audit: (tx: Tx, conversationId: string) => Promise<unknown> },
  ): Promise<ConversationPage> {
    return this.#db.withForce(forceId, async (tx) => {
      const conversation = await this.#repo.conversation(tx, id)
      if (!conversation) throw new NotFoundError('The conversation')
      const markedRead = await this.#repo.markInboundRead(tx, id, viewer.staffId, this.#clock.now())
      if (markedRead > 0) await this.#changed(tx, forceId, conversation, { read: String(markedRead) })
      const messages = await this.#repo.messages(tx, [id])
      const attachments = await this.#repo.attachments(
        tx,
        messages.map((m) => m.id),
      )
      await viewer.audit(tx, id)
      return {
        conversation,
        participants: await this.#repo.participants(tx, id),
        messages: messages.map((m) => ({
          ...m,
          attachments: attachments.filter((a) => a.messageId === m.id),
        })),
        markedRead,
      }
    })
  }

  /**
   * A person's messages in both directions, oldest first: what the journeys sent them and every
   * conversation message. `onConversation` is called for each conversation shown (to audit it).
   */
  async personMessages(
    forceId: string,
    personId: string,
    onConversation: (tx: Tx, conversationId: string) => Promise<unknown>,
  ): Promise<PersonMessageEntry[]> {
    return this.#db.withForce(forceId, async (tx) => {
      const conversations = await this.#repo.conversationsOfPerson(tx, personId)
      const messages = await this.#repo.messages(
        tx,
        conversations.map((c) => c.id),
      )
      for (const c of conversations) await onConversation(tx, c.id)
      const journey = await this.#repo.journeyMessagesOf(tx, personId)
      const entries: PersonMessageEntry[] = [
        ...journey.map((m) => journeyEntry(m)),
        ...messages.map(
          (m): PersonMessageEntry => ({
            at: m.sentAt,
            direction: m.direction,
            channel: m.channel,
            source: 'conversation',
            subject: m.subject,
            body: m.body,
            status: m.direction === 'inbound' ? 'Received' : deliveryWords[m.deliveryStatus],
            read: m.readAt !== null,
            conversationId: m.conversationId,
            journeyMessageId: null,
            author: m.direction === 'outbound' ? m.author : null,
          }),
        ),
      ]
      return entries.sort((a, b) => a.at.getTime() - b.at.getTime())
    })
  }
}

const providerNames: Record<string, string> = {
  notify: 'GOV.UK Notify',
  smtp: 'Inbound email',
  outbox: 'Dev outbox (simulated reply)',
  cti: 'Telephony platform',
  'web-form': 'Web form',
}

const deliveryWords: Record<ConversationMessageRow['deliveryStatus'], string> = {
  received: 'Received',
  queued: 'Waiting to send',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Not delivered',
  cancelled: 'Cancelled, not sent',
}

const journeyStatusWords: Record<string, string> = {
  scheduled: 'Waiting to send',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  suppressed: 'Held back, not sent',
  cancelled: 'Cancelled',
  'permanent-failure': 'Not delivered',
  'temporary-failure': 'Not delivered',
  'technical-failure': 'Not delivered',
}

function journeyEntry(m: JourneyMessageRow): PersonMessageEntry {
  return {
    at: m.messageAt instanceof Date ? m.messageAt : new Date(m.messageAt),
    direction: 'outbound',
    channel: m.channel,
    source: 'journey',
    subject: m.subject,
    body: m.body,
    status: journeyStatusWords[m.status] ?? m.status,
    read: null,
    conversationId: null,
    journeyMessageId: m.id,
    author: null,
  }
}
