// A citizen in the Portal, as tests drive one through `inject`: a browser that keeps its cookies
// and posts forms with the CSRF token of the page it last read, a session opened through the
// test sign-in seam an identity provider uses, and the code or link a delivered message carries.
import assert from 'node:assert/strict'
import type { LightMyRequestResponse } from 'fastify'
import type { BrowserContext } from 'playwright-core'
import type { App } from '../../src/app.ts'
import { CITIZEN_SESSION_COOKIE } from '../../src/platform/http/server.ts'
import { anAthenaEvent } from '../../src/sources/test-support/events.ts'

/** A browser: keeps its cookies (dropping cleared or expired ones) and the page's CSRF token. */
export function aCitizenBrowser(app: App) {
  const cookies = new Map<string, string>()
  let csrf = ''
  const remember = (response: LightMyRequestResponse) => {
    for (const c of response.cookies) {
      if (c.value === '' || (c.expires && new Date(c.expires).getTime() <= Date.now())) cookies.delete(c.name)
      else cookies.set(c.name, c.value)
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1]
    if (token) csrf = token
    return response
  }
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  return {
    cookies,
    get csrf() {
      return csrf
    },
    get: async (url: string) =>
      remember(await app.http.inject({ method: 'GET', url, headers: { cookie: header() } })),
    post: async (url: string, form: Record<string, string> = {}, token = csrf) =>
      remember(
        await app.http.inject({
          method: 'POST',
          url,
          headers: { cookie: header(), 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ ...form, _csrf: token }).toString(),
        }),
      ),
  }
}
export type CitizenBrowser = ReturnType<typeof aCitizenBrowser>

/**
 * The session cookie of a citizen signed in as `accountId`, through the test sign-in seam
 * (`testRoutes: citizenTestSignIn`) the identity providers' callbacks use.
 */
export async function citizenSessionCookie(
  app: App,
  accountId: string,
  forceId = 'kent',
  provider = 'waypoint',
): Promise<{ name: string; value: string }> {
  const response = await app.http.inject({
    method: 'POST',
    url: '/test/citizen-sign-in',
    payload: { subject: accountId, forceId, provider },
  })
  assert.equal(response.statusCode, 200, response.body)
  const session = response.cookies.find((c) => c.name === CITIZEN_SESSION_COOKIE)
  assert.ok(session?.value, 'the sign-in opened a citizen session')
  return { name: session.name, value: session.value }
}

/** A Chromium context signed in as `subject` through the same test sign-in seam. */
export async function signInContext(
  context: BrowserContext,
  subject: string,
  provider = 'waypoint',
  forceId = 'kent',
): Promise<void> {
  const response = await context.request.post('/test/citizen-sign-in', {
    data: { subject, forceId, provider },
  })
  assert.equal(response.status(), 200)
}

/** A browser already signed in as `accountId`. */
export async function aSignedInCitizen(
  app: App,
  accountId: string,
  forceId = 'kent',
): Promise<CitizenBrowser> {
  const browser = aCitizenBrowser(app)
  const session = await citizenSessionCookie(app, accountId, forceId)
  browser.cookies.set(session.name, session.value)
  return browser
}

/** The single-use registration link in a delivered invitation. */
export const linkIn = (body: string) => /\/portal\/register\?invitation=[\w-]+/.exec(body)?.[0]
/** The six-digit security code in a delivered message. */
export const codeIn = (body: string) => /\b(\d{6})\b/.exec(body)?.[1]

/** The password the tests' citizens register with. */
export const citizenPassword = 'correct horse battery staple'

/**
 * Registers through an invitation link's pages, as a person does: the email address proved by
 * the code sent to it, a password, a text-message second factor proved by its code, and the
 * terms. `latestCode` answers the code in the last security-code message sent. Answers the
 * browser, signed in.
 */
