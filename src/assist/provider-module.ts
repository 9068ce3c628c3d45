// A force's model provider for Assist as a module (issue 16; decision 0048): the service the
// chatbot and officer help ask, and the force administrator's page at /console/assist/provider
// (the provider's address, models, key, timeout, redaction and features, and a connection test).
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type AuditService, whoAndWhere } from '../platform/audit/audit-service.ts'
import type { StaffRole } from '../platform/auth/roles.ts'
import type { Clock } from '../platform/clock.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { Database } from '../platform/db/database.ts'
import { ValidationError } from '../platform/errors.ts'
import { formText } from '../platform/http/limits.ts'
import { refusedForm, staffForce, staffOf } from '../platform/http/request.ts'
import type { Logger } from '../platform/logger.ts'
import type { Module } from '../platform/modules.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import {
  type ProviderSettingsInput,
  ProviderService,
  sealContext,
  providerFeatures,
  providerLimits,
} from './provider-service.ts'

/** Who sets the force's provider. */
export const providerEditors: readonly StaffRole[] = ['force_admin']

const forceOf = staffForce('A model provider is set per force; sign in with a force account')
const page = '/console/assist/provider'

export function createAssistProvider(deps: {
  db: Database
  audit: AuditService
  clock: Clock
  cipher: CredentialKeys
  outbound: OutboundPolicy
  allowHttp: boolean
  log?: Logger
}): Module<{ assistProvider: ProviderService }> {
  const assistProvider = new ProviderService(deps)
  return {
    name: 'assist-provider',
    services: { assistProvider },
    // The forces' provider API keys, sealed again when the credential key changes.
    sealedCredentials: [
      {
        kind: 'assist-provider-key',
        keys: deps.cipher,
        table: 'assist_provider_settings',
        column: 'api_key_sealed',
        id: 'force_id',
        context: (row) => sealContext(row.forceId),
      },
    ],
    routes: (http) => registerProviderRoutes(http, assistProvider),
    navigation: [
      { text: 'AI provider', href: page, roles: providerEditors, group: 'settings', forceOnly: true },
    ],
  }
}

const day = (d: Date | string) =>
  new Date(d).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' })

function registerProviderRoutes(http: FastifyInstance, provider: ProviderService): void {
  const access = { staff: providerEditors }
  const acting = (request: FastifyRequest) => ({ ...whoAndWhere(request), staffId: staffOf(request).id })
  const render = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { values?: ProviderSettingsInput; errors?: unknown; saved?: boolean; tested?: object } = {},
  ) => {
    const forceId = forceOf(request)
    const settings = await provider.settings(forceId)
    const values: ProviderSettingsInput = extra.values ?? {
      name: settings?.name ?? '',
      baseUrl: settings?.baseUrl ?? '',
      chatModel: settings?.chatModel ?? '',
      transcriptionModel: settings?.transcriptionModel ?? '',
      timeoutSeconds: String((settings?.timeoutMs ?? 10_000) / 1000),
      redact: settings ? (settings.redact ? 'yes' : 'no') : 'yes',
      features: settings?.features ?? [],
    }
    const chosen = [values.features ?? []].flat()
    return reply.render('assist/provider-settings.njk', {
      title: 'AI provider',
      settings,
      values,
      limits: providerLimits,
      featureItems: providerFeatures.map((f) => ({
        value: f.value,
        text: f.text,
        hint: { text: f.hint },
        checked: chosen.includes(f.value),
      })),
      fallBacks: (await provider.recentFallBacks(forceId)).map((f) => [
        { text: day(f.at) },
        { text: providerFeatures.find((x) => x.value === f.feature)?.text ?? f.feature },
        { text: f.reason },
      ]),
      updatedAt: settings ? day(settings.updatedAt) : null,
      ...extra,
    })
  }
  http.get<{ Querystring: { saved?: string } }>(
    page,
    {
      config: { access },
      schema: { querystring: Type.Object({ saved: Type.Optional(Type.String({ maxLength: 1 })) }) },
    },
    (request, reply) => render(request, reply, { saved: request.query.saved === '1' }),
  )
  http.post<{ Body: ProviderSettingsInput }>(
    page,
    {
      config: { access },
      // Each limit is the service's, with room, so a longer value is still read to say so in the form.
      schema: {
        body: Type.Object({
          name: formText(providerLimits.name * 4),
          baseUrl: formText(providerLimits.baseUrl * 4),
          chatModel: formText(providerLimits.model * 4),
          transcriptionModel: formText(providerLimits.model * 4),
          apiKey: formText(providerLimits.apiKey * 4),
          removeKey: formText(3),
          timeoutSeconds: formText(10),
          redact: formText(3),
          features: Type.Optional(
            Type.Union([
              Type.String({ maxLength: 40 }),
              Type.Array(Type.String({ maxLength: 40 }), { maxItems: 10 }),
            ]),
          ),
          _csrf: formText(200),
        }),
      },
    },
    async (request, reply) => {
      try {
        await provider.save(forceOf(request), request.body, acting(request))
        return reply.redirect(`${page}?saved=1`, 303)
      } catch (error) {
        const { apiKey: _, ...values } = request.body
        return refusedForm(reply, error, (errors) => render(request, reply, { errors, values }))
      }
    },
  )
  http.post(
    `${page}/test`,
    { config: { access }, schema: { body: Type.Object({ _csrf: formText(200) }) } },
    async (request, reply) => {
      const tested = await provider.testConnection(forceOf(request), acting(request))
      if (!tested)
        return refusedForm(
          reply,
          new ValidationError([
            { field: 'name', message: 'Save the provider’s settings before testing the connection' },
          ]),
          (errors) => render(request, reply, { errors }),
        )
      return render(request, reply, { tested })
    },
  )
}
