// The user pages say what each role does, say that each change worked, and ask before an account
// is disabled.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { roleDescriptions } from './roles.ts'

let t: TestApp
before(async () => {
  t = await createTestApp()
})
after(() => t.close())

const banner = (body: string) =>
  /govuk-notification-banner--success[\s\S]*?<p class="govuk-notification-banner__heading">\s*([^<]+?)\s*<\/p>/.exec(
    body,
  )?.[1]

test('adding a user: each role is described in plain words, the page confirms it, and says how they sign in', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const form = await admin.get('/console/users/new')
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /single sign-on/)
  for (const text of [roleDescriptions.investigating_officer, roleDescriptions.analyst])
    assert.ok(form.body.includes(text.replaceAll('’', '&rsquo;')) || form.body.includes(text), text)
  const created = await admin.post('/console/users/new', {
    signInMethod: 'sso',
    displayName: 'Morgan New',
    email: 'morgan.new@kent.example.org',
    forceId: 'kent',
    roles: ['analyst'],
  })
  assert.equal(created.statusCode, 302)
  const page = await admin.get(created.headers.location as string)
  assert.match(banner(page.body) ?? '', /^User added\./)
  assert.match(page.body, /Their force account \(single sign-on\): linked the first time they sign in/)
  assert.doesNotMatch(page.body, /Waypoint password and authenticator app/)
  assert.ok(page.body.includes(roleDescriptions.analyst))

  const granted = await admin.post(`${(created.headers.location as string).split('?')[0]}/roles`, {
    role: 'auditor',
  })
  assert.equal(banner((await admin.get(granted.headers.location as string)).body), 'Auditor granted.')
})

test('disabling asks first; only the confirmation disables, and says so; the wrong administrator is refused', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const person = await t.signInAs(['contact_handler'], 'kent', 'Riley Disable')
  const detail = await admin.get(`/console/users/${person.userId}`)
  assert.match(detail.body, new RegExp(`href="/console/users/${person.userId}/disable"`))
  assert.doesNotMatch(detail.body, new RegExp(`action="/console/users/${person.userId}/disable"`))
  const confirm = await admin.get(`/console/users/${person.userId}/disable`)
  assert.equal(confirm.statusCode, 200)
  assert.match(confirm.body, /Are you sure you want to disable Riley Disable/)
  assert.equal((await t.app.services.staff.repository.findById(person.userId))?.disabledAt, null)

  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essexAdmin.get(`/console/users/${person.userId}/disable`)).statusCode, 404)
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await officer.get(`/console/users/${person.userId}/disable`)).statusCode, 403)
  assert.equal((await admin.get(`/console/users/${admin.userId}/disable`)).statusCode, 403)

  const disabled = await admin.post(`/console/users/${person.userId}/disable`)
  assert.equal(disabled.statusCode, 302)
  assert.match(
    banner((await admin.get(disabled.headers.location as string)).body) ?? '',
    /^Account disabled\./,
  )
  assert.ok((await t.app.services.staff.repository.findById(person.userId))?.disabledAt)
  const enabled = await admin.post(`/console/users/${person.userId}/enable`)
  assert.match(banner((await admin.get(enabled.headers.location as string)).body) ?? '', /^Account enabled\./)
})
