// The CTI event API (CRM-6, CRM-8): the force's telephony platform posts each call's events with
// an API client holding `contact:telephony`, for its own force only. Errors are problem documents;
// an event id sent again is answered as a duplicate and changes nothing.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { apiProblems, problemResponses } from '../platform/api/api-schemas.ts'
import { ForbiddenError } from '../platform/errors.ts'
import { type CallEvent, callEventTypes, type TelephonyService } from './telephony.ts'

const text = (max: number, description: string) => Type.String({ minLength: 1, maxLength: max, description })
const optionalText = (max: number, description: string) =>
  Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()], { description }))

export const CallEventBody = Type.Object(
  {
    eventId: text(200, 'The platform’s id for this event: sent again, it is taken once'),
    type: Type.Union(
      callEventTypes.map((t) => Type.Literal(t)),
      { description: 'What happened to the call' },
    ),
    callId: text(100, 'The platform’s id for the call; every event of one call carries it'),
    occurredAt: Type.String({ format: 'date-time', description: 'When it happened (ISO 8601, with offset)' }),
    caller: optionalText(40, 'The caller’s number (CLI) on call.offered; null or absent when withheld'),
    dialled: optionalText(40, 'The number the caller dialled, on call.offered'),
    ivr: Type.Optional(
      Type.Array(
        Type.Object({
          menu: text(100, 'The IVR menu'),
          choice: text(20, 'What the caller chose (a key, a recognised phrase’s code)'),
          label: optionalText(200, 'The choice in words'),
        }),
        { maxItems: 20, description: 'IVR menus and choices, on call.offered or call.ivr' },
      ),
    ),
    agent: optionalText(100, 'The platform’s agent login or extension, on answered, held or transferred'),
    to: optionalText(100, 'Where the call was transferred (a team, a queue or a number)'),
  },
  { additionalProperties: false },
)

const Receipt = Type.Object({
  status: Type.Union([Type.Literal('applied'), Type.Literal('duplicate')]),
  call: Type.String({ format: 'uuid', description: 'Waypoint’s id for the call' }),
  contact: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'The contact in the queue the call is',
  }),
})

export function registerTelephonyApi(
  http: FastifyInstance,
  telephony: TelephonyService,
  forceHasContact: (forceId: string) => Promise<boolean>,
): void {
  http.post<{ Params: { force: string }; Body: CallEvent }>(
    '/api/v1/contact/:force/telephony/events',
    {
      config: { access: { client: ['contact:telephony'] } },
      schema: {
        summary: 'Send a call event from the telephony platform (CTI)',
        description:
          'Offered (with the caller’s number and IVR choices), further IVR choices, answered, held, resumed, ' +
          'transferred and ended. An offered call becomes a contact in the force’s queue; later events are ' +
          'kept on it and measure the wait and handling time. A call that ends before it is answered stays in ' +
          'the queue as a call-back. An event id sent again changes nothing.',
        operationId: 'sendCallEvent',
        tags: ['Contact'],
        params: Type.Object({
          force: Type.String({ maxLength: 40, description: 'The force the call came to' }),
        }),
        body: CallEventBody,
        response: {
          202: { ...Receipt, description: 'The event is applied, or was applied before' },
          ...problemResponses([...apiProblems, 409], {
            403: 'The client lacks the contact:telephony scope, the force is not its own, or it does not have Contact',
            409: 'The call was never offered, or has ended',
          }),
        },
      },
    },
    async (request, reply) => {
      if (request.client!.forceId !== request.params.force)
        throw new ForbiddenError('This client may only send call events for its own force')
      if (!(await forceHasContact(request.params.force)))
        throw new ForbiddenError('The force does not have Contact, so it takes no calls')
      const receipt = await telephony.receive(request.params.force, request.body, request.client!)
      return reply.code(202).send(receipt)
    },
  )
}
