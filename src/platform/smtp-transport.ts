// An SMTP connection (nodemailer) made at the first send, not when Waypoint starts, for the
// messaging SMTP channel and staff email alike: a process that never emails never loads
// nodemailer (decision 0068). SMTP_URL's form is checked at start-up instead (config.ts).
import type { Transporter } from 'nodemailer'

export class SmtpTransport {
  readonly #url: string
  #transport: Promise<Transporter> | undefined

  constructor(url: string) {
    this.#url = url
  }

  /** The transport, made on the first call and the same one after. */
  get(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then((m) => m.default.createTransport(this.#url))
    return this.#transport
  }

  /** Closes the transport's pooled connections, if it was ever made. */
  close(): void {
    void this.#transport?.then((transport) => transport.close())
  }
}
