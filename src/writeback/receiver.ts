// A real HTTP server that plays a force's CAD and RMS write-back endpoints, for tests and the
// demo: it records each entry once per Idempotency-Key (as a well-behaved target must), counts
// duplicates, checks credentials, and can be told to fail, hang or refuse connections so that
// the outbox's retries and dead letters can be seen working.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { WritebackTarget } from './schema.ts'

export interface ReceivedEntry {
  target: WritebackTarget
  path: string
  idempotencyKey: string
  body: Record<string, unknown>
  receivedAt: Date
  remoteRef: string
}

/**
 * - `accept`: 201 with `{ id }`
 * - `unavailable`: 503 with `Retry-After: 0` (the target is down for maintenance)
 * - `reject`: 400 (the target refuses the entry, e.g. an unknown log reference)
 * - `hang`: accepts the connection and never answers
 */
export type ReceiverMode = 'accept' | 'unavailable' | 'reject' | 'hang'

export interface ReceiverOptions {
  host?: string
  port?: number
  /** When set, requests to that target without exactly this Authorization header get 401. */
  expectAuthorization?: Partial<Record<WritebackTarget, string>>
}

export class WritebackReceiver {
  /** Every POST that reached the receiver, duplicates included. */
  requests = 0
  /** POSTs whose Idempotency-Key had already been recorded. */
  duplicates = 0
  readonly #server: Server
  readonly #host: string
  readonly #options: ReceiverOptions
  readonly #recorded = new Map<string, ReceivedEntry>()
  readonly #modes: Record<WritebackTarget, ReceiverMode> = { cad: 'accept', rms: 'accept' }
  #port = 0
  #listening = false

  private constructor(options: ReceiverOptions) {
    this.#options = options
    this.#host = options.host ?? '127.0.0.1'
    this.#port = options.port ?? 0
    this.#server = createServer((req, res) => void this.#handle(req, res))
  }

  static async start(options: ReceiverOptions = {}): Promise<WritebackReceiver> {
    const receiver = new WritebackReceiver(options)
    await receiver.acceptConnections()
    return receiver
  }

  /** The write-back URL of one target; `{reference}` is filled in by Waypoint when present. */
  url(target: WritebackTarget, path = '/entries'): string {
    return `http://${this.#host}:${this.#port}/${target}${path}`
  }

  /** Entries recorded, once each, in the order they first arrived. */
  entries(target?: WritebackTarget): ReceivedEntry[] {
    return [...this.#recorded.values()].filter((e) => !target || e.target === target)
  }

  setMode(mode: ReceiverMode, target?: WritebackTarget): void {
    if (!target || target === 'cad') this.#modes.cad = mode
    if (!target || target === 'rms') this.#modes.rms = mode
  }

  /** Stops listening: clients now get "connection refused" on the same port. */
  async refuseConnections(): Promise<void> {
    if (!this.#listening) return
    this.#listening = false
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeAllConnections()
    await closed
  }

  /** Listens again on the same port (the first call picks a free one). */
  async acceptConnections(): Promise<void> {
    if (this.#listening) return
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(this.#port, this.#host, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    this.#port = (this.#server.address() as AddressInfo).port
    this.#listening = true
  }

  async close(): Promise<void> {
    await this.refuseConnections()
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const target = path.split('/')[1]
    if (target !== 'cad' && target !== 'rms') return send(res, 404, { error: 'Unknown target' })
    if (req.method === 'GET') return send(res, 200, { entries: this.entries(target) })
    if (req.method !== 'POST') return send(res, 405, { error: 'Method not allowed' })
    const text = await readBody(req)
    this.requests += 1
    const mode = this.#modes[target]
    if (mode === 'hang') return
    if (mode === 'unavailable')
      return send(res, 503, { error: 'Write-back is paused' }, { 'retry-after': '0' })
    if (mode === 'reject') return send(res, 400, { error: `The ${target.toUpperCase()} refused the entry` })
    const expected = this.#options.expectAuthorization?.[target]
    if (expected && req.headers.authorization !== expected) return send(res, 401, { error: 'Unauthorised' })
    const key = req.headers['idempotency-key']
    if (typeof key !== 'string' || key === '') return send(res, 400, { error: 'Idempotency-Key is required' })
    let body: Record<string, unknown>
    try {
      body = JSON.parse(text) as Record<string, unknown>
    } catch {
      // The sender's mistake, answered as such.
      return send(res, 400, { error: 'The body is not JSON' })
    }
    const already = this.#recorded.get(key)
    if (already) {
      this.duplicates += 1
      return send(res, 200, { id: already.remoteRef, duplicate: true })
    }
    const entry: ReceivedEntry = {
      target,
      path,
      idempotencyKey: key,
      body,
      receivedAt: new Date(),
      remoteRef: `${target.toUpperCase()}-${this.#recorded.size + 1}`,
    }
    this.#recorded.set(key, entry)
    send(res, 201, { id: entry.remoteRef })
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
