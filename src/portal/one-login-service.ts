// GOV.UK One Login for the Portal (decision 0027), as One Login's technical documentation sets
// it out: the authorisation code flow with the authorize request sent as a signed request object
// (JAR), private_key_jwt client authentication, state and nonce, `vtr` for the level of
// authentication (checked again in the ID token's `vot`), `sub` as the account key and userinfo
// for the email address and phone number. Each force has its own client (issuer, client id and
// private key, the key sealed with the credential cipher). The discovery document is cached; the
// provider's signing keys (JWKS) are cached too and fetched again when an ID token names a key
// the cache does not hold, so One Login can rotate its keys at any time. Every connection goes
// only where the outbound policy allows identity providers.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from 'jose'
import * as oidc from 'openid-client'
import type { AuditService } from '../platform/audit/audit-service.ts'
import type { Clock } from '../platform/clock.ts'
import type { CredentialKeys } from '../platform/credential-keys.ts'
import type { Database } from '../platform/db/database.ts'
import { DomainError, type FieldError, ValidationError } from '../platform/errors.ts'
import type { OutboundPolicy } from '../platform/outbound.ts'
import { type FetchInit, policyFetch } from '../platform/outbound-fetch.ts'
import type { OneLoginRepository } from './one-login-repository.ts'
import type { OneLoginLevel, OneLoginSettingsRow } from './schema.ts'

/** One Login asks services to cache the discovery document; a day, or until settings change. */
const DISCOVERY_TTL_MS = 24 * 3_600_000
const SCOPE = 'openid email phone'

/** What the browser's challenge keeps between leaving for One Login and coming back. */
export interface OneLoginPending {
  state: string
  nonce: string
  forceId: string
  vtr: OneLoginLevel
}

/** Who One Login says signed in, from the ID token (`sub`, `vot`) and userinfo. */
export interface OneLoginIdentity {
  sub: string
  level: OneLoginLevel
  email: string
  emailVerified: boolean
  phone: string | undefined
  phoneVerified: boolean
}

export interface OneLoginSettingsView {
  issuer: string
  clientId: string
  keyId: string
  vtr: OneLoginLevel
  updatedAt: Date
}

interface Client {
  settings: OneLoginSettingsRow
  key: { key: CryptoKey; kid: string }
  metadata: oidc.ServerMetadata
}

export class OneLoginService {
  readonly #db: Database
  readonly #repo: OneLoginRepository
  readonly #cipher: CredentialKeys
  readonly #outbound: OutboundPolicy
  readonly #clock: Clock
  readonly #audit: AuditService
  readonly #redirectUri: string
  readonly #allowHttp: boolean
  /** Discovery documents by issuer, client and key, so a change of settings misses the cache. */
  readonly #discovered = new Map<string, { metadata: Promise<oidc.ServerMetadata>; at: number }>()
  /** Each issuer's signing keys as last fetched. */
  readonly #jwks = new Map<string, oidc.ExportedJWKSCache>()

  constructor(deps: {
    db: Database
    repo: OneLoginRepository
    cipher: CredentialKeys
    outbound: OutboundPolicy
    clock: Clock
    audit: AuditService
    publicUrl: string
    /** Development and tests run a local provider over http. */
    allowHttp: boolean
  }) {
    this.#db = deps.db
    this.#repo = deps.repo
    this.#cipher = deps.cipher
    this.#outbound = deps.outbound
    this.#clock = deps.clock
    this.#audit = deps.audit
    this.#redirectUri = new URL('/portal/one-login/callback', deps.publicUrl).toString()
    this.#allowHttp = deps.allowHttp
  }

