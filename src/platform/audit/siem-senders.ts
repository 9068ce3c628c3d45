// Delivery to the region's SIEMs: syslog over TCP (CP-175, Sentinel's syslog collector) and
// Splunk's HTTP Event Collector (CP-176). A send either succeeds for the whole batch or throws,
// and the forwarding outbox keeps the batch for a later attempt.
import { createConnection } from 'node:net'
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

  /** Writes every event as an octet-counted frame on one connection, then closes it cleanly. */
  send(events: AuditRow[]): Promise<void> {
    const payload = Buffer.concat(events.map((e) => frameOctetCounted(toSyslogMessage(e, this.#origin))))
    return new Promise<void>((resolve, reject) => {
      const socket = createConnection({ host: this.#host, port: this.#port })
      socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error('syslog receiver timed out')))
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.end(payload)
      })
      socket.once('close', (hadError) => {
        if (!hadError) resolve()
      })
    })
  }
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
      const text = await response.text().catch(() => '')
      throw new Error(`HEC answered ${response.status}: ${text.slice(0, 200)}`)
    }
    await response.arrayBuffer().catch(() => undefined)
  }
}
