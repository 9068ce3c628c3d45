// Where each force's CAD and RMS take write-back entries, and with which credentials. Force
// administrators edit these; a stored secret is never shown back, only a hint that it is set.
// The target must be a writable CAD or RMS interface, not a force's read-only data warehouse
// (facts §7), which is why it is a separate setting from any inbound warehouse connection.
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Database } from '../platform/db/database.ts'
import { type FieldError, ValidationError } from '../platform/errors.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import { secretHint } from './credentials.ts'
import type { WritebackRepository } from './repository.ts'
import type { EndpointAuthKind, WritebackTarget } from './schema.ts'
import { type Acting, staffIdOf } from './service.ts'

export const targetNames: Record<WritebackTarget, string> = {
  cad: 'Command and Control (CAD)',
  rms: 'Records management system (RMS)',
}

export interface EndpointView {
  target: WritebackTarget
  targetName: string
  configured: boolean
  url: string
  authKind: EndpointAuthKind
  username: string
  /** "ending abcd" or "set"; empty when no secret is stored. */
  secretHint: string
  timeoutSeconds: number
  enabled: boolean
  updatedAt: Date | null
}

export interface EndpointSettingsInput {
  url?: string
  authKind?: string
  username?: string
  /** Blank keeps the stored secret. */
  secret?: string
  timeoutSeconds?: string
  enabled?: boolean
}

export class WritebackEndpointSettings {
  readonly #repo: WritebackRepository
  readonly #deps: {
    db: Database
    audit: AuditService
    clock: Clock
    cipher: CredentialKeys
    allowHttp: boolean
    outbound: OutboundPolicy
  }

  constructor(
    repo: WritebackRepository,
    deps: {
      db: Database
      audit: AuditService
      clock: Clock
      cipher: CredentialKeys
      allowHttp: boolean
      /** Which hosts an endpoint may name: set at deployment (decision 0016). */
      outbound: OutboundPolicy
    },
  ) {
    this.#repo = repo
    this.#deps = deps
  }

  async list(forceId: string): Promise<EndpointView[]> {
    return this.#deps.db.withForce(forceId, async (tx) => {
      const rows = await this.#repo.endpoints(tx, forceId)
      return (['cad', 'rms'] as const).map((target) =>
        toView(
          target,
          rows.find((r) => r.target === target),
        ),
      )
    })
  }

  async get(forceId: string, target: WritebackTarget): Promise<EndpointView> {
    return toView(target, await this.#repo.endpoint(forceId, target))
  }

  async save(
    forceId: string,
    target: WritebackTarget,
    input: EndpointSettingsInput,
    acting: Acting,
  ): Promise<void> {
    await this.#deps.db.withForce(forceId, async (tx) => {
      const current = await this.#repo.endpointIn(tx, forceId, target)
      const errors: FieldError[] = []
      const url = (input.url ?? '').trim()
      if (!this.#isAcceptableUrl(url)) {
        errors.push({
          field: 'url',
          message: this.#deps.allowHttp
            ? 'Enter the full address of the endpoint, starting with https:// or http://'
            : 'Enter the full address of the endpoint, starting with https://',
        })
      } else if (!this.#isAllowedHost(url)) {
        // This depends only on the deployment's settings, never on the network.
        errors.push({
          field: 'url',
          message:
            'Waypoint may not connect to this host. The hosts write-back may reach are set when Waypoint is deployed: ask the team that runs Waypoint to allow it',
        })
      }
      const authKind = input.authKind as EndpointAuthKind
      if (!['none', 'bearer', 'basic'].includes(authKind)) {
        errors.push({ field: 'authKind', message: 'Select how Waypoint signs in to the endpoint' })
      }
      const username = (input.username ?? '').trim()
      if (authKind === 'basic' && !username)
        errors.push({ field: 'username', message: 'Enter the user name' })
      const secret = input.secret ?? ''
      const keepSecret = secret === '' && current?.authKind === authKind && !!current.authSecretEncrypted
      if ((authKind === 'bearer' || authKind === 'basic') && !secret && !keepSecret) {
        errors.push({
          field: 'secret',
          message: authKind === 'bearer' ? 'Enter the access token' : 'Enter the password',
        })
      }
      const timeoutSeconds = input.timeoutSeconds?.trim() ? Number(input.timeoutSeconds) : 10
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 60) {
        errors.push({ field: 'timeoutSeconds', message: 'Enter a whole number of seconds from 1 to 60' })
      }
      if (errors.length > 0) throw new ValidationError(errors)

      const signsIn = authKind !== 'none'
      await this.#repo.saveEndpoint(
        tx,
        {
          forceId,
          target,
          url,
          authKind,
          authUsername: authKind === 'basic' ? username : null,
          authSecretEncrypted: !signsIn
            ? null
            : keepSecret
              ? current!.authSecretEncrypted
              : this.#deps.cipher.encrypt(secret),
          authSecretHint: !signsIn ? null : keepSecret ? current!.authSecretHint : secretHint(secret),
          timeoutMs: timeoutSeconds * 1000,
          enabled: input.enabled ?? false,
        },
        staffIdOf(acting),
        this.#deps.clock.now(),
      )
      await this.#deps.audit.record(
        {
          action: 'writeback.endpoint.changed',
          forceId,
          ...acting,
          recordType: 'writeback_endpoint',
          recordId: target,
          detail: {
            url,
            authKind,
            secretChanged: signsIn && !keepSecret,
            timeoutSeconds,
            enabled: input.enabled ?? false,
          },
        },
        tx,
      )
    })
  }

  #isAllowedHost(url: string): boolean {
    const parsed = new URL(url.replace('{reference}', 'reference'))
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80))
    return this.#deps.outbound.listed('writeback', parsed.hostname, port)
  }

  #isAcceptableUrl(url: string): boolean {
    if (!url || url.length > 500) return false
    try {
      const parsed = new URL(url.replace('{reference}', 'reference'))
      return parsed.protocol === 'https:' || (this.#deps.allowHttp && parsed.protocol === 'http:')
    } catch {
      // Expected: text that is not a URL is not an allowed endpoint.
      return false
    }
  }
}

function toView(
  target: WritebackTarget,
  row: Awaited<ReturnType<WritebackRepository['endpoint']>> | undefined,
): EndpointView {
  return {
    target,
    targetName: targetNames[target],
    configured: !!row,
    url: row?.url ?? '',
    authKind: row?.authKind ?? 'none',
    username: row?.authUsername ?? '',
    secretHint: row?.authSecretEncrypted ? (row.authSecretHint ?? 'set') : '',
    timeoutSeconds: row ? Math.round(row.timeoutMs / 1000) : 10,
    enabled: row?.enabled ?? false,
    updatedAt: row?.updatedAt ?? null,
  }
}
