// The ways a message leaves Waypoint: GOV.UK Notify, SMTP, or the dev outbox (embedded default:
// stored and shown in the console). A channel reports what happened in terms dispatch can act on
// without guessing: accepted, refused-but-retry, rate-limited (the force's sending pauses),
// unknown (may have been accepted: reconcile before resending), permanently undeliverable,
// misconfigured (retried a few times: a key may be on its way), or refused for a reason only a
// person can fix (never retried).
import type { Config } from '../platform/config.ts'
import { ValidationError } from '../platform/errors.ts'
import { SmtpTransport } from '../platform/smtp-transport.ts'
import { type ParseLimits, parseEmail } from './email-parser.ts'
import type { Provider } from './schema.ts'

// Notify's client loads when the channel first sends, not when Waypoint starts: a process that
// never sends by Notify (a web process, most tests) never loads it (decision 0068).
type NotifyClientClass = new (baseUrl: string, apiKey: string) => NotifyApi

interface NotifyApi {
  sendSms(templateId: string, to: string, options: object): Promise<{ data: { id: string } }>
  sendEmail(templateId: string, to: string, options: object): Promise<{ data: { id: string } }>
  getNotifications(
    type?: string,
    status?: string,
    reference?: string,
  ): Promise<{ data: { notifications: { id: string; status: string }[] } }>
  getNotificationById(id: string): Promise<{ data: { id: string; status: string } }>
  getTemplateById(id: string): Promise<{ data: NotifyTemplate }>
  setClient(client: (options: RestOptions) => Promise<{ data: unknown; status: number }>): void
}

interface NotifyTemplate {
  id: string
  name: string
  type: string
  body: string
  subject: string | null
}

/** What a force sends through GOV.UK Notify with: its key and its service's two templates. */
export interface NotifyAccount {
  key: string
  smsTemplateId: string | undefined
  emailTemplateId: string | undefined
}

/** The result of "Test connection": each check, in words an administrator can act on. */
export interface NotifyConnectionCheck {
  ok: boolean
  checks: { what: string; ok: boolean; detail: string }[]
}

interface RestOptions {
  method: string
  url: string
  data?: unknown
  headers: Record<string, string>
}

export interface OutgoingMessage {
  id: string
  provider: Provider
  forceId: string
  reference: string
  channel: 'sms' | 'email'
  recipient: string
  subject: string | null
  body: string
  bodyMarkdown: string | null
  bodyHtml: string | null
  senderName: string
  replyTo: string | null
  notifySenderId: string | null
  unsubscribeUrl: string | null
}

export type SendOutcome =
  | { kind: 'accepted'; providerRef: string; delivered: boolean }
  | { kind: 'retry'; error: string }
  /** The provider's rate limit: not a failed attempt; the force's sending pauses. */
  | { kind: 'rate-limited'; error: string; daily?: boolean }
  | { kind: 'unknown'; error: string }
  | { kind: 'undeliverable'; error: string }
  | { kind: 'misconfigured'; error: string }
  /** Refused for a reason only a person can fix (a wrong template id): never retried. */
  | { kind: 'refused'; error: string }

export type ProviderRecord = { found: false } | { found: true; providerRef: string; status: string }

export interface MessageChannel {
  readonly provider: Provider
  /**
   * True when the provider can be asked by reference (Notify): a message it cannot account for
   * just now is asked about again, never sent again blind. False (SMTP): no answer will ever
   * come, so a message stuck in `sending` is sent again.
   */
  readonly answersByReference: boolean
  send(message: OutgoingMessage): Promise<SendOutcome>
  /** Asks the provider whether it holds a message with our reference (after a crash). */
  findByReference(forceId: string, reference: string): Promise<ProviderRecord | 'cannot-tell'>
  /** The provider's current status of a message it accepted, for receipts that never came. */
  statusOf?(forceId: string, providerRef: string): Promise<string>
  /**
   * What a person sent in, in the provider's own form (Notify's received-text callback, a raw
   * email), as one shape for conversations. Throws ValidationError when it cannot be read.
   */
  receive?(input: unknown): InboundMessage
}

