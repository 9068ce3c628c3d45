// Scheduling: the API Journeys, Portal and the console use to send to a person. Messages are
// scheduled inside the caller's transaction (so a journey step and its message commit together),
// rendered at once (a missing value is recorded, never sent), held back by quiet hours (UJ-8),
// and suppressed for opted-out (UJ-6) or known-bad addresses. Dispatch sends them later.
import { randomUUID } from 'node:crypto'
import { ukDateTime } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Tx } from '../platform/db/database.ts'
import { NotFoundError } from '../platform/errors.ts'
import { addressKey, isValidAddress } from './addresses.ts'
import { MessageDeletionRepository } from './deletion-repository.ts'
import type { MessageRepository, MessageRow } from './message-repository.ts'
import type { OptOutRepository } from './opt-out-repository.ts'
import {
  isWithinQuietHours,
  nextSendableTimeFor,
  type PersonalQuietHours,
  type SendingWindow,
} from './quiet-hours.ts'
import type { Channel, MessageStatus } from './schema.ts'
import { brandingFrom, providerFor, sendingWindowFor } from './settings-service.ts'
import type { MessagingSettingsRepository } from './settings-repository.ts'
import type { TemplateRepository } from './template-repository.ts'
import {
  MissingPersonalisationError,
  type Personalisation,
  placeholdersIn,
  renderMessage,
} from './template-rendering.ts'
import type { UnsubscribeLinks } from './unsubscribe-links.ts'

export interface ScheduleMessage {
  forceId: string
  personId?: string | null
  caseId?: string | null
  channel: Channel
  to: string
  templateKey: string
  personalisation: Personalisation
  /** The person's preferred language (UJ-19); English is the fallback. */
  language?: string
  /** When the journey wants it sent; quiet hours may move it later. */
  dueAt?: Date
  /** Exempt from quiet hours (a risk to life, a court date today). */
  urgent?: boolean
  /** The person's own quiet hours, kept as well as the force's (a Portal account's; CP-25, CP-64). */
  quietHours?: PersonalQuietHours | null
  /** A designer's test send (UJ-18): to staff, about no case, and never counted in reports. */
  test?: boolean
  actorId?: string | null
  /**
   * Personalisation values that are credentials (a sign-in code, a link with a single-use token),
   * by name: staff, the write-back and the stored message see "[code hidden]" or "[link hidden]"
   * in their place; only the provider gets them (migration 1020).
   */
  credentials?: Readonly<Record<string, 'code' | 'link'>>
}

/** What staff see in place of a credential. */
export const hiddenCredential = { code: '[code hidden]', link: '[link hidden]' } as const

/** Wakes dispatch at a time (enqueues the dispatch job inside the caller's transaction). */
export type DispatchWaker = (tx: Tx, at: Date) => Promise<void>

export class SchedulingService {
  readonly #deletion = new MessageDeletionRepository()
  readonly #messages: MessageRepository
  readonly #templates: TemplateRepository
  readonly #settings: MessagingSettingsRepository
  readonly #optOuts: OptOutRepository
  readonly #clock: Clock
  readonly #config: Config['messaging']
  readonly #unsubscribeLinks: UnsubscribeLinks | undefined
  #wake: DispatchWaker = async () => {}

  constructor(deps: {
    messages: MessageRepository
    templates: TemplateRepository
    settings: MessagingSettingsRepository
    optOuts: OptOutRepository
    clock: Clock
    config: Config['messaging']
    links?: UnsubscribeLinks
  }) {
    this.#messages = deps.messages
    this.#templates = deps.templates
    this.#settings = deps.settings
    this.#optOuts = deps.optOuts
    this.#clock = deps.clock
    this.#config = deps.config
    this.#unsubscribeLinks = deps.links
  }

  /** Dispatch registers how it wants to be woken once the job queue exists. */
  onDue(wake: DispatchWaker): void {
    this.#wake = wake
  }

  /** Wakes dispatch at `at`, once `tx` commits (a message held until then). */
  wakeDispatch(tx: Tx, at: Date): Promise<void> {
    return this.#wake(tx, at)
  }

