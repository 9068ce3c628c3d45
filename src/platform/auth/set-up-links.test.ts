// Adding a local user (issue 13 §5): the person is emailed an expiring, single-use set-up link,
// chooses a password and enrols an authenticator on its page, and is signed in. Links are stored
// hashed, replaced by a new one, refused when expired or used, and every step is audited.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, beforeEach, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { FormBrowser } from '../../../test/support/form-browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../../test/support/test-app.ts'
import { rows } from '../db/database.ts'
import { roleDescriptions } from './roles.ts'
import type { DevelopmentStaffMailbox } from './staff-mail.ts'
import { totpCodeAt } from './totp.ts'

let t: TestApp
let kentAdmin: SignedIn
const PASSWORD = 'lantern orchard pebble'

before(async () => {
  t = await createTestApp()
})
// Tests move the clock by days, past a session's idle timeout: each signs its administrator in afresh.
beforeEach(async () => {
  kentAdmin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
})
after(() => t.close())

const mailbox = () => t.app.services.staffMail as DevelopmentStaffMailbox
const lastLinkTo = (email: string) => {
  const mail = mailbox().sent.findLast((m) => m.to === email)
  assert.ok(mail, `an email to ${email}`)
  const url = new URL(mail.link)
  return { mail, path: `${url.pathname}${url.search}`, token: url.searchParams.get('token') ?? '' }
}
const audited = (recordId: string) =>
  t.app.db.asSystem((tx) =>
    rows<{ action: string; actor_id: string | null; detail: Record<string, unknown> }>(
      tx,
      sql`select action, actor_id, detail from audit_events where record_id = ${recordId} order by occurred_at, seq`,
    ),
  )
let counter = 0
async function addLocalUser(admin = kentAdmin) {
  counter += 1
  const email = `local.person${counter}@kent.police.example`
  const added = await admin.post('/console/users/new', {
    displayName: `Local Person ${counter}`,
    email,
    forceId: 'kent',
    signInMethod: 'local',
    roles: ['analyst'],
  })
  assert.equal(added.statusCode, 302, added.body)
  const id = (await t.app.services.staff.repository.findByEmail(email))!.id
  return { id, email, location: added.headers.location as string }
}
const secretOn = (body: string) => /id="totp-secret">([A-Z2-7]+)</.exec(body)?.[1] ?? ''

test('adding a local user emails a set-up link stored only as its hash; their page says so and how they sign in', async () => {
  const { id, email, location } = await addLocalUser()
  assert.equal(location, `/console/users/${id}?done=created-local`)
  const { mail, token } = lastLinkTo(email)
  assert.match(mail.body, /works once and stops working at/)
  assert.ok(token.length >= 40)
  const stored = await t.app.db.asSystem((tx) =>
    rows<{ token_hash: string; expires_at: Date }>(
      tx,
      sql`select token_hash, expires_at from staff_setup_links where user_id = ${id}`,
    ),
  )
  assert.equal(stored.length, 1)
  assert.equal(stored[0].token_hash, createHash('sha256').update(token).digest('hex'))
  assert.equal(new Date(stored[0].expires_at).getTime() - t.clock.now().getTime(), 72 * 3_600_000)

  const page = await kentAdmin.get(location)
  assert.match(page.body, /User added\. A set-up link has been emailed/)
  assert.match(page.body, /Waypoint password and authenticator app/)
  assert.doesNotMatch(page.body, /single sign-on/)
  assert.match(page.body, /A set-up link was emailed on/)
  const list = await kentAdmin.get('/console/users')
  assert.match(
    list.body,
    new RegExp(`${email}</td>\\s*<td[^>]*>Kent Police</td>\\s*<td[^>]*>Waypoint password`),
  )
  const actions = (await audited(id)).map((e) => e.action)
  assert.deepEqual(actions.slice(0, 2), ['staff.created', 'staff.set-up-link-issued'])
})

