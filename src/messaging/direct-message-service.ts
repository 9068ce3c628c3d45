// Direct messages: text a member of staff wrote to one person (a reply in a conversation), sent
// through the same dispatch as the journeys' messages, so rate limits, reconciliation, delivery
// receipts and the write-back to CAD and the RMS (UJ-9, UJ-10) apply to it unchanged. Unlike a
// journey's message, one that cannot go (an opt-out, an address that failed for good, a text too
// long) is refused with the reason, not recorded as suppressed: the person writing it is there
// to read why.
import { randomUUID } from 'node:crypto'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Tx } from '../platform/db/database.ts'
import { ValidationError } from '../platform/errors.ts'
import { MAX_LENGTH } from '../platform/http/limits.ts'
import { addressKey, isValidAddress } from './addresses.ts'
import type { MessageRepository, MessageRow } from './message-repository.ts'
import type { OptOutRepository } from './opt-out-repository.ts'
import { nextSendableTime } from './quiet-hours.ts'
import type { SchedulingService } from './scheduling-service.ts'
import type { Channel } from './schema.ts'
import { brandingFrom, providerFor, sendingWindowFor } from './settings-service.ts'
import type { MessagingSettingsRepository } from './settings-repository.ts'
import { smsLength } from './sms-length.ts'
import { maxSmsSegments } from './template-editor.ts'
import { renderMessage } from './template-rendering.ts'
import type { UnsubscribeLinks } from './unsubscribe-links.ts'

/** The template key direct messages carry in `messages`, so the outbox and reports can tell them apart. */
export const directMessageKey = 'direct-message'

export interface DirectMessage {
  forceId: string
  personId: string | null
  caseId: string | null
  channel: Channel
  to: string
  /** An email's subject; text messages have none. */
  subject: string | null
  text: string
  language?: string
  /** Who wrote it. */
  actorId: string
  /** Exempt from quiet hours: goes at once, whatever the time. */
  urgent: boolean
}

/** Why a message cannot go to this address now, in words for the person writing it; null if it can. */
export type Sendable = { ok: true } | { ok: false; reason: string }

export class DirectMessageService {
  readonly #messages: MessageRepository
  readonly #settings: MessagingSettingsRepository
  readonly #optOuts: OptOutRepository
  readonly #scheduling: SchedulingService
  readonly #clock: Clock
  readonly #config: Config['messaging']
  readonly #links: UnsubscribeLinks | undefined

  constructor(deps: {
    messages: MessageRepository
    settings: MessagingSettingsRepository
    optOuts: OptOutRepository
    scheduling: SchedulingService
    clock: Clock
    config: Config['messaging']
    links?: UnsubscribeLinks
  }) {
    this.#messages = deps.messages
    this.#settings = deps.settings
    this.#optOuts = deps.optOuts
    this.#scheduling = deps.scheduling
    this.#clock = deps.clock
    this.#config = deps.config
    this.#links = deps.links
  }

  /**
   * Whether a message may go to this address: a valid address, not opted out (UJ-6: a STOP or an
   * unsubscribe is honoured for a person's words as for a journey's), and not one that failed
   * permanently.
   */
  async sendable(tx: Tx, forceId: string, channel: Channel, to: string): Promise<Sendable> {
    const what = channel === 'sms' ? 'text messages' : 'emails'
    if (!isValidAddress(channel, to))
      return {
        ok: false,
        reason: `${to} is not a ${channel === 'sms' ? 'UK mobile number' : 'valid email address'}, so ${what} cannot go to it`,
      }
    const found = await this.#optOuts.sendability(tx, forceId, channel, addressKey(channel, to))
    if (found.optOutSource)
      return {
        ok: false,
        reason: `The person has asked not to get ${what} from the force (${optOutWords[found.optOutSource] ?? found.optOutSource}), so nothing can be sent to ${to}. Contact them another way`,
      }
    if (found.health === 'bad')
      return {
        ok: false,
        reason: `${to} failed permanently${found.healthReason ? ` (${found.healthReason})` : ''}, so nothing can be sent to it until the contact details are checked`,
      }
    return { ok: true }
  }

