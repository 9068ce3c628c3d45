// Signing in to the Portal with GOV.UK One Login end to end, over real HTTP: a real Waypoint on
// 127.0.0.1, a real OpenID provider set up as One Login behaves (signed request objects only,
// private_key_jwt only, `vtr` answered in `vot`, email and phone from userinfo), and a client that
// keeps cookies and follows redirects like a browser.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import type { OutgoingMessage } from '../src/messaging/channels.ts'
import { rows } from '../src/platform/db/database.ts'
import { loadConfig } from '../src/platform/config.ts'
import { CITIZEN_SESSION_COOKIE } from '../src/platform/http/server.ts'
import { anAthenaEvent } from '../src/sources/test-support/events.ts'
import { type FakeOneLogin, startFakeOneLogin } from './support/fake-one-login.ts'
import { createTestApp, daytimeClock, type TestApp } from './support/test-app.ts'
import { type Page, TestBrowser } from './support/test-browser.ts'

let t: TestApp
let idp: FakeOneLogin
/** What the dev outbox handed over: the people's phones and inboxes. */
const received: OutgoingMessage[] = []
let base: string

before(async () => {
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  idp = await startFakeOneLogin({
    redirectUris: [`${base}/portal/one-login/callback`],
    users: [
      { sub: 'urn:fdc:gov.uk:2022:victim-one', email: 'victim.one@example.org', phone: '+447700900101' },
      { sub: 'urn:fdc:gov.uk:2022:stranger', email: 'stranger@example.org' },
      { sub: 'urn:fdc:gov.uk:2022:victim-two', email: 'victim.two@example.org' },
    ],
  })
  const defaults = loadConfig({ NODE_ENV: 'test' })
  // The invitations must go at once, whatever the hour the suite runs at (quiet hours hold them).
  t = await createTestApp({ http: { ...defaults.http, port, publicUrl: base } }, { clock: daytimeClock() })
  await t.app.services.portal.installDefaults('kent')
  t.app.services.messaging.devOutbox!.onDelivered((message) => received.push(message))
  await t.app.http.listen({ host: '127.0.0.1', port })
  // A Kent administrator sets the force's One Login client on the console.
  const admin = await t.signInAs(['force_admin'], 'kent')
  const saved = await admin.post('/console/portal/one-login', {
    issuer: idp.issuer,
    clientId: idp.clientId,
    privateKey: idp.clientPrivateKeyPem,
    vtr: 'Cl.Cm',
  })
  assert.equal(saved.statusCode, 303, saved.body)
})
after(async () => {
  await t?.close()
  await idp?.close()
})

let seq = 0
async function aCrimeWithVictim(email: string, urn?: string) {
  seq += 1
  const crimeRef = `46/${81000 + seq}/26`
  const result = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: `ATH-ONE-LOGIN-${seq}`,
      type: 'INVESTIGATION_CREATED',
      at: t.clock.now().toISOString(),
      crimeRef,
      investigation: {
        crimeType: 'Burglary',
        status: 'OPEN',
        officer: { collarNumber: '4521', name: 'DC Priya Shah' },
      },
      persons: [
        {
          urn: urn ?? `P-OL-${seq}`,
          name: `Victim ${seq}`,
          role: 'VIC',
          dateOfBirth: '1984-03-12',
          phone: `0770090${String(seq).padStart(4, '0')}`,
          email,
        },
      ],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const crime = await t.app.services.cases.findCrimeByRef('kent', crimeRef)
  return { crimeId: crime!.crime.id, crimeRef, personId: crime!.parties[0]!.personId! }
}