/** A message a person sent to the force, as every channel hands it to conversations. */
export interface InboundMessage {
  /** `phone`: a call the telephony platform offered (Contact's CTI events). */
  channel: 'sms' | 'email' | 'phone'
  /** Who carried it; `web-form` is the form Contact's web chat offers without JavaScript. */
  provider: Provider | 'cti' | 'web-form'
  /** The provider's id for it (Notify's inbound id, the email's Message-ID): stored once. */
  providerRef: string | null
  from: string
  fromName: string | null
  to: string | null
  subject: string | null
  body: string
  receivedAt: Date | null
  attachments: { filename: string; contentType: string; content: Buffer }[]
}

/**
 * The dev outbox: the message is kept in Waypoint and shown in /console/outbox. It also stands in
 * for the person's phone in the demo: whoever listens (`onDelivered`) hears each message it takes,
 * and a simulated reply comes back through `receive`, the same way a received text comes from
 * GOV.UK Notify.
 */
export class OutboxChannel implements MessageChannel {
  readonly provider = 'outbox' as const
  readonly answersByReference = true
  readonly #listeners = new Set<(message: OutgoingMessage) => void>()

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    for (const listener of this.#listeners) listener(message)
    return { kind: 'accepted', providerRef: `outbox:${message.reference}`, delivered: true }
  }

  /** Hears each message the outbox takes (the demo's simulated phones); returns how to stop. */
  onDelivered(listener: (message: OutgoingMessage) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  async findByReference(): Promise<ProviderRecord> {
    // Nothing leaves the outbox until the dispatch transaction commits, so a message still in
    // `sending` was never shown to anyone.
    return { found: false }
  }

  /** A simulated text reply: `{ id, from, to?, message }`, the fields of Notify's received text. */
  receive(input: unknown): InboundMessage {
    const body = (input ?? {}) as Record<string, unknown>
    const from = typeof body.from === 'string' ? body.from.trim() : ''
    if (!from || typeof body.message !== 'string' || body.message.trim() === '')
      throw new ValidationError([{ field: 'from', message: 'from and message are required' }])
    return {
      channel: 'sms',
      provider: 'outbox',
      providerRef: typeof body.id === 'string' && body.id ? body.id.slice(0, 200) : null,
      from: from.slice(0, 40),
      fromName: null,
      to: typeof body.to === 'string' ? body.to.slice(0, 40) : null,
      subject: null,
      body: body.message.slice(0, 10_000),
      receivedAt: null,
      attachments: [],
    }
  }
}

/** The configured account of a force: its key and templates from NOTIFY_* settings. */
export function configuredNotifyAccount(
  config: Config['messaging']['notify'],
  forceId: string,
): Omit<NotifyAccount, 'key'> & { key: string | undefined } {
  return {
    key: config.apiKeys[forceId],
    smsTemplateId: config.smsTemplateIds[forceId] ?? (config.smsTemplateId || undefined),
    emailTemplateId: config.emailTemplateIds[forceId] ?? (config.emailTemplateId || undefined),
  }
}

export class NotifyChannel implements MessageChannel {
  readonly provider = 'notify' as const
  readonly answersByReference = true
  readonly #config: Config['messaging']['notify']
  readonly #clients = new Map<string, { key: string; client: NotifyApi }>()
  readonly #accountFor: (forceId: string) => Promise<NotifyAccount | undefined>