  /** Whether the force's citizens sign in with One Login. */
  async enabled(forceId: string): Promise<boolean> {
    return !!(await this.#settings(forceId))
  }

  /** The forces whose citizens may sign in with One Login. */
  forces(): Promise<{ id: string; name: string }[]> {
    return this.#db.asSystem((tx) => this.#repo.forcesWithOneLogin(tx))
  }

  /** The force's settings as a force administrator sees them (never the key). */
  async settingsView(forceId: string): Promise<OneLoginSettingsView | undefined> {
    const s = await this.#settings(forceId)
    return s && { issuer: s.issuer, clientId: s.clientId, keyId: s.keyId, vtr: s.vtr, updatedAt: s.updatedAt }
  }

  /**
   * Sets the force's One Login client. The issuer must be an https address the outbound policy
   * lists for identity providers; the private key (PKCS#8 PEM, EC P-256 or RSA) is kept sealed,
   * and may be left out to keep the one already held.
   */
  async saveSettings(
    forceId: string,
    input: { issuer: string; clientId: string; privateKey: string; vtr: string },
    actor: { staffId: string; ip?: string; correlationId?: string },
  ): Promise<OneLoginSettingsView> {
    const errors: FieldError[] = []
    const issuer = input.issuer.trim()
    let url: URL | undefined
    try {
      url = new URL(issuer)
    } catch {
      errors.push({
        field: 'issuer',
        message: 'Enter the issuer as a web address, like https://oidc.account.gov.uk/',
      })
    }
    if (url && url.protocol !== 'https:' && !(this.#allowHttp && url.protocol === 'http:'))
      errors.push({ field: 'issuer', message: 'The issuer’s address must start with https://' })
    else if (
      url &&
      !this.#outbound.listed(
        'identity',
        url.hostname,
        Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      )
    )
      errors.push({
        field: 'issuer',
        message: `Waypoint may not connect to ${url.host}: the identity providers it may reach are set when it is deployed (OUTBOUND_IDENTITY_HOSTS)`,
      })
    const clientId = input.clientId.trim()
    if (!clientId || clientId.length > 200)
      errors.push({ field: 'clientId', message: 'Enter the client ID One Login gave your service' })
    if (input.vtr !== 'Cl' && input.vtr !== 'Cl.Cm')
      errors.push({ field: 'vtr', message: 'Select the level of authentication' })
    const existing = await this.#settings(forceId)
    let key: { pem: string; kid: string } | undefined
    if (input.privateKey.trim()) {
      key = await readPrivateKey(input.privateKey.trim()).catch(() => undefined)
      if (!key)
        errors.push({
          field: 'privateKey',
          message: 'Enter the private key as a PEM block (BEGIN PRIVATE KEY), an EC P-256 or RSA key',
        })
    } else if (!existing)
      errors.push({
        field: 'privateKey',
        message: 'Enter the private key whose public key you gave One Login',
      })
    if (errors.length) throw new ValidationError(errors)
    const row: OneLoginSettingsRow = {
      forceId,
      issuer,
      clientId,
      privateKeySealed: key
        ? this.#cipher.encrypt(key.pem, sealContext(forceId))
        : existing!.privateKeySealed,
      keyId: key ? key.kid : existing!.keyId,
      vtr: input.vtr as OneLoginLevel,
      updatedAt: this.#clock.now(),
      updatedBy: actor.staffId,
    }
    await this.#db.withForce(forceId, async (tx) => {
      await this.#repo.save(tx, row)
      await this.#audit.record(
        {
          action: 'portal.one-login-settings-changed',
          forceId,
          actor: { kind: 'staff', id: actor.staffId },
          recordType: 'portal-settings',
          recordId: forceId,
          detail: { issuer, clientId, keyId: row.keyId, vtr: row.vtr, keyReplaced: !!key },
          ip: actor.ip,
          correlationId: actor.correlationId,
        },
        tx,
      )
    })
    return { issuer, clientId, keyId: row.keyId, vtr: row.vtr, updatedAt: row.updatedAt }
  }

  /**
   * The address to send the person to: One Login's authorize endpoint with the request as a
   * signed request object, and what to keep until they return.
   */
  async begin(forceId: string): Promise<{ url: URL; pending: OneLoginPending }> {
    const client = await this.#client(forceId)
    const config = this.#configuration(client)
    const pending: OneLoginPending = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      forceId,
      vtr: client.settings.vtr,
    }
    const url = await oidc.buildAuthorizationUrlWithJAR(
      config,
      {
        redirect_uri: this.#redirectUri,
        scope: SCOPE,
        response_type: 'code',
        state: pending.state,
        nonce: pending.nonce,
        vtr: JSON.stringify([pending.vtr]),
        ui_locales: 'en',
      },
      client.key,
    )
    // OpenID Connect asks for these beside the request object too, with the same values.
    url.searchParams.set('response_type', 'code')
    url.searchParams.set('scope', SCOPE)
    return { url, pending }
  }

  /**
   * Checks One Login's answer (state, then the code exchanged with a signed client assertion;
   * the ID token's signature, issuer, audience, nonce and `vot`) and reads userinfo.
   */
  async complete(pending: OneLoginPending, callbackUrl: URL): Promise<OneLoginIdentity> {
    const client = await this.#client(pending.forceId)
    const config = this.#configuration(client, true)
    const tokens = await oidc
      .authorizationCodeGrant(config, callbackUrl, {
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      })
      .catch(refused)
    const claims = tokens.claims()!
    // The level reached must be the level asked for (One Login's `vot`).
    if (claims.vot !== pending.vtr)
      throw new DomainError(
        'one-login-level',
        'GOV.UK One Login did not confirm the level of sign-in needed',
        {
          status: 401,
        },
      )
    this.#jwks.set(client.settings.issuer, oidc.getJwksCache(config) ?? { jwks: { keys: [] }, uat: 0 })
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub).catch(refused)
    if (typeof info.email !== 'string' || !info.email)
      throw new DomainError('one-login-email', 'GOV.UK One Login did not share your email address', {
        status: 401,
      })
    return {
      sub: claims.sub,
      level: pending.vtr,
      email: info.email,
      emailVerified: info.email_verified === true,
      phone: typeof info.phone_number === 'string' ? info.phone_number : undefined,
      phoneVerified: info.phone_number_verified === true,
    }
  }

  async #settings(forceId: string): Promise<OneLoginSettingsRow | undefined> {
    return this.#db.withForce(forceId, (tx) => this.#repo.settings(tx, forceId))
  }

  async #client(forceId: string): Promise<Client> {
    const settings = await this.#settings(forceId)
    if (!settings)
      throw new DomainError(
        'one-login-off',
        'This police force does not offer sign-in with GOV.UK One Login',
        {
          status: 404,
        },
      )
    const pem = this.#cipher.decrypt(settings.privateKeySealed, sealContext(forceId))
    const key = { key: await toCryptoKey(createPrivateKey(pem)), kid: settings.keyId }
    const cacheKey = `${settings.issuer} ${settings.clientId} ${settings.keyId}`
    let cached = this.#discovered.get(cacheKey)
    if (!cached || this.#clock.now().getTime() - cached.at > DISCOVERY_TTL_MS) {
      const metadata = oidc
        .discovery(new URL(settings.issuer), settings.clientId, undefined, oidc.None(), {
          [oidc.customFetch]: (url, init) => policyFetch(this.#outbound, 'identity')(url, init as FetchInit),
          execute: this.#allowHttp && settings.issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
        })
        .then((c) => c.serverMetadata())
      cached = { metadata, at: this.#clock.now().getTime() }
      this.#discovered.set(cacheKey, cached)
      metadata.catch(() => this.#discovered.delete(cacheKey))
    }
    const metadata = await cached.metadata.catch((error: unknown) => {
      throw new OneLoginRefused(
        'one-login-unavailable',
        'GOV.UK One Login cannot be reached at the moment. Try again later.',
        503,
        error,
      )
    })
    return { settings, key, metadata }
  }

  /**
   * A configuration for one exchange, from the cached discovery document. With `verifyIdToken`
   * the ID token's signature is checked against the cached JWKS, fetched again first when the
   * token names a key the cache does not hold (a rotated key).
   */
  #configuration(client: Client, verifyIdToken = false): oidc.Configuration {
    const { settings, key, metadata } = client
    const algs = metadata.id_token_signing_alg_values_supported ?? []
    const config = new oidc.Configuration(
      metadata,
      settings.clientId,
      { id_token_signed_response_alg: algs.includes('ES256') ? 'ES256' : (algs[0] ?? 'RS256') },
      oidc.PrivateKeyJwt(key),
    )
    if (this.#allowHttp && settings.issuer.startsWith('http:')) oidc.allowInsecureRequests(config)
    const fetch = policyFetch(this.#outbound, 'identity')
    const cached = this.#jwks.get(settings.issuer)
    if (cached) oidc.setJwksCache(config, cached)
    config[oidc.customFetch] = async (url, init) => {
      const response = await fetch(url, init as FetchInit)
      if (verifyIdToken && url === metadata.token_endpoint && response.ok) {
        const kid = await idTokenKid(response.clone())
        const known = cached?.jwks.keys.some((k) => k.kid === kid)
        // A key the cache does not hold: fetch the JWKS again rather than refuse the token.
        if (!known) oidc.setJwksCache(config, { jwks: { keys: [] }, uat: 0 })
      }
      return response
    }
    if (verifyIdToken) oidc.enableNonRepudiationChecks(config)
    return config
  }
}

/** What a force's sealed private key is bound to: it opens for that force only. */
export function sealContext(forceId: string): string {
  return `portal-one-login:${forceId}`
}

async function idTokenKid(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { id_token?: string }
    return body.id_token ? decodeProtectedHeader(body.id_token).kid : undefined
  } catch {
    return undefined
  }
}

/** A PKCS#8 PEM private key (EC P-256 or RSA) and its `kid`: the RFC 7638 thumbprint of its public key. */
async function readPrivateKey(pem: string): Promise<{ pem: string; kid: string }> {
  const key = createPrivateKey(pem)
  await toCryptoKey(key)
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as JWK
  return {
    pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    kid: await calculateJwkThumbprint(jwk),
  }
}

async function toCryptoKey(key: KeyObject): Promise<CryptoKey> {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return key.toCryptoKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']) as CryptoKey
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048)
    return key.toCryptoKey({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']) as CryptoKey
  throw new Error('unsupported key')
}

/** A One Login sign-in that did not hold, with the reason for the log (never shown to the person). */
export class OneLoginRefused extends DomainError {
  readonly reason: string
  constructor(code: string, message: string, status: number, cause: unknown) {
    super(code, message, { status })
    const c = cause as { code?: string; message?: string } | undefined
    this.reason = `${c?.code ?? 'error'}: ${String(c?.message ?? cause).slice(0, 200)}`
  }
}

/** One Login refused, or its answer did not hold: the person may try again. */
function refused(error: unknown): never {
  throw new OneLoginRefused(
    'one-login-refused',
    'We could not sign you in with GOV.UK One Login. Try again.',
    401,
    error,
  )
}
