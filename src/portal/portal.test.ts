// The Portal's foundations through HTTP and its services: invitations (eligibility, the hashed
// single-use link, reminders, the journey step), registering and signing in with a built-in
// account, the dashboard and case pages, and the access rules around them (another person's case,
// another force, staff and citizen sessions apart, codes locked out after too many wrong ones).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import {
  aCitizenBrowser,
  type CitizenBrowser,
  codeIn,
  linkIn,
  aVictimCase,
  citizenPassword,
  registerFromInvitation,
} from '../../test/support/portal-citizen.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { CITIZEN_SESSION_COOKIE } from '../platform/http/server.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'
import { PDFParse } from 'pdf-parse'
import { CODE_ATTEMPTS } from './account-service.ts'
import type { OutgoingMessage } from '../messaging/channels.ts'
import { hashToken } from './invitation-service.ts'

const DAY = 86_400_000
const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock })
  // Kent has the portal's templates only, so no journey invites anyone behind the tests' backs;
  // Essex has the default journeys too, whose "invite to the portal" step is tested there.
  await t.app.services.portal.installDefaults('kent')
  await t.app.services.journeys.installDefaults('essex')
  await t.app.services.portal.installDefaults('essex')
  t.app.services.messaging.devOutbox!.onDelivered((message) => received.push(message))
})
after(() => t?.close())

let seq = 0
/** A crime with one victim (mobile and email), received from Athena as a force's RMS sends it. */
async function aCrimeWithVictim(
  forceId = 'kent',
  o: {
    dateOfBirth?: string
    officer?: boolean
    samePerson?: { urn: string; email: string; mobile: string }
  } = {},
): Promise<{
  crimeId: string
  crimeRef: string
  personId: string
  email: string
  mobile: string
  urn: string
}> {
  seq += 1
  const crimeRef = `46/${70000 + seq}/26`
  const email = o.samePerson?.email ?? `victim${seq}@example.org`
  const mobile = o.samePerson?.mobile ?? `077009${String(seq).padStart(5, '0')}`
  const urn = o.samePerson?.urn ?? `P-PORTAL-${forceId}-${seq}`
  const crime = await aVictimCase(t.app, clock.now(), {
    forceId,
    crimeRef,
    eventId: `ATH-PORTAL-${forceId}-${seq}`,
    urn,
    name: `Victim ${seq}`,
    dateOfBirth: o.dateOfBirth ?? '1984-03-12',
    phone: mobile,
    email,
    officer: o.officer === false ? null : undefined,
  })
  return { ...crime, email, mobile, urn }
}

/** What the dev outbox handed over: the people's phones and inboxes. */
const received: OutgoingMessage[] = []

/**
 * The newest message of a template as the person receives it: dispatched, then read where the
 * dev outbox delivered it (the outbox staff read shows any code or link hidden).
 */
async function lastMessage(
  forceId: string,
  templateKey: string,
): Promise<{ body: string; recipient: string; status: string }> {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
  const [row] = await t.app.db.withForce(forceId, (tx) =>
    rows<{ id: string; recipient: string; status: string }>(
      tx,
      sql`select id, recipient, status from messages where template_key = ${templateKey} order by created_at desc, id desc limit 1`,
    ),
  )
  assert.ok(row, `a ${templateKey} message`)
  const delivered = received.findLast((m) => m.id === row.id)
  assert.ok(delivered, `the ${templateKey} message reached the person`)
  return { body: delivered.body, recipient: row.recipient, status: row.status }
}
const aBrowser = () => aCitizenBrowser(t.app)
type Browser = CitizenBrowser

