import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../../test/support/api-client.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { rows } from '../db/database.ts'

let t: TestApp
let kentHr: string
let essexHr: string
before(async () => {
  t = await createTestApp()
  kentHr = await issueClientToken(t, { forceId: 'kent', scopes: ['provisioning:write'] })
  essexHr = await issueClientToken(t, { forceId: 'essex', scopes: ['provisioning:write'] })
})
after(() => t.close())

function call(method: 'PUT' | 'DELETE' | 'GET', url: string, token: string, payload?: object) {
  return t.app.http.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  })
}

async function rolesOf(staffId: string): Promise<string[]> {
  return (await t.app.services.staff.repository.activeGrants(staffId)).map((g) => g.role).sort()
}

test('CRM-25: a joiner from HR gets a Kent account with the roles their job code maps to', async () => {
  const mapping = await call('PUT', '/api/v1/provisioning/job-roles/CH1', kentHr, {
    roles: ['contact_handler'],
  })
  assert.equal(mapping.statusCode, 200)
  const joiner = { email: 'jo.joiner@kent.police.example', displayName: 'Jo Joiner', jobCode: 'CH1' }
  const created = await call('PUT', '/api/v1/provisioning/staff/K1001', kentHr, joiner)
  assert.equal(created.statusCode, 201)
  const body = created.json()
  assert.equal(body.forceId, 'kent')
  assert.deepEqual(body.roles, ['contact_handler'])
  assert.deepEqual(await rolesOf(body.staffId), ['contact_handler'])

  const again = await call('PUT', '/api/v1/provisioning/staff/K1001', kentHr, joiner)
  assert.equal(again.statusCode, 200, 'repeating the joiner is idempotent')
  assert.equal(again.json().staffId, body.staffId)
  assert.equal(again.json().created, false)
  const audit = await t.app.db.asSystem((tx) =>
    rows<{ action: string; actor_kind: string }>(
      tx,
      sql`select action, actor_kind from audit_events where record_id = ${body.staffId} order by seq`,
    ),
  )
  assert.deepEqual(
    audit.map((a) => [a.action, a.actor_kind]),
    [['staff.provisioned', 'client']],
    'the repeat records no change',
  )
})

test('CRM-25: a mover gets the roles of the new job and loses the old ones', async () => {
  await call('PUT', '/api/v1/provisioning/job-roles/SUP2', kentHr, {
    roles: ['supervisor', 'investigating_officer'],
  })
  const first = await call('PUT', '/api/v1/provisioning/staff/K1002', kentHr, {
    email: 'max.mover@kent.police.example',
    displayName: 'Max Mover',
    roles: ['investigating_officer', 'analyst'],
  })
  const staffId = first.json().staffId
  const moved = await call('PUT', '/api/v1/provisioning/staff/K1002', kentHr, {
    email: 'max.mover@kent.police.example',
    displayName: 'Max Mover-Smith',
    jobCode: 'SUP2',
  })
  assert.equal(moved.statusCode, 200)
  assert.deepEqual(await rolesOf(staffId), ['investigating_officer', 'supervisor'])
  assert.equal((await t.app.services.staff.repository.findById(staffId))?.displayName, 'Max Mover-Smith')
})

test('CRM-25: a leaver is disabled and every session of theirs ends at once', async () => {
  const joined = await call('PUT', '/api/v1/provisioning/staff/K1003', kentHr, {
    email: 'lee.leaver@kent.police.example',
    displayName: 'Lee Leaver',
    roles: ['analyst'],
  })
  const staffId = joined.json().staffId
  const { token } = await t.app.services.sessions.start(
    { subjectKind: 'staff', subjectId: staffId, forceId: 'kent' },
    {},
    { ip: '127.0.0.1' },
  )
  assert.ok(await t.app.services.sessions.resolve(token))
  const left = await call('DELETE', '/api/v1/provisioning/staff/K1003', kentHr)
  assert.equal(left.statusCode, 204)
  assert.equal(await t.app.services.sessions.resolve(token), undefined)
  assert.ok((await t.app.services.staff.repository.findById(staffId))?.disabledAt)
  assert.equal((await call('DELETE', '/api/v1/provisioning/staff/K1003', kentHr)).statusCode, 204)
})

test('CRM-25: an HR client cannot touch another force’s employees', async () => {
  await call('PUT', '/api/v1/provisioning/staff/K1004', kentHr, {
    email: 'kim.kent@kent.police.example',
    displayName: 'Kim Kent',
    roles: ['analyst'],
  })
  const leaver = await call('DELETE', '/api/v1/provisioning/staff/K1004', essexHr)
  assert.equal(leaver.statusCode, 404)
  const takeover = await call('PUT', '/api/v1/provisioning/staff/E9', essexHr, {
    email: 'kim.kent@kent.police.example',
    displayName: 'Kim Kent',
    roles: ['force_admin'],
  })
  assert.equal(takeover.statusCode, 409)
  const otherForce = await call('PUT', '/api/v1/provisioning/staff/K1004', essexHr, {
    email: 'kim.new@essex.police.example',
    displayName: 'Kim',
    roles: ['analyst'],
    forceId: 'kent',
  })
  assert.equal(otherForce.statusCode, 403)
  const kim = await t.app.services.staff.repository.findByEmail('kim.kent@kent.police.example')
  assert.equal(kim?.disabledAt, null)
  assert.deepEqual(await rolesOf(kim!.id), ['analyst'])
})

test('CRM-25: HR cannot grant system administration, and bad records are refused with field errors', async () => {
  const admin = await call('PUT', '/api/v1/provisioning/staff/K1005', kentHr, {
    email: 'sam@kent.police.example',
    displayName: 'Sam',
    roles: ['system_admin'],
  })
  assert.equal(admin.statusCode, 400)
  assert.match(String(admin.headers['content-type']), /^application\/problem\+json/)
  const noJob = await call('PUT', '/api/v1/provisioning/staff/K1005', kentHr, {
    email: 'sam@kent.police.example',
    displayName: 'Sam',
    jobCode: 'UNKNOWN',
  })
  assert.equal(noJob.statusCode, 400)
  assert.equal(noJob.json().errors[0].field, 'jobCode')
  const badEmail = await call('PUT', '/api/v1/provisioning/staff/K1005', kentHr, {
    email: 'nope',
    displayName: '',
  })
  assert.equal(badEmail.statusCode, 400)
  assert.deepEqual(
    badEmail
      .json()
      .errors.map((e: { field: string }) => e.field)
      .sort(),
    ['displayName', 'email'],
  )
  assert.equal(await t.app.services.staff.repository.findByEmail('sam@kent.police.example'), undefined)
})

test('CRM-25: provisioning needs the provisioning:write scope', async () => {
  const reporting = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
  const refused = await call('PUT', '/api/v1/provisioning/staff/K1006', reporting, {
    email: 'pat@kent.police.example',
    displayName: 'Pat',
    roles: ['analyst'],
  })
  assert.equal(refused.statusCode, 403)
  assert.match(String(refused.headers['www-authenticate']), /error="insufficient_scope"/)
  const anonymous = await t.app.http.inject({ method: 'DELETE', url: '/api/v1/provisioning/staff/K1001' })
  assert.equal(anonymous.statusCode, 401)
})
