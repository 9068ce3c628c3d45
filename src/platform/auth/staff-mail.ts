// Email to members of staff (a local user's set-up link, a scheduled report). The platform sends it itself, with the
// installation's SMTP settings (SMTP_URL, SMTP_FROM), not through Messaging: Messaging's channels
// and outbox are per force and hold messages to victims, and the platform imports no capability
// (decision 0024). Without SMTP_URL, development and tests keep the email in a mailbox in memory
// and log the link for the demo; production refuses to send, naming the setting.
import type { Config } from '../config.ts'
import { DomainError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { SmtpTransport } from '../smtp-transport.ts'

export interface StaffEmail {
  /** The staff account it is about (logged; the address is not). */
  userId: string
  to: string
  subject: string
  body: string
  /** The link the email carries, shown in development's log. */
  link: string
  /** Files it carries (a scheduled report's CSV, decision 0054). */
  attachments?: { filename: string; content: string; contentType: string }[]
  /**
   * The Message-ID, when the sender gives one: the same on every attempt at one email, so that a
   * copy sent again after an interrupted send is known by mail systems as the same message.
   */
  messageId?: string
}

/** The port: what sends an email to a member of staff. */
export interface StaffMail {
  send(email: StaffEmail): Promise<void>
}

export class SmtpStaffMail implements StaffMail {
  readonly #transport: SmtpTransport
  readonly #from: string
  constructor(url: string, from: string) {
    this.#transport = new SmtpTransport(url)
    this.#from = from
  }
  async send(email: StaffEmail): Promise<void> {
    await (await this.#transport.get()).sendMail({
      from: { name: 'Waypoint', address: this.#from },
      to: email.to,
      subject: email.subject,
      text: email.body,
      ...(email.attachments ? { attachments: email.attachments } : {}),
      ...(email.messageId ? { messageId: email.messageId } : {}),
    })
  }
}

/** Development and tests: kept here (the newest 100) and the link logged, never sent. */
export class DevelopmentStaffMailbox implements StaffMail {
  readonly sent: StaffEmail[] = []
  readonly #log: Logger
  constructor(log: Logger) {
    this.#log = log
  }
  async send(email: StaffEmail): Promise<void> {
    this.sent.push(email)
    if (this.sent.length > 100) this.sent.shift()
    this.#log.info(
      { userId: email.userId, setUpLink: email.link },
      'staff email kept in the development mailbox (SMTP_URL is not set)',
    )
  }
}

/** Production without SMTP_URL: nothing can be sent, and the administrator is told why. */
class UnconfiguredStaffMail implements StaffMail {
  async send(): Promise<void> {
    throw new DomainError(
      'staff-mail-unconfigured',
      'Waypoint cannot email set-up links: SMTP_URL is not set. Ask your service desk to configure it.',
      { status: 503 },
    )
  }
}

export function createStaffMail(config: Config, log: Logger): StaffMail {
  if (config.messaging.smtp.url)
    return new SmtpStaffMail(config.messaging.smtp.url, config.messaging.smtp.from)
  if (config.environment === 'production') return new UnconfiguredStaffMail()
  return new DevelopmentStaffMailbox(log)
}
