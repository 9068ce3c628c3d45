// Idempotency keys on the integration API (the Portal API requires one on every POST): a route
// that declares `config.idempotent` needs an `Idempotency-Key` header; the first request with a
// key is answered and its answer kept for a day; the same request again gets that answer again
// (with `Idempotent-Replayed: true`) and causes nothing; the same key with a different request is
// refused with 422, and while the first is still being answered with 409. A server error frees
// the key, so a retry may go through. Answers are kept as JSON and given in the format the
// repeated request asks for.
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Clock } from '../clock.ts'
import { DomainError, ValidationError } from '../errors.ts'
import { defineJob, EmptyPayload } from '../jobs.ts'
import type { IdempotencyKeyOf, IdempotencyRepository } from './idempotency-repository.ts'

export const IDEMPOTENCY_HEADER = 'Idempotency-Key'
/** How long an answer is kept for a repeat of its request. */
export const IDEMPOTENCY_KEEP_MS = 24 * 3_600_000
/** A claim older than this with no answer was left by a process that stopped mid-request. */
const ABANDONED_MS = 60_000

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: IdempotencyKeyOf | undefined
  }
  interface FastifyContextConfig {
    /** A POST that must carry an Idempotency-Key and is answered once per key. */
    idempotent?: boolean
  }
}

/** The header an idempotent route declares, so the OpenAPI description shows it. */
export const idempotencyKeyHeader = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'A unique value (a UUID) for this request: a retry with the same key and body gets the ' +
        'first answer again and does nothing twice; the same key with another body is refused (422)',
    },
  },
  required: ['idempotency-key'],
} as const

export function registerIdempotency(
  http: FastifyInstance,
  deps: { repo: IdempotencyRepository; clock: Clock },
): void {
  http.decorateRequest('idempotency', undefined)

  // After access checks (the server's own preHandlers), before the handler.
  http.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config?.idempotent || request.method !== 'POST' || !request.client) return
    const header = request.headers['idempotency-key']
    const key = Array.isArray(header) ? header[0] : header
    if (!key || !/^[\x21-\x7e]{1,255}$/.test(key))
      throw new ValidationError([
        {
          field: IDEMPOTENCY_HEADER,
          message: 'Send an Idempotency-Key header: 1 to 255 visible characters, new for each request',
        },
      ])
    const k = { forceId: request.client.forceId, clientId: request.client.clientId, key }
    const now = deps.clock.now()
    const claim = await deps.repo.claim(k, requestHash(request), now, new Date(now.getTime() - ABANDONED_MS))
    if (claim.claimed) {
      request.idempotency = k
      return
    }
    const { row } = claim
    if (row.requestHash !== requestHash(request))
      throw new DomainError(
        'idempotency-key-reused',
        'This Idempotency-Key was used with a different request: use a new key for a new request',
        { status: 422 },
      )
    if (row.statusCode === null)
      throw new DomainError(
        'idempotency-key-in-use',
        'A request with this Idempotency-Key is still being answered: try again in a moment',
        { status: 409 },
      )
    reply
      .code(row.statusCode)
      .header('content-type', row.contentType ?? 'application/json; charset=utf-8')
      .header('idempotent-replayed', 'true')
    return reply.send(row.responseBody ?? '')
  })

  // Registered before the API platform turns JSON into XML or YAML, so the kept answer is JSON.
  http.addHook('onSend', async (request, reply, payload) => {
    const k = request.idempotency
    if (!k) return payload
    request.idempotency = undefined
    try {
      if (reply.statusCode >= 500 || typeof payload !== 'string') await deps.repo.release(k)
      else
        await deps.repo.complete(
          k,
          {
            statusCode: reply.statusCode,
            contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'),
            body: payload,
          },
          deps.clock.now(),
        )
    } catch (error) {
      // The action itself has happened: its answer still goes; a repeat will find the key held
      // without an answer and be told to retry, then take it over once abandoned.
      request.log.error({ err: error }, 'the answer to an idempotent request could not be kept')
    }
    return payload
  })
}

/** The method, path, query and body of a request, as one hash. */
function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex')
}

/** Forgets answers kept longer than a day (hourly). */
export function forgetIdempotencyKeysJob(repo: IdempotencyRepository, clock: Clock) {
  return defineJob({
    name: 'api.forget-idempotency-keys',
    payload: EmptyPayload,
    cron: '17 * * * *',
    retryLimit: 1,
    handle: async () => {
      await repo.removeOlderThan(new Date(clock.now().getTime() - IDEMPOTENCY_KEEP_MS))
    },
  })
}
