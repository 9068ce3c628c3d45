// A small client for an OpenAI-compatible model server (decision 0048): a force may send some of
// Assist's work to a hosted or on-premises model instead of Waypoint's embedded engine. Two calls:
// POST {base}/v1/chat/completions (JSON) and POST {base}/v1/audio/transcriptions (multipart), with
// the force's API key as a bearer token and a timeout on every call. Connections go only where the
// deployment allows for the purpose `ai` (OUTBOUND_AI_HOSTS, decision 0016) through the platform's
// pinned fetch, never to Waypoint's own database. Every failure becomes a typed `ProviderFailure`;
// nothing is retried, so a call is never made twice. The caller falls back to the embedded engine.
import { DomainError } from '../platform/errors.ts'
import type { FetchInit } from '../platform/outbound-fetch.ts'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** Why a call did not give an answer; never the text sent or received. */
export type ProviderFailureKind = 'timeout' | 'refused' | 'unreachable' | 'http' | 'unreadable'

export interface ProviderFailure {
  ok: false
  kind: ProviderFailureKind
  /** The HTTP status, for `http`. */
  status?: number
  /** A short reason for the audit trail and the settings page; no personal data. */
  detail: string
  ms: number
}

export type ProviderResult<T> = ({ ok: true; ms: number } & T) | ProviderFailure

export interface ProviderEndpoint {
  /** The server's base address, e.g. https://ai.kent.police.uk (the /v1 paths are added). */
  baseUrl: string
  apiKey: string | null
  timeoutMs: number
}

/** The longest answer text kept from a provider. */
export const maxAnswerLength = 4000

export type Fetcher = (url: string, init: FetchInit) => Promise<Response>

export class OpenAiCompatibleClient {
  readonly #fetch: (timeoutMs: number) => Fetcher

  /** `fetchFor(timeoutMs)` gives the allow-listed fetch with that timeout. */
  constructor(fetchFor: (timeoutMs: number) => Fetcher) {
    this.#fetch = fetchFor
  }

  /** One chat completion: the first choice's text. */
  async chat(
    endpoint: ProviderEndpoint,
    request: { model: string; messages: ChatMessage[]; maxTokens?: number },
  ): Promise<ProviderResult<{ text: string }>> {
    const body = JSON.stringify({
      model: request.model,
      messages: request.messages,
      temperature: 0,
      max_tokens: request.maxTokens ?? 400,
      stream: false,
    })
    return this.#call(endpoint, '/v1/chat/completions', 'application/json', body, (json) => {
      const text = (json as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message
        ?.content
      return typeof text === 'string' && text.trim() ? { text: text.trim().slice(0, maxAnswerLength) } : null
    })
  }

  /** A recording's words, as the server transcribes them. */
  async transcribe(
    endpoint: ProviderEndpoint,
    request: { model: string; audio: Uint8Array; fileName: string; mediaType: string; language?: string },
  ): Promise<ProviderResult<{ text: string }>> {
    const boundary = `waypoint-${crypto.randomUUID()}`
    const field = (name: string, value: string) =>
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    const safeName = request.fileName.replace(/[^\w.-]/g, '_').slice(0, 100) || 'audio'
    const body = Buffer.concat([
      field('model', request.model),
      ...(request.language ? [field('language', request.language)] : []),
      field('response_format', 'json'),
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\nContent-Type: ${request.mediaType}\r\n\r\n`,
      ),
      Buffer.from(request.audio),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ])
    return this.#call(
      endpoint,
      '/v1/audio/transcriptions',
      `multipart/form-data; boundary=${boundary}`,
      body,
      (json) => {
        const text = (json as { text?: unknown }).text
        return typeof text === 'string' ? { text: text.trim().slice(0, maxAnswerLength * 4) } : null
      },
    )
  }

  async #call<T>(
    endpoint: ProviderEndpoint,
    path: string,
    contentType: string,
    body: string | Uint8Array,
    read: (json: unknown) => T | null,
  ): Promise<ProviderResult<T>> {
    const started = performance.now()
    const ms = () => Math.round(performance.now() - started)
    const fail = (kind: ProviderFailureKind, detail: string, status?: number): ProviderFailure => ({
      ok: false,
      kind,
      detail,
      ms: ms(),
      ...(status === undefined ? {} : { status }),
    })
    const url = `${endpoint.baseUrl.replace(/\/+$/, '')}${path}`
    let response: Response
    try {
      response = await this.#fetch(endpoint.timeoutMs)(url, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          accept: 'application/json',
          ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
        },
        body,
      })
    } catch (error) {
      if (error instanceof DomainError && error.code === 'outbound-refused')
        return fail(
          'refused',
          'The provider’s host is not on the deployment’s allow-list (OUTBOUND_AI_HOSTS)',
        )
      const name = (error as { name?: string }).name
      if (name === 'AbortError' || name === 'TimeoutError')
        return fail('timeout', `No answer within ${endpoint.timeoutMs} ms`)
      const code = (error as { code?: string }).code
      return fail('unreachable', `Could not reach the provider (${code ?? 'connection failed'})`)
    }
    if (!response.ok) return fail('http', `The provider answered HTTP ${response.status}`, response.status)
    let json: unknown
    try {
      json = await response.json()
    } catch {
      return fail('unreadable', 'The provider’s answer was not JSON')
    }
    const value = read(json)
    if (value === null) return fail('unreadable', 'The provider’s answer had no text')
    return { ok: true, ms: ms(), ...value }
  }
}
