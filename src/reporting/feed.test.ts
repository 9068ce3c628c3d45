// The Power BI OData feed end to end (UJ-16): messages sent through the real dispatch job, read
// over HTTP with an OAuth2 bearer token or a force's API key, as Power BI's OData connector does.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { XMLParser } from 'fast-xml-parser'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { loadConfig } from '../platform/config.ts'
import { aCrime, aMessage, anIncident, aTemplate, dispatchDue } from './test-builders.ts'

const clock = new FixedClock('2026-06-02T13:00:00Z')
let t: TestApp
let kentToken: string

before(async () => {
  const defaults = loadConfig({ NODE_ENV: 'test' })
  // A small page so that server-driven paging shows with a handful of messages.
  t = await createTestApp({ reporting: { ...defaults.reporting, odataPageSize: 2 } }, { clock })
  await aTemplate(t, 'kent', { key: 'feed-update', title: 'Investigation update', channel: 'sms' })
  await aTemplate(t, 'kent', { key: 'feed-arrest', title: 'Arrest made', channel: 'email' })
  await aTemplate(t, 'essex', { key: 'feed-update', title: 'Essex update', channel: 'sms' })
  const theft = await aCrime(t, 'kent', 'Theft from a vehicle')
  const disorder = await anIncident(t, 'kent', 'Public order')
  await aMessage(t, 'kent', { caseId: theft, templateKey: 'feed-update', channel: 'sms', to: '07700900510' })
  await aMessage(t, 'kent', {
    caseId: theft,
    templateKey: 'feed-arrest',
    channel: 'email',
    to: 'v1@example.org',
  })
  await aMessage(t, 'kent', {
    caseId: disorder,
    templateKey: 'feed-update',
    channel: 'sms',
    to: '07700900511',
  })
  await dispatchDue(t)
  clock.set('2026-06-04T10:00:00Z')
  await aMessage(t, 'kent', {
    caseId: disorder,
    templateKey: 'feed-update',
    channel: 'sms',
    to: '07700900512',
  })
  await aMessage(t, 'kent', { caseId: theft, templateKey: 'feed-update', channel: 'sms', to: '07700900513' })
  const essexCrime = await aCrime(t, 'essex', 'Robbery')
  await aMessage(t, 'essex', {
    caseId: essexCrime,
    templateKey: 'feed-update',
    channel: 'sms',
    to: '07700900514',
  })
  await dispatchDue(t)
  kentToken = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
})
after(() => t.close())

const get = (url: string, headers: Record<string, string> = {}) =>
  t.app.http.inject({ method: 'GET', url, headers: { accept: 'application/json', ...headers } })
const asKent = (url: string) => get(url, { authorization: `Bearer ${kentToken}` })

test('UJ-16: Power BI finds the service document and CSDL metadata with OData-Version 4.0', async () => {
  const service = await asKent('/api/v1/odata/')
  assert.equal(service.statusCode, 200)
  assert.equal(service.headers['odata-version'], '4.0')
  assert.match(String(service.headers['content-type']), /^application\/json;odata.metadata=minimal/)
  const doc = service.json()
  assert.match(doc['@odata.context'], /\/api\/v1\/odata\/\$metadata$/)
  assert.deepEqual(
    doc.value.map((v: { name: string }) => v.name),
    [
      'Messages',
      'DailyMessageCounts',
      'MessageResponses',
      'PortalFeedback',
      'Contacts',
      'FailureDemandWeeks',
      'QualityReviews',
      'ContactLabels',
      'ScriptVersions',
    ],
  )
  const metadata = await asKent('/api/v1/odata/$metadata')
  assert.equal(metadata.statusCode, 200)
  assert.match(String(metadata.headers['content-type']), /^application\/xml/)
  const xml = new XMLParser({ ignoreAttributes: false }).parse(metadata.body)
  const schema = xml['edmx:Edmx']['edmx:DataServices'].Schema
  const message = schema.EntityType.find((e: { '@_Name': string }) => e['@_Name'] === 'Message')
  assert.ok(
    message.Property.some(
      (p: Record<string, string>) => p['@_Name'] === 'Delivered' && p['@_Type'] === 'Edm.Boolean',
    ),
  )
  assert.deepEqual(
    schema.EntityContainer.EntitySet.map((s: Record<string, string>) => s['@_Name']),
    [
      'Messages',
      'DailyMessageCounts',
      'MessageResponses',
      'PortalFeedback',
      'Contacts',
      'FailureDemandWeeks',
      'QualityReviews',
      'ContactLabels',
      'ScriptVersions',
    ],
  )
})

