import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { issueClientToken } from '../../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t.close())

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

function requestToken(form: Record<string, string>, authorization?: string) {
  return t.app.http.inject({
    method: 'POST',
    url: '/api/v1/oauth/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    payload: new URLSearchParams(form).toString(),
  })
}

function whoAmI(token: string) {
  return t.app.http.inject({
    method: 'GET',
    url: '/api/v1/oauth/client',
    headers: { authorization: `Bearer ${token}` },
  })
}

test('CP-172: a client exchanges its credentials (HTTP Basic) for a bearer token that identifies it', async () => {
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId: 'kent', name: 'Kent STORM bridge', scopes: ['sources:write', 'reporting:read'] },
    null,
  )
  assert.ok(!client.secretHash.includes(clientSecret))
  assert.match(client.secretHash, /^\$argon2id\$/)
  const response = await requestToken(
    { grant_type: 'client_credentials' },
    basic(client.clientId, clientSecret),
  )
  assert.equal(response.statusCode, 200)
  assert.equal(response.headers['cache-control'], 'no-store')
  const body = response.json()
  assert.equal(body.token_type, 'Bearer')
  assert.equal(body.expires_in, 3600)
  assert.equal(body.scope, 'sources:write reporting:read')
  const me = await whoAmI(body.access_token)
  assert.equal(me.statusCode, 200)
  assert.deepEqual(me.json(), {
    clientId: client.clientId,
    forceId: 'kent',
    scopes: ['reporting:read', 'sources:write'],
  })
})

test('CP-172: credentials in the body work and a requested scope narrows the token', async () => {
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId: 'essex', name: 'Essex reporting', scopes: ['sources:write', 'reporting:read'] },
    null,
  )
  const response = await requestToken({
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: clientSecret,
    scope: 'reporting:read',
  })
  assert.equal(response.statusCode, 200)
  assert.equal(response.json().scope, 'reporting:read')
  assert.deepEqual((await whoAmI(response.json().access_token)).json().scopes, ['reporting:read'])
})

test('CP-172: token errors follow RFC 6749 §5.2', async () => {
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId: 'kent', name: 'Kent HR', scopes: ['provisioning:write'] },
    null,
  )
  const wrongSecret = await requestToken(
    { grant_type: 'client_credentials' },
    basic(client.clientId, 'not-it'),
  )
  assert.equal(wrongSecret.statusCode, 401)
  assert.equal(wrongSecret.json().error, 'invalid_client')
  assert.match(String(wrongSecret.headers['www-authenticate']), /^Basic/)

  const unknown = await requestToken({ grant_type: 'client_credentials' }, basic('wp_nobody', clientSecret))
  assert.equal(unknown.statusCode, 401)
  assert.equal(unknown.json().error, 'invalid_client')

  const grant = await requestToken({ grant_type: 'password' }, basic(client.clientId, clientSecret))
  assert.equal(grant.statusCode, 400)
  assert.equal(grant.json().error, 'unsupported_grant_type')

  const missing = await requestToken({}, basic(client.clientId, clientSecret))
  assert.deepEqual(missing.json(), { error: 'invalid_request', error_description: 'grant_type is required' })

  const scope = await requestToken(
    { grant_type: 'client_credentials', scope: 'reporting:read' },
    basic(client.clientId, clientSecret),
  )
  assert.equal(scope.statusCode, 400)
  assert.equal(scope.json().error, 'invalid_scope')
})

test('CP-172: unknown, expired and disabled tokens are refused with 401 and a Bearer challenge', async () => {
  const unknown = await whoAmI('wpt_made-up')
  assert.equal(unknown.statusCode, 401)
  assert.match(String(unknown.headers['content-type']), /^application\/problem\+json/)
  assert.match(String(unknown.headers['www-authenticate']), /^Bearer .*error="invalid_token"/)
  assert.ok(unknown.json().correlationId)

  const none = await t.app.http.inject({ method: 'GET', url: '/api/v1/oauth/client' })
  assert.equal(none.statusCode, 401)
  assert.match(String(none.headers['www-authenticate']), /^Bearer realm="waypoint"/)

  const expiring = await issueClientToken(t, { forceId: 'kent', scopes: ['support:read'] })
  assert.equal((await whoAmI(expiring)).statusCode, 200)
  t.clock.advance(3601_000)
  const expired = await whoAmI(expiring)
  assert.equal(expired.statusCode, 401)
  assert.match(expired.json().title, /expired/)

  const token = await issueClientToken(t, {
    forceId: 'norfolk',
    scopes: ['support:read'],
    name: 'Norfolk support',
  })
  const [client] = (await t.app.services.apiClients.list('norfolk')).filter(
    (c) => c.name === 'Norfolk support',
  )
  await t.app.services.apiClients.disable('norfolk', client.id, null)
  assert.equal((await whoAmI(token)).statusCode, 401)
})
