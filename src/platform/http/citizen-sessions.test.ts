// Citizen sessions: their own cookie and table rows, the access rule both ways, timeouts on the
// injected clock, a new session id at each sign-in, CSRF on citizen forms, sign-out.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { FixedClock } from '../clock.ts'
import { CITIZEN_SESSION_COOKIE, SESSION_COOKIE } from './server.ts'

const clock = new FixedClock('2026-06-01T09:00:00Z')
let t: TestApp

before(async () => {
  t = await createTestApp(
    { session: { idleMinutes: 30, absoluteHours: 12, secureCookie: false } },
    {
      clock,
      // The test's way in goes through the same seam an identity provider will use.
      testRoutes: citizenTestSignIn,
    },
  )
})
after(() => t.close())

/** Signs a citizen in; `cookie` is the browser's cookie header before, if any. */
async function citizenSignIn(subject: string, forceId = 'kent', cookie?: string) {
  const response = await t.app.http.inject({
    method: 'POST',
    url: '/test/citizen-sign-in',
    payload: { subject, forceId },
    headers: cookie ? { cookie } : {},
  })
  assert.equal(response.statusCode, 200, response.body)
  const set = response.cookies.find((c) => c.name === CITIZEN_SESSION_COOKIE)
  assert.ok(set, 'a citizen session cookie is set')
  assert.equal(set.httpOnly, true)
  assert.equal(set.sameSite, 'Lax')
  return {
    cookie: `${CITIZEN_SESSION_COOKIE}=${set.value}`,
    citizenId: (response.json() as { citizenId: string }).citizenId,
  }
}

const get = (url: string, cookie?: string) =>
  t.app.http.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} })

test('CP-16: a citizen test session reaches the citizen-only account page and is refused on staff routes', async () => {
  const { cookie } = await citizenSignIn('one-login-subject-1')
  const account = await get('/account', cookie)
  assert.equal(account.statusCode, 200)
  assert.match(account.body, /You are signed in/)
  for (const url of ['/console', '/console/outbox', '/console/users']) {
    const refused = await get(url, cookie)
    assert.equal(refused.statusCode, 403, url)
    assert.match(refused.body, /This page is for police staff/)
  }
  const api = await t.app.http.inject({
    method: 'GET',
    url: '/console/outbox',
    headers: { cookie, accept: 'application/json' },
  })
  assert.equal(api.statusCode, 403)
})

test('CP-16: a staff session is refused on the citizen-only route, and reaches staff routes', async () => {
  const staff = await t.signInAs(['force_admin'])
  assert.equal((await staff.get('/console')).statusCode, 200)
  const refused = await staff.get('/account')
  assert.equal(refused.statusCode, 403)
  assert.match(refused.body, /for citizens signed in/)
})

test('CP-16: with no session the account page sends the person to the citizen sign-in page, not the staff one', async () => {
  const response = await get('/account')
  assert.equal(response.statusCode, 302)
  assert.equal(response.headers.location, '/account/sign-in?returnTo=%2Faccount')
  assert.equal((await get('/account/sign-in')).statusCode, 200)
})

test('a citizen session token in the staff cookie is not a staff session, nor a citizen one', async () => {
  const { cookie } = await citizenSignIn('one-login-subject-2')
  const asStaffCookie = cookie.replace(`${CITIZEN_SESSION_COOKIE}=`, `${SESSION_COOKIE}=`)
  const console = await get('/console', asStaffCookie)
  assert.equal(console.statusCode, 302)
  assert.match(String(console.headers.location), /^\/sign-in/)
  assert.equal((await get('/account', asStaffCookie)).statusCode, 302)
})

test('CP-20: a citizen session ends after 30 idle minutes', async () => {
  const { cookie } = await citizenSignIn('one-login-idle')
  clock.advance(29 * 60_000)
  assert.equal((await get('/account', cookie)).statusCode, 200)
  clock.advance(29 * 60_000)
  assert.equal((await get('/account', cookie)).statusCode, 200, 'use keeps the session alive')
  clock.advance(31 * 60_000)
  assert.equal((await get('/account', cookie)).statusCode, 302, 'idle too long: signed out')
})

test('CP-20: a citizen session in constant use still ends 12 hours after sign-in', async () => {
  const { cookie } = await citizenSignIn('one-login-absolute')
  for (let minutes = 0; minutes < 12 * 60 - 20; minutes += 20) {
    clock.advance(20 * 60_000)
    assert.equal((await get('/account', cookie)).statusCode, 200, `after ${minutes + 20} minutes`)
  }
  clock.advance(20 * 60_000)
  assert.equal((await get('/account', cookie)).statusCode, 302)
})

test('CP-18: each sign-in issues a new session id and ends the one the browser had; the citizen keeps their id', async () => {
  const first = await citizenSignIn('one-login-renewal')
  const second = await citizenSignIn('one-login-renewal', 'kent', first.cookie)
  assert.notEqual(second.cookie, first.cookie)
  assert.equal(second.citizenId, first.citizenId)
  assert.equal((await get('/account', first.cookie)).statusCode, 302, 'the old session id no longer works')
  assert.equal((await get('/account', second.cookie)).statusCode, 200)
  const other = await citizenSignIn('one-login-renewal', 'essex')
  assert.notEqual(other.citizenId, first.citizenId, 'one id per force')
})

test('citizen forms need the citizen session’s CSRF token; signing out ends only the citizen session', async () => {
  const { cookie: citizenCookie } = await citizenSignIn('one-login-csrf')
  const staff = await t.signInAs(['force_admin'])
  const both = `${citizenCookie}; ${staff.cookie}`
  const signOut = (token?: string) =>
    t.app.http.inject({
      method: 'POST',
      url: '/account/sign-out',
      headers: { cookie: both, 'content-type': 'application/x-www-form-urlencoded' },
      payload: token === undefined ? '' : new URLSearchParams({ _csrf: token }).toString(),
    })
  assert.equal((await signOut()).statusCode, 403, 'no token')
  assert.equal((await signOut(staff.csrf)).statusCode, 403, 'the staff session’s token')
  const page = await get('/account', both)
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1]
  assert.ok(token)
  const done = await signOut(token)
  assert.equal(done.statusCode, 303)
  assert.equal(done.headers.location, '/account/signed-out')
  assert.equal((await get('/account', citizenCookie)).statusCode, 302, 'the citizen session has ended')
  assert.equal((await staff.get('/console')).statusCode, 200, 'the staff session is untouched')
})