async function invite(forceId: string, victim: { crimeId: string; personId: string }) {
  // Signed in now: the tests move the clock on by days, past any earlier session's idle limit.
  const officer = await t.signInAs(['investigating_officer'], forceId)
  const page = await officer.get(`/console/people/${victim.personId}`)
  assert.equal(page.statusCode, 200)
  const response = await officer.post(`/console/people/${victim.personId}/portal-invitation`, {
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  assert.equal(response.statusCode, 303, response.body)
  return lastMessage(forceId, 'portal-invitation')
}

/** Registers from an invitation link with a text-message second factor; answers the signed-in browser. */
const register = (forceId: string, link: string, email: string, mobile: string): Promise<Browser> =>
  registerFromInvitation(
    t.app,
    link,
    { email, mobile },
    async () => codeIn((await lastMessage(forceId, 'portal-code')).body)!,
  )

async function signIn(email: string, browser: Browser = aBrowser()): Promise<Browser> {
  const password = citizenPassword
  await browser.get('/portal/sign-in')
  const started = await browser.post('/portal/sign-in', { email, password, returnTo: '/portal' })
  assert.equal(started.statusCode, 303, started.body)
  await browser.get(started.headers.location as string)
  const code = codeIn((await lastMessage('kent', 'portal-code')).body)!
  const done = await browser.post('/portal/sign-in/code', { code, returnTo: '/portal' })
  assert.equal(done.statusCode, 303, done.body)
  return browser
}

test('CP-6, CP-9: staff invite an eligible victim; the text carries a single-use link whose token is stored only as its hash', async () => {
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  const victim = await aCrimeWithVictim()
  const before = await kentOfficer.get(`/console/people/${victim.personId}`)
  assert.match(before.body, /Not invited/)
  assert.match(before.body, /Invite to the portal/)
  const message = await invite('kent', victim)
  assert.equal(message.recipient, `+44${victim.mobile.slice(1)}`)
  const link = linkIn(message.body)
  assert.ok(link, message.body)
  const token = link.split('=')[1]!
  const [stored] = await t.app.db.withForce('kent', (tx) =>
    rows<{ token_hash: string; matches_raw: boolean }>(
      tx,
      sql`select token_hash, token_hash = ${token} as matches_raw from portal_invitations where person_id = ${victim.personId}`,
    ),
  )
  assert.equal(stored!.token_hash, hashToken(token))
  assert.equal(stored!.matches_raw, false)
  const after = await kentOfficer.get(`/console/people/${victim.personId}`)
  assert.match(after.body, /Invited<\/strong> No account yet/)
  // A second invitation while the first is open is refused, with the reason.
  const again = await kentOfficer.post(`/console/people/${victim.personId}/portal-invitation`, {
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  assert.equal(again.statusCode, 409)
  assert.match(again.body, /waiting to be taken up/)
})

test('CP-9: a person the force’s rules leave out is not invited, and staff read why', async () => {
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  const child = await aCrimeWithVictim('kent', { dateOfBirth: '2015-01-01' })
  const page = await kentOfficer.get(`/console/people/${child.personId}`)
  assert.match(
    page.body,
    /Not eligible for a portal link: .*Under 16: invite their parent or guardian instead/,
  )
  assert.doesNotMatch(page.body, /Invite to the portal/)
  const response = await kentOfficer.post(`/console/people/${child.personId}/portal-invitation`, {
    caseKind: 'crime',
    caseId: child.crimeId,
  })
  assert.equal(response.statusCode, 409)
  assert.match(response.body, /Under 16/)
})

test('CP-12, CP-13, CP-15: a victim registers from the link (email code, password, text-message code, terms) and sees their case; the link then no longer works', async () => {
  const victim = await aCrimeWithVictim()
  const link = linkIn((await invite('kent', victim)).body)!
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  const browser = aBrowser()
  await browser.get(link)
  await browser.get('/portal/register/email')
  const badEmail = await browser.post('/portal/register/email', { email: 'not an email' })
  assert.equal(badEmail.statusCode, 400)
  assert.match(badEmail.body, /govuk-error-summary/)
  await browser.post('/portal/register/email', { email: victim.email })
  const code = codeIn((await lastMessage('kent', 'portal-code')).body)!
  await browser.get('/portal/register/email-code')
  await browser.post('/portal/register/email-code', { code })
  await browser.get('/portal/register/password')
  const short = await browser.post('/portal/register/password', { password: 'short', confirm: 'short' })
  assert.equal(short.statusCode, 400)
  assert.match(short.body, /at least 12 characters/)
  await browser.post('/portal/register/password', {
    password: 'a long enough passphrase',
    confirm: 'a long enough passphrase',
  })
  await browser.get('/portal/register/second-factor')
  await browser.post('/portal/register/second-factor', { method: 'email' })
  const second = codeIn((await lastMessage('kent', 'portal-code')).body)!
  await browser.get('/portal/register/second-factor-code')
  await browser.post('/portal/register/second-factor-code', { code: second })
  await browser.get('/portal/register/terms')
  const unaccepted = await browser.post('/portal/register/terms', {})
  assert.equal(unaccepted.statusCode, 400)
  assert.match(unaccepted.body, /Accept the terms of use/)
  assert.match(unaccepted.body, /privacy notice/)
  assert.match(unaccepted.body, /cookies policy/)
  const done = await browser.post('/portal/register/terms', { terms: 'yes', privacy: 'yes', cookies: 'yes' })
  assert.equal(done.headers.location, '/portal')
  const dashboard = await browser.get('/portal')
  assert.equal(dashboard.statusCode, 200)
  assert.match(dashboard.body, new RegExp(victim.crimeRef))
  assert.match(dashboard.body, /Exit this page/)

  assert.equal((await aBrowser().get(link)).statusCode, 404)
  const person = await kentOfficer.get(`/console/people/${victim.personId}`)
  assert.match(person.body, /Has an account/)
  const [audit] = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'portal.registered' and record_id = ${victim.personId}`,
    ),
  )
  assert.equal(audit!.n, 1)
})

test('CP-16, CP-17, CP-18: signing in asks for the password and then a code, and starts a new session id', async () => {
  const victim = await aCrimeWithVictim()
  const link = linkIn((await invite('kent', victim)).body)!
  const registered = await register('kent', link, victim.email, victim.mobile)
  const firstSession = registered.cookies.get(CITIZEN_SESSION_COOKIE)!
  // Signing in again in the same browser: a new session id, and the old one no longer works.
  const browser = await signIn(victim.email, registered)
  const secondSession = browser.cookies.get(CITIZEN_SESSION_COOKIE)!
  assert.notEqual(secondSession, firstSession)
  const old = await t.app.http.inject({
    method: 'GET',
    url: '/portal',
    headers: { cookie: `${CITIZEN_SESSION_COOKIE}=${firstSession}` },
  })
  assert.equal(old.statusCode, 302)
  const dashboard = await browser.get('/portal')
  assert.equal(dashboard.statusCode, 200)
  assert.match(dashboard.body, /You last signed in on/)
  // The code went by text message, as chosen at registration.
  assert.equal((await lastMessage('kent', 'portal-code')).recipient, `+44${victim.mobile.slice(1)}`)
})

test('CP-16: a wrong password and an unknown address get the same answer', async () => {
  const victim = await aCrimeWithVictim()
  await register('kent', linkIn((await invite('kent', victim)).body)!, victim.email, victim.mobile)
  const browser = aBrowser()
  await browser.get('/portal/sign-in')
  const wrong = await browser.post('/portal/sign-in', {
    email: victim.email,
    password: 'not the password at all',
  })
  const unknown = await browser.post('/portal/sign-in', {
    email: 'nobody@example.org',
    password: 'not the password at all',
  })
  assert.equal(wrong.statusCode, 400)
  assert.equal(unknown.statusCode, 400)
  const message = (body: string) => /govuk-error-summary__list[\s\S]*?<a[^>]*>([^<]+)</.exec(body)?.[1]
  assert.ok(message(wrong.body))
  assert.equal(message(wrong.body), message(unknown.body))
})

test('too many wrong codes end the sign-in and lock the account, and the right password is then refused too', async () => {
  const victim = await aCrimeWithVictim()
  await register('kent', linkIn((await invite('kent', victim)).body)!, victim.email, victim.mobile)
  const browser = aBrowser()
  await browser.get('/portal/sign-in')
  const started = await browser.post('/portal/sign-in', {
    email: victim.email,
    password: 'correct horse battery staple',
  })
  await browser.get(started.headers.location as string)
  let last: LightMyRequestResponse | undefined
  for (let i = 0; i < CODE_ATTEMPTS; i += 1)
    last = await browser.post('/portal/sign-in/code', { code: '000000' })
  assert.equal(last!.statusCode, 429)
  assert.match(last!.body, /wrong code too many times/)
  const again = aBrowser()
  await again.get('/portal/sign-in')
  const refused = await again.post('/portal/sign-in', {
    email: victim.email,
    password: 'correct horse battery staple',
  })
  assert.equal(refused.statusCode, 400)
  // After the lock-out period the account opens again.
  clock.advance(t.app.config.login.lockoutMinutes * 60_000 + 1000)
  await signIn(victim.email)
})

test('CP-53, CP-54, CP-55: the dashboard lists the person’s cases and the case page shows status, officer and updates', async () => {
  const victim = await aCrimeWithVictim()
  const browser = await register(
    'kent',
    linkIn((await invite('kent', victim)).body)!,
    victim.email,
    victim.mobile,
  )
  const dashboard = await browser.get('/portal')
  assert.match(dashboard.body, /Burglary, 46\/\d+\/26/)
  assert.match(dashboard.body, /Kent Police/)
  const page = await browser.get(`/portal/cases/${victim.crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /DC Priya Shah \(4521\)/)
  assert.match(page.body, /Your report was recorded as a crime/)
  assert.match(page.body, /Exit this page/)
  const [viewed] = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from audit_events where action = 'crime.viewed' and actor_kind = 'citizen' and record_id = ${victim.crimeId}`,
    ),
  )
  assert.equal(viewed!.n, 1)
})

test('a citizen cannot open another person’s case by its address', async () => {
  const mine = await aCrimeWithVictim()
  const theirs = await aCrimeWithVictim()
  const browser = await register('kent', linkIn((await invite('kent', mine)).body)!, mine.email, mine.mobile)
  assert.equal((await browser.get(`/portal/cases/${theirs.crimeId}`)).statusCode, 404)
  assert.equal((await browser.get(`/portal/cases/${mine.crimeId}`)).statusCode, 200)
})

test('staff and citizen sessions stay apart: staff are refused the portal, citizens the console, visitors are sent to sign in', async () => {
  const victim = await aCrimeWithVictim()
  const browser = await register(
    'kent',
    linkIn((await invite('kent', victim)).body)!,
    victim.email,
    victim.mobile,
  )
  const kentOfficer = await t.signInAs(['investigating_officer'], 'kent')
  assert.equal((await kentOfficer.get('/portal')).statusCode, 403)
  assert.equal((await browser.get(`/console/people/${victim.personId}`)).statusCode, 403)
  assert.equal((await browser.get('/console/portal/invitations')).statusCode, 403)
  const visitor = await aBrowser().get('/portal')
  assert.equal(visitor.statusCode, 302)
  assert.equal(visitor.headers.location, '/account/sign-in?returnTo=%2Fportal')
  const signInPage = await aBrowser().get('/account/sign-in?returnTo=%2Fportal')
  assert.match(signInPage.body, /href="\/portal\/sign-in\?returnTo=%2Fportal"/)
})

test('an officer of another force cannot invite, or see the portal standing of, a person of this force', async () => {
  const victim = await aCrimeWithVictim()
  const essexOfficer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal((await essexOfficer.get(`/console/people/${victim.personId}`)).statusCode, 404)
  const refused = await essexOfficer.post(`/console/people/${victim.personId}/portal-invitation`, {
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  assert.equal(refused.statusCode, 404)
  const analyst = await t.signInAs(['analyst'], 'kent')
  assert.equal(
    (
      await analyst.post(`/console/people/${victim.personId}/portal-invitation`, {
        caseKind: 'crime',
        caseId: victim.crimeId,
      })
    ).statusCode,
    403,
  )
})

test('row-level security: a force sees only its own links and invitations', async () => {
  const victim = await aCrimeWithVictim()
  await register('kent', linkIn((await invite('kent', victim)).body)!, victim.email, victim.mobile)
  const count = (forceId: string, table: 'portal_links' | 'portal_invitations') =>
    t.app.db.withForce(forceId, (tx) =>
      rows<{ n: number }>(tx, sql`select count(*)::int as n from ${sql.raw(table)}`),
    )
  assert.ok((await count('kent', 'portal_links'))[0]!.n >= 1)
  assert.equal((await count('essex', 'portal_links'))[0]!.n, 0)
  assert.equal((await count('essex', 'portal_invitations'))[0]!.n, 0)
  await assert.rejects(
    t.app.db.withForce('kent', (tx) => tx.execute(sql`select count(*) from portal_accounts`)),
  )
})

test('CP-7: an invitation not taken up is reminded after the force’s period with a new link, and the old link stops working', async () => {
  const victim = await aCrimeWithVictim()
  const first = linkIn((await invite('kent', victim)).body)!
  clock.advance(6 * DAY)
  await t.app.services.portal.invitations.sendReminders()
  assert.equal((await aBrowser().get(first)).statusCode, 303, 'not reminded before 7 days')
  clock.advance(1 * DAY + 60_000)
  assert.ok((await t.app.services.portal.invitations.sendReminders()) >= 1)
  const reminder = await lastMessage('kent', 'portal-reminder')
  const second = linkIn(reminder.body)!
  assert.notEqual(second, first)
  assert.equal((await aBrowser().get(first)).statusCode, 404)
  assert.equal((await aBrowser().get(second)).statusCode, 303)
  const [row] = await t.app.db.withForce('kent', (tx) =>
    rows<{ reminders_sent: number }>(
      tx,
      sql`select reminders_sent from portal_invitations where person_id = ${victim.personId}`,
    ),
  )
  assert.equal(row!.reminders_sent, 1)
})

test('CP-6: the default journey’s "invite to the portal" step invites through the portal, with a link that opens registration', async () => {
  const victim = await aCrimeWithVictim('essex', { officer: false })
  // The burglary journey: its reference, advice and support messages, then the officer's details
  // once one is assigned, then the invitation.
  clock.advance(2 * 3_600_000 + 60_000)
  await t.app.services.enrolments.runDueEnrolments()
  clock.advance(24 * 3_600_000 + 60_000)
  await t.app.services.enrolments.runDueEnrolments()
  const assigned = await t.app.services.sources.receive(
    'essex',
    'athena',
    anAthenaEvent({
      id: `ATH-PORTAL-essex-officer-${seq}`,
      type: 'OFFICER_ASSIGNED',
      at: clock.now().toISOString(),
      crimeRef: victim.crimeRef,
      investigation: { officer: { collarNumber: '4521', name: 'DC Priya Shah' } },
    }),
    'application/json',
  )
  assert.equal(assigned.status, 'applied', String(assigned.reason))
  await t.app.services.enrolments.runDueEnrolments()
  const [invitation] = await t.app.db.withForce('essex', (tx) =>
    rows<{ created_by: string | null }>(
      tx,
      sql`select created_by from portal_invitations where person_id = ${victim.personId}`,
    ),
  )
  assert.ok(invitation, 'the journey invited the victim')
  assert.equal(invitation.created_by, null)
  const link = linkIn((await lastMessage('essex', 'portal-invitation')).body)!
  assert.equal((await aBrowser().get(link)).statusCode, 303)
})

test('CP-20: a citizen idle for longer than the session allows is signed out', async () => {
  const victim = await aCrimeWithVictim()
  const browser = await register(
    'kent',
    linkIn((await invite('kent', victim)).body)!,
    victim.email,
    victim.mobile,
  )
  assert.equal((await browser.get('/portal')).statusCode, 200)
  clock.advance((t.app.config.session.idleMinutes + 1) * 60_000)
  const after = await browser.get('/portal')
  assert.equal(after.statusCode, 302)
  // The next page says they were signed out, and offers to sign in again.
  assert.match(after.headers.location as string, /^\/account\/timed-out\?returnTo=%2Fportal/)
})

test('CP-50a, CP-50b, CP-58: a new crime for someone with an account is linked to it with a notification, not an invitation, and is marked as updated on their dashboard', async () => {
  const first = await aCrimeWithVictim()
  await register('kent', linkIn((await invite('kent', first)).body)!, first.email, first.mobile)
  clock.advance(3_600_000)
  const second = await aCrimeWithVictim('kent', { samePerson: first })
  assert.equal(second.personId, first.personId)
  const notice = await lastMessage('kent', 'portal-new-case')
  assert.match(notice.body, new RegExp(second.crimeRef))
  assert.match(notice.body, new RegExp(`/portal/cases/${second.crimeId}`))
  const [invitations] = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from portal_invitations where person_id = ${first.personId}`,
    ),
  )
  assert.equal(invitations!.n, 1)
  clock.advance(3_600_000)
  const browser = await signIn(first.email)
  const dashboard = (await browser.get('/portal')).body
  const card = (ref: string) => dashboard.slice(dashboard.indexOf(ref) - 10, dashboard.indexOf(ref) + 200)
  assert.match(card(second.crimeRef), /1 new update/)
  assert.doesNotMatch(card(first.crimeRef), /new update/)
  assert.equal((await browser.get(`/portal/cases/${second.crimeId}`)).statusCode, 200)
})

test('CP-57: a citizen downloads their case details as a PDF whose text holds the case, and cannot download another person’s', async () => {
  const mine = await aCrimeWithVictim()
  const theirs = await aCrimeWithVictim()
  const browser = await register('kent', linkIn((await invite('kent', mine)).body)!, mine.email, mine.mobile)
  assert.match(
    (await browser.get(`/portal/cases/${mine.crimeId}`)).body,
    /Download your case details \(PDF\)/,
  )
  const response = await t.app.http.inject({
    method: 'GET',
    url: `/portal/cases/${mine.crimeId}/case.pdf`,
    headers: { cookie: `${CITIZEN_SESSION_COOKIE}=${browser.cookies.get(CITIZEN_SESSION_COOKIE)}` },
  })
  assert.equal(response.statusCode, 200)
  assert.equal(response.headers['content-type'], 'application/pdf')
  const parser = new PDFParse({ data: new Uint8Array(response.rawPayload) })
  const { text } = await parser.getText()
  await parser.destroy()
  assert.match(text, new RegExp(mine.crimeRef))
  assert.match(text, /DC Priya Shah \(4521\)/)
  assert.match(text, /Your report was recorded as a crime/)
  assert.match(text, /Kent Police/)
  assert.equal((await browser.get(`/portal/cases/${theirs.crimeId}/case.pdf`)).statusCode, 404)
})

test('CP-7, CP-9: a force admin sets the roles invited and the reminder period; an officer may not, and a bad period is refused with the field named', async () => {
  const admin = await t.signInAs(['force_admin'], 'essex')
  const page = await admin.get('/console/portal/invitations')
  assert.equal(page.statusCode, 200)
  assert.match(
    page.body,
    /The force invites a victim, witness, parent guardian, attorney when a crime has been recorded/,
  )
  const bad = await admin.post('/console/portal/invitations', {
    roles: 'victim',
    linkValidDays: '0',
    remindAfterDays: '3',
    maxReminders: '1',
  })
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /govuk-error-summary[\s\S]*href="#linkValidDays"/)
  const saved = await admin.post('/console/portal/invitations', {
    roles: 'victim',
    linkValidDays: '10',
    remindAfterDays: '3',
    maxReminders: '1',
  })
  assert.equal(saved.statusCode, 303)
  const settings = await t.app.services.portal.invitations.settingsOf('essex')
  assert.deepEqual(settings.eligibility.roles, ['victim'])
  assert.equal(settings.remindAfterDays, 3)
  // Kent keeps its own.
  assert.equal((await t.app.services.portal.invitations.settingsOf('kent')).remindAfterDays, 7)
  const officer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal(
    (
      await officer.post('/console/portal/invitations', {
        roles: 'victim',
        linkValidDays: '10',
        remindAfterDays: '3',
        maxReminders: '1',
      })
    ).statusCode,
    403,
  )
})
