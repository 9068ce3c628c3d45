// An account the national front-end registered through the API has not accepted Waypoint's terms:
// at its first sign-in to Waypoint's own pages the person is asked to accept them before any case
// or message is shown (CP-13), whichever page they open first.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../../test/support/api-client.ts'
import { aCitizenBrowser, citizenSessionCookie } from '../../../test/support/portal-citizen.ts'
import { aCrimeWithVictim, invitationTokenSentTo } from '../../../test/support/portal-cases.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { FixedClock } from '../../platform/clock.ts'
import { rows } from '../../platform/db/database.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
})
after(() => t?.close())

test('CP-13, CP-159: a person the national front-end registered through the API accepts the terms at their first sign-in here before seeing their case or messages', async () => {
  const token = await issueClientToken(t, {
    forceId: 'kent',
    scopes: ['portal:invitations', 'portal:accounts'],
  })
  const api = (url: string, body: unknown) =>
    t.app.http.inject({
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      payload: JSON.stringify(body),
    })
  const victim = await aCrimeWithVictim(t, 'kent')
  const invited = await api('/api/v1/portal/invitations', {
    personId: victim.personId,
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  assert.equal(invited.statusCode, 201, invited.body)
  const subject = `urn:fdc:gov.uk:2022:${randomUUID()}`
  const registered = await api('/api/v1/portal/accounts', {
    subject,
    email: victim.email,
    invitationToken: await invitationTokenSentTo(t, 'kent', victim.personId),
  })
  assert.equal(registered.statusCode, 201, registered.body)
  const accountTerms = () =>
    t.app.db.asSystem((tx) =>
      rows<{ terms_accepted_at: Date | null }>(
        tx,
        sql`select terms_accepted_at from portal_accounts where one_login_sub = ${subject}`,
      ),
    )
  assert.equal((await accountTerms())[0]?.terms_accepted_at, null)

  // The person signs in here with One Login, the same `sub`.
  const browser = aCitizenBrowser(t.app)
  const session = await citizenSessionCookie(t.app, subject, 'kent', 'one-login')
  browser.cookies.set(session.name, session.value)
  for (const url of [
    '/portal',
    `/portal/cases/${victim.crimeId}`,
    `/portal/cases/${victim.crimeId}/messages`,
  ]) {
    const first = await browser.get(url)
    assert.equal(first.statusCode, 303, url)
    assert.equal(first.headers.location, '/portal/welcome', url)
  }
  const pdf = await browser.get(`/portal/cases/${victim.crimeId}/case.pdf`)
  assert.equal(pdf.statusCode, 403)
  const welcome = await browser.get('/portal/welcome')
  assert.equal(welcome.statusCode, 200)
  const refused = await browser.post('/portal/welcome', { channel: 'email' })
  assert.equal(refused.statusCode, 400)
  const accepted = await browser.post('/portal/welcome', {
    terms: 'yes',
    privacy: 'yes',
    cookies: 'yes',
    channel: 'email',
  })
  assert.equal(accepted.headers.location, '/portal')
  assert.ok((await accountTerms())[0]?.terms_accepted_at)
  const page = await browser.get(`/portal/cases/${victim.crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, new RegExp(victim.crimeRef.replaceAll('/', '\\/')))
})
