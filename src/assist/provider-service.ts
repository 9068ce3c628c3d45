// A force's model provider for Assist (issue 16; decision 0048): the force administrator names an
// OpenAI-compatible server (its address on the deployment's allow-list, OUTBOUND_AI_HOSTS), its
// models, an API key (kept sealed, never shown again), a timeout, whether personal data is taken
// out before anything is sent, and which features ask it first. Every other feature, and every
// feature of a force without a provider, uses Waypoint's embedded engine. `ask` is the one way a
// feature calls the provider: it redacts when the force asks, puts the values back into the answer
// locally, and on any failure (timeout, refusal, error, an answer with no text) says so, so the
// feature falls back to its embedded answer; each fall-back is audited without the text sent.
import { sql } from 'drizzle-orm'
import type { AuditEvent, AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import { type Database, rows } from '../platform/db/database.ts'
import { type FieldError, ValidationError } from '../platform/errors.ts'
import type { Logger } from '../platform/logger.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import { policyFetch } from '../platform/outbound-fetch.ts'
import {
  type ChatMessage,
  OpenAiCompatibleClient,
  type ProviderEndpoint,
  type ProviderFailureKind,
} from './provider.ts'
import { type Redacted, redact, restore } from './redact.ts'

/** The features a force may send to its provider; each defaults to the embedded engine. */
export const providerFeatures = [
  {
    value: 'chatbot',
    text: 'Web chat chatbot: reading what the person wants',
    hint: 'The provider picks one of your knowledge base’s intents; the answer sent is still your knowledge base’s. Words of danger are always read by Waypoint first and always hand over.',
  },
  {
    value: 'officer-replies',
    text: 'Officer help: a drafted reply to the person’s latest portal message',
    hint: 'Shown first among the suggested replies, labelled as automated, for the officer to edit and send. Waypoint’s urgent actions for words of danger always stay.',
  },
  {
    value: 'transcription',
    text: 'Call transcription: the words of a call recording',
    hint: 'Needs a transcription model. The recording itself is sent, so personal data cannot be taken out of it: choose “No” to taking personal data out. Waypoint’s own rules still read the words for danger and decide the call’s place in the queue.',
  },
] as const

export type ProviderFeature = (typeof providerFeatures)[number]['value']

export const providerLimits = {
  name: 60,
  baseUrl: 300,
  model: 100,
  apiKey: 500,
  minTimeoutSeconds: 1,
  maxTimeoutSeconds: 60,
} as const

export interface ProviderSettings {
  name: string
  baseUrl: string
  chatModel: string
  transcriptionModel: string | null
  apiKeyLast4: string | null
  timeoutMs: number
  redact: boolean
  features: ProviderFeature[]
  updatedAt: Date
}

export interface ProviderSettingsInput {
  name?: string
  baseUrl?: string
  chatModel?: string
  transcriptionModel?: string
  apiKey?: string
  removeKey?: string
  timeoutSeconds?: string
  redact?: string
  features?: string | string[]
}

export type Acting = Pick<AuditEvent, 'actor' | 'ip' | 'correlationId'> & { staffId: string }

/** What a feature gets back from `ask`. */
export type ProviderAnswer =
  | { ok: true; text: string; provider: string; ms: number; redacted: Record<string, number> | null }
  | { ok: false; provider: string; failure: ProviderFailureKind; detail: string }

interface Row extends ProviderSettings {
  apiKeySealed: string | null
}

/** What a force's sealed API key is bound to: it opens for that force only. */
export const sealContext = (forceId: string) => `assist-provider:${forceId}`

export class ProviderService {
  readonly #db: Database
  readonly #audit: AuditService
  readonly #clock: Clock
  readonly #cipher: CredentialKeys
  readonly #outbound: OutboundPolicy
  readonly #allowHttp: boolean
  readonly #log: Logger | undefined
  readonly #client: OpenAiCompatibleClient

  constructor(deps: {
    db: Database
    audit: AuditService
    clock: Clock
    cipher: CredentialKeys
    outbound: OutboundPolicy
    /** Outside production a provider may be reached over http (a local test server). */
    allowHttp: boolean
    log?: Logger
  }) {
    this.#db = deps.db
    this.#audit = deps.audit
    this.#clock = deps.clock
    this.#cipher = deps.cipher
    this.#outbound = deps.outbound
    this.#allowHttp = deps.allowHttp
    this.#log = deps.log
    this.#client = new OpenAiCompatibleClient((timeoutMs) => policyFetch(deps.outbound, 'ai', timeoutMs))
  }

  async #row(forceId: string): Promise<Row | undefined> {
    const [row] = await this.#db.withForce(forceId, (tx) =>
      rows<Row>(
        tx,
        sql`select name, base_url as "baseUrl", chat_model as "chatModel",
              transcription_model as "transcriptionModel", api_key_sealed as "apiKeySealed",
              api_key_last4 as "apiKeyLast4", timeout_ms as "timeoutMs", redact, features,
              updated_at as "updatedAt"
            from assist_provider_settings where force_id = ${forceId}`,
      ),
    )
    return row && { ...row, timeoutMs: Number(row.timeoutMs) }
  }

  /** The force's provider as its administrator sees it (never the key); none until one is set. */
  async settings(forceId: string): Promise<ProviderSettings | undefined> {
    const row = await this.#row(forceId)
    if (!row) return undefined
    const { apiKeySealed: _, ...view } = row
    return view
  }

  /** Whether a feature asks the force's provider first. */
  async uses(forceId: string, feature: ProviderFeature): Promise<boolean> {
    return (await this.#row(forceId))?.features.includes(feature) ?? false
  }

  /** Sets the force's provider, refused with each field's error; audited without the key. */
  async save(forceId: string, input: ProviderSettingsInput, acting: Acting): Promise<ProviderSettings> {
    const errors: FieldError[] = []
    const text = (v: string | undefined) => (v ?? '').trim()
    const name = text(input.name)
    if (!name || name.length > providerLimits.name)
      errors.push({
        field: 'name',
        message: `Enter the provider’s name, as staff will see it beside its output (at most ${providerLimits.name} characters)`,
      })
    const baseUrl = text(input.baseUrl).replace(/\/+$/, '').replace(/\/v1$/, '')
    let url: URL | undefined
    try {
      url = new URL(baseUrl)
    } catch {
      errors.push({
        field: 'baseUrl',
        message: 'Enter the server’s address, like https://ai.example.police.uk',
      })
    }
    if (url) {
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
      if (baseUrl.length > providerLimits.baseUrl)
        errors.push({
          field: 'baseUrl',
          message: `The address must be ${providerLimits.baseUrl} characters or fewer`,
        })
      else if (url.protocol !== 'https:' && !(this.#allowHttp && url.protocol === 'http:'))
        errors.push({ field: 'baseUrl', message: 'The server’s address must start with https://' })
      else if (url.username || url.password || url.search || url.hash)
        errors.push({
          field: 'baseUrl',
          message:
            'Enter the address without a user name, password, query or fragment; put the key in API key',
        })
      else if (!this.#outbound.listed('ai', url.hostname, port))
        errors.push({
          field: 'baseUrl',
          message: `Waypoint may not connect to ${url.host}: the model servers it may reach are set when it is deployed (OUTBOUND_AI_HOSTS)`,
        })
    }
    const chatModel = text(input.chatModel)
    if (!chatModel || chatModel.length > providerLimits.model)
      errors.push({
        field: 'chatModel',
        message: `Enter the chat model’s name (at most ${providerLimits.model} characters)`,
      })
    const transcriptionModel = text(input.transcriptionModel) || null
    if (transcriptionModel && transcriptionModel.length > providerLimits.model)
      errors.push({
        field: 'transcriptionModel',
        message: `The transcription model’s name must be ${providerLimits.model} characters or fewer`,
      })
    const apiKey = text(input.apiKey)
    if (apiKey.length > providerLimits.apiKey || /\s/.test(apiKey))
      errors.push({
        field: 'apiKey',
        message: `Enter the API key without spaces (at most ${providerLimits.apiKey} characters)`,
      })
    const seconds = Number(text(input.timeoutSeconds))
    if (
      !/^\d+$/.test(text(input.timeoutSeconds)) ||
      seconds < providerLimits.minTimeoutSeconds ||
      seconds > providerLimits.maxTimeoutSeconds
    )
      errors.push({
        field: 'timeoutSeconds',
        message: `Enter the timeout as a whole number of seconds from ${providerLimits.minTimeoutSeconds} to ${providerLimits.maxTimeoutSeconds}`,
      })
    if (input.redact !== 'yes' && input.redact !== 'no')
      errors.push({ field: 'redact', message: 'Select whether to take personal data out before sending' })
    const chosen = [input.features ?? []].flat().filter((f) => f !== '')
    const known = providerFeatures.map((f) => f.value as string)
    if (chosen.some((f) => !known.includes(f)))
      errors.push({ field: 'features', message: 'Select features from the list' })
    if (chosen.includes('transcription')) {
      if (!transcriptionModel)
        errors.push({
          field: 'transcriptionModel',
          message: 'Enter the transcription model’s name, or do not select call transcription',
        })
      if (input.redact === 'yes')
        errors.push({
          field: 'features',
          message:
            'Personal data cannot be taken out of a recording: choose “No” to taking it out, or do not select call transcription',
        })
    }
    if (errors.length) throw new ValidationError(errors)
    const features = providerFeatures.map((f) => f.value).filter((f) => chosen.includes(f))
    const before = await this.#row(forceId)
    const removeKey = input.removeKey === 'yes' && !apiKey
    const sealed = apiKey
      ? this.#cipher.encrypt(apiKey, sealContext(forceId))
      : removeKey
        ? null
        : (before?.apiKeySealed ?? null)
    const last4 = apiKey ? apiKey.slice(-4) : removeKey ? null : (before?.apiKeyLast4 ?? null)
    const now = this.#clock.now()
    const row = {
      name,
      baseUrl,
      chatModel,
      transcriptionModel,
      apiKeyLast4: last4,
      timeoutMs: seconds * 1000,
      redact: input.redact === 'yes',
      features,
      updatedAt: now,
    }
    await this.#db.withForce(forceId, async (tx) => {
      const list = sql`array[${sql.join(
        features.map((f) => sql`${f}`),
        sql`, `,
      )}]::text[]`
      await tx.execute(
        sql`insert into assist_provider_settings (force_id, name, base_url, chat_model, transcription_model,
              api_key_sealed, api_key_last4, timeout_ms, redact, features, updated_by, updated_at)
            values (${forceId}, ${name}, ${baseUrl}, ${chatModel}, ${transcriptionModel}, ${sealed}, ${last4},
              ${row.timeoutMs}, ${row.redact}, ${list}, ${acting.staffId}, ${now})
            on conflict (force_id) do update set name = excluded.name, base_url = excluded.base_url,
              chat_model = excluded.chat_model, transcription_model = excluded.transcription_model,
              api_key_sealed = excluded.api_key_sealed, api_key_last4 = excluded.api_key_last4,
              timeout_ms = excluded.timeout_ms, redact = excluded.redact, features = excluded.features,
              updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      )
      await this.#audit.record(
        {
          action: 'assist.provider-changed',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'assist-provider-settings',
          recordId: forceId,
          detail: {
            name,
            baseUrl,
            chatModel,
            transcriptionModel,
            timeoutMs: row.timeoutMs,
            redact: row.redact,
            features,
            featuresBefore: before?.features ?? [],
            key: apiKey ? 'replaced' : removeKey ? 'removed' : 'kept',
          },
        },
        tx,
      )
    })
    return row
  }

  #endpoint(forceId: string, row: Row): ProviderEndpoint {
    return {
      baseUrl: row.baseUrl,
      apiKey: row.apiKeySealed ? this.#cipher.decrypt(row.apiKeySealed, sealContext(forceId)) : null,
      timeoutMs: row.timeoutMs,
    }
  }

  /** Sends one short fixed message (no personal data) and says what came back; audited. */
  async testConnection(
    forceId: string,
    acting: Acting,
  ): Promise<{ ok: boolean; ms: number; detail: string } | undefined> {
    const row = await this.#row(forceId)
    if (!row) return undefined
    const result = await this.#client.chat(this.#endpoint(forceId, row), {
      model: row.chatModel,
      messages: [{ role: 'user', content: 'Reply with the single word OK.' }],
      maxTokens: 5,
    })
    const outcome = result.ok
      ? { ok: true, ms: result.ms, detail: `${row.name} answered in ${result.ms} ms` }
      : { ok: false, ms: result.ms, detail: result.detail }
    await this.#db.withForce(forceId, (tx) =>
      this.#audit.record(
        {
          action: 'assist.provider-tested',
          forceId,
          actor: acting.actor,
          ip: acting.ip ?? null,
          correlationId: acting.correlationId ?? null,
          recordType: 'assist-provider-settings',
          recordId: forceId,
          detail: { ok: outcome.ok, ms: outcome.ms, ...(result.ok ? {} : { failure: result.kind }) },
        },
        tx,
      ),
    )
    return outcome
  }

  /**
   * Asks the force's provider, when `feature` uses it; undefined when it does not (the feature
   * uses its embedded engine). With redaction on, `known` names and every pattern in redact.ts are
   * replaced before sending and put back into the answer here. A failure is audited (feature,
   * provider, kind, time; never the text) and returned, for the feature to fall back.
   */
  async ask(
    forceId: string,
    feature: ProviderFeature,
    prompt: { system: string; user: string; known?: (string | null | undefined)[]; maxTokens?: number },
    recordId: string,
  ): Promise<ProviderAnswer | undefined> {
    const row = await this.#row(forceId)
    if (!row?.features.includes(feature)) return undefined
    let redacted: Redacted | undefined
    let user = prompt.user
    if (row.redact) {
      redacted = redact(prompt.user, prompt.known ?? [])
      user = redacted.text
    }
    const messages: ChatMessage[] = [
      {
        role: 'system',
        content: row.redact
          ? `${prompt.system}\nPersonal details have been replaced by placeholders such as [NAME 1]; write a placeholder as it is where you need the detail.`
          : prompt.system,
      },
      { role: 'user', content: user },
    ]
    const result = await this.#client.chat(this.#endpoint(forceId, row), {
      model: row.chatModel,
      messages,
      maxTokens: prompt.maxTokens,
    })
    if (result.ok)
      return {
        ok: true,
        text: redacted ? restore(result.text, redacted.values) : result.text,
        provider: row.name,
        ms: result.ms,
        redacted: redacted ? redacted.counts : null,
      }
    await this.fellBack(forceId, feature, row.name, result, recordId)
    return { ok: false, provider: row.name, failure: result.kind, detail: result.detail }
  }

  /**
   * The words of a call recording from the force's provider, when it uses one for transcription;
   * undefined when it does not (the embedded recogniser runs). Never with redaction on: a
   * recording cannot have personal data taken out. A failure is audited and returned.
   */
  async transcribe(forceId: string, wav: Uint8Array, recordId: string): Promise<ProviderAnswer | undefined> {
    const row = await this.#row(forceId)
    if (!row?.features.includes('transcription') || !row.transcriptionModel || row.redact) return undefined
    const result = await this.#client.transcribe(this.#endpoint(forceId, row), {
      model: row.transcriptionModel,
      audio: wav,
      fileName: 'recording.wav',
      mediaType: 'audio/wav',
      language: 'en',
    })
    if (result.ok) return { ok: true, text: result.text, provider: row.name, ms: result.ms, redacted: null }
    await this.fellBack(forceId, 'transcription', row.name, result, recordId)
    return { ok: false, provider: row.name, failure: result.kind, detail: result.detail }
  }

  /** Records that a feature used its embedded engine because the provider did not answer usefully. */
  async fellBack(
    forceId: string,
    feature: ProviderFeature,
    provider: string,
    why: { kind: string; detail: string; ms?: number; status?: number },
    recordId: string,
  ): Promise<void> {
    this.#log?.warn(
      { forceId, feature, failure: why.kind, ms: why.ms, status: why.status },
      'assist provider failed; the embedded engine answered',
    )
    await this.#db.withForce(forceId, (tx) =>
      this.#audit.record(
        {
          action: 'assist.provider-fell-back',
          forceId,
          actor: { kind: 'system', id: null, name: 'Assist' },
          recordType: 'assist-provider',
          recordId,
          detail: {
            feature,
            provider,
            failure: why.kind,
            reason: why.detail,
            ...(why.ms === undefined ? {} : { ms: why.ms }),
            ...(why.status === undefined ? {} : { status: why.status }),
          },
        },
        tx,
      ),
    )
  }

  /** The force's latest fall-backs, for its settings page: when, which feature, why. */
  async recentFallBacks(
    forceId: string,
    limit = 10,
  ): Promise<{ at: Date; feature: string; reason: string }[]> {
    return this.#db.withForce(forceId, (tx) =>
      rows<{ at: Date; feature: string; reason: string }>(
        tx,
        sql`select occurred_at as at, detail->>'feature' as feature, detail->>'reason' as reason
            from audit_events where force_id = ${forceId} and action = 'assist.provider-fell-back'
            order by id desc limit ${limit}`,
      ),
    )
  }
}