test('UJ-16: Messages carry force, send time, channel, template title, crime or incident type and delivery', async () => {
  const response = await asKent(
    "/api/v1/odata/Messages?$filter=SentDate eq 2026-06-02 and Channel eq 'email'",
  )
  assert.equal(response.statusCode, 200)
  const body = response.json()
  assert.match(body['@odata.context'], /\$metadata#Messages$/)
  assert.equal(body.value.length, 1)
  const [row] = body.value
  assert.equal(row.Force, 'kent')
  assert.equal(row.SentAt, '2026-06-02T13:00:00.000Z')
  assert.equal(row.SentHour, 14) // UK time
  assert.equal(row.TemplateTitle, 'Arrest made')
  assert.equal(row.CaseType, 'Theft from a vehicle')
  assert.equal(row.Status, 'delivered')
  assert.equal(row.Delivered, true)
})

test('UJ-16: $select, $orderby, $count and server-driven paging through @odata.nextLink', async () => {
  let url = '/api/v1/odata/Messages?$select=SentAt,CaseType&$orderby=SentAt desc&$count=true'
  const pages: Record<string, unknown>[][] = []
  let count: number | undefined
  while (url) {
    const response = await asKent(url)
    assert.equal(response.statusCode, 200, response.body)
    const body = response.json()
    count ??= body['@odata.count']
    pages.push(body.value)
    url = body['@odata.nextLink']
      ? new URL(body['@odata.nextLink']).pathname + new URL(body['@odata.nextLink']).search
      : ''
  }
  assert.equal(count, 5)
  assert.deepEqual(
    pages.map((p) => p.length),
    [2, 2, 1],
  )
  const all = pages.flat()
  assert.deepEqual(Object.keys(all[0]!), ['SentAt', 'CaseType'])
  assert.deepEqual(
    all.map((r) => r.SentAt),
    [...all.map((r) => r.SentAt as string)].sort().reverse(),
  )
  const topped = (await asKent('/api/v1/odata/Messages?$top=3&$skip=1')).json()
  assert.equal(topped.value.length, 2)
  assert.match(topped['@odata.nextLink'], /%24top=1&%24skip=3$/)
})

test('UJ-16: DailyMessageCounts gives Power BI one row per day, channel, template and case type', async () => {
  const response = await asKent(
    "/api/v1/odata/DailyMessageCounts?$filter=TemplateTitle eq 'Investigation update' and Date ge 2026-06-01&$orderby=Date,CaseType",
  )
  assert.equal(response.statusCode, 200)
  const rows = response
    .json()
    .value.map((r: Record<string, unknown>) => [r.Date, r.CaseType, r.Sent, r.Delivered])
  const next = response.json()['@odata.nextLink']
  const more = next ? (await asKent(new URL(next).pathname + new URL(next).search)).json().value : []
  rows.push(...more.map((r: Record<string, unknown>) => [r.Date, r.CaseType, r.Sent, r.Delivered]))
  assert.deepEqual(rows, [
    ['2026-06-02', 'Public order', 1, 1],
    ['2026-06-02', 'Theft from a vehicle', 1, 1],
    ['2026-06-04', 'Public order', 1, 1],
    ['2026-06-04', 'Theft from a vehicle', 1, 1],
  ])
})

test('UJ-16: bad query options get problem+json naming the option, and unknown sets are not found', async () => {
  const bad = await asKent("/api/v1/odata/Messages?$filter=Recipient eq 'x'&$top=-1")
  assert.equal(bad.statusCode, 400)
  assert.match(String(bad.headers['content-type']), /^application\/problem\+json/)
  const fields = bad.json().errors.map((e: { field: string }) => e.field)
  assert.deepEqual(fields.sort(), ['$filter', '$top'])
  const injection = await asKent("/api/v1/odata/Messages?$filter=Channel eq 'sms'' or ''1''=''1'")
  assert.equal(injection.statusCode, 200)
  assert.equal(injection.json().value.length, 0)
  assert.equal((await asKent('/api/v1/odata/Recipients')).statusCode, 404)
})

test('UJ-16: a force sees only its own rows; no credentials, a wrong scope or a wrong key are refused', async () => {
  const essexToken = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  const essex = (
    await get('/api/v1/odata/Messages?$count=true', { authorization: `Bearer ${essexToken}` })
  ).json()
  assert.equal(essex['@odata.count'], 1)
  assert.equal(essex.value[0].TemplateTitle, 'Essex update')
  const kentForce = (await asKent("/api/v1/odata/Messages?$filter=Force eq 'essex'")).json()
  assert.equal(kentForce.value.length, 0)

  assert.equal((await get('/api/v1/odata/Messages')).statusCode, 401)
  const wrongScope = await issueClientToken(t, { forceId: 'kent', scopes: ['sources:write'] })
  assert.equal(
    (await get('/api/v1/odata/Messages', { authorization: `Bearer ${wrongScope}` })).statusCode,
    403,
  )
  assert.equal(
    (await get('/api/v1/odata/Messages', { 'x-api-key': `wpr_${'A'.repeat(43)}` })).statusCode,
    401,
  )
  await t.app.services.forces.setProducts('norfolk', ['portal', 'contact'])
  const norfolk = await issueClientToken(t, { forceId: 'norfolk', scopes: ['reporting:read'] })
  assert.equal((await get('/api/v1/odata/Messages', { authorization: `Bearer ${norfolk}` })).statusCode, 403)
  const staff = await t.signInAs(['analyst'], 'kent')
  assert.equal((await staff.get('/api/v1/odata/Messages')).statusCode, 401)
})

test('UJ-16: a force admin issues a Power BI key shown once, Power BI reads with it, and revoking it stops it', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const empty = await admin.post('/console/reports/api-keys', { name: '  ' })
  assert.equal(empty.statusCode, 400)
  assert.match(empty.body, /href="#name">Enter a name for the key/)

  const created = await admin.post('/console/reports/api-keys', { name: 'Force performance dashboard' })
  assert.equal(created.statusCode, 200)
  const key = /<code class="app-api-key">(wpr_[A-Za-z0-9_-]{43})<\/code>/.exec(created.body)?.[1]
  assert.ok(key, 'the new key is shown')
  const list = await admin.get('/console/reports/api-keys')
  assert.doesNotMatch(list.body, new RegExp(key))
  assert.match(list.body, /Force performance dashboard/)

  const byHeader = await get('/api/v1/odata/Messages?$count=true', { 'x-api-key': key })
  assert.equal(byHeader.statusCode, 200)
  assert.equal(byHeader.json()['@odata.count'], 5)
  const byQuery = await get(`/api/v1/odata/DailyMessageCounts?apikey=${key}`)
  assert.equal(byQuery.statusCode, 200)
  const nextLink = new URL(byQuery.json()['@odata.nextLink'])
  assert.equal(nextLink.searchParams.get('apikey'), key)
  // Power Query's ApiKeyName appends the key again to the nextLink it follows.
  const followed = await get(`${nextLink.pathname}${nextLink.search}&apikey=${key}`)
  assert.equal(followed.statusCode, 200)
  assert.equal(followed.json().value.length, 2)

  // Another force's admin cannot revoke it; an analyst cannot manage keys at all.
  const id = (await t.app.services.reporting.apiKeys('kent')).find(
    (k) => k.name === 'Force performance dashboard',
  )!.id
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essexAdmin.post(`/console/reports/api-keys/${id}/revoke`)).statusCode, 404)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal((await analyst.get('/console/reports/api-keys')).statusCode, 403)
  assert.equal((await analyst.post(`/console/reports/api-keys/${id}/revoke`)).statusCode, 403)
  assert.equal((await get('/api/v1/odata/Messages', { 'x-api-key': key })).statusCode, 200)

  const revoked = await admin.post(`/console/reports/api-keys/${id}/revoke`)
  assert.equal(revoked.statusCode, 303)
  assert.equal((await get('/api/v1/odata/Messages', { 'x-api-key': key })).statusCode, 401)
  assert.match((await admin.get('/console/reports/api-keys')).body, /Revoked/)
})
