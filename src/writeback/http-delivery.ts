// Delivers one write-back entry to a force's CAD or RMS write-back endpoint over HTTP (JSON,
// CP-173), and classifies the answer: delivered, worth retrying, or rejected for good.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import type { OutboundAddress, OutboundPolicy, OutboundPurpose } from '../platform/outbound.ts'
import type { EndpointAuthKind } from './schema.ts'

export interface DeliveryRequest {
  url: string
  auth: { kind: EndpointAuthKind; username: string | null; secret: string | null }
  idempotencyKey: string
  payload: Record<string, unknown>
  timeoutMs: number
  /** Headers of the caller's own (a webhook's signature). */
  headers?: Record<string, string>
  /** Whose allow-list the address must be on (decision 0016); write-back's by default. */
  purpose?: OutboundPurpose
}

export type DeliveryResult =
  | { kind: 'delivered'; httpStatus: number; remoteRef: string | null }
  | { kind: 'retry'; httpStatus: number | null; error: string; retryAfterSeconds: number | null }
  | { kind: 'rejected'; httpStatus: number; error: string }

const REASON_LENGTH = 300

/** Waypoint sends JSON entries; an endpoint's answer past this size is not read further. */
const MAX_ANSWER_BYTES = 64 * 1024

/**
 * Posts the entry to an endpoint the deployment allows (decision 0016): the URL's host is
 * resolved and checked first, and the request goes to the address that was checked, so a name
 * that resolves to a forbidden address is never reached.
 */
export async function deliverOverHttp(
  request: DeliveryRequest,
  outbound: OutboundPolicy,
): Promise<DeliveryResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': request.idempotencyKey,
    ...request.headers,
  }
  const authorization = authorizationHeader(request.auth)
  if (authorization) headers.authorization = authorization
  const url = new URL(request.url)
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { kind: 'rejected', httpStatus: 0, error: 'The endpoint address must start with https://' }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const allowed = await outbound.check(request.purpose ?? 'writeback', url.hostname, port)
  if (!allowed.ok) {
    // The list is set at deployment; an entry waits for it (or a corrected endpoint) to change.
    return {
      kind: 'retry',
      httpStatus: null,
      error:
        'Waypoint is not allowed to connect to this endpoint: the hosts it may reach are set when it is deployed',
      retryAfterSeconds: null,
    }
  }
  const body = JSON.stringify(request.payload)
  headers['content-length'] = String(Buffer.byteLength(body))
  let response: { status: number; headers: Record<string, string | string[] | undefined>; text: string }
  try {
    response = await post(url, headers, body, allowed.addresses, request.timeoutMs)
  } catch (error) {
    return {
      kind: 'retry',
      httpStatus: null,
      error: describeNetworkError(error, request.timeoutMs),
      retryAfterSeconds: null,
    }
  }
  const { text, status } = response
  if (status >= 200 && status < 300)
    return { kind: 'delivered', httpStatus: status, remoteRef: remoteRefFrom(text) }
  const reason = `HTTP ${status}${text ? `: ${text.slice(0, REASON_LENGTH)}` : ''}`
  // 408 and 429 say "not now"; every other 4xx says the request itself is wrong and sending it
  // again unchanged cannot succeed, so it goes straight to the dead letters for a person.
  if (status === 408 || status === 429 || status >= 500) {
    return {
      kind: 'retry',
      httpStatus: status,
      error: reason,
      retryAfterSeconds: retryAfter(response.headers),
    }
  }
  if (status >= 300 && status < 400) {
    return {
      kind: 'rejected',
      httpStatus: status,
      error: `HTTP ${status}: the endpoint redirects; set its final URL`,
    }
  }
  return { kind: 'rejected', httpStatus: status, error: reason }
}

/** One POST to the checked addresses only; redirects are not followed. */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  addresses: OutboundAddress[],
  timeoutMs: number,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, addresses)
    else callback(null, addresses[0]!.address, addresses[0]!.family)
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      { method: 'POST', headers, lookup: pinned, signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk)
        })
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

function authorizationHeader(auth: DeliveryRequest['auth']): string | undefined {
  if (auth.kind === 'bearer' && auth.secret) return `Bearer ${auth.secret}`
  if (auth.kind === 'basic' && auth.secret !== null) {
    return `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.secret}`).toString('base64')}`
  }
  return undefined
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const e = error as Error & { name?: string; code?: string; cause?: { code?: string; message?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `No answer within ${timeoutMs} ms`
  const code = e.code ?? e.cause?.code
  if (code === 'ECONNREFUSED') return 'Connection refused'
  if (code) return `Network error ${code}`
  return `Network error: ${e.cause?.message ?? e.message}`
}

function retryAfter(headers: Record<string, string | string[] | undefined>): number | null {
  const header = headers['retry-after']
  const value = Array.isArray(header) ? header[0] : header
  if (!value) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, Math.round((date - Date.now()) / 1000))
}

/** The target's own reference for the entry, when it answers with JSON `{ id }` or `{ reference }`. */
function remoteRefFrom(text: string): string | null {
  if (!text) return null
  try {
    const parsed = JSON.parse(text) as { id?: unknown; reference?: unknown }
    const ref = parsed.id ?? parsed.reference
    return typeof ref === 'string' || typeof ref === 'number' ? String(ref).slice(0, 200) : null
  } catch {
    // Expected: an endpoint that answers without a JSON body gives no reference to keep.
    return null
  }
}