export async function registerFromInvitation(
  app: App,
  link: string,
  person: { email: string; mobile: string },
  latestCode: () => Promise<string>,
): Promise<CitizenBrowser> {
  const browser = aCitizenBrowser(app)
  const opened = await browser.get(link)
  assert.equal(opened.statusCode, 303)
  assert.equal(opened.headers.location, '/portal/register/email')
  await browser.get('/portal/register/email')
  assert.equal((await browser.post('/portal/register/email', { email: person.email })).statusCode, 303)
  await browser.get('/portal/register/email-code')
  assert.equal(
    (await browser.post('/portal/register/email-code', { code: await latestCode() })).headers.location,
    '/portal/register/password',
  )
  await browser.get('/portal/register/password')
  const password = citizenPassword
  assert.equal(
    (await browser.post('/portal/register/password', { password, confirm: password })).statusCode,
    303,
  )
  await browser.get('/portal/register/second-factor')
  assert.equal(
    (await browser.post('/portal/register/second-factor', { method: 'sms', mobile: person.mobile }))
      .statusCode,
    303,
  )
  await browser.get('/portal/register/second-factor-code')
  assert.equal(
    (await browser.post('/portal/register/second-factor-code', { code: await latestCode() })).statusCode,
    303,
  )
  await browser.get('/portal/register/terms')
  const done = await browser.post('/portal/register/terms', { terms: 'yes', privacy: 'yes', cookies: 'yes' })
  assert.equal(done.statusCode, 303, done.body)
  assert.equal(done.headers.location, '/portal')
  assert.ok(browser.cookies.get(CITIZEN_SESSION_COOKIE), 'registering signs the person in')
  return browser
}

/** The victim of a crime as a force's RMS (Athena) sends it: who they are and how to reach them. */
export interface VictimCase {
  forceId?: string
  crimeRef: string
  /** The Athena event's id and the person's URN, unique per test. */
  eventId: string
  urn: string
  name: string
  phone: string
  email: string
  dateOfBirth?: string
  status?: string
  /** The investigating officer; `null` for a crime with none yet. */
  officer?: { collarNumber: string; name: string; team?: string } | null
}

/** Receives an open burglary with one victim from Athena, as the force's RMS sends it. */
export async function aVictimCase(
  app: App,
  at: Date,
  v: VictimCase,
): Promise<{ crimeId: string; crimeRef: string; personId: string }> {
  const forceId = v.forceId ?? 'kent'
  const officer = v.officer === undefined ? { collarNumber: '4521', name: 'DC Priya Shah' } : v.officer
  const result = await app.services.sources.receive(
    forceId,
    'athena',
    anAthenaEvent({
      id: v.eventId,
      type: 'INVESTIGATION_CREATED',
      at: at.toISOString(),
      crimeRef: v.crimeRef,
      investigation: { crimeType: 'Burglary', status: v.status ?? 'OPEN', ...(officer ? { officer } : {}) },
      persons: [
        {
          urn: v.urn,
          name: v.name,
          role: 'VIC',
          ...(v.dateOfBirth ? { dateOfBirth: v.dateOfBirth } : {}),
          phone: v.phone,
          email: v.email,
        },
      ],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const crime = await app.services.cases.findCrimeByRef(forceId, v.crimeRef)
  assert.ok(crime, 'the crime was recorded')
  return { crimeId: crime.crime.id, crimeRef: v.crimeRef, personId: crime.parties[0]!.personId! }
}

/** Invites the person to the Portal for the crime, as an officer would; the invitation's id. */
export async function anInvitation(
  app: App,
  forceId: string,
  victim: { personId: string; crimeId: string },
  reason = 'test',
): Promise<string> {
  const invited = await app.services.portal.invitations.inviteAs(forceId, {
    personId: victim.personId,
    caseKind: 'crime',
    caseId: victim.crimeId,
    reason,
  })
  assert.equal(invited.kind, 'invited')
  return invited.kind === 'invited' ? invited.invitation.id : ''
}