  /**
   * `accountFor` gives the force's API key and templates (set in the console, or configured);
   * by default the configured ones.
   */
  constructor(
    config: Config['messaging']['notify'],
    accountFor?: (forceId: string) => Promise<NotifyAccount | undefined>,
  ) {
    this.#config = config
    this.#accountFor =
      accountFor ??
      (async (forceId) => {
        const account = configuredNotifyAccount(config, forceId)
        return account.key ? { ...account, key: account.key } : undefined
      })
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    let account: { client: NotifyApi; account: NotifyAccount } | undefined
    try {
      account = await this.#client(message.forceId)
    } catch (error) {
      // Nothing went to Notify, so sending later is safe.
      return { kind: 'retry', error: `Could not read the GOV.UK Notify API key: ${(error as Error).message}` }
    }
    if (!account) return { kind: 'misconfigured', error: `No GOV.UK Notify API key for ${message.forceId}` }
    const { client } = account
    const templateId =
      message.channel === 'sms' ? account.account.smsTemplateId : account.account.emailTemplateId
    if (!templateId)
      return {
        kind: 'misconfigured',
        error: `No GOV.UK Notify ${message.channel === 'sms' ? 'text message' : 'email'} template id for ${message.forceId}: set it on the Messaging settings page`,
      }
    try {
      const response =
        message.channel === 'sms'
          ? await client.sendSms(templateId, message.recipient, {
              personalisation: { body: message.body },
              reference: message.reference,
              ...(message.notifySenderId ? { smsSenderId: message.notifySenderId } : {}),
            })
          : await client.sendEmail(templateId, message.recipient, {
              personalisation: { subject: message.subject ?? '', body: message.bodyMarkdown ?? message.body },
              reference: message.reference,
              ...(message.notifySenderId ? { emailReplyToId: message.notifySenderId } : {}),
              ...(message.unsubscribeUrl ? { oneClickUnsubscribeURL: message.unsubscribeUrl } : {}),
            })
      return { kind: 'accepted', providerRef: response.data.id, delivered: false }
    } catch (error) {
      return classifyNotifyError(error, message.channel)
    }
  }

  /**
   * "Test connection": Notify accepts the force's key, and both templates are in that key's
   * service, of the right kind, and pass Waypoint's text through.
   */
  async checkConnection(
    forceId: string,
    uses: { email: boolean } = { email: true },
  ): Promise<NotifyConnectionCheck> {
    let found: { client: NotifyApi; account: NotifyAccount } | undefined
    try {
      found = await this.#client(forceId)
    } catch (error) {
      return {
        ok: false,
        checks: [
          {
            what: 'API key',
            ok: false,
            detail: `The stored key cannot be read: ${(error as Error).message}`,
          },
        ],
      }
    }
    if (!found)
      return {
        ok: false,
        checks: [{ what: 'API key', ok: false, detail: 'No GOV.UK Notify API key is set for this force' }],
      }
    const checks: NotifyConnectionCheck['checks'] = []
    for (const type of ['sms', 'email'] as const) {
      const what = type === 'sms' ? 'Text message template' : 'Email template'
      const id = type === 'sms' ? found.account.smsTemplateId : found.account.emailTemplateId
      if (!id) {
        checks.push(
          type === 'email' && !uses.email
            ? { what, ok: true, detail: 'Not needed: emails do not go by GOV.UK Notify' }
            : { what, ok: false, detail: 'No template id is set' },
        )
        continue
      }
      try {
        const template = (await found.client.getTemplateById(id)).data
        const problems: string[] = []
        if (template.type !== type)
          problems.push(
            `it is ${template.type === 'sms' ? 'a text message' : `an ${template.type}`} template`,
          )
        if (!template.body.includes('((body))')) problems.push('its message is not ((body))')
        if (type === 'email' && !(template.subject ?? '').includes('((subject))'))
          problems.push('its subject is not ((subject))')
        checks.push({
          what,
          ok: problems.length === 0,
          detail:
            problems.length === 0
              ? `Found “${template.name}” in this key’s Notify service`
              : `“${template.name}” cannot be used: ${problems.join(', ')}`,
        })
      } catch (error) {
        const status = (error as { response?: { status: number } }).response?.status
        if (status === 403) {
          checks.unshift({ what: 'API key', ok: false, detail: 'GOV.UK Notify did not accept the API key' })
          return { ok: false, checks }
        }
        checks.push({
          what,
          ok: false,
          detail:
            status === 404 || status === 400
              ? `Template ${id} is not in the GOV.UK Notify service of this API key`
              : `GOV.UK Notify did not answer: ${(error as Error).message}`,
        })
      }
    }
    checks.unshift({ what: 'API key', ok: true, detail: 'GOV.UK Notify accepted the API key' })
    return { ok: checks.every((c) => c.ok), checks }
  }