test('the link’s page sets a password by the rules and enrols the authenticator, then signs the person in; the link works once', async () => {
  const { id, email } = await addLocalUser()
  const { path, token } = lastLinkTo(email)
  const browser = new FormBrowser(t.app)
  const page = await browser.get(path)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Set up your Waypoint account/)
  const secret = secretOn(page.body)
  assert.ok(secret)

  const short = await browser.post('/sign-in/set-up', {
    token,
    password: 'short',
    confirmPassword: 'short',
    code: '',
  })
  assert.equal(short.statusCode, 400)
  assert.match(short.body, /<a href="#password">Password must be 12 characters or more<\/a>/)
  assert.match(short.body, /<a href="#code">Enter the 6-digit code/)
  const mismatch = await browser.post('/sign-in/set-up', {
    token,
    password: PASSWORD,
    confirmPassword: `${PASSWORD}x`,
    code: await totpCodeAt(secret, t.clock.now()),
  })
  assert.equal(mismatch.statusCode, 400)
  assert.match(mismatch.body, /<a href="#confirmPassword">Enter the same password in both boxes<\/a>/)
  const wrongCode = await browser.post('/sign-in/set-up', {
    token,
    password: PASSWORD,
    confirmPassword: PASSWORD,
    code: '000000',
  })
  assert.equal(wrongCode.statusCode, 400)
  assert.equal(secretOn(wrongCode.body), secret, 'the same key is shown again')
  assert.equal((await t.app.services.staff.repository.findById(id))?.passwordHash, null)

  const done = await browser.post('/sign-in/set-up', {
    token,
    password: PASSWORD,
    confirmPassword: PASSWORD,
    code: await totpCodeAt(secret, t.clock.now()),
  })
  assert.equal(done.statusCode, 303, done.body)
  assert.equal(done.headers.location, '/console?done=set-up')
  assert.equal((await browser.get('/console')).statusCode, 200)
  const user = await t.app.services.staff.repository.findById(id)
  assert.match(user?.passwordHash ?? '', /^\$argon2id\$/)
  assert.ok(user?.totpConfirmedAt)

  const again = await new FormBrowser(t.app).get(path)
  assert.equal(again.statusCode, 410)
  assert.match(again.body, /This set-up link no longer works/)
  const events = await audited(id)
  assert.ok(events.some((e) => e.action === 'staff.set-up-completed' && e.actor_id === id))
  assert.ok(events.some((e) => e.action === 'sign-in.succeeded' && e.detail.method === 'set-up-link'))
  assert.ok(events.some((e) => e.action === 'staff.set-up-link-refused' && e.detail.reason === 'used'))
  const adminView = await kentAdmin.get(`/console/users/${id}`)
  assert.match(adminView.body, /Set up their account on/)
  assert.doesNotMatch(adminView.body, /Send a new set-up link/)

  // The password and the enrolled authenticator now sign the person in as usual.
  const later = new FormBrowser(t.app)
  await later.get('/sign-in')
  t.clock.advance(60_000)
  const password = await later.post('/sign-in', { email, password: PASSWORD })
  assert.equal(password.headers.location, '/sign-in/mfa')
  await later.get('/sign-in/mfa')
  const code = await later.post('/sign-in/mfa', { code: await totpCodeAt(secret, t.clock.now()) })
  assert.equal(code.statusCode, 302)
})

test('an expired link is refused, and a new link from an administrator replaces the old one', async () => {
  const { id, email } = await addLocalUser()
  const first = lastLinkTo(email)
  t.clock.advance(71 * 3_600_000)
  assert.equal((await new FormBrowser(t.app).get(first.path)).statusCode, 200)
  t.clock.advance(2 * 3_600_000)
  const expired = await new FormBrowser(t.app).get(first.path)
  assert.equal(expired.statusCode, 410)
  // Sessions have idle timeouts: the administrator signs in again after three days.
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  const page = await admin.get(`/console/users/${id}`)
  assert.match(page.body, /expired on/)

  const reissued = await admin.post(`/console/users/${id}/set-up-link`)
  assert.equal(reissued.statusCode, 303)
  assert.match(
    (await admin.get(reissued.headers.location as string)).body,
    /A new set-up link has been emailed/,
  )
  const second = lastLinkTo(email)
  assert.notEqual(second.token, first.token)
  const third = await admin.post(`/console/users/${id}/set-up-link`)
  assert.equal(third.statusCode, 303)
  const latest = lastLinkTo(email)
  // The second link was replaced by the third before it was used: refused, even mid-form.
  assert.equal((await new FormBrowser(t.app).get(second.path)).statusCode, 410)
  const browser = new FormBrowser(t.app)
  assert.equal((await browser.get(latest.path)).statusCode, 200)
  const replacedPost = await browser.post('/sign-in/set-up', {
    token: second.token,
    password: PASSWORD,
    confirmPassword: PASSWORD,
    code: '123456',
  })
  assert.equal(replacedPost.statusCode, 410)
  const reasons = (await audited(id))
    .filter((e) => e.action === 'staff.set-up-link-refused')
    .map((e) => e.detail.reason)
  assert.ok(reasons.includes('expired') && reasons.includes('replaced'), String(reasons))
  assert.equal((await new FormBrowser(t.app).get('/sign-in/set-up?token=not-a-token')).statusCode, 410)
})