  /**
   * Schedules one message inside the caller's transaction. Returns the message row, whose
   * status says what happened: `scheduled`, or `suppressed` with the reason (opted out, bad
   * address, missing personalisation, no template).
   */
  async schedule(tx: Tx, request: ScheduleMessage): Promise<MessageRow> {
    const now = this.#clock.now()
    const dueAt = request.dueAt ?? now
    const settings = await this.#settings.settings(tx, request.forceId)
    const provider = providerFor(request.channel, settings, this.#config)
    const key = addressKey(request.channel, request.to)
    const language = request.language ?? 'en'
    const credentials = Object.entries(request.credentials ?? {})
    const base = {
      forceId: request.forceId,
      reference: `wp-${randomUUID()}`,
      personId: request.personId ?? null,
      caseId: request.caseId ?? null,
      channel: request.channel,
      provider,
      recipient: request.to.trim(),
      recipientKey: key,
      templateKey: request.templateKey,
      language,
      dueAt,
      urgent: request.urgent ?? false,
      isTest: request.test ?? false,
      sensitive: credentials.length > 0,
      createdBy: request.actorId ?? null,
    }
    const suppressed = (reason: string, body = '') =>
      this.#messages.insertMessage(
        tx,
        { ...base, body, sendAfter: dueAt, status: 'suppressed', statusReason: reason },
        reason,
        request.actorId ?? null,
      )

    const template = await this.#templates.latestTemplate(
      tx,
      request.forceId,
      request.templateKey,
      request.channel,
      [...new Set([language, 'en'])],
    )
    if (!template) return suppressed(`No ${request.channel} template “${request.templateKey}”`)
    const templateFields = {
      templateId: template.id,
      templateVersion: template.version,
      language: template.language,
    }
    if (!isValidAddress(request.channel, request.to))
      return suppressed(`Not a valid ${request.channel === 'sms' ? 'mobile number' : 'email address'}`)
    const address = await this.#optOuts.sendability(tx, request.forceId, request.channel, key)
    if (address.optOutSource) return suppressed(`Opted out (${address.optOutSource})`)
    if (address.health === 'bad')
      return suppressed(`Contact detail failed permanently: ${address.healthReason ?? ''}`.trim())

