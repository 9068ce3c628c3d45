import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import YAML from 'yaml'
import { issueClientToken } from '../../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { loadConfig } from '../config.ts'

const packageVersion = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
).version
const rateLimitMax = 15

let t: TestApp
let hr: string
before(async () => {
  t = await createTestApp({ api: { ...loadConfig({ NODE_ENV: 'test' }).api, rateLimitMax } })
  hr = await issueClientToken(t, { forceId: 'suffolk', scopes: ['provisioning:write'] })
})
after(() => t.close())

const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false })

test('CP-183: a request in XML is understood and the answer comes back in XML', async () => {
  const response = await t.app.http.inject({
    method: 'PUT',
    url: '/api/v1/provisioning/staff/S-200',
    headers: { authorization: `Bearer ${hr}`, 'content-type': 'application/xml', accept: 'application/xml' },
    payload: `<?xml version="1.0"?>
      <staff><email>xml.person@suffolk.police.example</email><displayName>Xavier &amp; Co</displayName>
      <roles>analyst</roles></staff>`,
  })
  assert.equal(response.statusCode, 201, response.body)
  assert.match(String(response.headers['content-type']), /^application\/xml/)
  const body = xml.parse(response.body).response
  assert.equal(body.email, 'xml.person@suffolk.police.example')
  assert.equal(body.displayName, 'Xavier & Co')
  assert.equal(body.roles, 'analyst')
  assert.equal(body.forceId, 'suffolk')
})

test('CP-183: a request in YAML is understood and the answer comes back in YAML', async () => {
  const response = await t.app.http.inject({
    method: 'PUT',
    url: '/api/v1/provisioning/staff/S-201',
    headers: {
      authorization: `Bearer ${hr}`,
      'content-type': 'application/yaml',
      accept: 'application/yaml',
    },
    payload:
      'email: yaml.person@suffolk.police.example\ndisplayName: Yasmin\nroles:\n  - analyst\n  - auditor\n',
  })
  assert.equal(response.statusCode, 201, response.body)
  assert.match(String(response.headers['content-type']), /^application\/yaml/)
  const body = YAML.parse(response.body)
  assert.deepEqual(body.roles, ['analyst', 'auditor'])
  assert.equal(body.created, true)
})

test('CP-173: JSON is the default answer, and the highest-quality acceptable format wins', async () => {
  const me = (accept?: string) =>
    t.app.http.inject({
      method: 'GET',
      url: '/api/v1/oauth/client',
      headers: { authorization: `Bearer ${hr}`, ...(accept ? { accept } : {}) },
    })
  assert.match(String((await me()).headers['content-type']), /^application\/json/)
  assert.match(String((await me('*/*')).headers['content-type']), /^application\/json/)
  const preferYaml = await me('application/xml;q=0.5, application/yaml')
  assert.match(String(preferYaml.headers['content-type']), /^application\/yaml/)
  assert.equal(YAML.parse(preferYaml.body).forceId, 'suffolk')
})

test('CP-181: problem documents follow the Accept header, in XML as application/problem+xml', async () => {
  const response = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/oauth/client',
    headers: { accept: 'application/xml', 'x-correlation-id': 'corr-xml-problem-1' },
  })
  assert.equal(response.statusCode, 401)
  assert.match(String(response.headers['content-type']), /^application\/problem\+xml/)
  const problem = xml.parse(response.body).problem
  assert.equal(problem['@_xmlns'], 'urn:ietf:rfc:7807')
  assert.equal(problem.status, '401')
  assert.equal(problem.correlationId, 'corr-xml-problem-1')
})

test('CP-181: a validation failure lists each bad field with the correlation id', async () => {
  const response = await t.app.http.inject({
    method: 'PUT',
    url: '/api/v1/provisioning/staff/S-202',
    headers: { authorization: `Bearer ${hr}` },
    payload: { email: 'not-an-email', roles: ['wizard'] },
  })
  assert.equal(response.statusCode, 400)
  const problem = response.json()
  assert.equal(problem.type, 'https://waypoint.police.uk/problems/validation-failed')
  assert.equal(problem.correlationId, response.headers['x-correlation-id'])
  const fields = problem.errors.map((e: { field: string }) => e.field)
  for (const f of ['email', 'displayName'])
    assert.ok(
      fields.some((x: string) => x.startsWith(f)),
      f,
    )
})

test('CP-182: an Accept the API cannot produce gets 406, a body type it cannot read gets 415', async () => {
  const notAcceptable = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/oauth/client',
    headers: { authorization: `Bearer ${hr}`, accept: 'text/csv' },
  })
  assert.equal(notAcceptable.statusCode, 406)
  assert.match(String(notAcceptable.headers['content-type']), /^application\/problem\+json/)
  assert.equal(notAcceptable.json().status, 406)

  const unsupported = await t.app.http.inject({
    method: 'PUT',
    url: '/api/v1/provisioning/staff/S-203',
    headers: { authorization: `Bearer ${hr}`, 'content-type': 'text/csv' },
    payload: 'email,displayName\na@b.c,A',
  })
  assert.equal(unsupported.statusCode, 415)
  assert.match(String(unsupported.headers['content-type']), /^application\/problem\+json/)

  const brokenXml = await t.app.http.inject({
    method: 'PUT',
    url: '/api/v1/provisioning/staff/S-203',
    headers: { authorization: `Bearer ${hr}`, 'content-type': 'application/xml' },
    payload: '<staff><email>x</staff>',
  })
  assert.equal(brokenXml.statusCode, 400)
  assert.equal(brokenXml.json().type, 'https://waypoint.police.uk/problems/invalid-body')

  const entityBomb = await t.app.http.inject({
    method: 'PUT',
    url: '/api/v1/provisioning/staff/S-203',
    headers: { authorization: `Bearer ${hr}`, 'content-type': 'application/xml' },
    payload: '<!DOCTYPE s [<!ENTITY a "aaaaaaaa">]><staff><email>&a;</email></staff>',
  })
  assert.equal(entityBomb.statusCode, 400)
  assert.match(entityBomb.json().title, /document type definitions/)
})

