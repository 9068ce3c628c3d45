// Machine access for tests: a real API client created through the service and a bearer token
// obtained through the real token endpoint (OAuth2 client credentials).
import type { TestApp } from './test-app.ts'

export interface ClientTokenOptions {
  forceId: string
  scopes: string[]
  name?: string
}

/** Creates an API client for a force with these scopes and returns a bearer token for it. */
export async function issueClientToken(
  t: TestApp,
  { forceId, scopes, name }: ClientTokenOptions,
): Promise<string> {
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId, name: name ?? `Test client for ${scopes.join(' ')}`, scopes },
    null,
  )
  const response = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/oauth/token',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  })
  if (response.statusCode !== 200) {
    throw new Error(`The token endpoint refused a test client: ${response.statusCode} ${response.body}`)
  }
  return (response.json() as { access_token: string }).access_token
}