test('only an administrator of the person’s force may send a set-up link, and only to a local user not yet set up', async () => {
  const { id, email } = await addLocalUser()
  const before = mailbox().sent.length
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essexAdmin.post(`/console/users/${id}/set-up-link`)).statusCode, 404)
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await officer.post(`/console/users/${id}/set-up-link`)).statusCode, 403)
  assert.equal(mailbox().sent.length, before)
  assert.equal(
    lastLinkTo(email).mail,
    mailbox().sent.findLast((m) => m.to === email),
  )

  const sso = await kentAdmin.post('/console/users/new', {
    displayName: 'Single Sign On',
    email: 'sso.person@kent.police.example',
    forceId: 'kent',
    signInMethod: 'sso',
  })
  assert.match(sso.headers.location as string, /done=created$/)
  const ssoId = (await t.app.services.staff.repository.findByEmail('sso.person@kent.police.example'))!.id
  assert.equal(
    mailbox().sent.some((m) => m.to === 'sso.person@kent.police.example'),
    false,
  )
  assert.equal((await kentAdmin.post(`/console/users/${ssoId}/set-up-link`)).statusCode, 409)
  const ssoPage = await kentAdmin.get(`/console/users/${ssoId}`)
  assert.match(ssoPage.body, /Their force account \(single sign-on\): linked the first time they sign in/)
  assert.doesNotMatch(ssoPage.body, /set-up link/i)
})

