// Staff single sign-on end to end: a real Waypoint on 127.0.0.1, a real OpenID provider, and a
// client that follows every redirect and keeps cookies like a browser.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { rows } from '../src/platform/db/database.ts'
import { loadConfig } from '../src/platform/config.ts'
import { type FakeIdp, startFakeIdp } from './support/fake-idp.ts'
import { TestBrowser } from './support/test-browser.ts'
import { createTestApp, type TestApp } from './support/test-app.ts'

let t: TestApp
let idp: FakeIdp
let base: string

const groupRoleMap = {
  'waypoint-kent-admins': { force: 'kent', roles: ['force_admin'] },
  'waypoint-kent-analysts': { force: 'kent', roles: ['analyst'] },
  'waypoint-essex-handlers': { force: 'essex', roles: ['contact_handler'] },
}

before(async () => {
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  idp = await startFakeIdp({
    redirectUris: [`${base}/sign-in/sso/callback`],
    users: [
      {
        sub: 'alice',
        email: 'alice.ward@kent.police.example',
        name: 'Alice Ward',
        groups: ['waypoint-kent-admins', 'all-staff'],
      },
      { sub: 'bob', email: 'bob.stone@kent.police.example', name: 'Bob Stone', groups: ['all-staff'] },
      {
        sub: 'carol',
        email: 'carol.king@kent.police.example',
        name: 'Carol King',
        groups: ['waypoint-kent-analysts'],
      },
    ],
  })
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp({
    http: { ...defaults.http, port, publicUrl: base },
    oidc: {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      groupRoleMap: JSON.stringify(groupRoleMap),
    },
  })
  await t.app.http.listen({ host: '127.0.0.1', port })
})
after(async () => {
  await t.close()
  await idp.close()
})

/** Starts SSO at Waypoint, signs in at the provider as `sub`, and follows redirects to the end. */
async function signInWithSso(browser: TestBrowser, sub: string, returnTo = '/console/users') {
  const loginPage = await browser.open(`${base}/sign-in/sso?returnTo=${encodeURIComponent(returnTo)}`)
  if (!loginPage.url.href.startsWith(idp.issuer)) return loginPage
  assert.equal(loginPage.status, 200)
  const action = /action="([^"]+)"/.exec(loginPage.body)?.[1]
  assert.ok(action, 'the provider shows its login form')
  return browser.open(new URL(action, idp.issuer), { form: { login: sub } })
}

async function staffByEmail(email: string) {
  return t.app.services.staff.repository.findByEmail(email)
}

async function grantsOf(userId: string) {
  return t.app.db.asSystem((tx) =>
    rows<{
      role: string
      granted_by: string | null
      grant_detail: string | null
      revoked_at: Date | null
      revoke_detail: string | null
    }>(
      tx,
      sql`select role, granted_by, grant_detail, revoked_at, revoke_detail from staff_role_grants where user_id = ${userId} order by granted_at, role`,
    ),
  )
}

test('CRM-29: staff sign in with their force account (authorisation code + PKCE) and land on the page they asked for', async () => {
  const browser = new TestBrowser()
  const page = await signInWithSso(browser, 'alice')
  assert.equal(page.status, 200)
  assert.equal(page.url.href, `${base}/console/users`)
  assert.match(page.body, /<h1 class="govuk-heading-l">Users<\/h1>/)
  assert.match(page.body, /Alice Ward/)
  // The request to the provider carried PKCE, state and nonce.
  const start = await new TestBrowser().request(`${base}/sign-in/sso`)
  const authorise = new URL(start.headers.get('location')!)
  assert.equal(authorise.searchParams.get('code_challenge_method'), 'S256')
  assert.ok(authorise.searchParams.get('code_challenge'))
  assert.ok(authorise.searchParams.get('state'))
  assert.ok(authorise.searchParams.get('nonce'))
})

