// Delivery to the region's SIEMs: syslog over TLS (RFC 5425) or, where explicitly allowed, plain
// TCP (CP-175, Sentinel's syslog collector) and Splunk's HTTP Event Collector (CP-176). A send
// either succeeds for the whole batch or throws, and the forwarding outbox keeps the batch for a
// later attempt.
import { readFileSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { connect as connectTls } from 'node:tls'
import type { AuditRow, ForwardingDestination } from './audit-repository.ts'
import { frameOctetCounted, type SiemOrigin, toHecEvent, toSyslogMessage } from './siem-formats.ts'

export interface SiemSender {
  readonly destination: ForwardingDestination
  send(events: AuditRow[]): Promise<void>
}

const TIMEOUT_MS = 10_000

export class SyslogTcpSender implements SiemSender {
  readonly destination = 'syslog' as const
  readonly #host: string
  readonly #port: number
  readonly #origin: SiemOrigin

  constructor(host: string, port: number, origin: SiemOrigin) {
    this.#host = host
    this.#port = port
    this.#origin = origin
  }

  send(events: AuditRow[]): Promise<void> {
    const socket = createConnection({ host: this.#host, port: this.#port })
    return sendFrames(socket, 'connect', syslogPayload(events, this.#origin), `${this.#host}:${this.#port}`)
  }
}

export interface SyslogTlsOptions {
  /** PEM of the CA that signed the collector's certificate; Node's trusted CAs when absent. */
  caFile?: string
  /** The name the collector's certificate must carry, when it differs from `host`. */
  serverName?: string
}

/** RFC 5425: the same octet-counted frames inside TLS; the collector's certificate is always checked. */
export class SyslogTlsSender implements SiemSender {
  readonly destination = 'syslog' as const
  readonly #host: string
  readonly #port: number
  readonly #origin: SiemOrigin
  readonly #ca: string | undefined
  readonly #serverName: string | undefined

  /** Reads the CA file at once, so a wrong path stops start-up rather than every delivery. */
  constructor(host: string, port: number, origin: SiemOrigin, options: SyslogTlsOptions = {}) {
    this.#host = host
    this.#port = port
    this.#origin = origin
    this.#ca = options.caFile ? readFileSync(options.caFile, 'utf8') : undefined
    this.#serverName = options.serverName
  }

  send(events: AuditRow[]): Promise<void> {
    const socket = connectTls({
      host: this.#host,
      port: this.#port,
      ca: this.#ca,
      servername: this.#serverName,
      minVersion: 'TLSv1.2',
      rejectUnauthorized: true,
    })
    return sendFrames(
      socket,
      'secureConnect',
      syslogPayload(events, this.#origin),
      `${this.#host}:${this.#port} over TLS`,
    )
  }
}

function syslogPayload(events: AuditRow[], origin: SiemOrigin): Buffer {
  return Buffer.concat(events.map((e) => frameOctetCounted(toSyslogMessage(e, origin))))
}

/**
 * Writes every event as an octet-counted frame on one connection, then closes it cleanly. A refused
 * connection or an unverified certificate rejects with a message naming the collector, which the
 * outbox records against the waiting events.
 */
function sendFrames(socket: Socket, readyEvent: string, payload: Buffer, collector: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('syslog receiver timed out')))
    socket.once('error', (error) => {
      reject(new Error(`syslog collector ${collector}: ${error.message}`, { cause: error }))
    })
    socket.once(readyEvent, () => {
      socket.end(payload)
    })
    socket.once('close', (hadError) => {
      if (!hadError) resolve()
    })
  })
}

export class HecSender implements SiemSender {
  readonly destination = 'hec' as const
  readonly #url: string
  readonly #token: string
  readonly #origin: SiemOrigin

  /** `url` is the collector's base address or its full `/services/collector/event` endpoint. */
  constructor(url: string, token: string, origin: SiemOrigin) {
    this.#url = url.endsWith('/services/collector/event')
      ? url
      : `${url.replace(/\/+$/, '')}/services/collector/event`
    this.#token = token
    this.#origin = origin
  }

  /** HEC accepts several events in one request as concatenated JSON objects. */
  async send(events: AuditRow[]): Promise<void> {
    const body = events.map((e) => JSON.stringify(toHecEvent(e, this.#origin))).join('\n')
    const response = await fetch(this.#url, {
      method: 'POST',
      headers: { authorization: `Splunk ${this.#token}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    if (!response.ok) {
      // The collector's body only adds detail to the error below; an unreadable body adds none.
      const text = await response.text().catch(() => '')
      throw new Error(`HEC answered ${response.status}: ${text.slice(0, 200)}`)
    }
    // Drains the accepted answer so the connection is reused; its content does not matter.
    await response.arrayBuffer().catch(() => undefined)
  }
}
