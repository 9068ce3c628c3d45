// A fake GOV.UK Notify for tests, the demo and benchmarks: a real HTTP server speaking Notify's
// REST API (v2 notifications and templates), verifying its JWTs (HS256, iss = service id, iat
// within 30 s), keeping each service's templates to that service (a send with another service's
// template is refused `400 BadRequestError: Template not found`, a look-up `404 NoResultFound`),
// enforcing 3,000 sends per rolling minute per key with Notify's real 429 body, and calling back
// with delivery receipts and received text messages. Failure modes let tests break it on purpose.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeNotifyKey {
  serviceId: string
  secret: string
  /** The service's templates: a send or look-up with any other template id is refused. */
  templates: FakeTemplate[]
}

export interface FakeTemplate {
  id: string
  type: 'sms' | 'email'
  /** Defaults to `((body))`, and for email the subject to `((subject))`, as Waypoint needs. */
  body?: string
  subject?: string
  name?: string
}

/**
 * `hang`: never answers and keeps nothing (for a Notify that accepts but answers late: `slow`).
 * `429`: Notify's per-minute rate limit (`RateLimitError`); `daily-limit`: its daily limit
 * (`429 TooManyRequestsError`, "Exceeded send limits (…) for today").
 */
export type FailureMode = 'none' | '500' | 'hang' | '429' | 'daily-limit'
export type FinalStatus = 'delivered' | 'permanent-failure' | 'temporary-failure' | 'technical-failure'

export interface FakeNotification {
  id: string
  reference: string | null
  type: 'sms' | 'email'
  status: string
  to: string
  templateId: string
  personalisation: Record<string, string>
  serviceId: string
  createdAt: string
  completedAt: string | null
  /** The one-click unsubscribe link given with an email (RFC 8058 header). */
  oneClickUnsubscribeUrl?: string
}

export interface ReceiptCallbacks {
  url: string
  bearerToken: string
  delayMs?: number
  /**
   * Receipts (and the notification's final status) wait for this too: a test lets them go when it
   * has checked what must happen before they arrive, however slowly its machine got there.
   */
  until?: Promise<unknown>
  /** Send every final receipt twice. */
  duplicate?: boolean
  /** Send the final status before the interim `sending` one. */
  outOfOrder?: boolean
}

export interface FakeNotifyOptions {
  keys: FakeNotifyKey[]
  /** Sends allowed per rolling window (Notify: 3,000 per 60 seconds). */
  rateLimitPerMinute?: number
  /** The rolling window's length; 60 s like Notify unless a test needs it shorter. */
  rateLimitWindowMs?: number
  receipts?: ReceiptCallbacks
  inbound?: { url: string; bearerToken: string }
  /** The final status for a recipient; by default Notify's test numbers and addresses. */
  outcomeFor?(to: string): FinalStatus
}

export function notifyApiKey(name: string, key: Pick<FakeNotifyKey, 'serviceId' | 'secret'>): string {
  return `${name}-${key.serviceId}-${key.secret}`
}

export class FakeNotifyServer {
  readonly notifications = new Map<string, FakeNotification>()
  /** Accepted sends per service, as epoch milliseconds: the benchmark reads the rate from these. */
  readonly acceptedAt = new Map<string, number[]>()
  rateLimited = 0
  serverErrors = 0
  readonly #options: FakeNotifyOptions
  #server: Server | undefined
  #failure: { mode: FailureMode; remaining: number } = { mode: 'none', remaining: 0 }
  /** How late every answer comes in `slow` mode. */
  slowMs = 0
  /**
   * Once this many notifications are held, further sends get no answer and are not accepted, as
   * from a Notify that stopped answering (undefined: no cap). A fault test uses it to be sure its
   * worker still has messages to send when it kills it, however fast the machine.
   */
  holdAfter: number | undefined
  /** Requests answered, by kind, for tests that count look-ups. */
  readonly requests = { send: 0, lookUp: 0, template: 0 }
  /** Answers held back (`hang`, `slow`), with the timer of a late one. */
  readonly #hanging = new Map<ServerResponse, NodeJS.Timeout | undefined>()
  readonly #pendingCallbacks = new Set<Promise<unknown>>()

