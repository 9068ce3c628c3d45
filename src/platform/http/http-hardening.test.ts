// The HTTP boundary in production: bodies that cannot be read, null characters and over-long
// text are refused as the client's mistake (400, problem+json or a GOV.UK error summary), never
// a 500 or a framework's own message; answers carrying personal data are never cached.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../../test/support/api-client.ts'
import { rows } from '../db/database.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'

let t: TestApp
before(async () => {
  t = await createTestApp({ environment: 'production' })
})
after(() => t.close())

const leaks =
  /FST_|fastify|serializ|SyntaxError|Unexpected token|JSON at position|\brelation\b|violates|syntax/i

test('CP-182: a token request that is not a form or a JSON object gets 400 problem+json in production, not a 500', async () => {
  const bodies = [
    ['application/json', '{"grant_type": "client_credentials"'],
    ['text/plain', 'grant_type=client_credentials'],
    ['application/json', '["client_credentials"]'],
    ['application/json', '"client_credentials"'],
    ['application/json', ''],
  ] as const
  for (const [contentType, payload] of bodies) {
    const response = await t.app.http.inject({
      method: 'POST',
      url: '/api/v1/oauth/token',
      headers: { 'content-type': contentType },
      payload,
    })
    const label = `${contentType} ${JSON.stringify(payload)}`
    assert.equal(response.statusCode, 400, `${label}: ${response.body}`)
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/, label)
    const problem = response.json() as { status: number; title: string; correlationId: string }
    assert.equal(problem.status, 400)
    assert.ok(problem.correlationId)
    assert.doesNotMatch(response.body, leaks, label)
  }
})

test('CP-182: a null character in a search, a staff member’s name or a template is refused with a clear 400, in every form and API', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const search = await officer.get('/console/cases?q=Smi%00th')
  assert.equal(search.statusCode, 400, search.body)
  assert.match(search.body, /null character/)
  assert.match(search.body, /govuk-error-summary/)

  const admin = await t.signInAs(['force_admin'], 'kent')
  const user = await admin.post('/console/users/new', {
    displayName: 'Sam\u0000 Jones',
    email: 'sam.jones@kent.police.example',
    forceId: 'kent',
    roles: 'analyst',
  })
  assert.equal(user.statusCode, 400, user.body)
  assert.match(user.body, /displayName must not contain a null character/)

  const designer = await t.signInAs(['journey_designer'], 'kent')
  const template = await designer.post('/console/templates', {
    key: 'null-title',
    title: 'Court\u0000 date',
    smsBody: 'Hello\u0000',
    emailSubject: 'Court date',
    emailBody: 'Body',
  })
  assert.equal(template.statusCode, 400, template.body)
  assert.match(template.body, /title must not contain a null character/)
  assert.match(template.body, /smsBody must not contain a null character/)

  const token = await issueClientToken(t, { forceId: 'kent', scopes: ['sources:write'] })
  const api = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/oauth/client?x=%00',
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(api.statusCode, 400)
  assert.match(api.headers['content-type'] as string, /problem\+json/)
  assert.equal((api.json() as { errors: { field: string }[] }).errors[0]?.field, 'x')
})

test('CP-182: an unexpected failure answers a generic page or problem in production, without the framework’s or database’s words', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  await t.database.db.execAsOwner('alter table people rename to people_hardening_test')
  try {
    const page = await officer.get('/console/cases?q=Smith')
    assert.equal(page.statusCode, 500)
    assert.doesNotMatch(page.body, leaks)
    assert.doesNotMatch(page.body, /people_hardening_test/)
  } finally {
    await t.database.db.execAsOwner('alter table people_hardening_test rename to people')
  }
  const unreadable = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/oauth/token',
    headers: { 'content-type': 'application/json' },
    payload: '{"grant_type":',
  })
  assert.equal(unreadable.statusCode, 400)
  assert.equal(
    (unreadable.json() as { title: string }).title,
    'The request body could not be read: check its format',
    'in Waypoint’s words, not the parser’s',
  )
})

test('CP-5: console pages and API answers are never cached; static assets are', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  for (const url of ['/console', '/console/cases?q=Smith', '/sign-in', '/no-such-page']) {
    const response = await officer.get(url)
    assert.equal(response.headers['cache-control'], 'no-store', url)
  }
  const token = await issueClientToken(t, { forceId: 'kent', scopes: ['sources:write'] })
  const api = await t.app.http.inject({
    method: 'GET',
    url: '/api/v1/oauth/client',
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(api.statusCode, 200)
  assert.equal(api.headers['cache-control'], 'no-store')
  const problem = await t.app.http.inject({ method: 'GET', url: '/api/v1/oauth/client' })
  assert.equal(problem.statusCode, 401)
  assert.equal(problem.headers['cache-control'], 'no-store')
  const asset = await t.app.http.inject({ method: 'GET', url: '/public/waypoint.css' })
  assert.equal(asset.statusCode, 200)
  assert.match(asset.headers['cache-control'] as string, /max-age=\d+/)
})

test('CP-182: a 100,000-character staff name is refused with an error summary, and no form field takes more than the backstop', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const user = await admin.post('/console/users/new', {
    displayName: 'N'.repeat(100_000),
    email: 'long.name@kent.police.example',
    forceId: 'kent',
    roles: 'analyst',
  })
  assert.equal(user.statusCode, 400)
  assert.match(user.body, /govuk-error-summary/)
  assert.match(user.body, /displayName must be 200 characters or fewer/)
  const stored = await t.app.db.asSystem((tx) =>
    rows(tx, sql`select 1 from staff_users where email = 'long.name@kent.police.example'`),
  )
  assert.equal(stored.length, 0, 'nothing was saved')
  const incident = await t.signInAs(['service_support'], null)
  const action = await incident.post('/console/service-status', { title: 'T'.repeat(201), description: 'x' })
  assert.equal(action.statusCode, 400)
  assert.match(action.body, /title must be 200 characters or fewer/)

  const designer = await t.signInAs(['journey_designer'], 'kent')
  const template = await designer.post('/console/templates', {
    key: 'very-long',
    title: 'Long',
    smsBody: 'S'.repeat(60_000),
    emailSubject: 'Long',
    emailBody: 'Body',
  })
  assert.equal(template.statusCode, 400)
  assert.match(template.body, /smsBody must be 10,000 characters or fewer/)
  const search = await designer.get(`/console/templates?saved=${'q'.repeat(60_000)}`)
  assert.equal(search.statusCode, 400)
  assert.match(
    search.body,
    /saved must be 50,000 characters or fewer/,
    'the backstop, where a route declares no limit',
  )
})
