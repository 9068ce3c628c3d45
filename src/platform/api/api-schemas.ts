// Schemas shared by every /api/v1 route, so the OpenAPI description shows one error model.
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
  { description: 'RFC 9457 problem details' },
)