  constructor(options: FakeNotifyOptions) {
    this.#options = options
  }

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined
    if (!address) throw new Error('The fake Notify server is not listening')
    return `http://127.0.0.1:${address.port}`
  }

  set receipts(receipts: ReceiptCallbacks | undefined) {
    this.#options.receipts = receipts
  }

  set inbound(inbound: FakeNotifyOptions['inbound']) {
    this.#options.inbound = inbound
  }

  async listen(port = 0): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error) =>
        this.#json(res, 500, this.#errors(500, 'Exception', String(error))),
      )
    })
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve))
    return this.url
  }

  /** The next `count` sends fail this way (Infinity: until set back to 'none'). */
  fail(mode: FailureMode, count = Number.POSITIVE_INFINITY): void {
    this.#failure = { mode, remaining: mode === 'none' ? 0 : count }
    if (mode === 'none') this.#releaseHanging()
  }

  /**
   * Every answer, to sends and look-ups alike, comes `ms` late (0: on time again), like a Notify
   * under strain: a send is accepted at once, so a client that gives up earlier cannot tell
   * whether it was.
   */
  slow(ms: number): void {
    this.slowMs = ms
  }

  byReference(reference: string): FakeNotification[] {
    return [...this.notifications.values()].filter((n) => n.reference === reference)
  }

  /** The most sends accepted for one service in any rolling 60 seconds. */
  peakPerMinute(serviceId: string): number {
    const times = this.acceptedAt.get(serviceId) ?? []
    let peak = 0
    let start = 0
    for (let end = 0; end < times.length; end += 1) {
      while ((times[end] as number) - (times[start] as number) >= 60_000) start += 1
      peak = Math.max(peak, end - start + 1)
    }
    return peak
  }

  /** A text message from a person's phone to the service (e.g. "STOP"). */
  async receiveText(from: string, message: string, to = '07700900000'): Promise<number> {
    const inbound = this.#options.inbound
    if (!inbound) throw new Error('No inbound SMS callback is configured')
    const response = await fetch(inbound.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${inbound.bearerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: randomUUID(),
        source_number: from,
        destination_number: to,
        message,
        date_received: new Date().toISOString(),
      }),
    })
    return response.status
  }

  /** Waits for every receipt callback already started. */
  async settled(): Promise<void> {
    while (this.#pendingCallbacks.size > 0) await Promise.allSettled([...this.#pendingCallbacks])
  }

  async close(): Promise<void> {
    this.#releaseHanging()
    await this.settled()
    await new Promise<void>((resolve) => {
      if (!this.#server) return resolve()
      this.#server.closeAllConnections()
      this.#server.close(() => resolve())
    })
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-notify')
    const serviceId = this.#authenticate(req)
    if (typeof serviceId !== 'string')
      return this.#json(res, 403, this.#errors(403, 'AuthError', serviceId.error))
    const template = /^\/v2\/template\/([^/]+)$/.exec(url.pathname)
    if (req.method === 'GET' && template) {
      this.requests.template += 1
      const id = template[1] as string
      if (!uuidPattern.test(id))
        return this.#json(res, 400, this.#errors(400, 'ValidationError', 'id is not a valid UUID'))
      const found = this.#templateOf(serviceId, id)
      if (!found) return this.#json(res, 404, this.#errors(404, 'NoResultFound', 'No Result Found'))
      return this.#json(res, 200, templateView(found))
    }
    if (
      req.method === 'POST' &&
      (url.pathname === '/v2/notifications/sms' || url.pathname === '/v2/notifications/email')
    ) {
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>
      return this.#send(res, serviceId, url.pathname.endsWith('sms') ? 'sms' : 'email', body)
    }
    if (req.method === 'GET' && url.pathname === '/v2/notifications') {
      this.requests.lookUp += 1
      const reference = url.searchParams.get('reference')
      const found = [...this.notifications.values()]
        .filter((n) => n.serviceId === serviceId && (!reference || n.reference === reference))
        .reverse()
        .slice(0, 250)
      return this.#json(res, 200, { notifications: found.map(publicView), links: { current: req.url } })
    }
    const single = /^\/v2\/notifications\/([0-9a-f-]{36})$/.exec(url.pathname)
    if (req.method === 'GET' && single) {
      const n = this.notifications.get(single[1] as string)
      if (!n || n.serviceId !== serviceId)
        return this.#json(res, 404, this.#errors(404, 'NoResultFound', 'No result found'))
      return this.#json(res, 200, publicView(n))
    }
    return this.#json(res, 404, this.#errors(404, 'NotFound', 'Not found'))
  }

  #send(res: ServerResponse, serviceId: string, type: 'sms' | 'email', body: Record<string, unknown>) {
    this.requests.send += 1
    if (this.#failure.remaining > 0) {
      this.#failure.remaining -= 1
      const mode = this.#failure.mode
      if (mode === 'hang') {
        this.#hanging.set(res, undefined)
        return
      }
      if (mode === '500') {
        this.serverErrors += 1
        return this.#json(res, 500, this.#errors(500, 'Exception', 'Internal server error'))
      }
      if (mode === '429') return this.#rateLimitError(res)
      if (mode === 'daily-limit') return this.#tooMany(res)
    }
    if (this.holdAfter !== undefined && this.notifications.size >= this.holdAfter) {
      this.#hanging.set(res, undefined)
      res.once('close', () => this.#hanging.delete(res))
      return
    }
    const limit = this.#options.rateLimitPerMinute ?? 3000
    const windowMs = this.#options.rateLimitWindowMs ?? 60_000
    const now = Date.now()
    const times = this.acceptedAt.get(serviceId) ?? []
    let inWindow = 0
    for (let i = times.length - 1; i >= 0 && now - (times[i] as number) < windowMs; i -= 1) inWindow += 1
    if (inWindow >= limit) return this.#rateLimitError(res)
    const to = String(type === 'sms' ? (body.phone_number ?? '') : (body.email_address ?? ''))
    const validation = validateRecipient(type, to)
    if (validation) return this.#json(res, 400, this.#errors(400, 'ValidationError', validation))
    if (typeof body.template_id !== 'string') {
      return this.#json(res, 400, this.#errors(400, 'ValidationError', 'template_id is a required property'))
    }
    const template = this.#templateOf(serviceId, body.template_id)
    if (!template || template.type !== type) {
      return this.#json(res, 400, this.#errors(400, 'BadRequestError', 'Template not found'))
    }
    times.push(now)
    this.acceptedAt.set(serviceId, times)
    const personalisation = (body.personalisation ?? {}) as Record<string, string>
    const n: FakeNotification = {
      id: randomUUID(),
      reference: typeof body.reference === 'string' ? body.reference : null,
      type,
      status: 'created',
      to,
      templateId: body.template_id,
      personalisation,
      serviceId,
      createdAt: new Date(now).toISOString(),
      completedAt: null,
      ...(type === 'email' && typeof body.one_click_unsubscribe_url === 'string'
        ? { oneClickUnsubscribeUrl: body.one_click_unsubscribe_url }
        : {}),
    }
    this.notifications.set(n.id, n)
    this.#json(res, 201, {
      id: n.id,
      reference: n.reference,
      content:
        type === 'sms'
          ? { body: personalisation.body ?? '', from_number: 'WAYPOINT' }
          : {
              body: personalisation.body ?? '',
              subject: personalisation.subject ?? '',
              from_email: 'waypoint@notifications.service.gov.uk',
            },
      uri: `${this.url}/v2/notifications/${n.id}`,
      template: { id: n.templateId, version: 1, uri: `${this.url}/v2/template/${n.templateId}` },
    })
    this.#progress(n)
  }

  #progress(n: FakeNotification): void {
    const final = (this.#options.outcomeFor ?? defaultOutcome)(n.to)
    const receipts = this.#options.receipts
    const run = (async () => {
      await new Promise((resolve) => setTimeout(resolve, receipts?.delayMs ?? 5))
      await receipts?.until
      n.status = final
      n.completedAt = new Date().toISOString()
      if (!receipts) return
      const order = receipts.outOfOrder ? [final, 'sending'] : ['sending', final]
      if (receipts.duplicate) order.push(final)
      for (const status of order) await this.#callback(receipts, n, status)
    })()
    this.#pendingCallbacks.add(run)
    run.finally(() => this.#pendingCallbacks.delete(run))
  }

  async #callback(receipts: ReceiptCallbacks, n: FakeNotification, status: string): Promise<void> {
    await fetch(receipts.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${receipts.bearerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        id: n.id,
        reference: n.reference,
        to: n.to,
        status,
        created_at: n.createdAt,
        completed_at: n.completedAt,
        sent_at: n.createdAt,
        notification_type: n.type,
        template_id: n.templateId,
        template_version: 1,
      }),
    }).catch(() => {
      // A callback that cannot be delivered is dropped, as the real service does after its retries.
    })
  }

  #templateOf(serviceId: string, id: string): FakeTemplate | undefined {
    return this.#options.keys.find((k) => k.serviceId === serviceId)?.templates.find((t) => t.id === id)
  }

  #rateLimitError(res: ServerResponse): void {
    const limit = this.#options.rateLimitPerMinute ?? 3000
    const windowMs = this.#options.rateLimitWindowMs ?? 60_000
    this.rateLimited += 1
    this.#json(
      res,
      429,
      this.#errors(
        429,
        'RateLimitError',
        `Exceeded rate limit for key type LIVE of ${limit} requests per ${Math.round(windowMs / 1000)} seconds`,
      ),
    )
  }

  /** Notify's daily limit: every send is refused until its day ends. */
  #tooMany(res: ServerResponse): void {
    this.rateLimited += 1
    this.#json(res, 429, this.#errors(429, 'TooManyRequestsError', 'Exceeded send limits (3000) for today'))
  }

  #authenticate(req: IncomingMessage): string | { error: string } {
    const header = req.headers.authorization ?? ''
    const token = header.startsWith('Bearer ') ? header.slice(7) : ''
    const [h, p, s] = token.split('.')
    if (!h || !p || !s) return { error: 'Unauthorized: authentication token must be provided' }
    let claims: { iss?: string; iat?: number }
    try {
      const head = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string }
      if (head.alg !== 'HS256') return { error: 'Invalid token: algorithm used is not HS256' }
      claims = JSON.parse(Buffer.from(p, 'base64url').toString())
    } catch {
      // The client's mistake, answered as GOV.UK Notify answers it.
      return { error: 'Invalid token: signature, api token is not valid' }
    }
    const key = this.#options.keys.find((k) => k.serviceId === claims.iss)
    if (!key) return { error: 'Invalid token: service not found' }
    const expected = createHmac('sha256', key.secret).update(`${h}.${p}`).digest()
    const given = Buffer.from(s, 'base64url')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { error: 'Invalid token: API key not found' }
    }
    if (typeof claims.iat !== 'number' || Math.abs(Date.now() / 1000 - claims.iat) > 30) {
      return { error: 'Error: Your system clock must be accurate to within 30 seconds' }
    }
    return key.serviceId
  }

  #errors(statusCode: number, error: string, message: string) {
    return { status_code: statusCode, errors: [{ error, message }] }
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    const answer = () => {
      if (res.destroyed) return
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (this.slowMs > 0) {
      const timer = setTimeout(() => {
        this.#hanging.delete(res)
        answer()
      }, this.slowMs)
      this.#hanging.set(res, timer)
      // A caller that has gone (it gave up, or was killed) gets no answer: none is kept waiting
      // for, so a closed fake leaves no timer holding its process open.
      res.once('close', () => {
        clearTimeout(timer)
        this.#hanging.delete(res)
      })
    } else answer()
  }

  #releaseHanging(): void {
    for (const [res, timer] of this.#hanging) {
      clearTimeout(timer)
      res.destroy()
    }
    this.#hanging.clear()
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function templateView(t: FakeTemplate) {
  return {
    id: t.id,
    name: t.name ?? (t.type === 'sms' ? 'Waypoint text message' : 'Waypoint email'),
    type: t.type,
    created_at: '2026-01-01T00:00:00.000000Z',
    updated_at: null,
    created_by: 'someone@example.gov.uk',
    version: 1,
    body: t.body ?? '((body))',
    subject: t.type === 'email' ? (t.subject ?? '((subject))') : null,
    letter_contact_block: null,
    postage: null,
  }
}

