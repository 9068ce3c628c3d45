// Machine clients of the integration API: OAuth2 client credentials (RFC 6749 §4.4) issuing
// short-lived opaque bearer tokens (CP-172; docs/decisions/0003-api-authentication.md).
import { createHash, randomBytes } from 'node:crypto'
import { hashPassword, verifyPassword } from '../auth/passwords.ts'
import type { Clock } from '../clock.ts'
import { DomainError, NotFoundError, ValidationError } from '../errors.ts'
import type { ClientPrincipal } from '../http/server.ts'
import type { ApiClient, ApiClientRepository } from './client-repository.ts'
import { isApiScope } from './scopes.ts'
import { isReleasedApiVersion, releasedApiVersions } from './version.ts'

export interface NewApiClient {
  forceId: string
  name: string
  scopes: string[]
}

export interface IssuedToken {
  accessToken: string
  expiresIn: number
  scopes: string[]
}

/** Why a client could not have a token, in RFC 6749 §5.2 terms. */
export class OAuthError extends Error {
  readonly error: 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type'
  constructor(error: OAuthError['error'], description: string) {
    super(description)
    this.error = error
  }
}

export class ApiClientService {
  readonly #repo: ApiClientRepository
  readonly #clock: Clock
  readonly #tokenTtlSeconds: number
  #unknownClientHash: Promise<string> | undefined

  constructor(repo: ApiClientRepository, clock: Clock, tokenTtlSeconds: number) {
    this.#repo = repo
    this.#clock = clock
    this.#tokenTtlSeconds = tokenTtlSeconds
  }

  /** Creates a client; the secret is returned once and only its argon2id hash is kept. */
  async create(
    input: NewApiClient,
    createdBy: string | null,
  ): Promise<{ client: ApiClient; clientSecret: string }> {
    const name = input.name.trim()
    const errors = []
    if (!name) errors.push({ field: 'name', message: 'Enter a name for the client' })
    else if (name.length > 100)
      errors.push({ field: 'name', message: 'Name must be 100 characters or fewer' })
    if (input.scopes.length === 0) errors.push({ field: 'scopes', message: 'Select at least one scope' })
    const unknown = input.scopes.filter((s) => !isApiScope(s))
    if (unknown.length) errors.push({ field: 'scopes', message: `Unknown scope: ${unknown.join(', ')}` })
    if (errors.length) throw new ValidationError(errors)
    const clientSecret = randomBytes(32).toString('base64url')
    const client = await this.#repo.insert({
      forceId: input.forceId,
      name,
      clientId: `wp_${input.forceId}_${randomBytes(9).toString('base64url')}`,
      secretHash: await hashPassword(clientSecret),
      scopes: [...new Set(input.scopes)],
      createdBy,
      createdAt: this.#clock.now(),
    })
    return { client, clientSecret }
  }

  list(forceId: string | null): Promise<ApiClient[]> {
    return forceId ? this.#repo.listForForce(forceId) : this.#repo.listAll()
  }

  /** A client by id: within one force, or any force when `forceId` is null (system administrators). */
  async get(forceId: string | null, id: string): Promise<ApiClient> {
    const client = forceId ? await this.#repo.findById(forceId, id) : await this.#repo.findAnyById(id)
    if (!client) throw new NotFoundError('API client')
    return client
  }

  async disable(forceId: string, id: string, by: string | null): Promise<void> {
    if (!(await this.#repo.disable(forceId, id, by, this.#clock.now()))) throw new NotFoundError('API client')
  }

  /** RFC 6749 §4.4: exchanges client credentials for a bearer token, optionally narrowing scopes. */
  async issueToken(clientId: string, clientSecret: string, requestedScope?: string): Promise<IssuedToken> {
    const client = clientId.length <= 100 ? await this.#repo.findByClientId(clientId) : undefined
    // Verify even for an unknown client so timing does not reveal which client ids exist.
    this.#unknownClientHash ??= hashPassword(randomBytes(16).toString('hex'))
    const secretOk = await verifyPassword(client?.secretHash ?? (await this.#unknownClientHash), clientSecret)
    if (!client || !secretOk || client.disabledAt) {
      throw new OAuthError('invalid_client', 'Client authentication failed')
    }
    let scopes = client.scopes
    if (requestedScope?.trim()) {
      const requested = [...new Set(requestedScope.trim().split(/\s+/))]
      const notAllowed = requested.filter((s) => !client.scopes.includes(s))
      if (notAllowed.length) {
        throw new OAuthError('invalid_scope', `The client may not have: ${notAllowed.join(' ')}`)
      }
      scopes = requested
    }
    const accessToken = `wpt_${randomBytes(32).toString('base64url')}`
    const now = this.#clock.now()
    await this.#repo.insertToken(
      {
        tokenHash: hashBearerToken(accessToken),
        forceId: client.forceId,
        clientId: client.id,
        scopes,
        issuedAt: now,
        expiresAt: new Date(now.getTime() + this.#tokenTtlSeconds * 1000),
      },
      now,
    )
    return { accessToken, expiresIn: this.#tokenTtlSeconds, scopes }
  }

  /** The client behind a bearer token; refuses unknown, expired and disabled ones. */
  async authenticate(bearerToken: string): Promise<ClientPrincipal> {
    const found =
      bearerToken.length <= 200 ? await this.#repo.findToken(hashBearerToken(bearerToken)) : undefined
    if (!found) throw invalidToken('The access token is not recognised')
    if (found.token.expiresAt <= this.#clock.now()) throw invalidToken('The access token has expired')
    if (found.client.disabledAt) throw invalidToken('The client has been disabled')
    return {
      clientId: found.client.clientId,
      forceId: found.token.forceId,
      scopes: new Set(found.token.scopes),
      pinnedVersion: found.client.pinnedVersion,
    }
  }

  /**
   * CP-179: answers the client in an earlier released version (or, with null, the current one)
   * from its next request, without a redeploy. The caller audits the change.
   */
  async pinVersion(
    forceId: string | null,
    id: string,
    version: string | null,
    by: string,
  ): Promise<ApiClient> {
    if (version !== null && !isReleasedApiVersion(version))
      throw new ValidationError([
        { field: 'version', message: `Choose a released version: ${releasedApiVersions.join(', ')}` },
      ])
    const client = await this.get(forceId, id)
    await this.#repo.pin(client.forceId, client.id, version, by, this.#clock.now())
    return { ...client, pinnedVersion: version }
  }
}

export function hashBearerToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function invalidToken(message: string): DomainError {
  return new DomainError('invalid-token', message, { status: 401 })
}