test('CP-182: a body over the size limit gets a 413 problem', async () => {
  const response = await t.app.http.inject({
    method: 'PUT',
    url: '/api/v1/provisioning/staff/S-204',
    headers: { authorization: `Bearer ${hr}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ email: 'big@suffolk.police.example', displayName: 'x'.repeat(1_100_000) }),
  })
  assert.equal(response.statusCode, 413)
  assert.equal(response.json().type, 'https://waypoint.police.uk/problems/payload-too-large')
})

test('CP-177: every API response names the API version, the same as the OpenAPI document', async () => {
  const ok = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/oauth/client',
    headers: { authorization: `Bearer ${hr}` },
  })
  const refused = await t.app.http.inject({ method: 'GET', url: '/api/v1/oauth/client' })
  const missing = await t.app.http.inject({ method: 'GET', url: '/api/v1/no-such-thing' })
  for (const r of [ok, refused, missing]) assert.equal(r.headers['waypoint-api-version'], packageVersion)
  assert.match(packageVersion, /^\d+\.\d+\.\d+$/)
  const openapi = (await t.app.http.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()
  assert.equal(openapi.info.version, packageVersion)
})

test('CP-171: the OpenAPI 3.1 description covers the API routes, their schemas and OAuth2 security', async () => {
  const json = await t.app.http.inject({ method: 'GET', url: '/api/v1/openapi.json' })
  assert.equal(json.statusCode, 200)
  const doc = json.json()
  assert.equal(doc.openapi, '3.1.0')
  assert.equal(doc.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl, '/api/v1/oauth/token')
  assert.ok(doc.components.securitySchemes.oauth2.flows.clientCredentials.scopes['sources:write'])
  const put = doc.paths['/api/v1/provisioning/staff/{employeeId}'].put
  assert.deepEqual(put.security, [{ oauth2: ['provisioning:write'] }])
  assert.ok(put.requestBody.content['application/xml'])
  assert.ok(put.responses['201'])
  assert.ok(doc.paths['/api/v1/oauth/token'].post)
  const machineRoutes = ['/api/v1/', '/callbacks/', '/health/', '/metrics']
  assert.deepEqual(
    Object.keys(doc.paths).filter((p) => !machineRoutes.some((prefix) => p.startsWith(prefix))),
    [],
    'only machine routes are described, never console pages',
  )
  assert.ok(doc.paths['/callbacks/notify/{forceId}/receipts'].post)
  assert.ok(doc.paths['/api/v1/odata/{set}'].get.responses['400'].content['application/problem+json'])
  assert.ok(!doc.paths['/api/v1/openapi.json'])

  const yaml = await t.app.http.inject({ method: 'GET', url: '/api/v1/openapi.yaml' })
  assert.match(String(yaml.headers['content-type']), /^application\/yaml/)
  assert.deepEqual(YAML.parse(yaml.body), doc)
})

test('CP-171: the API reference page and its assets are served from our origin under the CSP', async () => {
  const page = await t.app.http.inject({ method: 'GET', url: '/api/docs', headers: { accept: 'text/html' } })
  assert.equal(page.statusCode, 200)
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/)
  assert.ok(!/<script>[^<]/.test(page.body), 'no inline script')
  for (const src of page.body.matchAll(/(?:src|href)="(\/api\/[^"]+)"/g)) {
    const asset = await t.app.http.inject({ method: 'GET', url: src[1] })
    assert.equal(asset.statusCode, 200, src[1])
  }
  const outside = await t.app.http.inject({ method: 'GET', url: '/api/docs/static/..%2F..%2Fpackage.json' })
  assert.equal(outside.statusCode, 404)
})

test('CP-184: each client has its own rate limit; past it, 429 with Retry-After', async () => {
  const busy = await issueClientToken(t, {
    forceId: 'suffolk',
    scopes: ['support:read'],
    name: 'Busy client',
  })
  const calm = await issueClientToken(t, {
    forceId: 'suffolk',
    scopes: ['support:read'],
    name: 'Calm client',
  })
  const me = (token: string) =>
    t.app.http.inject({
      method: 'GET',
      url: '/api/v1/oauth/client',
      headers: { authorization: `Bearer ${token}` },
    })
  for (let i = 0; i < rateLimitMax; i += 1) assert.equal((await me(busy)).statusCode, 200)
  const limited = await me(busy)
  assert.equal(limited.statusCode, 429)
  assert.match(String(limited.headers['content-type']), /^application\/problem\+json/)
  assert.ok(Number(limited.headers['retry-after']) > 0)
  assert.equal(limited.json().type, 'https://waypoint.police.uk/problems/rate-limited')
  assert.equal((await me(calm)).statusCode, 200, 'another client is unaffected')
})
