// Inbound source API (UJ-4, CP-157): STORM/SMARTStorm and Athena post their events here as JSON
// or XML. The body is kept exactly as received, so these routes read it as text themselves.
// 202 Accepted with the inbox id: the event is stored and processed in the same transaction.
import type { FastifyInstance } from 'fastify'
import { ForbiddenError } from '../platform/errors.ts'
import type { SourceSystem } from './default-profiles.ts'
import type { SourceService } from './service.ts'

const receiptSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['applied', 'quarantined', 'duplicate', 'superseded', 'received'] },
    reason: { type: ['string', 'null'] },
    warnings: { type: 'array', items: { type: 'string' } },
    duplicateOf: { type: 'string' },
  },
} as const

export async function registerSourceApiRoutes(http: FastifyInstance, sources: SourceService): Promise<void> {
  await http.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))

    for (const system of ['storm', 'athena'] as const satisfies readonly SourceSystem[]) {
      scope.post<{ Params: { force: string }; Body: string }>(
        `/api/v1/sources/:force/${system}`,
        {
          config: { access: { client: ['sources:write'] } },
          schema: {
            summary: `Send a ${system === 'storm' ? 'STORM / SMARTStorm log' : 'Athena investigation'} event`,
            description:
              'JSON or XML as the force\u2019s system produces it; mapped with the force\u2019s mapping profile. ' +
              'A repeat of an event id has no effect; an unreadable event is quarantined for correction.',
            tags: ['Sources'],
            params: { type: 'object', properties: { force: { type: 'string' } }, required: ['force'] },
            response: { 202: receiptSchema },
          },
        },
        async (request, reply) => {
          // A force's systems may only feed that force's cases.
          if (request.client!.forceId !== request.params.force) {
            throw new ForbiddenError('This client may only send events for its own force')
          }
          const result = await sources.receive(
            request.params.force,
            system,
            typeof request.body === 'string' ? request.body : '',
            String(request.headers['content-type'] ?? 'application/json'),
          )
          return reply.code(202).send(result)
        },
      )
    }
  })
}
