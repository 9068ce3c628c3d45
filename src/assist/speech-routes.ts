// Assist's speech pages and API (CRM-22, CRM-6; decision 0041): the force administrator's switch,
// the search of call transcripts for contact staff, and the API the telephony platform posts a
// call's recordings to (a WAV, with the API client's `contact:telephony` scope, for its own force).
// Errors are problem documents; pages are GOV.UK forms that work without JavaScript.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { acting, contactStaff, forceOf } from '../contact/single-view-routes.ts'
import { apiProblems, problemResponses } from '../platform/api/api-schemas.ts'
import { type AuditService, whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import { DomainError, ForbiddenError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import type { RecordingKind } from './speech-repository.ts'
import { type SpeechService, searchLimits } from './speech-service.ts'
import { audioLimits } from './transcription.ts'

/** Who switches the force's speech on and off. */
export const speechSettingsEditors: readonly StaffRole[] = ['force_admin']

export const wavTypes = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'] as const

const settingsForce = staffForce('Speech is set per force; sign in with a force account')

const RecordingReceipt = Type.Object({
  recording: Type.String({ format: 'uuid', description: 'Waypoint’s id for the recording' }),
  call: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
    description: 'Waypoint’s id for the call; null for a spoken reason sent before the call is offered',
  }),
  contact: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The call’s contact' }),
  status: Type.Literal('queued', { description: 'Kept and waiting to be transcribed' }),
})

export async function registerSpeechRoutes(
  http: FastifyInstance,
  deps: {
    speech: SpeechService
    audit: AuditService
    forceHasContact: (forceId: string) => Promise<boolean>
  },
): Promise<void> {
  const { speech } = deps

  // The force administrator's switch.
  const settingsAccess = { staff: speechSettingsEditors, product: 'contact' as const }
  const renderSettings = async (request: FastifyRequest, reply: FastifyReply, extra: object = {}) =>
    reply.render('assist/speech-settings.njk', {
      title: 'Call transcription',
      enabled: (await speech.setting(settingsForce(request))).enabled,
      maxSeconds: audioLimits.seconds,
      ...extra,
    })
  http.get<{ Querystring: { saved?: string } }>(
    '/console/assist/speech',
    {
      config: { access: settingsAccess },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) },
    },
    (request, reply) => renderSettings(request, reply, { saved: request.query.saved === '1' }),
  )
  http.post<{ Body: { enabled?: string } }>(
    '/console/assist/speech',
    {
      config: { access: settingsAccess },
      schema: { body: Type.Object({ enabled: formText(3), _csrf: formText(200) }) },
    },
    async (request, reply) => {
      try {
        await speech.setEnabled(settingsForce(request), request.body.enabled, {
          ...whoAndWhere(request),
          staffId: staffOf(request).id,
        })
        return reply.redirect('/console/assist/speech?saved=1', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) => renderSettings(request, reply, { errors }))
      }
    },
  )

  // Contact staff search the force's call transcripts; each contact listed is a view, audited.
  http.get<{ Querystring: { q?: string } }>(
    '/console/contact/transcripts',
    {
      config: { access: { staff: contactStaff, product: 'contact' as const } },
      schema: {
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: searchLimits.query * 2 })) }),
      },
    },
    async (request, reply) => {
      const forceId = forceOf(request)
      const q = request.query.q ?? ''
      const page = (extra: object) =>
        reply.render('assist/transcripts.njk', {
          title: 'Search call transcripts',
          q,
          maxQuery: searchLimits.query,
          ...extra,
        })
      try {
        const results = await speech.search(forceId, q)
        await deps.audit.recordView(request, {
          forceId,
          recordType: 'assist-transcripts',
          recordId: 'search',
          detail: { searched: q.trim() !== '', results: results.length },
        })
        for (const itemId of new Set(results.flatMap((r) => (r.itemId ? [r.itemId] : []))))
          await deps.audit.recordView(request, {
            forceId,
            recordType: 'contact',
            recordId: itemId,
            detail: { view: 'transcript-search' },
          })
        return page({ results, searched: q.trim() !== '', me: acting(request).staffId })
      } catch (error) {
        return refusedForm(reply, error, (errors) => page({ errors, results: [] }))
      }
    },
  )

  // The telephony platform's recordings: raw WAV bodies, in their own scope of parsers.
  await http.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
    scope.post<{
      Params: { force: string; callId: string }
      Querystring: { kind?: RecordingKind }
      Body: Buffer
    }>(
      '/api/v1/contact/:force/telephony/calls/:callId/recordings',
      {
        config: { access: { client: ['contact:telephony'] } },
        bodyLimit: audioLimits.bytes,
        schema: {
          summary: 'Send a recording of a call to be transcribed',
          description:
            'A WAV recording (PCM, 8 or 16 bit, any rate, mono or more channels) of a call: ' +
            '`kind=reason` is what the caller said in the IVR when asked why they are calling, sent before ' +
            'or after the call is offered, and sets the call’s priority and skill in the queue once it is ' +
            'transcribed and the call offered (danger words make it urgent); `kind=voicemail` is a message ' +
            'left on a call already offered. Transcribed offline on Waypoint’s server, the transcript is ' +
            'kept on the call, marked as automated, and the audio is dropped. Refused while the force has not ' +
            `switched transcription on. At most ${audioLimits.bytes / 1024 / 1024} MB and ${audioLimits.seconds} seconds.`,
          operationId: 'sendCallRecording',
          tags: ['Contact'],
          params: Type.Object({
            force: Type.String({ maxLength: 40, description: 'The force the call came to' }),
            callId: Type.String({
              minLength: 1,
              maxLength: 100,
              description: 'The platform’s id for the call',
            }),
          }),
          querystring: Type.Object({
            kind: Type.Optional(
              Type.Union([Type.Literal('reason'), Type.Literal('voicemail')], {
                description: 'reason (the default): the caller’s spoken reason; voicemail: a message left',
              }),
            ),
          }),
          body: {
            content: Object.fromEntries(
              wavTypes.map((t) => [
                t,
                { schema: { description: 'The recording: a WAV file (RIFF WAVE, PCM)' } },
              ]),
            ),
          },
          response: {
            202: { ...RecordingReceipt, description: 'The recording is kept and will be transcribed' },
            ...problemResponses([...apiProblems, 409, 413, 415], {
              400: 'The body is not a usable WAV recording, or is too long',
              403: 'The client lacks the contact:telephony scope, the force is not its own, or it does not have Contact',
              409: 'A voicemail’s call was never offered, or the force has not switched transcription on',
              413: `The recording is larger than ${audioLimits.bytes / 1024 / 1024} MB`,
              415: 'The body is not audio/wav',
            }),
          },
        },
      },
      async (request, reply) => {
        if (request.client!.forceId !== request.params.force)
          throw new ForbiddenError('This client may only send recordings for its own force')
        if (!(await deps.forceHasContact(request.params.force)))
          throw new ForbiddenError('The force does not have Contact, so it takes no calls')
        const type = String(request.headers['content-type'] ?? '')
          .split(';')[0]!
          .trim()
          .toLowerCase()
        if (!(wavTypes as readonly string[]).includes(type))
          throw new DomainError('unsupported-media-type', 'Send the recording as audio/wav', { status: 415 })
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        const receipt = await speech.receive(
          request.params.force,
          request.params.callId,
          request.query.kind ?? 'reason',
          body,
          request.client!,
        )
        return reply.code(202).send(receipt)
      },
    )
  })
}
