// User administration in the console (CP-44, CP-45, CP-46, CP-152): who may see and change
// which accounts, with every change audited.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type SignedIn, type TestApp } from '../../../test/support/test-app.ts'
import { rows } from '../db/database.ts'

let t: TestApp
let systemAdmin: SignedIn
let kentAdmin: SignedIn
let essexAdmin: SignedIn
let kentOfficer: SignedIn

before(async () => {
  t = await createTestApp()
  systemAdmin = await t.signInAs(['system_admin'], null, 'Regional Admin')
  kentAdmin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  essexAdmin = await t.signInAs(['force_admin'], 'essex', 'Essex Admin')
  kentOfficer = await t.signInAs(['investigating_officer'], 'kent', 'Kent Officer')
})
after(() => t.close())

async function audited(recordId: string) {
  return t.app.db.asSystem((tx) =>
    rows<{
      action: string
      actor_id: string | null
      force_id: string | null
      detail: Record<string, unknown>
    }>(
      tx,
      sql`select action, actor_id, force_id, detail from audit_events where record_id = ${recordId} order by occurred_at, seq`,
    ),
  )
}

async function userIdByEmail(email: string) {
  return (await t.app.services.staff.repository.findByEmail(email))?.id
}

test('CP-152: a force admin lists only their own force’s users; a system admin sees all and can filter by force', async () => {
  const kentList = await kentAdmin.get('/console/users')
  assert.equal(kentList.statusCode, 200)
  assert.match(kentList.body, /Kent Officer/)
  assert.doesNotMatch(kentList.body, /Essex Admin/)
  assert.doesNotMatch(kentList.body, /Regional Admin/)

  const all = await systemAdmin.get('/console/users')
  assert.match(all.body, /Kent Officer/)
  assert.match(all.body, /Essex Admin/)
  const essexOnly = await systemAdmin.get('/console/users?force=essex')
  assert.match(essexOnly.body, /Essex Admin/)
  assert.doesNotMatch(essexOnly.body, /Kent Officer/)
})

test('CP-44: a force admin adds a user of their force with roles; the page shows who granted each role and when', async () => {
  const created = await kentAdmin.post('/console/users/new', {
    signInMethod: 'sso',
    displayName: 'Priya Shah',
    email: 'priya.shah@kent.police.example',
    forceId: 'kent',
    roles: ['analyst', 'journey_designer'],
  })
  assert.equal(created.statusCode, 302)
  const id = await userIdByEmail('priya.shah@kent.police.example')
  assert.equal(created.headers.location, `/console/users/${id}?done=created`)
  const detail = await kentAdmin.get(`/console/users/${id}`)
  assert.equal(detail.statusCode, 200)
  assert.match(detail.body, /<h1 class="govuk-heading-l">Priya Shah<\/h1>/)
  assert.match(detail.body, /Analyst<\/td>\s*<td class="govuk-table__cell">[^<]* by Kent Admin/)
  assert.match(detail.body, /Journey designer<\/td>\s*<td class="govuk-table__cell">[^<]* by Kent Admin/)
  const events = await audited(id!)
  assert.equal(events[0].action, 'staff.created')
  assert.equal(events[0].actor_id, kentAdmin.userId)
  assert.equal(events[0].force_id, 'kent')
  assert.deepEqual(events[0].detail.roles, ['analyst', 'journey_designer'])
})

test('CP-44: a form with mistakes shows a GOV.UK error summary, keeps what was entered and creates nothing', async () => {
  const response = await kentAdmin.post('/console/users/new', {
    signInMethod: 'sso',
    displayName: '',
    email: 'not-an-email',
    forceId: 'kent',
    roles: ['analyst'],
  })
  assert.equal(response.statusCode, 400)
  assert.match(response.body, /There is a problem/)
  assert.match(response.body, /<a href="#displayName">Enter the person’s full name<\/a>/)
  assert.match(response.body, /<a href="#email">Enter an email address in the correct format/)
  assert.match(response.body, /value="not-an-email"/)
  assert.match(response.body, /value="analyst" checked/)
  assert.equal(await userIdByEmail('not-an-email'), undefined)

  const duplicate = await kentAdmin.post('/console/users/new', {
    signInMethod: 'sso',
    displayName: 'Priya Again',
    email: 'PRIYA.SHAH@kent.police.example',
    forceId: 'kent',
  })
  assert.equal(duplicate.statusCode, 409)
  assert.match(duplicate.body, /<a href="#email">A user with that email address already exists<\/a>/)
})

test('CP-45: a force admin cannot add a user to another force', async () => {
  const response = await kentAdmin.post('/console/users/new', {
    signInMethod: 'sso',
    displayName: 'Sneaky',
    email: 'sneaky@essex.police.example',
    forceId: 'essex',
    roles: ['analyst'],
  })
  assert.equal(response.statusCode, 403)
  assert.equal(await userIdByEmail('sneaky@essex.police.example'), undefined)
})

test('CP-45: a force admin cannot grant system administration; a system admin can', async () => {
  const asNew = await kentAdmin.post('/console/users/new', {
    signInMethod: 'sso',
    displayName: 'Would Be Root',
    email: 'root@kent.police.example',
    forceId: 'kent',
    roles: ['system_admin'],
  })
  assert.equal(asNew.statusCode, 403)
  assert.equal(await userIdByEmail('root@kent.police.example'), undefined)

  const officerId = kentOfficer.userId
  const grant = await kentAdmin.post(`/console/users/${officerId}/roles`, { role: 'system_admin' })
  assert.equal(grant.statusCode, 403)
  const roles = await t.app.services.staff.repository.activeGrants(officerId)
  assert.deepEqual(
    roles.map((g) => g.role),
    ['investigating_officer'],
  )
  const form = await kentAdmin.get(`/console/users/${officerId}`)
  assert.doesNotMatch(form.body, /value="system_admin"/)

  const bySystemAdmin = await systemAdmin.post(`/console/users/${essexAdmin.userId}/roles`, {
    role: 'auditor',
  })
  assert.equal(bySystemAdmin.statusCode, 302)
})

