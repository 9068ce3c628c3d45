// The demo's Portal: simulated victims are invited through the invitation service, and the
// citizen sign-in the start-up banner prints works (password, then the authenticator code), twice
// over on the same database.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { seedDemo } from '../platform/seed.ts'
import { CITIZEN_SESSION_COOKIE } from '../platform/http/server.ts'
import { demoCitizenCode, seedPortalDemo } from './demo.ts'

let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock: new FixedClock('2026-06-10T10:00:00Z') })
  await seedDemo(t.app)
})
after(() => t?.close())

test('the demo invites its simulated victims and its banner’s citizen sign-in works', async () => {
  const citizen = await seedPortalDemo(t.app)
  await seedPortalDemo(t.app)
  const [invited] = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(tx, sql`select count(*)::int as n from portal_invitations`),
  )
  assert.equal(invited!.n, 3)

  let cookie = ''
  const keep = (r: { cookies: { name: string; value: string }[] }) => {
    for (const c of r.cookies) cookie = `${cookie ? `${cookie}; ` : ''}${c.name}=${c.value}`
  }
  const page = await t.app.http.inject({ method: 'GET', url: citizen.path })
  keep(page)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
  const post = (url: string, form: Record<string, string>) =>
    t.app.http.inject({
      method: 'POST',
      url,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...form, _csrf: csrf }).toString(),
    })
  const started = await post(citizen.path, { email: citizen.email, password: citizen.password })
  assert.equal(started.statusCode, 303, started.body)
  keep(started)
  const signedIn = await post('/portal/sign-in/code', { code: (await demoCitizenCode(t.app.clock.now()))! })
  assert.equal(signedIn.statusCode, 303, signedIn.body)
  const session = signedIn.cookies.find((c) => c.name === CITIZEN_SESSION_COOKIE)!
  const dashboard = await t.app.http.inject({
    method: 'GET',
    url: '/portal',
    headers: { cookie: `${CITIZEN_SESSION_COOKIE}=${session.value}` },
  })
  assert.equal(dashboard.statusCode, 200)
  assert.match(dashboard.body, /46\/90001\/26/)
})

test('the demo officer has portal conversations to answer in My cases, once however often the demo runs', async () => {
  await seedPortalDemo(t.app)
  const officer = await t.app.services.staff.repository.findByEmail('kent.officer@waypoint.example.org')
  assert.ok(officer)
  const mine = await t.app.services.officers.myCases('kent', officer.id)
  assert.equal(mine.profile?.collar, '4521')
  const waiting = mine.cases.filter((c) => c.unread > 0)
  assert.deepEqual(waiting.map((c) => [c.crimeRef, c.unread, c.hasAccount]).sort(), [
    ['46/90001/26', 2, true],
    ['46/90002/26', 1, true],
  ])
})
