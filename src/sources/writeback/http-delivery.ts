// Delivers one write-back entry to a force's CAD or RMS write-back endpoint over HTTP (JSON,
// CP-173), and classifies the answer: delivered, worth retrying, or rejected for good.
import type { EndpointAuthKind } from './schema.ts'

export interface DeliveryRequest {
  url: string
  auth: { kind: EndpointAuthKind; username: string | null; secret: string | null }
  idempotencyKey: string
  payload: Record<string, unknown>
  timeoutMs: number
}

export type DeliveryResult =
  | { kind: 'delivered'; httpStatus: number; remoteRef: string | null }
  | { kind: 'retry'; httpStatus: number | null; error: string; retryAfterSeconds: number | null }
  | { kind: 'rejected'; httpStatus: number; error: string }

const REASON_LENGTH = 300

export async function deliverOverHttp(request: DeliveryRequest): Promise<DeliveryResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': request.idempotencyKey,
  }
  const authorization = authorizationHeader(request.auth)
  if (authorization) headers.authorization = authorization
  let response: Response
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(request.payload),
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    })
  } catch (error) {
    return {
      kind: 'retry',
      httpStatus: null,
      error: describeNetworkError(error, request.timeoutMs),
      retryAfterSeconds: null,
    }
  }
  const text = await response.text().catch(() => '')
  const status = response.status
  if (status >= 200 && status < 300)
    return { kind: 'delivered', httpStatus: status, remoteRef: remoteRefFrom(text) }
  const reason = `HTTP ${status}${text ? `: ${text.slice(0, REASON_LENGTH)}` : ''}`
  // 408 and 429 say "not now"; every other 4xx says the request itself is wrong and sending it
  // again unchanged cannot succeed, so it goes straight to the dead letters for a person.
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', httpStatus: status, error: reason, retryAfterSeconds: retryAfter(response) }
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

function authorizationHeader(auth: DeliveryRequest['auth']): string | undefined {
  if (auth.kind === 'bearer' && auth.secret) return `Bearer ${auth.secret}`
  if (auth.kind === 'basic' && auth.secret !== null) {
    return `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.secret}`).toString('base64')}`
  }
  return undefined
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const e = error as Error & { name?: string; cause?: { code?: string; message?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `No answer within ${timeoutMs} ms`
  const code = e.cause?.code
  if (code === 'ECONNREFUSED') return 'Connection refused'
  if (code) return `Network error ${code}`
  return `Network error: ${e.cause?.message ?? e.message}`
}

function retryAfter(response: Response): number | null {
  const value = response.headers.get('retry-after')
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
    return null
  }
}