test('CP-45: nobody can grant roles to themselves, revoke their own or disable their own account', async () => {
  assert.equal(
    (await kentAdmin.post(`/console/users/${kentAdmin.userId}/roles`, { role: 'analyst' })).statusCode,
    403,
  )
  assert.equal(
    (await kentAdmin.post(`/console/users/${kentAdmin.userId}/roles/revoke`, { role: 'force_admin' }))
      .statusCode,
    403,
  )
  assert.equal((await kentAdmin.post(`/console/users/${kentAdmin.userId}/disable`)).statusCode, 403)
  assert.equal(
    (await systemAdmin.post(`/console/users/${systemAdmin.userId}/roles`, { role: 'auditor' })).statusCode,
    403,
  )
  const own = await t.app.services.staff.repository.activeGrants(kentAdmin.userId)
  assert.deepEqual(
    own.map((g) => g.role),
    ['force_admin'],
  )
})

test('CP-44: a force admin can neither see nor change another force’s users (they read as not found)', async () => {
  const target = essexAdmin.userId
  assert.equal((await kentAdmin.get(`/console/users/${target}`)).statusCode, 404)
  assert.equal((await kentAdmin.post(`/console/users/${target}/roles`, { role: 'analyst' })).statusCode, 404)
  assert.equal(
    (await kentAdmin.post(`/console/users/${target}/roles/revoke`, { role: 'force_admin' })).statusCode,
    404,
  )
  assert.equal((await kentAdmin.post(`/console/users/${target}/disable`)).statusCode, 404)
  assert.equal((await t.app.services.staff.repository.findById(target))?.disabledAt, null)
})

test('CP-44, CP-152: granting and revoking a role is audited, and the history shows who removed it and when', async () => {
  const person = await t.signInAs(['analyst'], 'kent', 'Sam Analyst')
  assert.equal(
    (await kentAdmin.post(`/console/users/${person.userId}/roles`, { role: 'supervisor' })).statusCode,
    302,
  )
  assert.equal(
    (await kentAdmin.post(`/console/users/${person.userId}/roles/revoke`, { role: 'analyst' })).statusCode,
    302,
  )
  const detail = await kentAdmin.get(`/console/users/${person.userId}`)
  assert.match(
    detail.body,
    /Current roles[\s\S]*Supervisor[\s\S]*Removed roles[\s\S]*Analyst<\/td>[\s\S]*by Kent Admin/,
  )
  const events = await audited(person.userId)
  assert.deepEqual(
    events.filter((e) => e.action.startsWith('role.')).map((e) => [e.action, e.detail.role, e.actor_id]),
    [
      ['role.granted', 'supervisor', kentAdmin.userId],
      ['role.revoked', 'analyst', kentAdmin.userId],
    ],
  )
  // The change applies to the person's very next request (CP-47).
  assert.match((await person.get('/console')).body, /Supervisor/)
  assert.equal((await person.get('/console')).body.includes('<li>Analyst</li>'), false)
})

test('CP-46: disabling an account ends all its sessions at once; enabling lets the person back in later', async () => {
  const person = await t.signInAs(['analyst'], 'kent', 'Dana Disabled')
  const secondDevice = await t.app.services.sessions.start(
    { subjectKind: 'staff', subjectId: person.userId, forceId: 'kent' },
    {},
    {},
  )
  assert.equal((await person.get('/console')).statusCode, 200)
  assert.equal((await kentAdmin.post(`/console/users/${person.userId}/disable`)).statusCode, 302)
  assert.equal((await person.get('/console')).statusCode, 302)
  assert.equal(await t.app.services.sessions.resolve(secondDevice.token), undefined)
  const detail = await kentAdmin.get(`/console/users/${person.userId}`)
  assert.match(detail.body, /Disabled since/)
  assert.equal((await kentAdmin.post(`/console/users/${person.userId}/enable`)).statusCode, 302)
  assert.equal((await t.app.services.staff.repository.findById(person.userId))?.disabledAt, null)
  assert.deepEqual(
    (await audited(person.userId))
      .map((e) => e.action)
      .filter((a) => a.startsWith('staff.') && a !== 'staff.viewed'),
    ['staff.disabled', 'staff.enabled'],
  )
})

test('CP-152: viewing a user’s account is itself audited', async () => {
  await systemAdmin.get(`/console/users/${kentOfficer.userId}`)
  const views = (await audited(kentOfficer.userId)).filter((e) => e.action === 'staff.viewed')
  assert.ok(views.some((v) => v.actor_id === systemAdmin.userId))
})

test('CP-47: staff without an administrator role cannot reach user administration', async () => {
  assert.equal((await kentOfficer.get('/console/users')).statusCode, 403)
  assert.equal((await kentOfficer.get('/console/users/new')).statusCode, 403)
  assert.equal((await kentOfficer.get(`/console/users/${kentAdmin.userId}`)).statusCode, 403)
  const post = await kentOfficer.post('/console/users/new', {
    signInMethod: 'sso',
    displayName: 'Officer Made',
    email: 'officer.made@kent.police.example',
    forceId: 'kent',
  })
  assert.equal(post.statusCode, 403)
  assert.equal(await userIdByEmail('officer.made@kent.police.example'), undefined)
  const anonymous = await t.app.http.inject({ method: 'GET', url: '/console/users' })
  assert.equal(anonymous.statusCode, 302)
  assert.equal(anonymous.headers.location, '/sign-in?returnTo=%2Fconsole%2Fusers')
})
