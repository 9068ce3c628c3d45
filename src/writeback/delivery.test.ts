// How a target's answer is classified and how long Waypoint waits before trying again, against a
// real HTTP server on 127.0.0.1 that answers with whatever status a test asks for.
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { loadConfig } from '../platform/config.ts'
import { OutboundPolicy, parseHostRules } from '../platform/outbound.ts'
import { CredentialCipher, secretHint } from './credentials.ts'
import { type DeliveryRequest, deliverOverHttp } from './http-delivery.ts'
import { hasRunOutOfRetries, nextAttemptAt, type RetryPolicy, retryDelayMs } from './retry-policy.ts'

let server: Server
// The test settings' allow-list: this machine's loopback, as in development.
const outbound = new OutboundPolicy({
  rules: loadConfig({ NODE_ENV: 'test' }).outbound,
  ownDatabase: async () => ({
    database: 'waypoint',
    systemIdentifier: null,
    serverAddress: null,
    serverPort: null,
  }),
})
let baseUrl: string
let lastHeaders: IncomingHttpHeaders = {}
let requests = 0

before(async () => {
  // POST /status/<code> answers with that code; a 429 also sends Retry-After: 120.
  server = createServer((req, res) => {
    requests += 1
    lastHeaders = req.headers
    req.resume()
    req.on('end', () => {
      const status = Number(req.url?.split('/')[2] ?? 500)
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (status === 429) headers['retry-after'] = '120'
      if (status === 302) headers.location = '/elsewhere'
      res.writeHead(status, headers)
      res.end(
        status < 300 ? JSON.stringify({ id: 'LOG-ENTRY-7' }) : JSON.stringify({ error: `status ${status}` }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

function request(path: string, overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    url: `${baseUrl}${path}`,
    auth: { kind: 'none', username: null, secret: null },
    idempotencyKey: 'message-sent:abc:cad',
    payload: { content: 'hello' },
    timeoutMs: 10_000,
    ...overrides,
  }
}

test('a 2xx is delivered, with the Idempotency-Key and credentials sent and the target’s reference kept', async () => {
  const result = await deliverOverHttp(
    request('/status/201', { auth: { kind: 'basic', username: 'waypoint', secret: 's3cret' } }),
    outbound,
  )
  assert.deepEqual(result, { kind: 'delivered', httpStatus: 201, remoteRef: 'LOG-ENTRY-7' })
  assert.equal(lastHeaders['idempotency-key'], 'message-sent:abc:cad')
  assert.equal(lastHeaders.authorization, `Basic ${Buffer.from('waypoint:s3cret').toString('base64')}`)
  assert.equal(lastHeaders['content-type'], 'application/json')
})

test('408, 429 and 5xx are retried; a 429 passes on its Retry-After', async () => {
  for (const status of [408, 500, 502, 503]) {
    const result = await deliverOverHttp(request(`/status/${status}`), outbound)
    assert.equal(result.kind, 'retry', `HTTP ${status}`)
  }
  const limited = await deliverOverHttp(request('/status/429'), outbound)
  assert.equal(limited.kind, 'retry')
  assert.equal(limited.kind === 'retry' && limited.retryAfterSeconds, 120)
})

test('any other 4xx, and a redirect, is rejected at once with the target’s reason', async () => {
  for (const status of [400, 401, 403, 404, 409, 422]) {
    const result = await deliverOverHttp(request(`/status/${status}`), outbound)
    assert.equal(result.kind, 'rejected', `HTTP ${status}`)
    assert.match(
      result.kind === 'rejected' ? result.error : '',
      new RegExp(`^HTTP ${status}: .*status ${status}`),
    )
  }
  const redirected = await deliverOverHttp(request('/status/302'), outbound)
  assert.equal(redirected.kind, 'rejected')
})

test('a refused connection is retried with a plain reason', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise<void>((resolve) => closed.close(() => resolve()))
  const result = await deliverOverHttp(request('', { url: `http://127.0.0.1:${port}/cad` }), outbound)
  assert.deepEqual(result, {
    kind: 'retry',
    httpStatus: null,
    error: 'Connection refused',
    retryAfterSeconds: null,
  })
})

test('CP-163: an endpoint whose name resolves to an address the deployment has not allowed is never contacted', async () => {
  const requestsBefore = requests
  // `localhost` is listed, but the loopback address it resolves to is not.
  const byNameOnly = new OutboundPolicy({
    rules: { warehouse: [], writeback: parseHostRules('localhost'), scanner: [], webhook: [] },
    ownDatabase: async () => ({
      database: 'waypoint',
      systemIdentifier: null,
      serverAddress: null,
      serverPort: null,
    }),
  })
  const port = new URL(baseUrl).port
  const result = await deliverOverHttp(
    request('', { url: `http://localhost:${port}/status/201` }),
    byNameOnly,
  )
  assert.deepEqual(result, {
    kind: 'retry',
    httpStatus: null,
    error:
      'Waypoint is not allowed to connect to this endpoint: the hosts it may reach are set when it is deployed',
    retryAfterSeconds: null,
  })
  // Waypoint's own database server is refused even when its address is allowed.
  const ownServer = new OutboundPolicy({
    rules: loadConfig({ NODE_ENV: 'test' }).outbound,
    ownDatabase: async () => ({
      database: 'waypoint',
      systemIdentifier: null,
      serverAddress: '127.0.0.1',
      serverPort: Number(port),
    }),
  })
  assert.equal((await deliverOverHttp(request('/status/201'), ownServer)).kind, 'retry')
  assert.equal(requests, requestsBefore, 'nothing reached the server')
  assert.equal((await deliverOverHttp(request('/status/201'), outbound)).kind, 'delivered')
  assert.equal(requests, requestsBefore + 1)
})

const policy: RetryPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 30,
  maxAgeMs: 48 * 3_600_000,
}

test('backoff doubles from 30 seconds with jitter between half and all of the delay, and is capped at an hour', () => {
  assert.equal(
    retryDelayMs(1, policy, () => 0),
    15_000,
  )
  assert.equal(
    retryDelayMs(1, policy, () => 1),
    30_000,
  )
  assert.equal(
    retryDelayMs(4, policy, () => 1),
    240_000,
  )
  assert.equal(
    retryDelayMs(20, policy, () => 1),
    3_600_000,
  )
  assert.equal(
    retryDelayMs(20, policy, () => 0),
    1_800_000,
  )
  const now = new Date('2026-06-01T09:00:00Z')
  // A target asking for longer than our backoff is given it, up to the cap.
  assert.equal(nextAttemptAt(now, 1, policy, 120, () => 1).getTime() - now.getTime(), 120_000)
  assert.equal(nextAttemptAt(now, 1, policy, 86_400, () => 1).getTime() - now.getTime(), 3_600_000)
})

test('retrying stops at the maximum attempts or age', () => {
  const start = new Date('2026-06-01T09:00:00Z')
  assert.equal(hasRunOutOfRetries(29, start, new Date('2026-06-02T09:00:00Z'), policy), false)
  assert.equal(hasRunOutOfRetries(30, start, new Date('2026-06-01T10:00:00Z'), policy), true)
  assert.equal(hasRunOutOfRetries(3, start, new Date('2026-06-03T09:00:00Z'), policy), true)
})

test('stored credentials are encrypted, readable only with the key, and hinted by their last characters', () => {
  const cipher = new CredentialCipher('key-one')
  const sealed = cipher.encrypt('token-abcdefghijkl-9876')
  assert.ok(!sealed.includes('token'))
  assert.equal(cipher.decrypt(sealed), 'token-abcdefghijkl-9876')
  assert.throws(() => new CredentialCipher('key-two').decrypt(sealed))
  assert.equal(secretHint('token-abcdefghijkl-9876'), 'ending 9876')
  assert.equal(secretHint('short'), 'set')
})
