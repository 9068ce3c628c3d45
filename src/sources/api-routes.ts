// Inbound source API (UJ-4, CP-157): STORM/SMARTStorm and Athena post their events here as JSON
// or XML. The body is kept exactly as received, so these routes read it as text themselves.
// 202 Accepted with the inbox id and outcome: the event is stored and applied to the case model in
// one transaction (with others that arrived at the same time); Journeys reacts to it right after.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { apiProblems, problemResponses } from '../platform/api/api-schemas.ts'
import { DomainError, ForbiddenError, ValidationError } from '../platform/errors.ts'
import type { SourceSystem } from './default-profiles.ts'
import type { IngestBatcher } from './ingest-batcher.ts'
import { describeLimits } from './input-checks.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })
const lenient = new TextDecoder('utf-8')

/**
 * The body as text. Bytes that are not UTF-8 are not silently replaced: the event is kept with
 * U+FFFD in their place and flagged, so it is quarantined (decision 0011).
 */
function decode(bytes: Uint8Array): { text: string; invalidUtf8: boolean } {
  try {
    return { text: utf8.decode(bytes), invalidUtf8: false }
  } catch {
    // Expected: bytes that are not UTF-8 are kept (replaced) and flagged, so the event is quarantined.
    return { text: lenient.decode(bytes), invalidUtf8: true }
  }
}

/** NDJSON lines, each decoded on its own (a newline byte never occurs inside a UTF-8 character). */
function lines(bytes: Buffer): { text: string; invalidUtf8: boolean }[] {
  const found: { text: string; invalidUtf8: boolean }[] = []
  let start = 0
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start)
    if (end < 0) end = bytes.length
    const line = decode(bytes.subarray(start, end))
    line.text = line.text.replace(/\r$/, '')
    if (line.text.trim()) found.push(line)
    start = end + 1
  }
  return found
}

/** The most events one batch request may carry. */
const maxBatchEvents = 1000

const Receipt = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The event’s id in the inbox' }),
    status: Type.Union(
      ['applied', 'quarantined', 'duplicate', 'superseded', 'received'].map((status) => Type.Literal(status)),
    ),
    reason: Type.Union([Type.String(), Type.Null()], { description: 'Why the event was quarantined' }),
    warnings: Type.Array(Type.String()),
    duplicateOf: Type.Optional(Type.String({ description: 'The event this one repeats' })),
  },
  { description: 'What became of one event' },
)

const ForceParams = Type.Object({ force: Type.String({ description: 'The force the events belong to' }) })

/**
 * The request body as the OpenAPI description shows it. These routes read the raw bytes, so the
 * schemas constrain nothing (an event that cannot be read is quarantined, not refused).
 */
const eventBody = {
  content: {
    'application/json': {
      schema: { description: 'One event as the force’s system produces it, in JSON' },
    },
    'application/xml': {
      schema: { description: 'One event as the force’s system produces it, in XML' },
    },
  },
}
const eventLines = {
  content: {
    'application/x-ndjson': {
      schema: { description: 'One JSON event per line, each as the force’s system produces it' },
    },
  },
}

const refusals = {
  403: 'The client lacks the sources:write scope, or the force is not its own',
}

export async function registerSourceApiRoutes(http: FastifyInstance, sources: IngestBatcher): Promise<void> {
  await http.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

    for (const system of ['storm', 'athena'] as const satisfies readonly SourceSystem[]) {
      scope.post<{ Params: { force: string }; Body: Buffer }>(
        `/api/v1/sources/:force/${system}`,
        {
          config: { access: { client: ['sources:write'] } },
          schema: {
            summary: `Send a ${system === 'storm' ? 'STORM / SMARTStorm log' : 'Athena investigation'} event`,
            description:
              'JSON or XML as the force\u2019s system produces it; mapped with the force\u2019s mapping profile. ' +
              'A repeat of an event id has no effect; an unreadable event is quarantined for correction. ' +
              describeLimits(),
            operationId: system === 'storm' ? 'sendStormEvent' : 'sendAthenaEvent',
            tags: ['Sources'],
            params: ForceParams,
            body: eventBody,
            response: {
              202: { ...Receipt, description: 'The event is stored, and applied unless it was quarantined' },
              ...problemResponses([...apiProblems, 413], refusals),
            },
          },
        },
        async (request, reply) => {
          // A force's systems may only feed that force's cases.
          if (request.client!.forceId !== request.params.force) {
            throw new ForbiddenError('This client may only send events for its own force')
          }
          const body = decode(Buffer.isBuffer(request.body) ? request.body : new Uint8Array())
          const result = await sources.receive(
            request.params.force,
            system,
            body.text,
            String(request.headers['content-type'] ?? 'application/json'),
            body.invalidUtf8,
          )
          return reply.code(202).send(result)
        },
      )
      scope.post<{ Params: { force: string }; Body: Buffer }>(
        `/api/v1/sources/:force/${system}/batch`,
        {
          config: { access: { client: ['sources:write'] } },
          bodyLimit: 16 * 1_048_576,
          schema: {
            summary: `Send many ${system === 'storm' ? 'STORM / SMARTStorm' : 'Athena'} events at once`,
            description:
              `Newline-delimited JSON (application/x-ndjson): one event per line, at most ${maxBatchEvents}, ` +
              'each kept exactly as sent. For gateways, catch-up after an outage and replays: the events are ' +
              'stored and applied together, in order, and each gets its own receipt, in the order sent: a line ' +
              'that cannot be read or applied is quarantined on its own. ' +
              describeLimits(),
            operationId: system === 'storm' ? 'sendStormEvents' : 'sendAthenaEvents',
            tags: ['Sources'],
            params: ForceParams,
            body: eventLines,
            response: {
              200: Type.Object(
                { results: Type.Array(Receipt) },
                { description: 'A receipt for each event, in the order sent' },
              ),
              ...problemResponses([...apiProblems, 413, 415], {
                ...refusals,
                400: 'The request has no event',
                413: `More than ${maxBatchEvents} events, or a body that is too large`,
                415: 'The body is not application/x-ndjson',
              }),
            },
          },
        },
        async (request, reply) => {
          if (request.client!.forceId !== request.params.force) {
            throw new ForbiddenError('This client may only send events for its own force')
          }
          const type = String(request.headers['content-type'] ?? '')
            .split(';')[0]!
            .trim()
          if (type !== 'application/x-ndjson') {
            throw new DomainError(
              'unsupported-media-type',
              'Send the events as application/x-ndjson: one JSON event per line',
              { status: 415 },
            )
          }
          const events = lines(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0))
          if (events.length === 0) {
            throw new ValidationError([{ field: 'body', message: 'Send at least one event, one per line' }])
          }
          if (events.length > maxBatchEvents) {
            throw new DomainError(
              'too-many-events',
              `Send at most ${maxBatchEvents} events per request; this one had ${events.length}`,
              { status: 413 },
            )
          }
          const results = await sources.receiveMany(
            request.params.force,
            system,
            events.map((line) => ({
              payload: line.text,
              contentType: 'application/json',
              invalidUtf8: line.invalidUtf8,
            })),
          )
          return reply.code(200).send({ results })
        },
      )
    }
  })
}