async function inviteLink(victim: { crimeId: string; personId: string }): Promise<string> {
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const sent = await officer.post(`/console/people/${victim.personId}/portal-invitation`, {
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  assert.equal(sent.statusCode, 303, sent.body)
  // The person reads the link in what the dev outbox handed over; the outbox staff read hides it.
  const [message] = await t.app.db.withForce('kent', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from messages where template_key = 'portal-invitation' order by created_at desc, id desc limit 1`,
    ),
  )
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
  const delivered = received.findLast((m) => m.id === message!.id)
  assert.ok(delivered, 'the invitation reached the person')
  return /\/portal\/register\?invitation=[\w-]+/.exec(delivered.body)![0]
}

/** From a Waypoint address that leads to One Login, signs in there as `sub` and follows back. */
async function throughOneLogin(browser: TestBrowser, start: string, sub: string, stopAtCallback = false) {
  const login = await browser.open(new URL(start, base), {}, (next) =>
    stopAtCallback ? next.pathname === '/portal/one-login/callback' : false,
  )
  // Still signed in at One Login from before: it answers at once, without its form.
  if (!login.url.href.startsWith(idp.issuer)) return login
  assert.ok(
    login.url.href.startsWith(idp.issuer),
    `at One Login, not ${login.url.href}: ${login.body.slice(0, 300)}`,
  )
  const action = /action="([^"]+)"/.exec(login.body)?.[1]
  assert.ok(action, 'One Login shows its sign-in form')
  return browser.open(new URL(action, idp.issuer), { form: { login: sub } }, (next) =>
    stopAtCallback ? next.pathname === '/portal/one-login/callback' : false,
  )
}

function csrfOf(page: Page): string {
  return /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
}

async function account(sub: string) {
  const [row] = await t.app.db.asSystem((tx) =>
    rows<Record<string, unknown>>(tx, sql`select * from portal_accounts where one_login_sub = ${sub}`),
  )
  return row
}

test('CP-10, CP-15, CP-19, CP-13, CP-11: an invited victim registers with GOV.UK One Login: a signed request object with nonce, state and vtr, then the terms and how to be contacted, then their case', async () => {
  const victim = await aCrimeWithVictim('victim.one@example.org')
  const link = await inviteLink(victim)
  const browser = new TestBrowser()
  const before = idp.requests.length
  const welcome = await throughOneLogin(browser, link, 'urn:fdc:gov.uk:2022:victim-one')
  assert.equal(welcome.url.pathname, '/portal/welcome', welcome.body.slice(0, 500))
  assert.ok(browser.cookie(base, CITIZEN_SESSION_COOKIE), 'signed in')

  // The authorize request: only client_id, response_type and scope beside one signed JWT.
  const authorize = idp.requests.slice(before).find((r) => r.path === '/auth')!
  assert.deepEqual([...authorize.query.keys()].sort(), ['client_id', 'request', 'response_type', 'scope'])
  const requestObject = authorize.query.get('request')!
  assert.equal(decodeProtectedHeader(requestObject).alg, 'ES256')
  const claims = decodeJwt(requestObject)
  assert.equal(claims.vtr, '["Cl.Cm"]')
  assert.equal(claims.scope, 'openid email phone')
  assert.ok(typeof claims.nonce === 'string' && claims.nonce.length >= 32)
  assert.ok(typeof claims.state === 'string' && claims.state.length >= 32)
  assert.equal(claims.redirect_uri, `${base}/portal/one-login/callback`)
  // CP-10: One Login is asked for its English pages.
  assert.equal(claims.ui_locales, 'en')
  // The code was exchanged (the provider accepts private_key_jwt only), and userinfo read.
  assert.ok(idp.requests.slice(before).some((r) => r.path === '/token'))
  assert.ok(idp.requests.slice(before).some((r) => r.path === '/me'))

  // The account is keyed by `sub`, with email and phone from userinfo; the terms come first.
  const made = (await account('urn:fdc:gov.uk:2022:victim-one'))!
  assert.equal(made.email, 'victim.one@example.org')
  assert.equal(made.mobile, '+447700900101')
  assert.equal(made.phone_verified, true)
  assert.equal(made.terms_accepted_at, null)
  assert.equal((await browser.open(new URL('/portal', base))).url.pathname, '/portal/welcome')
  // Until the terms are accepted, the case too sends the person to accept them first.
  assert.equal(
    (await browser.open(new URL(`/portal/cases/${victim.crimeId}`, base))).url.pathname,
    '/portal/welcome',
  )

  const refused = await browser.open(new URL('/portal/welcome', base), {
    form: { _csrf: csrfOf(welcome), terms: 'yes', channel: 'email' },
  })
  assert.equal(refused.status, 400)
  assert.match(refused.body, /Confirm you have read the privacy notice/)
  const done = await browser.open(new URL('/portal/welcome', base), {
    form: {
      _csrf: csrfOf(refused),
      terms: 'yes',
      privacy: 'yes',
      cookies: 'yes',
      channel: 'both',
      quietFrom: '21',
      quietTo: '8',
    },
  })
  assert.equal(done.url.pathname, '/portal')
  assert.equal(done.status, 200)
  assert.match(done.body, new RegExp(victim.crimeId === '' ? 'x' : 'Burglary'))
  const accepted = (await account('urn:fdc:gov.uk:2022:victim-one'))!
  assert.equal(accepted.terms_version, '2026-12')
  assert.equal(accepted.privacy_version, '2026-12')
  assert.equal(accepted.cookies_version, '2026-12')
  assert.ok(accepted.terms_accepted_at)
  assert.equal(accepted.notify_channel, 'both')
  assert.equal(accepted.quiet_from, 21)
  assert.equal(accepted.quiet_to, 8)
  // CP-8: the force hears of the registration beside the person.
  const [registered] = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'portal.registered' and record_id = ${victim.personId}`,
    ),
  )
  assert.equal(registered!.n, 1)
})

