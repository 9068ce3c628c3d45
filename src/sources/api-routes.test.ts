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

const ndjsonEvent = (id: string, ref: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    eventId: id,
    eventType: 'LOG_CREATED',
    timestamp: '2026-06-04T09:00:00Z',
    log: { reference: ref, grading: 'PRI', persons: [], ...extra },
  })

test('CP-170, CP-157: a gateway posts a batch as NDJSON; each event gets its own receipt, kept exactly as sent', async () => {
  const token = await issueClientToken(t, { forceId: 'suffolk', scopes: ['sources:write'] })
  const lines = [
    ndjsonEvent('NDJ-1', 'SUF-NDJ-1'),
    ndjsonEvent('NDJ-1', 'SUF-NDJ-1'),
    '{"eventId": "NDJ-3",',
    ndjsonEvent('NDJ-4', 'SUF-NDJ-4', { location: '1 Quay Street' }),
  ]
  const response = await post(
    '/api/v1/sources/suffolk/storm/batch',
    token,
    `${lines.join('\r\n')}\n`,
    'application/x-ndjson',
  )
  assert.equal(response.statusCode, 200, response.body)
  const { results } = response.json() as { results: { id: string; status: string; duplicateOf?: string }[] }
  assert.deepEqual(
    results.map((r) => r.status),
    ['applied', 'duplicate', 'quarantined', 'applied'],
  )
  assert.equal(results[1]!.duplicateOf, results[0]!.id)
  assert.equal((await t.app.services.sources.event('suffolk', results[3]!.id))!.payload, lines[3])
  assert.equal(
    (await t.app.services.cases.findIncidentByRef('suffolk', 'SUF-NDJ-4'))!.incident.location,
    '1 Quay Street',
  )
})

test('CP-170: a batch in another format, an empty one, one too large, or for another force is refused with a problem', async () => {
  const token = await issueClientToken(t, { forceId: 'suffolk', scopes: ['sources:write'] })
  const json = await post('/api/v1/sources/suffolk/storm/batch', token, `[${ndjsonEvent('X-1', 'X-1')}]`)
  assert.equal(json.statusCode, 415)
  assert.match(String(json.headers['content-type']), /application\/problem\+json/)
  const empty = await post('/api/v1/sources/suffolk/storm/batch', token, '\n\n', 'application/x-ndjson')
  assert.equal(empty.statusCode, 400)
  const tooMany = Array.from({ length: 1001 }, (_, i) => ndjsonEvent(`BIG-${i}`, `BIG-${i}`)).join('\n')
  const large = await post('/api/v1/sources/suffolk/storm/batch', token, tooMany, 'application/x-ndjson')
  assert.equal(large.statusCode, 413)
  assert.match(large.body, /at most 1000 events/)
  assert.equal(await t.app.services.cases.findIncidentByRef('suffolk', 'BIG-0'), undefined)
  const other = await post(
    '/api/v1/sources/norfolk/storm/batch',
    token,
    ndjsonEvent('NOR-1', 'NOR-1'),
    'application/x-ndjson',
  )
  assert.equal(other.statusCode, 403)
  assert.equal(await t.app.services.cases.findIncidentByRef('norfolk', 'NOR-1'), undefined)
})

test('CP-157: requests arriving at the same time each get their own outcome; repeats among them have no effect', async () => {
  const token = await issueClientToken(t, { forceId: 'norfolk', scopes: ['sources:write'] })
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      post('/api/v1/sources/norfolk/storm', token, ndjsonEvent(`GC-${i % 15}`, `NOR-GC-${i % 15}`)),
    ),
  )
  const statuses = responses.map((r) => (r.json() as { status: string }).status)
  assert.equal(statuses.filter((s) => s === 'applied').length, 15)
  assert.equal(statuses.filter((s) => s === 'duplicate').length, 5)
  for (let i = 0; i < 15; i++)
    assert.ok(await t.app.services.cases.findIncidentByRef('norfolk', `NOR-GC-${i}`))
})
