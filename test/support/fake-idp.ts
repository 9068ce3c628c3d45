// A real OpenID Connect provider for tests of staff single sign-on (CRM-29): oidc-provider on
// 127.0.0.1 (port 0) with one confidential client, a few people and a `groups` claim, as a
// force's Entra ID or NIAM would send. Its login page is a plain HTML form that a test fills in;
// consent is pre-granted for the Waypoint client, as a force grants it for a first-party app.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { grantingScopes } from './oidc-grants.ts'

export interface IdpUser {
  sub: string
  email: string
  name: string
  groups: string[]
}

export interface FakeIdp {
  issuer: string
  clientId: string
  clientSecret: string
  /** People who can sign in; tests may change a person's groups between sign-ins. */
  users: Map<string, IdpUser>
  close(): Promise<void>
}

// oidc-provider ships no type declarations; this is the part the fake uses.
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ uid: string; prompt: { name: string } }>
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>
}

export async function startFakeIdp(options: { redirectUris: string[]; users: IdpUser[] }): Promise<FakeIdp> {
  const moduleName = 'oidc-provider'
  const { default: Provider } = (await import(moduleName)) as {
    default: new (issuer: string, config: Record<string, unknown>) => OidcProvider
  }
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end()
  const server: Server = createServer((req, res) => handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const users = new Map(options.users.map((u) => [u.sub, u]))
  const clientId = 'waypoint'
  const clientSecret = randomBytes(24).toString('hex')

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    cookies: { keys: [randomBytes(32).toString('hex')] },
    claims: { openid: ['sub'], email: ['email'], profile: ['name'], groups: ['groups'] },
    // Groups in the ID token, as Entra ID sends them, rather than only from userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: {
      Interaction: 600,
      Grant: 3600,
      Session: 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = users.get(sub)
      if (!user) return undefined
      return {
        accountId: sub,
        claims: async () => ({ sub, email: user.email, name: user.name, groups: user.groups }),
      }
    },
    loadExistingGrant: grantingScopes('openid email profile groups'),
  })
  const providerCallback = provider.callback()

  handle = (req, res) => {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(req.url ?? '')
    if (!match) return providerCallback(req, res)
    interaction(req, res, match[1], req.method === 'POST' && !!match[2]).catch((error: Error) => {
      res.statusCode = 400
      res.end(`Interaction failed: ${error.message}`)
    })
  }

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, submitted: boolean) {
    await provider.interactionDetails(req, res)
    if (!submitted) return loginPage(res, uid)
    const form = new URLSearchParams(await readBody(req))
    const sub = form.get('login') ?? ''
    if (!users.has(sub)) return loginPage(res, uid, 'Unknown user')
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: sub } },
      { mergeWithLastSubmission: false },
    )
  }

  return {
    issuer,
    clientId,
    clientSecret,
    users,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

function loginPage(res: ServerResponse, uid: string, error?: string): void {
  res.setHeader('content-type', 'text/html; charset=utf-8')
  res.end(`<!doctype html><html lang="en"><title>Force sign-in</title>
<h1>Force sign-in</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">User</label> <input id="login" name="login"> <button type="submit">Sign in</button>
</form></html>`)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