  async findByReference(forceId: string, reference: string): Promise<ProviderRecord | 'cannot-tell'> {
    // No usable key or no answer is 'cannot-tell': reconciliation asks again later and records it
    // on the message (dispatch.ts), so nothing is lost by not knowing now.
    const client = (await this.#client(forceId).catch(() => undefined))?.client
    if (!client) return 'cannot-tell'
    try {
      const response = await client.getNotifications(undefined, undefined, reference)
      const [found] = response.data.notifications
      return found ? { found: true, providerRef: found.id, status: found.status } : { found: false }
    } catch {
      // As above: the caller asks again later.
      return 'cannot-tell'
    }
  }

  /** GOV.UK Notify's received-text callback body: https://docs.notifications.service.gov.uk/rest-api.html#received-text-messages */
  receive(input: unknown): InboundMessage {
    const body = (input ?? {}) as Record<string, unknown>
    const from = typeof body.source_number === 'string' ? body.source_number.trim() : ''
    if (!from || typeof body.message !== 'string')
      throw new ValidationError([
        { field: 'source_number', message: 'source_number and message are required' },
      ])
    const received = typeof body.date_received === 'string' ? new Date(body.date_received) : null
    return {
      channel: 'sms',
      provider: 'notify',
      providerRef: typeof body.id === 'string' && body.id ? body.id.slice(0, 200) : null,
      from: from.slice(0, 40),
      fromName: null,
      to: typeof body.destination_number === 'string' ? body.destination_number.slice(0, 40) : null,
      subject: null,
      body: body.message.slice(0, 10_000),
      receivedAt: received && !Number.isNaN(received.getTime()) ? received : null,
      attachments: [],
    }
  }

  async statusOf(forceId: string, providerRef: string): Promise<string> {
    const client = (await this.#client(forceId))?.client
    if (!client) throw new Error(`No GOV.UK Notify API key for ${forceId}`)
    return (await client.getNotificationById(providerRef)).data.status
  }

  async #client(forceId: string): Promise<{ client: NotifyApi; account: NotifyAccount } | undefined> {
    const account = await this.#accountFor(forceId)
    if (!account?.key) return undefined
    const key = account.key
    const cached = this.#clients.get(forceId)
    let client = cached?.key === key ? cached.client : undefined
    if (!client) {
      const { NotifyClient } = (await import('notifications-node-client')).default as unknown as {
        NotifyClient: NotifyClientClass
      }
      client = new NotifyClient(this.#config.baseUrl, key)
      // fetch with a deadline instead of the client's default (no timeout): a provider that
      // hangs must not hold a worker for ever.
      const timeoutMs = this.#config.timeoutMs
      client.setClient(async (options) => {
        const response = await fetch(options.url, {
          method: options.method.toUpperCase(),
          headers: { ...options.headers, 'content-type': 'application/json' },
          ...(options.data === undefined ? {} : { body: JSON.stringify(options.data) }),
          signal: AbortSignal.timeout(timeoutMs),
        })
        // A body that is not JSON leaves only the status to go on, which the error below carries.
        const data = await response.json().catch(() => ({}))
        if (!response.ok)
          throw Object.assign(new Error(`Notify answered ${response.status}`), {
            response: { status: response.status, data },
          })
        return { data, status: response.status }
      })
      this.#clients.set(forceId, { key, client })
    }
    return { client, account }
  }
}

function classifyNotifyError(error: unknown, channel: 'sms' | 'email'): SendOutcome {
  const response = (
    error as { response?: { status: number; data?: { errors?: { error: string; message: string }[] } } }
  ).response
  if (!response)
    return { kind: 'unknown', error: `No answer from GOV.UK Notify: ${(error as Error).message}` }
  const first = response.data?.errors?.[0]
  const detail = `${response.status} ${first?.error ?? ''}: ${first?.message ?? ''}`.trim()
  // Notify's 429s: `RateLimitError` is its per-minute limit (frees within the minute);
  // `TooManyRequestsError` ("Exceeded send limits (…) for today") its daily limit.
  if (response.status === 429)
    return first?.error === 'TooManyRequestsError' || /for today/i.test(first?.message ?? '')
      ? { kind: 'rate-limited', error: detail, daily: true }
      : { kind: 'rate-limited', error: detail }
  if (response.status >= 500) return { kind: 'unknown', error: detail }
  if (response.status === 400 && /phone_number|email_address|recipient/i.test(first?.message ?? '')) {
    return { kind: 'undeliverable', error: detail }
  }
  // Sending the same request again cannot succeed: say plainly what a person must change.
  if (response.status === 400 && /template not found/i.test(first?.message ?? '')) {
    const kind = channel === 'sms' ? 'text message' : 'email'
    return {
      kind: 'refused',
      error: `GOV.UK Notify has no such ${kind} template in this force’s Notify service (${detail}). Check the ${kind} template id on the Messaging settings page and use “Test connection”; the message was not sent again.`,
    }
  }
  if (response.status === 400)
    return {
      kind: 'refused',
      error: `GOV.UK Notify refused this message (${detail}); the message was not sent again.`,
    }
  return { kind: 'misconfigured', error: detail }
}

/** Email over SMTP with one-click unsubscribe headers (UJ-6, RFC 8058). */
export class SmtpChannel implements MessageChannel {
  readonly provider = 'smtp' as const
  readonly answersByReference = false
  readonly #transport: SmtpTransport | undefined
  readonly #from: string

  constructor(config: Config['messaging']['smtp']) {
    this.#transport = config.url ? new SmtpTransport(config.url) : undefined
    this.#from = config.from
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    if (!this.#transport) return { kind: 'misconfigured', error: 'SMTP_URL is not set' }
    if (message.channel !== 'email') return { kind: 'misconfigured', error: 'SMTP sends email only' }
    try {
      const info = await (await this.#transport.get()).sendMail({
        from: { name: message.senderName, address: this.#from },
        to: message.recipient,
        ...(message.replyTo ? { replyTo: message.replyTo } : {}),
        subject: message.subject ?? '',
        text: message.body,
        ...(message.bodyHtml ? { html: message.bodyHtml } : {}),
        messageId: `<${message.reference}@waypoint>`,
        headers: message.unsubscribeUrl
          ? {
              'List-Unsubscribe': `<${message.unsubscribeUrl}>`,
              'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
            }
          : {},
      })
      if ((info.rejected ?? []).length > 0)
        return { kind: 'undeliverable', error: `Rejected: ${info.response}` }
      return { kind: 'accepted', providerRef: info.messageId, delivered: false }
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode
      if (code && code >= 500 && code < 600) return { kind: 'undeliverable', error: (error as Error).message }
      return { kind: 'unknown', error: (error as Error).message }
    }
  }

  async findByReference(): Promise<'cannot-tell'> {
    return 'cannot-tell'
  }

  /** A raw email taken by the inbound SMTP listener, with its envelope. */
  receive(input: unknown): InboundMessage {
    const { raw, envelopeFrom, limits } = input as {
      raw: Buffer
      envelopeFrom: string | null
      limits: ParseLimits
    }
    const email = parseEmail(raw, limits)
    const from = email.from ?? envelopeFrom?.toLowerCase() ?? ''
    if (!from) throw new ValidationError([{ field: 'from', message: 'The email has no sender' }])
    return {
      channel: 'email',
      provider: 'smtp',
      providerRef: email.messageId?.slice(0, 500) ?? null,
      from,
      fromName: email.fromName,
      to: email.to[0] ?? null,
      subject: email.subject?.slice(0, 500) ?? null,
      body: email.text.slice(0, 100_000),
      receivedAt: email.date,
      attachments: email.attachments,
    }
  }

  close(): void {
    this.#transport?.close()
  }
}
