// Inbound email: an SMTP listener (smtp-server) that takes replies addressed to a force's inbound
// address and files each as an inbound conversation message. The force comes from the recipient
// (`INBOUND_EMAIL_ADDRESSES`, or `<force>@INBOUND_EMAIL_DOMAIN`); a recipient that is no force's
// is refused at RCPT, a message over the size limit at DATA, so the sending server tells its
// sender rather than the message vanishing. It sits behind the force's mail gateway (which does
// TLS, spam and sender checks): it offers no AUTH and relays nothing.
import type { AddressInfo } from 'node:net'
import type { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server'
import type { AuditService } from '../../platform/audit/audit-service.ts'
import type { Config } from '../../platform/config.ts'
import type { Database } from '../../platform/db/database.ts'
import type { Logger } from '../../platform/logger.ts'
import type { SmtpChannel } from '../channels.ts'
import { EmailTooLargeError } from '../email-parser.ts'
import { attachmentLimits, type ConversationService } from './service.ts'

export class InboundEmailListener {
  readonly #config: Config['inboundEmail']
  readonly #db: Database
  readonly #channel: SmtpChannel
  readonly #conversations: ConversationService
  readonly #forceIds: () => Promise<string[]>
  readonly #log: Logger
  #server: SMTPServer | undefined

  constructor(deps: {
    config: Config['inboundEmail']
    db: Database
    channel: SmtpChannel
    conversations: ConversationService
    audit: AuditService
    forceIds: () => Promise<string[]>
    log: Logger
  }) {
    this.#config = deps.config
    this.#db = deps.db
    this.#channel = deps.channel
    this.#conversations = deps.conversations
    this.#forceIds = deps.forceIds
    this.#log = deps.log
  }

  /** The force an address belongs to, or undefined. */
  async forceOf(address: string): Promise<string | undefined> {
    const wanted = address.trim().toLowerCase()
    for (const [forceId, configured] of Object.entries(this.#config.addresses)) {
      if (configured.trim().toLowerCase() === wanted) return forceId
    }
    const at = wanted.lastIndexOf('@')
    if (at <= 0 || wanted.slice(at + 1) !== this.#config.domain.toLowerCase()) return undefined
    const local = wanted.slice(0, at)
    return (await this.#forceIds()).includes(local) ? local : undefined
  }

  /** Starts listening on the configured port (0: any free port), or the one given; answers the port. */
  async listen(port = this.#config.port ?? 0): Promise<number> {
    // smtp-server loads only where the listener starts (decision 0068).
    const { SMTPServer } = await import('smtp-server')
    const server = new SMTPServer({
      name: this.#config.hostname,
      banner: 'Waypoint inbound email',
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      size: this.#config.maxBytes,
      logger: false,
      onRcptTo: (address, _session, callback) => {
        this.forceOf(address.address).then(
          (forceId) =>
            forceId
              ? callback()
              : callback(Object.assign(new Error('No such mailbox here'), { responseCode: 550 })),
          (error: Error) => callback(error),
        )
      },
      onData: (stream, session, callback) => {
        this.#take(stream, session).then(
          () => callback(),
          (error: Error & { responseCode?: number }) => {
            if (!error.responseCode) this.#log.error({ err: error }, 'an inbound email was not stored')
            callback(
              error.responseCode ? error : Object.assign(new Error('Try again later'), { responseCode: 451 }),
            )
          },
        )
      },
    })
    server.on('error', (error) => this.#log.error({ err: error }, 'inbound email listener error'))
    this.#server = server
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject)
      server.listen(port, this.#config.host, () => {
        server.server.off('error', reject)
        resolve()
      })
    })
    const bound = (server.server.address() as AddressInfo).port
    this.#log.info({ port: bound }, 'inbound email listening')
    return bound
  }

  async close(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  async #take(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = []
    let size = 0
    // Past the limit the rest is read and dropped, so an oversize message never sits in memory.
    for await (const chunk of stream) {
      size += (chunk as Buffer).length
      if (size <= this.#config.maxBytes) chunks.push(chunk as Buffer)
    }
    if (stream.sizeExceeded || size > this.#config.maxBytes)
      throw Object.assign(new Error('The message is too large'), { responseCode: 552 })
    const raw = Buffer.concat(chunks)
    let inbound: ReturnType<SmtpChannel['receive']>
    try {
      inbound = this.#channel.receive({
        raw,
        envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        limits: { maxBytes: this.#config.maxBytes, ...attachmentLimits },
      })
    } catch (error) {
      if (error instanceof EmailTooLargeError)
        throw Object.assign(new Error(error.message), { responseCode: 552 })
      throw Object.assign(new Error('The message could not be read'), { responseCode: 554 })
    }
    const forces = new Set<string>()
    for (const rcpt of session.envelope.rcptTo) {
      const forceId = await this.forceOf(rcpt.address)
      if (forceId) forces.add(forceId)
    }
    for (const forceId of forces) {
      await this.#db.withForce(forceId, (tx) => this.#conversations.receive(tx, forceId, inbound))
    }
  }
}
