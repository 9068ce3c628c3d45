// The ways a message leaves Waypoint: GOV.UK Notify, SMTP, or the dev outbox (embedded default:
// stored and shown in the console). A channel reports what happened in terms dispatch can act on
// without guessing: accepted, refused-but-retry, unknown (may have been accepted: reconcile
// before resending), permanently undeliverable, or misconfigured.
import nodemailer, { type Transporter } from 'nodemailer'
import NotifyClientModule from 'notifications-node-client'
import type { Config } from '../platform/config.ts'
import type { Provider } from './schema.ts'

const { NotifyClient } = NotifyClientModule as unknown as {
  NotifyClient: new (baseUrl: string, apiKey: string) => NotifyApi
}

interface NotifyApi {
  sendSms(templateId: string, to: string, options: object): Promise<{ data: { id: string } }>
  sendEmail(templateId: string, to: string, options: object): Promise<{ data: { id: string } }>
  getNotifications(
    type?: string,
    status?: string,
    reference?: string,
  ): Promise<{ data: { notifications: { id: string; status: string }[] } }>
  getNotificationById(id: string): Promise<{ data: { id: string; status: string } }>
  setClient(client: (options: RestOptions) => Promise<{ data: unknown; status: number }>): void
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
  | { kind: 'unknown'; error: string }
  | { kind: 'undeliverable'; error: string }
  | { kind: 'misconfigured'; error: string }

export type ProviderRecord = { found: false } | { found: true; providerRef: string; status: string }

export interface MessageChannel {
  readonly provider: Provider
  send(message: OutgoingMessage): Promise<SendOutcome>
  /** Asks the provider whether it holds a message with our reference (after a crash). */
  findByReference(forceId: string, reference: string): Promise<ProviderRecord | 'cannot-tell'>
  /** The provider's current status of a message it accepted, for receipts that never came. */
  statusOf?(forceId: string, providerRef: string): Promise<string>
}

/** The dev outbox: the message is kept in Waypoint and shown in /console/outbox. */
export class OutboxChannel implements MessageChannel {
  readonly provider = 'outbox' as const
  async send(message: OutgoingMessage): Promise<SendOutcome> {
    return { kind: 'accepted', providerRef: `outbox:${message.reference}`, delivered: true }
  }
  async findByReference(): Promise<ProviderRecord> {
    // Nothing leaves the outbox until the dispatch transaction commits, so a message still in
    // `sending` was never shown to anyone.
    return { found: false }
  }
}

export class NotifyChannel implements MessageChannel {
  readonly provider = 'notify' as const
  readonly #config: Config['messaging']['notify']
  readonly #clients = new Map<string, { key: string; client: NotifyApi }>()
  readonly #keyFor: (forceId: string) => Promise<string | undefined>

  /** `keyFor` gives the force's API key (set in the console, or configured); by default the configured one. */
  constructor(
    config: Config['messaging']['notify'],
    keyFor?: (forceId: string) => Promise<string | undefined>,
  ) {
    this.#config = config
    this.#keyFor = keyFor ?? (async (forceId) => config.apiKeys[forceId])
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    let client: NotifyApi | undefined
    try {
      client = await this.#client(message.forceId)
    } catch (error) {
      // Nothing went to Notify, so sending later is safe.
      return { kind: 'retry', error: `Could not read the GOV.UK Notify API key: ${(error as Error).message}` }
    }
    if (!client) return { kind: 'misconfigured', error: `No GOV.UK Notify API key for ${message.forceId}` }
    try {
      const response =
        message.channel === 'sms'
          ? await client.sendSms(this.#config.smsTemplateId, message.recipient, {
              personalisation: { body: message.body },
              reference: message.reference,
              ...(message.notifySenderId ? { smsSenderId: message.notifySenderId } : {}),
            })
          : await client.sendEmail(this.#config.emailTemplateId, message.recipient, {
              personalisation: { subject: message.subject ?? '', body: message.bodyMarkdown ?? message.body },
              reference: message.reference,
              ...(message.notifySenderId ? { emailReplyToId: message.notifySenderId } : {}),
              ...(message.unsubscribeUrl ? { oneClickUnsubscribeURL: message.unsubscribeUrl } : {}),
            })
      return { kind: 'accepted', providerRef: response.data.id, delivered: false }
    } catch (error) {
      return classifyNotifyError(error)
    }
  }

  async findByReference(forceId: string, reference: string): Promise<ProviderRecord | 'cannot-tell'> {
    const client = await this.#client(forceId).catch(() => undefined)
    if (!client) return 'cannot-tell'
    try {
      const response = await client.getNotifications(undefined, undefined, reference)
      const [found] = response.data.notifications
      return found ? { found: true, providerRef: found.id, status: found.status } : { found: false }
    } catch {
      return 'cannot-tell'
    }
  }

  async statusOf(forceId: string, providerRef: string): Promise<string> {
    const client = await this.#client(forceId)
    if (!client) throw new Error(`No GOV.UK Notify API key for ${forceId}`)
    return (await client.getNotificationById(providerRef)).data.status
  }

  async #client(forceId: string): Promise<NotifyApi | undefined> {
    const key = await this.#keyFor(forceId)
    if (!key) return undefined
    const cached = this.#clients.get(forceId)
    let client = cached?.key === key ? cached.client : undefined
    if (!client) {
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
        const data = await response.json().catch(() => ({}))
        if (!response.ok)
          throw Object.assign(new Error(`Notify answered ${response.status}`), {
            response: { status: response.status, data },
          })
        return { data, status: response.status }
      })
      this.#clients.set(forceId, { key, client })
    }
    return client
  }
}

function classifyNotifyError(error: unknown): SendOutcome {
  const response = (
    error as { response?: { status: number; data?: { errors?: { error: string; message: string }[] } } }
  ).response
  if (!response)
    return { kind: 'unknown', error: `No answer from GOV.UK Notify: ${(error as Error).message}` }
  const first = response.data?.errors?.[0]
  const detail = `${response.status} ${first?.error ?? ''}: ${first?.message ?? ''}`.trim()
  if (response.status === 429) return { kind: 'retry', error: detail }
  if (response.status >= 500) return { kind: 'unknown', error: detail }
  if (response.status === 400 && /phone_number|email_address|recipient/i.test(first?.message ?? '')) {
    return { kind: 'undeliverable', error: detail }
  }
  return { kind: 'misconfigured', error: detail }
}

/** Email over SMTP with one-click unsubscribe headers (UJ-6, RFC 8058). */
export class SmtpChannel implements MessageChannel {
  readonly provider = 'smtp' as const
  readonly #transport: Transporter | undefined
  readonly #from: string

  constructor(config: Config['messaging']['smtp']) {
    this.#transport = config.url ? nodemailer.createTransport(config.url) : undefined
    this.#from = config.from
  }

  async send(message: OutgoingMessage): Promise<SendOutcome> {
    if (!this.#transport) return { kind: 'misconfigured', error: 'SMTP_URL is not set' }
    if (message.channel !== 'email') return { kind: 'misconfigured', error: 'SMTP sends email only' }
    try {
      const info = await this.#transport.sendMail({
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

  close(): void {
    this.#transport?.close()
  }
}
