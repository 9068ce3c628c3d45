// MessagingService: the API Journeys, Portal and the console use to send to a person. Messages
// are scheduled inside the caller's transaction (so a journey step and its message commit
// together), rendered at once (a missing value is recorded, never sent), held back by quiet
// hours (UJ-8), and suppressed for opted-out (UJ-6) or known-bad addresses.
import { randomUUID } from 'node:crypto'
import { ukDateTime } from '../platform/calendar.ts'
import type { Clock } from '../platform/clock.ts'
import type { Config } from '../platform/config.ts'
import type { Tx } from '../platform/db/database.ts'
import { NotFoundError, ValidationError } from '../platform/errors.ts'
import { addressKey, isValidAddress } from './addresses.ts'
import { MessageDeletionRepository } from './deletion-repository.ts'
import {
  defaultSendingWindow,
  isValidSendingWindow,
  isWithinQuietHours,
  nextSendableTime,
  type SendingWindow,
} from './quiet-hours.ts'
import type { MessageRow, MessagingRepository, OptOutRow, SettingsRow, TemplateRow } from './repository.ts'
import type { Channel, MessageStatus, Provider } from './schema.ts'
import { type NotifyKeys, notifyKeyParts } from './notify-keys.ts'
import { smsLength } from './sms-length.ts'
import type { UnsubscribeLinks } from './unsubscribe-links.ts'
import {
  type ChannelPreview,
  checkTemplateText,
  isOfferedLanguage,
  summariseTemplates,
  type TemplateSummary,
  type TemplateText,
} from './template-editor.ts'
import {
  type Branding,
  MissingPersonalisationError,
  type Personalisation,
  placeholdersIn,
  renderMessage,
} from './template-rendering.ts'

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
  /** A designer's test send (UJ-18): to staff, about no case, and never counted in reports. */
  test?: boolean
  actorId?: string | null
}

/** An opt-out just recorded, with the cases Waypoint has messaged the address about. */
export interface RecordedOptOut {
  optOut: OptOutRow
  /** The phone number or email address as the person or staff gave it. */
  address: string
  caseIds: string[]
}

/** Runs inside the transaction that records a new opt-out (write-back to CAD or RMS, UJ-9, UJ-10). */
export type OptOutListener = (tx: Tx, recorded: RecordedOptOut) => Promise<void>

export interface NewTemplate {
  forceId: string
  key: string
  title: string
  channel: Channel
  language?: string
  subject?: string | null
  body: string
  actorId?: string | null
}

/** What the template editor checks a template against: the values messages are given. */
export interface TemplateEditing {
  placeholders: string[]
  sample: Personalisation
}

export interface MessagingDefaults {
  smsProvider: Provider
  emailProvider: Provider
}

/** Wakes dispatch at a time (enqueues the dispatch job inside the caller's transaction). */
export type DispatchWaker = (tx: Tx, at: Date) => Promise<void>

/** The shared rate bucket of a force's Notify key. */
export const notifyBucket = (forceId: string): string => `notify:${forceId}`

/** What staff are told while Notify's daily limit pauses a force's sending. */
export const notifyDailyLimitReason = 'GOV.UK Notify’s daily limit was reached; sending resumes at midnight'

export class MessagingService {
  readonly #deletion = new MessageDeletionRepository()
  readonly #repo: MessagingRepository
  readonly #clock: Clock
  readonly #config: Config['messaging']
  readonly #onOptedOut: OptOutListener | undefined
  #wake: DispatchWaker = async () => {}
  #notifyKeys: NotifyKeys | undefined
  #unsubscribeLinks: UnsubscribeLinks | undefined

  constructor(
    repo: MessagingRepository,
    clock: Clock,
    config: Config['messaging'],
    listeners: { onOptedOut?: OptOutListener } = {},
  ) {
    this.#repo = repo
    this.#clock = clock
    this.#config = config
    this.#onOptedOut = listeners.onOptedOut
  }

  /** The sealing and lookup of forces' GOV.UK Notify keys, set up with the channels. */
  useNotifyKeys(keys: NotifyKeys): void {
    this.#notifyKeys = keys
  }

  /** The signed links shown at the foot of every email (UJ-6). */
  useUnsubscribeLinks(links: UnsubscribeLinks): void {
    this.#unsubscribeLinks = links
  }

  /** Dispatch registers how it wants to be woken once the job queue exists. */
  onDue(wake: DispatchWaker): void {
    this.#wake = wake
  }

  /** Wakes dispatch at `at`, once `tx` commits (a message held until then). */
  wakeDispatch(tx: Tx, at: Date): Promise<void> {
    return this.#wake(tx, at)
  }

