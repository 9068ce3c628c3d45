// Social media as a module (issue 15 item 2; CRM-8): the connector's signed API route, the force
// administrator's settings page (address, shared secret, on or off; audited), the delivery job for
// handlers' replies, and the hook that sends a reply on a `social` conversation through it.
// Messaging's conversations keep the messages; the queue takes them as it takes every channel's.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ConversationService } from '../messaging/conversations/service.ts'
import { problemResponses } from '../platform/api/api-schemas.ts'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { Clock } from '../platform/clock.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { Database, Tx } from '../platform/db/database.ts'
import { defineJob, EmptyPayload, type JobQueue } from '../platform/jobs.ts'
import type { FieldError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm } from '../platform/http/request.ts'
import type { Module } from '../platform/modules.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import { acting, forceOf } from './single-view-routes.ts'
import { SOCIAL_SIGNATURE_HEADER, SocialService, socialLimits, socialSealContext } from './social.ts'

/** Who sets the force's social media connector. */
export const socialSettingsEditors: readonly StaffRole[] = ['force_admin']

export function deliverSocialJob(social: () => SocialService) {
  return defineJob({
    name: 'contact.deliver-social',
    payload: EmptyPayload,
    cron: '* * * * *',
    policy: 'stately',
    retryLimit: 3,
    handle: async () => {
      while ((await social().deliverDue(100)) === 100);
    },
  })
}

export function createContactSocial(deps: {
  db: Database
  audit: AuditService
  clock: Clock
  cipher: CredentialKeys
  outbound: OutboundPolicy
  jobs: JobQueue
  conversations: ConversationService
  allowHttp: boolean
}): Module<{ social: SocialService }> {
  const job = deliverSocialJob(() => social)
  const social: SocialService = new SocialService({
    db: deps.db,
    audit: deps.audit,
    clock: deps.clock,
    cipher: deps.cipher,
    outbound: deps.outbound,
    receive: (tx, forceId, message) => deps.conversations.receiveSocial(tx, forceId, message),
    delivered: (tx, forceId, messageId, outcome) =>
      deps.conversations.socialDelivery(tx, forceId, messageId, outcome),
    wake: (tx: Tx) => deps.jobs.send(job, {}, { tx }),
    allowHttp: deps.allowHttp,
  })
  deps.conversations.sendSocialWith((tx, reply) => social.queueReply(tx, reply))
  return {
    name: 'contact-social',
    services: { social },
    jobs: [job],
    // The forces' shared secrets, sealed again when the credential key changes (decision 0049).
    sealedCredentials: [
      {
        kind: 'contact-social-secret',
        keys: deps.cipher,
        table: 'contact_social_settings',
        column: 'secret_sealed',
        id: 'force_id',
        context: (row) => socialSealContext(row.forceId),
      },
    ],
    routes: async (http) => {
      await registerSocialApi(http, social)
      registerSocialSettings(http, social)
    },
    navigation: [
      {
        text: 'Social media channel',
        href: '/console/contact/social',
        roles: socialSettingsEditors,
        group: 'settings',
        forceOnly: true,
      },
    ],
  }
}

const Receipt = Type.Object({
  status: Type.Union([Type.Literal('applied'), Type.Literal('duplicate')], {
    description: 'applied: kept now; duplicate: a message of this id was kept before, and nothing changed',
  }),
  conversation: Type.String({ format: 'uuid', description: 'Waypoint’s conversation with the sender' }),
  message: Type.String({ format: 'uuid', description: 'Waypoint’s id for the message' }),
})

async function registerSocialApi(http: FastifyInstance, social: SocialService): Promise<void> {
  await http.register(async (scope) => {
    // The signature is over the bytes as sent: the body is read raw and parsed after the check.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
    scope.post<{ Params: { force: string }; Body: Buffer }>(
      '/api/v1/contact/:force/social/messages',
      {
        config: { access: { custom: 'HMAC-SHA256 signature under the force’s social media secret' } },
        bodyLimit: socialLimits.bodyBytes,
        schema: {
          summary: 'Send a message a person sent on a social platform',
          description:
            'For the force’s social platform connector. JSON: { "platform": "facebook", "messageId": "…", ' +
            '"sender": { "id": "…", "name": "…" }, "text": "…" }, signed in the Waypoint-Signature header ' +
            '(t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> under the force’s secret). A timestamp ' +
            'more than 5 minutes from Waypoint’s clock is refused, as a replay. The message joins the sender’s ' +
            'conversation and the force’s contact queue; a messageId sent again is answered as a duplicate and ' +
            `changes nothing. Limits: body ${socialLimits.bodyBytes} bytes, platform ${socialLimits.platform} ` +
            `characters, ids ${socialLimits.id}, name ${socialLimits.name}, text ${socialLimits.text}. Replies ` +
            'are posted to the connector’s address, signed the same way: { "type": "message.reply", "id", ' +
            '"conversation", "platform", "recipient", "text", "sentAt" }.',
          operationId: 'receiveSocialMessage',
          tags: ['Contact'],
          security: [{ socialSignature: [] }],
          params: Type.Object({
            force: Type.String({ maxLength: 40, description: 'The force the message is for' }),
          }),
          body: {
            content: {
              'application/json': { schema: { description: 'The message, as described above, in JSON' } },
            },
          },
          response: {
            200: { ...Receipt, description: 'The message was kept before (a duplicate): nothing changed' },
            202: { ...Receipt, description: 'The message is kept and in the contact queue' },
            ...problemResponses([400, 401, 404, 413], {
              400: 'The body is not JSON, or a field is missing or over its limit',
              401: 'The signature is missing or wrong, or its timestamp is more than 5 minutes away',
              404: 'There is no such force, or its social media channel is off',
              413: 'The body is over its limit',
            }),
          },
        },
      },
      async (request, reply) => {
        const header = request.headers[SOCIAL_SIGNATURE_HEADER]
        const receipt = await social.receive(
          request.params.force,
          Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
          Array.isArray(header) ? header[0] : header,
        )
        return reply.code(receipt.status === 'applied' ? 202 : 200).send(receipt)
      },
    )
  })
}

function registerSocialSettings(http: FastifyInstance, social: SocialService): void {
  const access = { staff: socialSettingsEditors, product: 'contact' as const }
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { errors?: FieldError[]; values?: Record<string, unknown>; saved?: boolean } = {},
  ) => {
    const settings = await social.settings(forceOf(request))
    return reply.render('contact/social-settings.njk', {
      title: 'Social media channel',
      settings,
      values: extra.values ?? { enabled: settings.enabled ? 'yes' : 'no', url: settings.url ?? '' },
      errors: extra.errors,
      saved: extra.saved,
      path: `/api/v1/contact/${forceOf(request)}/social/messages`,
    })
  }
  http.get<{ Querystring: { saved?: string } }>(
    '/console/contact/social',
    {
      config: { access },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) },
    },
    (request, reply) => render(request, reply, { saved: request.query.saved === '1' }),
  )
  http.post<{ Body: { enabled?: string; url?: string; secret?: string } }>(
    '/console/contact/social',
    {
      config: { access },
      schema: {
        body: Type.Object({
          enabled: formText(3),
          url: formText(500),
          secret: formText(200),
          _csrf: formText(200),
        }),
      },
    },
    async (request, reply) => {
      try {
        await social.save(forceOf(request), request.body, acting(request))
        return reply.redirect('/console/contact/social?saved=1', 303)
      } catch (error) {
        return refusedForm(reply, error, (errors) =>
          render(request, reply, {
            errors,
            values: { enabled: request.body.enabled, url: request.body.url },
          }),
        )
      }
    },
  )
}