test('CP-21: someone with neither an invitation nor an account is not let in after signing in with One Login', async () => {
  const browser = new TestBrowser()
  const page = await throughOneLogin(browser, '/portal/one-login', 'urn:fdc:gov.uk:2022:stranger')
  assert.equal(page.status, 403)
  assert.match(page.body, /You do not have an account yet/)
  assert.equal(browser.cookie(base, CITIZEN_SESSION_COOKIE), undefined)
  assert.equal(await account('urn:fdc:gov.uk:2022:stranger'), undefined)
})

test('CP-16, CP-18: a returning person signs in with One Login from the sign-in page, with a new session id each time, and the discovery document is read once', async () => {
  const options = await new TestBrowser().open(new URL('/account/sign-in', base))
  assert.match(options.body, /Sign in with GOV.UK One Login/)
  const browser = new TestBrowser()
  const first = await throughOneLogin(browser, '/portal/one-login', 'urn:fdc:gov.uk:2022:victim-one')
  assert.equal(first.url.pathname, '/portal')
  const firstSession = browser.cookie(base, CITIZEN_SESSION_COOKIE)
  const second = await throughOneLogin(browser, '/portal/one-login', 'urn:fdc:gov.uk:2022:victim-one')
  assert.equal(second.url.pathname, '/portal')
  assert.notEqual(browser.cookie(base, CITIZEN_SESSION_COOKIE), firstSession)
  // One Login's discovery document was read once, for every sign-in so far, and cached.
  assert.equal(idp.requests.filter((r) => r.path === '/.well-known/openid-configuration').length, 1)
})

test('One Login’s signing key is rotated: the next ID token names a key Waypoint has not seen, and Waypoint fetches the keys again rather than refuse it', async () => {
  const browser = new TestBrowser()
  assert.equal(
    (await throughOneLogin(browser, '/portal/one-login', 'urn:fdc:gov.uk:2022:victim-one')).url.pathname,
    '/portal',
  )
  const jwksBefore = idp.requests.filter((r) => r.path === '/jwks').length
  const kid = await idp.rotateSigningKey()
  const again = await throughOneLogin(
    new TestBrowser(),
    '/portal/one-login',
    'urn:fdc:gov.uk:2022:victim-one',
  )
  assert.equal(again.url.pathname, '/portal', again.body.slice(0, 400))
  assert.equal(idp.signingKid, kid)
  assert.equal(idp.requests.filter((r) => r.path === '/jwks').length, jwksBefore + 1)
})

test('a One Login answer with the wrong state is refused, and one whose ID token carries another nonce is refused', async () => {
  const wrongState = new TestBrowser()
  const back = await throughOneLogin(wrongState, '/portal/one-login', 'urn:fdc:gov.uk:2022:victim-one', true)
  const tampered = new URL(back.url)
  tampered.searchParams.set('state', 'not-the-state-we-sent')
  const refusedState = await wrongState.open(tampered)
  assert.equal(refusedState.status, 401)
  assert.match(refusedState.body, /We could not sign you in with GOV.UK One Login/)
  assert.equal(wrongState.cookie(base, CITIZEN_SESSION_COOKIE), undefined)
  // The answer cannot be replayed with the right state either: the challenge was used.
  const replay = await wrongState.open(back.url)
  assert.equal(replay.status, 400)

  const wrongNonce = new TestBrowser()
  const returned = await throughOneLogin(
    wrongNonce,
    '/portal/one-login',
    'urn:fdc:gov.uk:2022:victim-one',
    true,
  )
  // The nonce kept for this browser is not the one One Login put in the ID token.
  await t.app.db.asSystem((tx) =>
    tx.execute(
      sql`update portal_challenges set pending = jsonb_set(pending, '{nonce}', '"another-nonce-value-entirely-0000000"') where purpose = 'one-login'`,
    ),
  )
  const refusedNonce = await wrongNonce.open(returned.url)
  assert.equal(refusedNonce.status, 401)
  assert.equal(wrongNonce.cookie(base, CITIZEN_SESSION_COOKIE), undefined)
})