function publicView(n: FakeNotification) {
  return {
    id: n.id,
    reference: n.reference,
    type: n.type,
    status: n.status,
    ...(n.type === 'sms' ? { phone_number: n.to } : { email_address: n.to }),
    template: { id: n.templateId, version: 1, uri: '' },
    body: n.personalisation.body ?? '',
    subject: n.personalisation.subject,
    created_at: n.createdAt,
    sent_at: n.createdAt,
    completed_at: n.completedAt,
  }
}

function validateRecipient(type: 'sms' | 'email', to: string): string | null {
  if (type === 'email')
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to) ? null : 'email_address Not a valid email address'
  const digits = to.replace(/[\s()-]/g, '')
  if (!/^(\+44|0044|0)?7\d{9}$/.test(digits) && !/^\+[1-9]\d{7,14}$/.test(digits)) {
    return 'phone_number Not a UK mobile number'
  }
  return null
}

// Notify's documented smoke-test recipients always deliver; Waypoint's test data uses these
// extra numbers and addresses to reach each failure.
function defaultOutcome(to: string): FinalStatus {
  if (/permanent-failure@|7700900003$/.test(to)) return 'permanent-failure'
  if (/temporary-failure@|7700900002$/.test(to)) return 'temporary-failure'
  if (/technical-failure@|7700900001$/.test(to)) return 'technical-failure'
  return 'delivered'
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