    let rendered: ReturnType<typeof renderMessage>
    let shown: ReturnType<typeof renderMessage>
    try {
      const branding = brandingFrom(settings, await this.#settings.forceIdentity(tx, request.forceId))
      const unsubscribe =
        request.channel === 'email' ? this.#unsubscribeLinks?.urlFor(request.forceId, 'email', key) : null
      // Found for the request's channel, so a text or an email template (never a letter).
      const message = { ...template, channel: request.channel }
      rendered = renderMessage(message, request.personalisation, branding, unsubscribe)
      shown =
        credentials.length === 0
          ? rendered
          : renderMessage(
              message,
              {
                ...request.personalisation,
                ...Object.fromEntries(credentials.map(([name, kind]) => [name, hiddenCredential[kind]])),
              },
              branding,
              unsubscribe,
            )
    } catch (error) {
      if (!(error instanceof MissingPersonalisationError)) throw error
      return this.#messages.insertMessage(
        tx,
        {
          ...base,
          ...templateFields,
          body: '',
          sendAfter: dueAt,
          status: 'suppressed',
          statusReason: error.message,
        },
        error.message,
        request.actorId ?? null,
      )
    }
    const window = sendingWindowFor(settings, request.channel)
    const earliest = new Date(Math.max(dueAt.getTime(), now.getTime()))
    const sendAfter = nextSendableTimeFor(earliest, window, request.quietHours, { urgent: request.urgent })
    const message = await this.#messages.insertMessage(
      tx,
      {
        ...base,
        ...templateFields,
        subject: shown.subject,
        body: shown.text,
        bodyMarkdown: shown.markdown,
        bodyHtml: shown.html,
        sendAfter,
        status: 'scheduled',
      },
      quietHoursNote(earliest, sendAfter, window, request.urgent ?? false),
      request.actorId ?? null,
    )
    if (message.sensitive)
      await this.#messages.insertSecret(tx, message, {
        subject: rendered.subject,
        text: rendered.text,
        markdown: rendered.markdown,
        html: rendered.html,
      })
    await this.#wake(tx, sendAfter)
    return message
  }

  /** Cancels messages not yet sent, e.g. when a case closes or a person asks for no contact. */
  async cancelPending(
    tx: Tx,
    filter: {
      forceId: string
      personId?: string
      caseId?: string
      to?: { channel: Channel; address: string }
      reason: string
      actorId?: string | null
    },
  ): Promise<number> {
    if (!filter.personId && !filter.caseId && !filter.to)
      throw new Error('cancelPending needs a person, a case or an address')
    const moved = await this.#messages.transition(
      tx,
      {
        forceId: filter.forceId,
        ...(filter.personId ? { personId: filter.personId } : {}),
        ...(filter.caseId ? { caseId: filter.caseId } : {}),
        ...(filter.to ? { recipientKey: addressKey(filter.to.channel, filter.to.address) } : {}),
      },
      ['scheduled'],
      'cancelled',
      {
        statusReason: filter.reason,
        detail: filter.reason,
        actorId: filter.actorId ?? null,
        completedAt: this.#clock.now(),
      },
    )
    return moved.length
  }

  /**
   * Cancels the messages waiting to go about these cases whose template uses any of
   * `placeholders` (the investigating officer's name once another officer is assigned), with a
   * reason staff can read; returns the messages cancelled.
   */
  async cancelPendingUsing(
    tx: Tx,
    filter: {
      forceId: string
      caseIds: string[]
      placeholders: string[]
      reason: string
      actorId?: string | null
    },
  ): Promise<MessageRow[]> {
    const wanted = new Set(filter.placeholders)
    const ids = (await this.#messages.pendingOnCases(tx, filter.forceId, filter.caseIds))
      .filter(
        ({ template }) =>
          template && placeholdersIn(template.subject, template.body).some((name) => wanted.has(name)),
      )
      .map(({ message }) => message.id)
    if (ids.length === 0) return []
    return this.#messages.transition(tx, { ids }, ['scheduled'], 'cancelled', {
      statusReason: filter.reason,
      detail: filter.reason,
      actorId: filter.actorId ?? null,
      completedAt: this.#clock.now(),
    })
  }

  /** Suppresses one scheduled message with a reason staff can read. */
  async suppress(tx: Tx, messageId: string, reason: string, actorId: string | null): Promise<MessageRow> {
    const [moved] = await this.#messages.transition(tx, { ids: [messageId] }, ['scheduled'], 'suppressed', {
      statusReason: reason,
      detail: reason,
      actorId,
      completedAt: this.#clock.now(),
    })
    if (!moved) throw new NotFoundError('A scheduled message with that id')
    return moved
  }

  /**
   * Records a message that was held back before it was written, because the force's contact
   * policy forbids it (a domestic-abuse victim's unconfirmed channel, a do-not-contact marker, no
   * contact detail): a `suppressed` message with the reason, so the outbox, the reports and the
   * feed show every message a person did not get and why. Nothing is rendered or sent; the
   * recipient is empty when no contact detail is known.
   */
  async recordHeldBack(
    tx: Tx,
    request: Omit<ScheduleMessage, 'personalisation' | 'urgent' | 'test'> & { reason: string },
  ): Promise<MessageRow> {
    const dueAt = request.dueAt ?? this.#clock.now()
    const language = request.language ?? 'en'
    const settings = await this.#settings.settings(tx, request.forceId)
    const template = await this.#templates.latestTemplate(
      tx,
      request.forceId,
      request.templateKey,
      request.channel,
      [...new Set([language, 'en'])],
    )
    return this.#messages.insertMessage(
      tx,
      {
        forceId: request.forceId,
        reference: `wp-${randomUUID()}`,
        personId: request.personId ?? null,
        caseId: request.caseId ?? null,
        channel: request.channel,
        provider: providerFor(request.channel, settings, this.#config),
        recipient: request.to.trim(),
        recipientKey: request.to.trim() ? addressKey(request.channel, request.to) : '',
        templateKey: request.templateKey,
        ...(template
          ? { templateId: template.id, templateVersion: template.version, language: template.language }
          : { language }),
        dueAt,
        sendAfter: dueAt,
        body: '',
        urgent: false,
        isTest: false,
        status: 'suppressed',
        statusReason: request.reason,
        completedAt: this.#clock.now(),
        createdBy: request.actorId ?? null,
      },
      request.reason,
      request.actorId ?? null,
    )
  }

  /** Messages of the force that were not delivered, by failure, each counted up to `cap`. */
  undeliveredCounts(forceId: string, cap: number): Promise<{ status: MessageStatus; count: number }[]> {
    return this.#messages.countWithStatuses(
      forceId,
      ['permanent-failure', 'temporary-failure', 'technical-failure'],
      cap,
    )
  }

  messages(
    tx: Tx,
    filter: { forceId: string; status?: MessageStatus; personId?: string; caseId?: string; limit?: number },
  ) {
    return this.#messages.messages(tx, { ...filter, limit: filter.limit ?? 100 })
  }

  async message(tx: Tx, id: string) {
    const message = await this.#messages.message(tx, id)
    if (!message) throw new NotFoundError('The message')
    return { message, events: await this.#messages.events(tx, id) }
  }

  /** PIRM deletion (UJ-3, CP-4, CRM-4): a case's or person's messages and their events, in `tx`. */
  deleteFor(tx: Tx, target: { caseId?: string; personId?: string }): Promise<Record<string, number>> {
    return this.#deletion.deleteFor(tx, target)
  }

  /** PIRM deletion of finished messages created before `cutoff` (a force's message rule). */
  deleteFinishedBefore(tx: Tx, cutoff: Date, limit: number): Promise<Record<string, number>> {
    return this.#deletion.deleteFinishedBefore(tx, cutoff, limit)
  }
}

/**
 * What a new message's timeline says about quiet hours: held until when, in UK time; or, for an
 * urgent message that quiet hours would have held, that it goes at once. Nothing otherwise.
 */
function quietHoursNote(
  earliest: Date,
  sendAfter: Date,
  window: SendingWindow,
  urgent: boolean,
): string | null {
  if (sendAfter.getTime() > earliest.getTime()) return `Held for quiet hours until ${ukDateTime(sendAfter)}`
  if (urgent && isWithinQuietHours(earliest, window))
    return 'Urgent: sent at once, although it is quiet hours'
  return null
}