test('CP-30, CP-27: an email address changed at One Login is taken at the next sign-in, told to the person and written to the case’s crime record', async () => {
  const victim = await aCrimeWithVictim('victim.two@example.org')
  const link = await inviteLink(victim)
  const browser = new TestBrowser()
  const welcome = await throughOneLogin(browser, link, 'urn:fdc:gov.uk:2022:victim-two')
  await browser.open(new URL('/portal/welcome', base), {
    form: { _csrf: csrfOf(welcome), terms: 'yes', privacy: 'yes', cookies: 'yes', channel: 'email' },
  })
  idp.users.get('urn:fdc:gov.uk:2022:victim-two')!.email = 'victim.two.new@example.org'
  const again = await throughOneLogin(
    new TestBrowser(),
    '/portal/one-login',
    'urn:fdc:gov.uk:2022:victim-two',
  )
  assert.equal(again.url.pathname, '/portal')
  assert.equal((await account('urn:fdc:gov.uk:2022:victim-two'))!.email, 'victim.two.new@example.org')
  const told = await t.app.db.withForce('kent', (tx) =>
    rows<{ recipient: string }>(
      tx,
      sql`select recipient from messages where template_key = 'portal-account-changed' order by recipient`,
    ),
  )
  assert.deepEqual(
    told.map((m) => m.recipient),
    ['victim.two.new@example.org', 'victim.two@example.org'],
  )
  const notes = await t.app.db.withForce('kent', (tx) =>
    rows<{ target: string; target_ref: string; body: { content: string } }>(
      tx,
      sql`select target, target_ref, body from writeback_entries where kind = 'note'`,
    ),
  )
  const note = notes.find((n) => n.target === 'rms')
  assert.ok(note, 'a note for the crime record')
  assert.match(
    note.body.content,
    /changed their details at GOV.UK One Login\. Email address: victim\.two\.new@example\.org/,
  )
})

test('CP-50a, CP-50b: a new crime for someone whose account signs in with One Login is linked to that account with a notification, not an invitation', async () => {
  const victim = await aCrimeWithVictim('victim.three@example.org', 'P-OL-THREE')
  idp.users.set('urn:fdc:gov.uk:2022:victim-three', {
    sub: 'urn:fdc:gov.uk:2022:victim-three',
    email: 'victim.three@example.org',
  })
  const link = await inviteLink(victim)
  const browser = new TestBrowser()
  const welcome = await throughOneLogin(browser, link, 'urn:fdc:gov.uk:2022:victim-three')
  await browser.open(new URL('/portal/welcome', base), {
    form: { _csrf: csrfOf(welcome), terms: 'yes', privacy: 'yes', cookies: 'yes', channel: 'email' },
  })
  const invitationsBefore = await kentCount(sql`select count(*)::int as n from portal_invitations`)
  const second = await aCrimeWithVictim('victim.three@example.org', 'P-OL-THREE')
  assert.equal(second.personId, victim.personId, 'the same person')
  const made = (await account('urn:fdc:gov.uk:2022:victim-three'))!
  assert.equal(
    await kentCount(
      sql`select count(*)::int as n from portal_links where account_id = ${made.id as string} and case_id = ${second.crimeId}`,
    ),
    1,
  )
  assert.equal(await kentCount(sql`select count(*)::int as n from portal_invitations`), invitationsBefore)
  assert.equal(
    await kentCount(
      sql`select count(*)::int as n from messages where template_key = 'portal-new-case' and case_id = ${second.crimeId}`,
    ),
    1,
  )
  const page = await browser.open(new URL('/portal', base))
  assert.match(page.body, new RegExp(second.crimeRef.replaceAll('/', '\\/')))
})

async function kentCount(query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await t.app.db.withForce('kent', (tx) => rows<{ n: number }>(tx, query))
  return row!.n
}

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