test('the add-a-user form asks how the person will sign in, and describes each role', async () => {
  const form = await kentAdmin.get('/console/users/new')
  assert.match(form.body, /How will they sign in\?/)
  assert.match(form.body, /value="sso"/)
  assert.match(form.body, /value="local"/)
  // A force administrator may grant every role but the region's own.
  assert.doesNotMatch(form.body, /value="system_admin"/)
  for (const [role, description] of Object.entries(roleDescriptions).filter(([r]) => r !== 'system_admin'))
    assert.ok(
      form.body.includes(description.replaceAll('’', '&rsquo;')) || form.body.includes(description),
      `the form describes ${role}`,
    )
  const refused = await kentAdmin.post('/console/users/new', {
    displayName: 'No Method',
    email: 'no.method@kent.police.example',
    forceId: 'kent',
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /<a href="#signInMethod">Select how the person will sign in<\/a>/)
  assert.equal(await t.app.services.staff.repository.findByEmail('no.method@kent.police.example'), undefined)
})

/** A local user who has set up their account through their link; `browser` is signed in as them. */
async function aUserWhoSetUp() {
  const { id, email } = await addLocalUser()
  const { path, token } = lastLinkTo(email)
  const browser = new FormBrowser(t.app)
  const secret = secretOn((await browser.get(path)).body)
  const done = await browser.post('/sign-in/set-up', {
    token,
    password: PASSWORD,
    confirmPassword: PASSWORD,
    code: await totpCodeAt(secret, t.clock.now()),
  })
  assert.equal(done.statusCode, 303, done.body)
  return { id, email, secret, browser }
}

test('a force administrator resets the sign-in of a user who lost their authenticator: the old password and authenticator stop working, the person is signed out, and a new link sets up new ones', async () => {
  const { id, email, secret, browser } = await aUserWhoSetUp()
  assert.equal((await browser.get('/console')).statusCode, 200)
  const page = await kentAdmin.get(`/console/users/${id}`)
  assert.match(page.body, /href="\/console\/users\/[^"]+\/reset-sign-in"/)
  const confirm = await kentAdmin.get(`/console/users/${id}/reset-sign-in`)
  assert.equal(confirm.statusCode, 200)
  assert.match(confirm.body, /Are you sure you want to reset Local Person \d+’s sign-in\?/)
  const before = lastLinkTo(email)

  t.clock.advance(60_000)
  const reset = await kentAdmin.post(`/console/users/${id}/reset-sign-in`)
  assert.equal(reset.statusCode, 303, reset.body)
  assert.equal(reset.headers.location, `/console/users/${id}?done=reset`)
  const after = await kentAdmin.get(reset.headers.location as string)
  assert.match(after.body, /Sign-in reset\. Their old password and authenticator app no longer work/)
  assert.match(after.body, /A set-up link was emailed on/)

  // Signed out everywhere, and neither the old password nor the old authenticator signs in.
  assert.notEqual((await browser.get('/console')).statusCode, 200)
  const stored = await t.app.services.staff.repository.findById(id)
  assert.equal(stored?.passwordHash, null)
  assert.equal(stored?.totpSecret, null)
  assert.equal(stored?.totpConfirmedAt, null)
  const again = new FormBrowser(t.app)
  await again.get('/sign-in')
  const password = await again.post('/sign-in', { email, password: PASSWORD })
  assert.notEqual(password.headers.location, '/sign-in/mfa')

  const link = lastLinkTo(email)
  assert.notEqual(link.token, before.token)
  assert.match(link.mail.subject, /Set up your Waypoint sign-in again/)
  assert.match(link.mail.body, /your old password and authenticator app no longer work/)
  const fresh = new FormBrowser(t.app)
  const form = await fresh.get(link.path)
  assert.equal(form.statusCode, 200)
  const newSecret = secretOn(form.body)
  assert.ok(newSecret)
  assert.notEqual(newSecret, secret)
  t.clock.advance(60_000)
  const oldCode = await fresh.post('/sign-in/set-up', {
    token: link.token,
    password: PASSWORD,
    confirmPassword: PASSWORD,
    code: await totpCodeAt(secret, t.clock.now()),
  })
  assert.equal(oldCode.statusCode, 400, 'a code from the old authenticator is refused')
  const done = await fresh.post('/sign-in/set-up', {
    token: link.token,
    password: PASSWORD,
    confirmPassword: PASSWORD,
    code: await totpCodeAt(newSecret, t.clock.now()),
  })
  assert.equal(done.statusCode, 303, done.body)

  const events = await audited(id)
  const resetEvent = events.find((e) => e.action === 'staff.sign-in-reset')
  assert.equal(resetEvent?.actor_id, kentAdmin.userId)
  assert.deepEqual(
    events.map((e) => e.action).filter((a) => a === 'staff.sign-in-reset' || a === 'staff.set-up-completed'),
    ['staff.set-up-completed', 'staff.sign-in-reset', 'staff.set-up-completed'],
  )
})

test('only an administrator of the person’s force may reset a sign-in, never their own, and only of a local user who has set up', async () => {
  const { id, email } = await aUserWhoSetUp()
  const mails = mailbox().sent.length
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal((await essexAdmin.get(`/console/users/${id}/reset-sign-in`)).statusCode, 404)
  assert.equal((await essexAdmin.post(`/console/users/${id}/reset-sign-in`)).statusCode, 404)
  for (const role of ['investigating_officer', 'supervisor', 'auditor'] as const) {
    const other = await t.signInAs([role], 'kent')
    assert.equal((await other.post(`/console/users/${id}/reset-sign-in`)).statusCode, 403, role)
  }
  const self = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  assert.equal((await self.post(`/console/users/${self.userId}/reset-sign-in`)).statusCode, 403)
  const notYet = await addLocalUser()
  assert.equal((await kentAdmin.post(`/console/users/${notYet.id}/reset-sign-in`)).statusCode, 409)
  const sso = await kentAdmin.post('/console/users/new', {
    displayName: 'Single Sign On Two',
    email: 'sso.person2@kent.police.example',
    forceId: 'kent',
    signInMethod: 'sso',
  })
  const ssoId = new URL(sso.headers.location as string, 'http://x').pathname.split('/').pop()!
  assert.equal((await kentAdmin.post(`/console/users/${ssoId}/reset-sign-in`)).statusCode, 409)
  assert.doesNotMatch((await kentAdmin.get(`/console/users/${ssoId}`)).body, /Reset sign-in/)
  // The refusals changed nothing and sent nothing.
  assert.match((await t.app.services.staff.repository.findById(id))?.passwordHash ?? '', /^\$argon2id\$/)
  assert.equal(mailbox().sent.filter((m) => m.to === email).length, 1)
  assert.equal(mailbox().sent.length, mails + 1, 'only the not-yet-set-up user’s own first link')
  assert.equal(
    (await audited(id)).some((e) => e.action === 'staff.sign-in-reset'),
    false,
  )
})

test('the set-up page shows the authenticator’s setup link as a QR code with its key beside it', async () => {
  const { email } = await addLocalUser()
  const page = await new FormBrowser(t.app).get(lastLinkTo(email).path)
  assert.match(
    page.body,
    /<div class="waypoint-qr" id="totp-qr-code"><svg [^>]*role="img" aria-label="QR code of the setup link/,
  )
  assert.match(page.body, /Scan the QR code with the app/)
  assert.ok(secretOn(page.body))
})