  /** The reasons `text` cannot be sent on `channel`, as field errors of `field`. */
  check(channel: Channel, text: string, field: string): { field: string; message: string }[] {
    if (text.trim() === '') return [{ field, message: 'Enter your message' }]
    if (channel === 'email' && text.length > MAX_LENGTH.longText)
      return [
        {
          field,
          message: `Your message must be ${MAX_LENGTH.longText.toLocaleString('en-GB')} characters or fewer`,
        },
      ]
    if (channel === 'sms') {
      const length = smsLength(text)
      if (length.segments > maxSmsSegments)
        return [
          {
            field,
            message: `Your text message is too long: ${length.units} characters make ${length.segments} texts and at most ${maxSmsSegments} can be sent${length.encoding === 'UCS-2' ? ` (it uses ${length.nonGsmCharacters.join(' ')}, so each text holds 67 characters)` : ''}`,
          },
        ]
    }
    return []
  }

  /**
   * Writes the message for dispatch inside the caller's transaction: refused (ValidationError on
   * `field`) when the text or the address cannot take it; otherwise scheduled now, or when the
   * channel's sending window opens unless `urgent`, and dispatch is woken for it.
   */
  async send(tx: Tx, message: DirectMessage, field = 'text'): Promise<MessageRow> {
    const errors = this.check(message.channel, message.text, field)
    if (errors.length > 0) throw new ValidationError(errors)
    const sendable = await this.sendable(tx, message.forceId, message.channel, message.to)
    if (!sendable.ok) throw new ValidationError([{ field, message: sendable.reason }])
    const now = this.#clock.now()
    const settings = await this.#settings.settings(tx, message.forceId)
    const key = addressKey(message.channel, message.to)
    const language = message.language ?? 'en'
    // A person's words are values, never template syntax: each paragraph is one placeholder, so
    // the email's text, GOV.UK Notify markdown and HTML show exactly what was typed.
    const paragraphs = message.text
      .replace(/\r\n?/g, '\n')
      .split(/\n{2,}/)
      .map((p) => p.trim())
      .filter(Boolean)
    const rendered = renderMessage(
      {
        channel: message.channel,
        subject: message.channel === 'email' ? '((subject))' : null,
        body: message.channel === 'sms' ? '((text))' : paragraphs.map((_, i) => `((p${i}))`).join('\n\n'),
        language,
      },
      {
        text: message.text.trim(),
        subject: message.subject?.trim() || 'A message from the police',
        ...Object.fromEntries(paragraphs.map((p, i) => [`p${i}`, p])),
      },
      brandingFrom(settings, await this.#settings.forceIdentity(tx, message.forceId)),
      message.channel === 'email' ? this.#links?.urlFor(message.forceId, 'email', key) : null,
    )
    const sendAfter = nextSendableTime(now, sendingWindowFor(settings, message.channel), {
      urgent: message.urgent,
    })
    const row = await this.#messages.insertMessage(
      tx,
      {
        forceId: message.forceId,
        reference: `wp-${randomUUID()}`,
        personId: message.personId,
        caseId: message.caseId,
        channel: message.channel,
        provider: providerFor(message.channel, settings, this.#config),
        recipient: message.to.trim(),
        recipientKey: key,
        templateKey: directMessageKey,
        language,
        subject: rendered.subject,
        body: rendered.text,
        bodyMarkdown: rendered.markdown,
        bodyHtml: rendered.html,
        dueAt: now,
        sendAfter,
        urgent: message.urgent,
        status: 'scheduled',
        createdBy: message.actorId,
      },
      sendAfter.getTime() > now.getTime()
        ? `Written by staff; held for quiet hours until the sending window opens`
        : 'Written by staff',
      message.actorId,
    )
    await this.#scheduling.wakeDispatch(tx, sendAfter)
    return row
  }
}

const optOutWords: Record<string, string> = {
  'sms-stop': 'they replied STOP',
  'email-link': 'they used the link to stop emails',
  staff: 'recorded by staff',
}
