// The public side: `/` says what the service is, which forces use it and how to stop messages;
// the link at the foot of a real email stops emails; staff sign in at /sign-in.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { FixedClock } from '../clock.ts'
import { rows } from '../db/database.ts'

let t: TestApp
const clock = new FixedClock('2026-06-03T10:00:00Z') // Wednesday 11:00 in London

before(async () => {
  t = await createTestApp({}, { clock })
})
after(() => t.close())

test('/ is a public page: what the service is, the forces that use it, how to stop messages, the accessibility statement and the way in for staff', async () => {
  const page = await t.app.http.inject({ method: 'GET', url: '/' })
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<h1[^>]*>Updates about what you reported to the police<\/h1>/)
  for (const force of await t.app.services.forces.list())
    assert.match(page.body, new RegExp(`<li>${force.branding.displayName ?? force.name}`))
  assert.match(page.body, /id="stop-messages"/)
  assert.match(page.body, /Reply <strong>STOP<\/strong>/)
  assert.match(page.body, /Use the link at the bottom of any email/)
  assert.match(page.body, /href="\/accessibility"/)
  assert.match(page.body, /href="\/sign-in"[^>]*>\s*Staff sign in/)

  const staff = await t.signInAs(['analyst'], 'kent', 'Pat Analyst')
  const signedIn = await staff.get('/')
  assert.equal(signedIn.statusCode, 200)
  assert.match(signedIn.body, /href="\/console"[^>]*>\s*Go to the staff console/)
})

test('staff sign in at /sign-in; addresses kept for it redirect there with where they were going', async () => {
  assert.equal((await t.app.http.inject({ method: 'GET', url: '/sign-in' })).statusCode, 200)
  for (const old of ['/login', '/console/sign-in', '/staff/sign-in']) {
    const moved = await t.app.http.inject({ method: 'GET', url: old })
    assert.equal(moved.statusCode, 301, old)
    assert.equal(moved.headers.location, '/sign-in')
  }
  const withReturn = await t.app.http.inject({ method: 'GET', url: '/login?returnTo=/console/cases' })
  assert.equal(withReturn.headers.location, '/sign-in?returnTo=%2Fconsole%2Fcases')
  // A staff page asked for without a session leads to /sign-in.
  const console = await t.app.http.inject({ method: 'GET', url: '/console/cases' })
  assert.match(String(console.headers.location), /^\/sign-in/)
})

test('UJ-6: the public opt-out page works from the link in an email a victim was sent, and stops emails to that address', async () => {
  await t.app.services.journeys.installDefaults('kent')
  const email = 'drew.public@example.org'
  const recorded = await t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      'kent',
      {
        kind: 'crime.recorded',
        crime: {
          crimeRef: '46/5150/26',
          crimeType: 'Burglary',
          status: 'open',
          vcopCategory: 'enhanced',
          recordedAt: clock.now(),
        },
        people: [
          {
            athenaUrn: 'PUB-1',
            name: 'Drew Public',
            role: 'victim',
            phones: [],
            emails: [email],
            preferredChannel: 'email',
            markers: [],
          },
        ],
      },
      { sourceSystem: 'athena', occurredAt: clock.now() },
    ),
  )
  await t.app.jobs.drain()
  const [sent] = await t.app.db.withForce('kent', (tx) =>
    rows<{ body: string; status: string }>(
      tx,
      sql`select body, status from messages where case_id = ${recorded.crimeId} and channel = 'email'`,
    ),
  )
  assert.ok(sent, 'the victim was emailed')
  const link = /https?:\/\/[^\s)]+\/unsubscribe\/[A-Za-z0-9_.-]+/.exec(sent.body)?.[0]
  assert.ok(link, 'the email ends with its unsubscribe link')
  const path = new URL(link).pathname

  const page = await t.app.http.inject({ method: 'GET', url: path })
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<h1[^>]*>Stop emails<\/h1>/)
  assert.match(page.body, new RegExp(`<form method="post" action="${path}"`))
  // Following the link stops nothing by itself (link scanners fetch it).
  assert.equal(
    await t.app.db.withForce('kent', (tx) =>
      t.app.services.messaging.optOuts.isOptedOut(tx, 'kent', 'email', email),
    ),
    false,
  )
  const stopped = await t.app.http.inject({ method: 'POST', url: path })
  assert.equal(stopped.statusCode, 200)
  assert.match(stopped.body, /You have unsubscribed/)
  assert.equal(
    await t.app.db.withForce('kent', (tx) =>
      t.app.services.messaging.optOuts.isOptedOut(tx, 'kent', 'email', email),
    ),
    true,
  )
  const altered = await t.app.http.inject({ method: 'GET', url: `${path.slice(0, -2)}xx` })
  assert.equal(altered.statusCode, 404)
  assert.match(altered.body, /This link is not valid/)
})
