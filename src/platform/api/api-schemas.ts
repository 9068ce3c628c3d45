// Schemas shared by every documented route, so the OpenAPI description shows one error model.
import { Type } from '@sinclair/typebox'

/** RFC 9457 problem details, as every API error is returned (CP-181). */
export const Problem = Type.Object(
  {
    type: Type.String({ format: 'uri' }),
    title: Type.String(),
    status: Type.Integer(),
    instance: Type.Optional(Type.String()),
    correlationId: Type.String({ description: 'Quote this to service support' }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details' },
)

/** A reference to Problem, which the API platform adds as a shared schema (a named component). */
export const ProblemRef = Type.Unsafe<typeof Problem.static>({ $ref: 'Problem#' })

/** Why an API answers with each error status; a route lists the ones it can give. */
export const problemReasons = {
  400: 'The request is not valid: each field in error is named in `errors`',
  401: 'No credentials, or credentials that are not valid',
  403: 'The credentials do not allow this',
  404: 'Not found',
  406: 'The Accept header asks for a format the API does not answer in',
  409: 'The request conflicts with the current state',
  413: 'The request is too large',
  415: 'The request’s content type is not accepted here',
  422: 'The Idempotency-Key was used before with a different request',
  429: 'Too many requests from this client: wait for the time in Retry-After',
} as const

export type ProblemStatus = keyof typeof problemReasons

/**
 * The error answers of a route, each a problem document (application/problem+json) with the
 * reason it is given. Problems are sent as they are (http/server.ts), never through this schema.
 */
export function problemResponses(
  statuses: readonly ProblemStatus[],
  reasons: Partial<Record<ProblemStatus, string>> = {},
): Record<number, unknown> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: reasons[status] ?? problemReasons[status],
        content: { 'application/problem+json': { schema: ProblemRef } },
      },
    ]),
  )
}

/** The errors every versioned API route (/api/v1/) may give, besides its own. */
export const apiProblems = [400, 401, 403, 406, 429] as const satisfies readonly ProblemStatus[]
