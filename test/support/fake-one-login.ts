// A real OpenID Connect provider set up to behave as GOV.UK One Login does, for tests of the
// Portal's One Login sign-in: oidc-provider on 127.0.0.1 (port 0) that accepts an authorisation
// request only as a signed request object (JAR), authenticates the client only by
// private_key_jwt, takes the `vtr` parameter and answers the level in the ID token's `vot` claim
// (with `vtm`), and gives email and phone (with their `_verified` flags) from userinfo only. Its
// signing keys can be rotated while it runs (a new key under a new `kid`), as One Login rotates
// its keys; its login page is a plain form a test fills in with the person's `sub`.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { type OidcContext, grantingScopes } from './oidc-grants.ts'

export interface OneLoginUser {
  sub: string
  email: string
  phone?: string
}

export interface FakeOneLogin {
  issuer: string
  clientId: string
  /** The client's private key (PKCS#8 PEM), as the force keeps it; its public half is registered. */
  clientPrivateKeyPem: string
  users: Map<string, OneLoginUser>
  /** Requests the provider received, for tests to check what was sent (path and query/body). */
  requests: { method: string; path: string; query: URLSearchParams; body: string }[]
  /** Signs from now on with a new key under a new `kid`; the old key leaves the JWKS. */
  rotateSigningKey(): Promise<string>
  /** The `kid` the provider signs ID tokens with now. */
  signingKid: string
  close(): Promise<void>
}

interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ uid: string; params: Record<string, unknown> }>
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>
}

/** One Login's levels of authentication: `Cl` (low) and `Cl.Cm` (medium, two factors). */
const LEVELS = ['Cl', 'Cl.Cm']

export async function startFakeOneLogin(options: {
  redirectUris: string[]
  users: OneLoginUser[]
}): Promise<FakeOneLogin> {
  const moduleName = 'oidc-provider'
  const { default: Provider } = (await import(moduleName)) as {
    default: new (issuer: string, config: Record<string, unknown>) => OidcProvider
  }
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end()
  const server: Server = createServer((req, res) => handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const users = new Map(options.users.map((u) => [u.sub, u]))
  const clientId = `waypoint-${randomBytes(4).toString('hex')}`
  const client = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const clientPrivateKeyPem = client.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const publicJwk = client.publicKey.export({ format: 'jwk' })
  // Registered under its RFC 7638 thumbprint, the `kid` Waypoint signs with.
  const clientJwk = {
    ...publicJwk,
    kid: await calculateJwkThumbprint(publicJwk as JWK),
    use: 'sig',
    alg: 'ES256',
  }
  const cookieKeys = [randomBytes(32).toString('hex')]
  const requests: FakeOneLogin['requests'] = []

  let keyNumber = 0
  const newSigningKey = () => {
    keyNumber += 1
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    return {
      ...pair.privateKey.export({ format: 'jwk' }),
      kid: `one-login-${keyNumber}`,
      use: 'sig',
      alg: 'ES256',
    }
  }

  const build = (signingKey: Record<string, unknown>) => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          redirect_uris: options.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          request_object_signing_alg: 'ES256',
          require_signed_request_object: true,
          id_token_signed_response_alg: 'ES256',
          jwks: { keys: [clientJwk] },
        },
      ],
      jwks: { keys: [signingKey] },
      cookies: { keys: cookieKeys },
      enabledJWA: {
        idTokenSigningAlgValues: ['ES256'],
        requestObjectSigningAlgValues: ['ES256'],
        clientAuthSigningAlgValues: ['ES256'],
      },
      features: {
        devInteractions: { enabled: false },
        requestObjects: { enabled: true, requireSignedRequestObject: true },
        userinfo: { enabled: true },
      },
      // One Login: email and phone come from userinfo only; the ID token carries the level.
      claims: {
        openid: ['sub', 'vot', 'vtm'],
        email: ['email', 'email_verified'],
        phone: ['phone_number', 'phone_number_verified'],
      },
      scopes: ['openid', 'email', 'phone'],
      extraParams: ['vtr', 'ui_locales'],
      acrValues: LEVELS,
      pkce: { required: () => false },
      ttl: {
        Interaction: 600,
        Grant: 3600,
        Session: 3600,
        AccessToken: 600,
        IdToken: 600,
        AuthorizationCode: 60,
      },
      interactions: {
        url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
      },
      extraTokenClaims: async () => ({}),
      findAccount: async (ctx: OidcContext, sub: string) => {
        const user = users.get(sub)
        if (!user) return undefined
        return {
          accountId: sub,
          claims: async () => ({
            sub,
            // The level reached, as One Login names it in `vot`, and its trust mark.
            vot: ctx.oidc.entities?.AuthorizationCode?.acr,
            vtm: `${issuer}/trustmark`,
            email: user.email,
            email_verified: true,
            ...(user.phone ? { phone_number: user.phone, phone_number_verified: true } : {}),
          }),
        }
      },
      loadExistingGrant: grantingScopes('openid email phone'),
    })
    return provider
  }

  let signingKey = newSigningKey()
  let provider = build(signingKey)
  let providerCallback = provider.callback()

  handle = (req, res) => {
    const url = new URL(req.url ?? '/', issuer)
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(url.pathname)
    if (!match) {
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: '' })
      return providerCallback(req, res)
    }
    interaction(req, res, match[1]!, req.method === 'POST' && !!match[2]).catch((error: Error) => {
      res.statusCode = 400
      res.end(`Interaction failed: ${error.message}`)
    })
  }

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, submitted: boolean) {
    const details = await provider.interactionDetails(req, res)
    if (!submitted) return loginPage(res, uid)
    const form = new URLSearchParams(await readBody(req))
    const sub = form.get('login') ?? ''
    if (!users.has(sub)) return loginPage(res, uid, 'Unknown user')
    // The level asked for in `vtr` (a JSON array of levels), reached here by the login form.
    const vtr = parseVtr(details.params.vtr)
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: sub, acr: vtr, amr: vtr === 'Cl.Cm' ? ['pwd', 'otp'] : ['pwd'] } },
      { mergeWithLastSubmission: false },
    )
  }

  const fake: FakeOneLogin = {
    issuer,
    clientId,
    clientPrivateKeyPem,
    users,
    requests,
    signingKid: signingKey.kid,
    rotateSigningKey: async () => {
      signingKey = newSigningKey()
      provider = build(signingKey)
      providerCallback = provider.callback()
      fake.signingKid = signingKey.kid
      return signingKey.kid
    },
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
  return fake
}

function parseVtr(value: unknown): string {
  try {
    const levels = JSON.parse(String(value ?? '["Cl.Cm"]')) as unknown
    const first = Array.isArray(levels) ? String(levels[0]) : 'Cl.Cm'
    return LEVELS.includes(first) ? first : 'Cl.Cm'
  } catch {
    return 'Cl.Cm'
  }
}

function loginPage(res: ServerResponse, uid: string, error?: string): void {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.end(`<!doctype html><html lang="en"><title>GOV.UK One Login</title>
<h1>Sign in to your GOV.UK One Login</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Who</label> <input id="login" name="login"> <button type="submit">Continue</button>
</form></html>`)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
