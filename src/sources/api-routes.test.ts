import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'

let t: TestApp
const examples = join(import.meta.dirname, 'examples')
const post = (url: string, token: string, payload: string, contentType = 'application/json') =>
  t.app.http.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    payload,
  })

before(async () => {
  t = await createTestApp()
})
after(() => t.close())

test('CP-157: STORM posts a log event over HTTP and gets 202 with the inbox id; the case exists at once', async () => {
  const token = await issueClientToken(t, { forceId: 'bedfordshire', scopes: ['sources:write'] })
  const response = await post(
    '/api/v1/sources/bedfordshire/storm',
    token,
    readFileSync(join(examples, 'storm-log-created.json'), 'utf8'),
  )
  assert.equal(response.statusCode, 202, response.body)
  const body = response.json() as { id: string; status: string }
  assert.equal(body.status, 'applied')
  const stored = await t.app.services.sources.event('bedfordshire', body.id)
  assert.equal(
    stored?.payload,
    readFileSync(join(examples, 'storm-log-created.json'), 'utf8'),
    'kept as received',
  )
  assert.ok(await t.app.services.cases.findIncidentByRef('bedfordshire', 'BED-20260601-0001'))
})

test('CP-157: Athena posts XML; the raw XML is kept and mapped with the same profile', async () => {
  const token = await issueClientToken(t, { forceId: 'kent', scopes: ['sources:write'] })
  const xml = `<?xml version="1.0"?><AthenaMessage><messageId>ATH-KNT-1</messageId><messageType>INVESTIGATION_CREATED</messageType>
    <eventTime>2026-06-01T10:00:00Z</eventTime><investigation><crimeReference>46/1/26</crimeReference>
    <linkedLogs><log>KNT-20260601-0001</log></linkedLogs><status>OPEN</status></investigation>
    <persons><person><urn>K-1</urn><name>Sam Taylor</name><role>VIC</role></person></persons></AthenaMessage>`
  const response = await post('/api/v1/sources/kent/athena', token, xml, 'application/xml')
  assert.equal(response.statusCode, 202, response.body)
  assert.equal((response.json() as { status: string }).status, 'applied')
  const found = await t.app.services.cases.findCrimeByRef('kent', '46/1/26')
  assert.deepEqual(
    found?.incidents.map((i) => i.cadRef),
    ['KNT-20260601-0001'],
  )
  assert.equal(found?.parties[0]?.displayName, 'Sam Taylor')
})

test('CP-157: a client of one force is refused when it posts to another force', async () => {
  const token = await issueClientToken(t, { forceId: 'essex', scopes: ['sources:write'] })
  const response = await post(
    '/api/v1/sources/kent/storm',
    token,
    readFileSync(join(examples, 'storm-log-created.json'), 'utf8'),
  )
  assert.equal(response.statusCode, 403)
  assert.match(response.headers['content-type'] as string, /problem\+json/)
  const kentInbox = await t.app.services.sources.events('kent', { sourceSystem: 'storm' })
  assert.equal(kentInbox.length, 0)
})

test('CP-157: a client without the sources:write scope, or without a token, is refused', async () => {
  const token = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
  assert.equal((await post('/api/v1/sources/kent/storm', token, '{}')).statusCode, 403)
  const anonymous = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/sources/kent/storm',
    payload: '{}',
  })
  assert.equal(anonymous.statusCode, 401)
})