test('CP-47: the first SSO sign-in creates the user just in time with the force and roles its groups map to', async () => {
  const user = await staffByEmail('alice.ward@kent.police.example')
  assert.ok(user)
  assert.equal(user.forceId, 'kent')
  assert.equal(user.oidcSubject, 'alice')
  assert.equal(user.passwordHash, null)
  const grants = await grantsOf(user.id)
  assert.deepEqual(
    grants.map((g) => [g.role, g.granted_by, g.grant_detail, g.revoked_at]),
    [['force_admin', null, 'sso', null]],
  )
  const audit = await t.app.db.asSystem((tx) =>
    rows<{ action: string; detail: Record<string, unknown> }>(
      tx,
      sql`select action, detail from audit_events where record_id = ${user.id} order by seq`,
    ),
  )
  assert.deepEqual(
    audit.map((a) => a.action),
    ['staff.created', 'role.granted', 'sign-in.succeeded'],
  )
  assert.equal(audit[1].detail.via, 'sso')
})

test('CP-47: each SSO sign-in brings roles up to date with the groups; SSO revocations are recorded as such', async () => {
  idp.users.get('alice')!.groups = ['waypoint-kent-analysts']
  const page = await signInWithSso(new TestBrowser(), 'alice', '/console')
  assert.equal(page.url.href, `${base}/console`)
  assert.match(page.body, /Analyst/)
  assert.doesNotMatch(page.body, /Force administrator/)
  const user = await staffByEmail('alice.ward@kent.police.example')
  const grants = await grantsOf(user!.id)
  const adminGrant = grants.find((g) => g.role === 'force_admin')!
  assert.ok(adminGrant.revoked_at)
  assert.equal(adminGrant.revoke_detail, 'sso')
  assert.deepEqual(
    grants.filter((g) => !g.revoked_at).map((g) => [g.role, g.granted_by, g.grant_detail]),
    [['analyst', null, 'sso']],
  )
})

test('CRM-29: a person in no mapped group sees a no-access page and gets no session', async () => {
  const browser = new TestBrowser()
  const page = await signInWithSso(browser, 'bob')
  assert.equal(page.status, 403)
  assert.match(page.body, /You do not have access to Waypoint/)
  assert.equal(browser.cookie(base, 'waypoint_session'), undefined)
  assert.equal(await staffByEmail('bob.stone@kent.police.example'), undefined)
  const console = await browser.open(`${base}/console`)
  assert.equal(console.url.pathname, '/sign-in')
})

test('CRM-29: a callback whose state does not match the one sent is refused, with no session', async () => {
  const browser = new TestBrowser()
  const loginPage = await browser.open(`${base}/sign-in/sso`)
  const action = /action="([^"]+)"/.exec(loginPage.body)![1]
  const callback = await browser.open(new URL(action, idp.issuer), { form: { login: 'carol' } }, (next) =>
    next.href.startsWith(`${base}/sign-in/sso/callback`),
  )
  assert.ok(callback.url.searchParams.get('code'))
  const forged = new URL(callback.url)
  forged.searchParams.set('state', 'forged-state')
  const refused = await browser.open(forged)
  assert.equal(refused.status, 400)
  assert.match(refused.body, /Sign-in could not be completed/)
  assert.equal(browser.cookie(base, 'waypoint_session'), undefined)
  assert.equal(await staffByEmail('carol.king@kent.police.example'), undefined)
  // The genuine callback cannot be replayed afterwards either: the pending sign-in has gone.
  const replay = await browser.open(callback.url)
  assert.equal(replay.status, 400)
})

test('CRM-29: a callback arriving in another browser (no pending sign-in) is refused', async () => {
  const first = new TestBrowser()
  const loginPage = await first.open(`${base}/sign-in/sso`)
  const action = /action="([^"]+)"/.exec(loginPage.body)![1]
  const callback = await first.open(new URL(action, idp.issuer), { form: { login: 'carol' } }, (next) =>
    next.href.startsWith(`${base}/sign-in/sso/callback`),
  )
  const attacker = new TestBrowser()
  const refused = await attacker.open(callback.url)
  assert.equal(refused.status, 400)
  assert.equal(attacker.cookie(base, 'waypoint_session'), undefined)
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