  async addTemplateVersion(tx: Tx, template: NewTemplate): Promise<TemplateRow> {
    const errors = []
    if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(template.key))
      errors.push({ field: 'key', message: 'Enter a key of lowercase letters, numbers and hyphens' })
    if (!template.title.trim()) errors.push({ field: 'title', message: 'Enter a title' })
    if (!template.body.trim()) errors.push({ field: 'body', message: 'Enter the message' })
    if (template.channel === 'email' && !template.subject?.trim())
      errors.push({ field: 'subject', message: 'Enter a subject line' })
    if (errors.length) throw new ValidationError(errors)
    return this.#repo.addTemplateVersion(tx, {
      forceId: template.forceId,
      key: template.key,
      title: template.title.trim(),
      channel: template.channel,
      language: template.language ?? 'en',
      subject: template.channel === 'email' ? (template.subject ?? null) : null,
      body: template.body,
      createdBy: template.actorId ?? null,
    })
  }

  templates(tx: Tx, forceId: string): Promise<TemplateRow[]> {
    return this.#repo.templates(tx, forceId)
  }

  /** The force's templates grouped by key, each with its variants and versions (console list). */
  async templateSummaries(tx: Tx, forceId: string): Promise<TemplateSummary[]> {
    return summariseTemplates(await this.#repo.templatesWithAuthors(tx, forceId))
  }

  async templateSummary(tx: Tx, forceId: string, key: string): Promise<TemplateSummary> {
    const [summary] = summariseTemplates(await this.#repo.templatesWithAuthors(tx, forceId, key))
    if (!summary) throw new NotFoundError('The message template')
    return summary
  }

  /**
   * Checks one language of a template as typed and renders it for a sample person with the
   * force's branding. `key` is null for a template not created yet.
   */
  async checkTemplate(
    tx: Tx,
    forceId: string,
    key: string | null,
    language: string,
    text: TemplateText,
    editing: TemplateEditing,
  ): Promise<{ errors: { field: string; message: string }[]; previews: ChannelPreview[] }> {
    const errors: { field: string; message: string }[] = []
    if (!isOfferedLanguage(language)) errors.push({ field: 'language', message: 'Select a language' })
    const existing =
      key === null
        ? []
        : (await this.#repo.templatesWithAuthors(tx, forceId, key))
            .filter((t) => t.language === language)
            .map((t) => t.channel)
    const branding = await this.branding(tx, forceId)
    const checked = checkTemplateText(text, {
      placeholders: editing.placeholders,
      sample: { ...editing.sample, force_name: branding.senderName },
      branding,
      existing: [...new Set(existing)],
      language,
      unsubscribeUrl: this.#unsubscribeLinks?.exampleUrl() ?? null,
    })
    return { errors: [...errors, ...checked.errors], previews: checked.previews }
  }

  /**
   * Saves one language of a template: each channel whose title, subject or text changed gets a
   * new version; earlier versions stay, and messages already scheduled keep the one they used.
   * Returns the versions created (none when nothing changed).
   */
  async saveTemplate(
    tx: Tx,
    forceId: string,
    key: string | null,
    input: { newKey?: string; language: string; text: TemplateText; actorId: string | null },
    editing: TemplateEditing,
  ): Promise<{ key: string; created: TemplateRow[] }> {
    const templateKey = key ?? (input.newKey ?? '').trim()
    if (key === null) {
      const keyErrors = []
      if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(templateKey))
        keyErrors.push({
          field: 'key',
          message: 'Enter a key of 2 to 63 lowercase letters, numbers and hyphens, like court-date-reminder',
        })
      else if ((await this.#repo.templatesWithAuthors(tx, forceId, templateKey)).length > 0)
        keyErrors.push({
          field: 'key',
          message: 'A template with this key already exists: choose another key',
        })
      if (keyErrors.length) {
        const checked = await this.checkTemplate(tx, forceId, null, input.language, input.text, editing)
        throw new ValidationError([...keyErrors, ...checked.errors])
      }
    }
    const checked = await this.checkTemplate(tx, forceId, key, input.language, input.text, editing)
    if (checked.errors.length) throw new ValidationError(checked.errors)
    const current = key === null ? [] : await this.#repo.templatesWithAuthors(tx, forceId, templateKey)
    const created: TemplateRow[] = []
    const title = input.text.title.trim()
    for (const preview of checked.previews) {
      const channel = preview.channel
      const body = channel === 'sms' ? input.text.smsBody : input.text.emailBody
      const subject = channel === 'email' ? input.text.emailSubject.trim() : null
      const latest = current.find((t) => t.channel === channel && t.language === input.language)
      if (latest && latest.body === body && latest.subject === subject && latest.title === title) continue
      created.push(
        await this.addTemplateVersion(tx, {
          forceId,
          key: templateKey,
          title,
          channel,
          language: input.language,
          subject,
          body,
          actorId: input.actorId,
        }),
      )
    }
    return { key: templateKey, created }
  }

  /** SMS length and parts for the designer's live preview. */
  smsLength = smsLength

  /** The branding a force's messages carry (UJ-12), for previews in the designer. */
  async branding(tx: Tx, forceId: string): Promise<Branding> {
    return brandingFrom(await this.#repo.settings(tx, forceId), await this.#repo.forceIdentity(tx, forceId))
  }

  async settings(tx: Tx, forceId: string): Promise<SettingsRow | undefined> {
    return this.#repo.settings(tx, forceId)
  }

  async saveSettings(
    tx: Tx,
    forceId: string,
    change: Partial<Omit<SettingsRow, 'forceId' | 'updatedAt'>>,
    actorId: string | null,
  ): Promise<void> {
    for (const [channel, window] of Object.entries(change.sendingWindows ?? {})) {
      if (!isValidSendingWindow(window as SendingWindow)) {
        throw new ValidationError([
          {
            field: `${channel}-window`,
            message: 'Enter a start time before the end time and at least one day',
          },
        ])
      }
    }
    const current = await this.#repo.settings(tx, forceId)
    await this.#repo.saveSettings(tx, {
      forceId,
      smsChannel: change.smsChannel ?? current?.smsChannel ?? 'outbox',
      emailChannel: change.emailChannel ?? current?.emailChannel ?? 'outbox',
      senderName: change.senderName ?? current?.senderName ?? null,
      replyToEmail: change.replyToEmail ?? current?.replyToEmail ?? null,
      notifySmsSenderId: change.notifySmsSenderId ?? current?.notifySmsSenderId ?? null,
      notifyEmailReplyToId: change.notifyEmailReplyToId ?? current?.notifyEmailReplyToId ?? null,
      notifySmsTemplateId:
        'notifySmsTemplateId' in change
          ? (change.notifySmsTemplateId ?? null)
          : (current?.notifySmsTemplateId ?? null),
      notifyEmailTemplateId:
        'notifyEmailTemplateId' in change
          ? (change.notifyEmailTemplateId ?? null)
          : (current?.notifyEmailTemplateId ?? null),
      branding: change.branding ?? current?.branding ?? {},
      links: change.links ?? current?.links ?? [],
      sendingWindows: { ...(current?.sendingWindows ?? {}), ...(change.sendingWindows ?? {}) },
      sendOnChristmasDays: change.sendOnChristmasDays ?? current?.sendOnChristmasDays ?? false,
      updatedBy: actorId,
    })
  }

  /**
   * Sets the force's own GOV.UK Notify API key (write-only): it is stored sealed, with its name
   * and last 4 characters apart for staff to recognise it. Call `notifyKeyChanged` once the
   * transaction has committed so this process sends with it at once.
   */
  async setNotifyApiKey(
    tx: Tx,
    forceId: string,
    key: string,
    actorId: string | null,
  ): Promise<{ name: string; last4: string }> {
    const parts = notifyKeyParts(key)
    if (!parts)
      throw new ValidationError([
        {
          field: 'notifyApiKey',
          message:
            'Enter the API key exactly as GOV.UK Notify showed it: the key name followed by two long codes joined by hyphens',
        },
      ])
    if (!this.#notifyKeys) throw new Error('GOV.UK Notify keys are not set up')
    if (!(await this.#repo.settings(tx, forceId))) await this.saveSettings(tx, forceId, {}, actorId)
    await this.#repo.setNotifyApiKey(tx, forceId, {
      notifyApiKeySealed: this.#notifyKeys.seal(key.trim()),
      notifyApiKeyName: parts.name,
      notifyApiKeyLast4: parts.last4,
      notifyApiKeySetAt: this.#clock.now(),
      notifyApiKeySetBy: actorId,
    })
    return parts
  }

  notifyKeyChanged(forceId: string): void {
    this.#notifyKeys?.forget(forceId)
  }

  /**
   * Why the force's GOV.UK Notify sending is paused now, if it is, in words for its admins
   * (`tx` as the system: the rate buckets are the region's).
   */
  async notifyPause(tx: Tx, forceId: string): Promise<{ reason: string; until: Date } | undefined> {
    const pause = await this.#repo.bucketPause(tx, notifyBucket(forceId))
    if (!pause) return undefined
    return {
      until: pause.until,
      reason:
        pause.reason === 'daily-limit'
          ? notifyDailyLimitReason
          : 'GOV.UK Notify’s rate limit was reached; sending resumes within a minute',
    }
  }

  /** The configured key's visible parts, for a force that has not set its own in the console. */
  configuredNotifyKey(forceId: string): { name: string; last4: string } | null {
    return this.#notifyKeys?.configuredKey(forceId) ?? null
  }

  /**
   * Schedules one message inside the caller's transaction. Returns the message row, whose
   * status says what happened: `scheduled`, or `suppressed` with the reason (opted out, bad
   * address, missing personalisation, no template).
   */
  async schedule(tx: Tx, request: ScheduleMessage): Promise<MessageRow> {
    const now = this.#clock.now()
    const dueAt = request.dueAt ?? now
    const settings = await this.#repo.settings(tx, request.forceId)
    const provider = providerFor(request.channel, settings, this.#config)
    const key = addressKey(request.channel, request.to)
    const language = request.language ?? 'en'
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
      createdBy: request.actorId ?? null,
    }
    const suppressed = (reason: string, body = '') =>
      this.#repo.insertMessage(
        tx,
        { ...base, body, sendAfter: dueAt, status: 'suppressed', statusReason: reason },
        reason,
        request.actorId ?? null,
      )

    const template = await this.#repo.latestTemplate(
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
    const address = await this.#repo.sendability(tx, request.forceId, request.channel, key)
    if (address.optOutSource) return suppressed(`Opted out (${address.optOutSource})`)
    if (address.health === 'bad')
      return suppressed(`Contact detail failed permanently: ${address.healthReason ?? ''}`.trim())

    let rendered: ReturnType<typeof renderMessage>
    try {
      rendered = renderMessage(
        template,
        request.personalisation,
        brandingFrom(settings, await this.#repo.forceIdentity(tx, request.forceId)),
        request.channel === 'email' ? this.#unsubscribeLinks?.urlFor(request.forceId, 'email', key) : null,
      )
    } catch (error) {
      if (!(error instanceof MissingPersonalisationError)) throw error
      return this.#repo.insertMessage(
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
    const sendAfter = nextSendableTime(earliest, window, { urgent: request.urgent })
    const message = await this.#repo.insertMessage(
      tx,
      {
        ...base,
        ...templateFields,
        subject: rendered.subject,
        body: rendered.text,
        bodyMarkdown: rendered.markdown,
        bodyHtml: rendered.html,
        sendAfter,
        status: 'scheduled',
      },
      quietHoursNote(earliest, sendAfter, window, request.urgent ?? false),
      request.actorId ?? null,
    )
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
    const moved = await this.#repo.transition(
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
    const ids = (await this.#repo.pendingOnCases(tx, filter.forceId, filter.caseIds))
      .filter(
        ({ template }) =>
          template && placeholdersIn(template.subject, template.body).some((name) => wanted.has(name)),
      )
      .map(({ message }) => message.id)
    if (ids.length === 0) return []
    return this.#repo.transition(tx, { ids }, ['scheduled'], 'cancelled', {
      statusReason: filter.reason,
      detail: filter.reason,
      actorId: filter.actorId ?? null,
      completedAt: this.#clock.now(),
    })
  }

  /** Suppresses one scheduled message with a reason staff can read. */
  async suppress(tx: Tx, messageId: string, reason: string, actorId: string | null): Promise<MessageRow> {
    const [moved] = await this.#repo.transition(tx, { ids: [messageId] }, ['scheduled'], 'suppressed', {
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
    const settings = await this.#repo.settings(tx, request.forceId)
    const template = await this.#repo.latestTemplate(
      tx,
      request.forceId,
      request.templateKey,
      request.channel,
      [...new Set([language, 'en'])],
    )
    return this.#repo.insertMessage(
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

  async isOptedOut(tx: Tx, forceId: string, channel: Channel, address: string): Promise<boolean> {
    return !!(await this.#repo.activeOptOut(tx, forceId, channel, addressKey(channel, address)))
  }

  /** For each address, whether it has opted out of its channel (or of all), in one read. */
  async optedOut(
    tx: Tx,
    forceId: string,
    addresses: { channel: Channel; address: string }[],
  ): Promise<boolean[]> {
    const keys = addresses.map((a) => addressKey(a.channel, a.address))
    const active = await this.#repo.activeOptOutsAmong(tx, forceId, [...new Set(keys)])
    return addresses.map((a, i) =>
      active.some((o) => o.addressKey === keys[i] && (o.channel === a.channel || o.channel === 'all')),
    )
  }

  /** Records an opt-out (UJ-6) and cancels what was waiting to go to that address. */
  async recordOptOut(
    tx: Tx,
    optOut: {
      forceId: string
      channel: Channel | 'all'
      address: string
      source: OptOutRow['source']
      note?: string
      actorId?: string | null
    },
  ): Promise<{ optOut: OptOutRow; created: boolean; cancelled: number }> {
    const keyChannel: Channel =
      optOut.channel === 'email' || (optOut.channel === 'all' && optOut.address.includes('@'))
        ? 'email'
        : 'sms'
    if (!isValidAddress(keyChannel, optOut.address)) {
      throw new ValidationError([
        { field: 'address', message: 'Enter a UK mobile number, like 07700 900 982, or an email address' },
      ])
    }
    const key = addressKey(keyChannel, optOut.address)
    const result = await this.#repo.addOptOut(tx, {
      forceId: optOut.forceId,
      channel: optOut.channel,
      addressKey: key,
      source: optOut.source,
      note: optOut.note ?? null,
      recordedBy: optOut.actorId ?? null,
      recordedAt: this.#clock.now(),
    })
    const cancelled = await this.cancelPending(tx, {
      forceId: optOut.forceId,
      to: { channel: keyChannel, address: optOut.address },
      reason: `Opted out (${optOut.source})`,
      actorId: optOut.actorId ?? null,
    })
    // UJ-6, UJ-9, UJ-10: the source system learns of the choice once, when it is first made.
    if (result.created && this.#onOptedOut) {
      await this.#onOptedOut(tx, {
        optOut: result.optOut,
        address: optOut.address.trim(),
        caseIds: await this.#repo.caseIdsOfRecipient(tx, optOut.forceId, key),
      })
    }
    return { ...result, cancelled }
  }

  optOuts(tx: Tx, forceId: string): Promise<OptOutRow[]> {
    return this.#repo.optOuts(tx, forceId)
  }

  badContactPoints(tx: Tx, forceId: string) {
    return this.#repo.badContactPoints(tx, forceId)
  }

  /** Messages of the force that were not delivered, by failure, each counted up to `cap`. */
  undeliveredCounts(forceId: string, cap: number): Promise<{ status: MessageStatus; count: number }[]> {
    return this.#repo.countWithStatuses(
      forceId,
      ['permanent-failure', 'temporary-failure', 'technical-failure'],
      cap,
    )
  }

  messages(
    tx: Tx,
    filter: { forceId: string; status?: MessageStatus; personId?: string; caseId?: string; limit?: number },
  ) {
    return this.#repo.messages(tx, { ...filter, limit: filter.limit ?? 100 })
  }

  async message(tx: Tx, id: string) {
    const message = await this.#repo.message(tx, id)
    if (!message) throw new NotFoundError('The message')
    return { message, events: await this.#repo.events(tx, id) }
  }

  /** PIRM deletion (UJ-3, CP-4, CRM-4): a case's or person's messages and their events, in `tx`. */
  deleteFor(tx: Tx, target: { caseId?: string; personId?: string }): Promise<Record<string, number>> {
    return this.#deletion.deleteFor(tx, target)
  }

  /** PIRM deletion of finished messages created before `cutoff` (a force's message rule). */
  deleteFinishedBefore(tx: Tx, cutoff: Date): Promise<Record<string, number>> {
    return this.#deletion.deleteFinishedBefore(tx, cutoff)
  }
}

/** The window a force's messages on `channel` keep to, with its choice about 25 and 26 December. */
export function sendingWindowFor(settings: SettingsRow | undefined, channel: Channel): SendingWindow {
  return {
    ...(settings?.sendingWindows?.[channel] ?? defaultSendingWindow),
    sendOnChristmasDays: settings?.sendOnChristmasDays ?? false,
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

export function providerFor(
  channel: Channel,
  settings: SettingsRow | undefined,
  config: Config['messaging'],
): Provider {
  if (channel === 'sms') return settings?.smsChannel ?? config.defaultSmsChannel
  return settings?.emailChannel ?? config.defaultEmailChannel
}

export function brandingFrom(
  settings: SettingsRow | undefined,
  force?: { name: string; branding: { primaryColour?: string; logoText?: string; logoUrl?: string } },
): Branding {
  const name = settings?.senderName ?? force?.name ?? 'Police'
  return {
    senderName: name,
    colour: settings?.branding.colour ?? force?.branding.primaryColour ?? '#0b0c0c',
    logoText: settings?.branding.logoText ?? force?.branding.logoText ?? name,
    ...(settings?.branding.logoUrl ? { logoUrl: settings.branding.logoUrl } : {}),
    links: settings?.links ?? [],
  }
}
