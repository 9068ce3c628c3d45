import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { rows } from '../db/database.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t.close())

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

async function auditActions(recordId: string): Promise<string[]> {
  const found = await t.app.db.asSystem((tx) =>
    rows<{ action: string }>(
      tx,
      sql`select action from audit_events where record_id = ${recordId} order by seq`,
    ),
  )
  return found.map((r) => r.action)
}

test('CP-172: a force admin creates an API client, sees its secret once, and the secret works', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const form = await admin.get('/console/api-clients/new')
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /sources:write/)
  assert.ok(!form.body.includes('name="forceId"'), 'a force admin does not choose the force')

  const created = await admin.post('/console/api-clients', {
    name: 'Kent HR (SAP)',
    scopes: ['provisioning:write'],
  })
  assert.equal(created.statusCode, 200)
  assert.match(created.body, /govuk-panel/)
  assert.equal(created.headers['cache-control'], 'no-store')
  const clientId = created.body.match(/<code>(wp_kent_[^<]+)<\/code>/)?.[1]
  const secret = created.body.match(/<code class="waypoint-secret">([^<]+)<\/code>/)?.[1]
  assert.ok(clientId && secret)

  const token = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/oauth/token',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials',
  })
  assert.equal(token.statusCode, 200)

  const list = await admin.get('/console/api-clients')
  assert.match(list.body, /Kent HR \(SAP\)/)
  assert.ok(!list.body.includes(secret), 'the secret is never shown again')
  const [client] = (await t.app.services.apiClients.list('kent')).filter((c) => c.clientId === clientId)
  assert.deepEqual(await auditActions(client.id), ['api-client.created'])
})

test('CP-172: a client form with no name or scope shows the GOV.UK error summary and keeps the input', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const response = await admin.post('/console/api-clients', { name: '', scopes: ['reporting:read'] })
  assert.equal(response.statusCode, 400)
  assert.match(response.body, /govuk-error-summary/)
  assert.match(response.body, /href="#name"/)
  assert.match(response.body, /value="reporting:read" checked/)
})

test('CP-172: disabling a client stops its tokens at once and is audited', async () => {
  const admin = await t.signInAs(['force_admin'], 'essex')
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId: 'essex', name: 'Essex STORM bridge', scopes: ['sources:write'] },
    admin.userId,
  )
  const issued = await t.app.services.apiClients.issueToken(client.clientId, clientSecret)
  const disabled = await admin.post(`/console/api-clients/${client.id}/disable`)
  assert.equal(disabled.statusCode, 303)
  const check = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/oauth/client',
    headers: { authorization: `Bearer ${issued.accessToken}` },
  })
  assert.equal(check.statusCode, 401)
  assert.deepEqual(await auditActions(client.id), ['api-client.disabled'])
  assert.match((await admin.get('/console/api-clients')).body, /Disabled/)
})

test('CP-178: another force’s admin, and staff without an admin role, are refused', async () => {
  const { client } = await t.app.services.apiClients.create(
    { forceId: 'norfolk', name: 'Norfolk reporting', scopes: ['reporting:read'] },
    null,
  )
  const kentAdmin = await t.signInAs(['force_admin'], 'kent')
  assert.ok(!(await kentAdmin.get('/console/api-clients')).body.includes('Norfolk reporting'))
  const otherForce = await kentAdmin.post(`/console/api-clients/${client.id}/disable`)
  assert.equal(otherForce.statusCode, 404)
  assert.equal((await t.app.services.apiClients.get('norfolk', client.id)).disabledAt, null)

  const analyst = await t.signInAs(['analyst'], 'norfolk')
  assert.equal((await analyst.get('/console/api-clients')).statusCode, 403)
  assert.equal(
    (await analyst.post('/console/api-clients', { name: 'x', scopes: ['reporting:read'] })).statusCode,
    403,
  )
})

test('CP-178: a system admin sees every force’s clients and creates one for a chosen force', async () => {
  const admin = await t.signInAs(['system_admin'], null)
  const form = await admin.get('/console/api-clients/new')
  assert.match(form.body, /name="forceId"/)
  const created = await admin.post('/console/api-clients', {
    name: 'National portal front-end',
    forceId: 'hertfordshire',
    scopes: ['portal:frontend'],
  })
  assert.equal(created.statusCode, 200)
  const list = await admin.get('/console/api-clients')
  assert.match(list.body, /National portal front-end/)
  assert.match(list.body, /Norfolk reporting/)
  const noForce = await admin.post('/console/api-clients', { name: 'Nowhere', scopes: ['portal:frontend'] })
  assert.equal(noForce.statusCode, 400)
  assert.match(noForce.body, /href="#forceId"/)
})
