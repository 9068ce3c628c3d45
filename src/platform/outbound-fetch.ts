// A fetch for libraries that take one (openid-client's customFetch) that connects only where the
// outbound policy allows for a purpose (decision 0016): each request's host and port are checked,
// and the connection goes to the addresses the check returned, never to a second resolution of
// the name. Redirects are not followed; answers larger than the limit are refused. A body given
// as bytes (a multipart upload) is sent as those bytes.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { DomainError } from './errors.ts'
import type { OutboundPolicy, OutboundPurpose } from './outbound.ts'

const MAX_ANSWER_BYTES = 1_048_576

export interface FetchInit {
  method?: string
  headers?: HeadersInit
  body?: string | URLSearchParams | Uint8Array | null
  signal?: AbortSignal | null
}

export function policyFetch(
  outbound: OutboundPolicy,
  purpose: OutboundPurpose,
  timeoutMs = 10_000,
): (url: string, init: FetchInit) => Promise<Response> {
  return async (address, init) => {
    const url = new URL(address)
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new DomainError('outbound-refused', `Waypoint connects to ${purpose} services over https only`, {
        status: 502,
      })
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
    const allowed = await outbound.check(purpose, url.hostname, port)
    if (!allowed.ok)
      throw new DomainError(
        'outbound-refused',
        `Waypoint is not allowed to connect to ${url.host}: the hosts it may reach are set when it is deployed`,
        { status: 502 },
      )
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, allowed.addresses)
      else callback(null, allowed.addresses[0]!.address, allowed.addresses[0]!.family)
    }
    const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries())
    const body =
      init.body === undefined || init.body === null
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : init.body instanceof URLSearchParams
            ? init.body.toString()
            : Buffer.from(init.body)
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const signals = [AbortSignal.timeout(timeoutMs), ...(init.signal ? [init.signal] : [])]
    return new Promise<Response>((resolve, reject) => {
      const req = send(
        url,
        { method: init.method ?? 'GET', headers, lookup: pinned, signal: AbortSignal.any(signals) },
        (res) => {
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > MAX_ANSWER_BYTES) req.destroy(new Error('The answer is too large'))
            else chunks.push(chunk)
          })
          res.on('end', () => {
            const answer = new Headers()
            for (const [name, value] of Object.entries(res.headers)) {
              if (Array.isArray(value)) for (const v of value) answer.append(name, v)
              else if (value !== undefined) answer.set(name, value)
            }
            const status = res.statusCode ?? 502
            const nullBody = status === 204 || status === 304
            resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, headers: answer }))
          })
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  }
}
