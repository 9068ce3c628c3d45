// The citizen's account pages through HTTP: the profile, changing details and how they are
// contacted, the messages and write-back notes a change causes, self-help when a change cannot
// be saved, deleting the account, the inactivity sign-out, and the access rules around them (one
// person never reaches another's account, staff are refused, forms need the session's CSRF token).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import {
  aCitizenBrowser,
  citizenSessionCookie,
  codeIn,
  aVictimCase,
  anInvitation,
} from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { OutgoingMessage } from '../messaging/channels.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  t.app.services.messaging.devOutbox!.onDelivered((message) => received.push(message))
})
/** What the dev outbox handed over: the people's inboxes (the outbox staff read hides codes). */
const received: OutgoingMessage[] = []
after(() => t?.close())

let seq = 0
/** A Kent victim of an open crime with a built-in account linked to it. */
async function aPersonWithAnAccount() {
  seq += 1
  const crimeRef = `46/${91000 + seq}/26`
  const email = `settings${seq}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef,
    eventId: `ATH-SETTINGS-${seq}`,
    urn: `P-SETTINGS-${seq}`,
    name: `Victim ${seq}`,
    dateOfBirth: '1984-03-12',
    phone: `0770091${String(seq).padStart(4, '0')}`,
    email,
  })
  const personId = crime.personId
  const invitationId = await anInvitation(t.app, 'kent', crime)
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId,
    forceId: 'kent',
  })
  return { account, personId, crimeRef, email }
}

/** A browser signed in as the account, through the same seam an identity provider uses. */
async function signedIn(accountId: string) {
  const session = await citizenSessionCookie(t.app, accountId)
  let cookie = `${session.name}=${session.value}`
  let csrf = ''
  const remember = (r: LightMyRequestResponse) => {
    const token = /name="_csrf" value="([^"]+)"/.exec(r.body)?.[1]
    if (token) csrf = token
    return r
  }
  return {
    get cookie() {
      return cookie
    },
    set cookie(value: string) {
      cookie = value
    },
    get csrf() {
      return csrf
    },
    get: async (url: string) =>
      remember(await t.app.http.inject({ method: 'GET', url, headers: { cookie } })),
    post: async (url: string, form: Record<string, string>, token = csrf) =>
      remember(
        await t.app.http.inject({
          method: 'POST',
          url,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ ...form, _csrf: token }).toString(),
        }),
      ),
  }
}

const accountRow = async (id: string) =>
  (
    await t.app.db.asSystem((tx) =>
      rows<Record<string, unknown>>(tx, sql`select * from portal_accounts where id = ${id}`),
    )
  )[0]

const kentRows = <T>(query: ReturnType<typeof sql>) => t.app.db.withForce('kent', (tx) => rows<T>(tx, query))

test('CP-28, CP-29, CP-27, CP-30, CP-31: a person sees their profile and changes their name, address and phone; they are told, and the crime record gets the new details through the write-back outbox', async () => {
  const { account, personId, crimeRef, email } = await aPersonWithAnAccount()
  const browser = await signedIn(account.id)
  const profile = await browser.get('/portal/account')
  assert.equal(profile.statusCode, 200)
  assert.match(profile.body, new RegExp(email))
  assert.match(profile.body, /By email/)
  await browser.get('/portal/account/details')
  const saved = await browser.post('/portal/account/details', {
    firstName: 'Sam',
    lastName: 'Jones',
    address: '1 High Street\nMaidstone ME14 1AA',
    contactPhone: '01632 960 001',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  assert.equal(saved.headers.location, '/portal/account?changed=details')
  const shown = await browser.get('/portal/account?changed=details')
  assert.match(shown.body, /Your changes have been saved/)
  assert.match(shown.body, /Sam/)
  assert.match(shown.body, /\+441632960001/)

  const row = (await accountRow(account.id))!
  assert.equal(row.first_name, 'Sam')
  assert.equal(row.address, '1 High Street\nMaidstone ME14 1AA')
  // CP-27: told at once, by their channel.
  const [told] = await kentRows<{ recipient: string; body: string; urgent: boolean }>(
    sql`select recipient, body, urgent from messages where template_key = 'portal-account-changed' and recipient = ${email}`,
  )
  assert.ok(told, 'the person is told')
  assert.match(told.body, /First name, Last name, Address, Contact phone number/)
  assert.equal(told.urgent, true)
  // CP-30, CP-31: the force's crime record gets the new values.
  const [note] = await kentRows<{ body: { content: string; channel: string }; notify_victim: boolean }>(
    sql`select body, notify_victim from writeback_entries where kind = 'note' and target = 'rms' and target_ref = ${crimeRef}`,
  )
  assert.ok(note, 'a note for the crime record')
  assert.equal(note.body.channel, 'portal')
  assert.equal(note.notify_victim, false)
  assert.match(note.body.content, /victim changed their details in their portal account/)
  assert.match(note.body.content, /Address: 1 High Street, Maidstone ME14 1AA/)
  assert.match(note.body.content, /Contact phone number: \+441632960001/)
  // The force's trail names the fields beside the person, never their values.
  const [audited] = await kentRows<{ detail: { fields: string[] } }>(
    sql`select detail from audit_events where action = 'portal.account-details-changed' and record_id = ${personId}`,
  )
  assert.deepEqual(audited!.detail.fields, ['firstName', 'lastName', 'address', 'contactPhone'])
  assert.doesNotMatch(JSON.stringify(audited), /High Street/)
})

test('CP-26: a change that cannot be saved says what is wrong, keeps what was typed, and points to self-help', async () => {
  const { account } = await aPersonWithAnAccount()
  const browser = await signedIn(account.id)
  await browser.get('/portal/account/details')
  const refused = await browser.post('/portal/account/details', {
    firstName: 'x'.repeat(101),
    lastName: 'Jones',
    address: '',
    contactPhone: '12345',
  })
  assert.equal(refused.statusCode, 400)
  assert.match(refused.body, /govuk-error-summary/)
  assert.match(refused.body, /First name must be 100 characters or fewer/)
  assert.match(refused.body, /Enter a UK phone number/)
  assert.match(refused.body, /value="Jones"/)
  assert.match(refused.body, /href="\/portal\/account\/help"/)
  assert.equal((await accountRow(account.id))!.last_name, null, 'nothing was saved')
  const help = await browser.get('/portal/account/help')
  assert.equal(help.statusCode, 200)
  assert.match(help.body, /If a change will not save/)
})

test('CP-25, CP-11, CP-27: a person changes how and when they are contacted; quiet hours need a start and an end; they are told of the change', async () => {
  const { account, email } = await aPersonWithAnAccount()
  const browser = await signedIn(account.id)
  await browser.get('/portal/account/notifications')
  const half = await browser.post('/portal/account/notifications', {
    channel: 'email',
    quietFrom: '22',
    quietTo: '',
  })
  assert.equal(half.statusCode, 400)
  assert.match(half.body, /Choose both when quiet hours start and when they end/)
  const noMobile = await browser.post('/portal/account/notifications', {
    channel: 'sms',
    quietFrom: '',
    quietTo: '',
  })
  assert.equal(noMobile.statusCode, 400)
  assert.match(noMobile.body, /Add a mobile number to get text messages/)
  const saved = await browser.post('/portal/account/notifications', {
    channel: 'email',
    quietFrom: '22',
    quietTo: '7',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  const row = (await accountRow(account.id))!
  assert.equal(row.quiet_from, 22)
  assert.equal(row.quiet_to, 7)
  assert.match((await browser.get('/portal/account')).body, /22:00 to 07:00/)
  const [told] = await kentRows<{ body: string }>(
    sql`select body from messages where template_key = 'portal-account-changed' and recipient = ${email}`,
  )
  assert.match(told!.body, /Notification settings/)
})

test('CP-33: deleting the account removes its personal data and sign-ins; the force keeps its invitation, its trail and a note on the crime record', async () => {
  const { account, personId, crimeRef, email } = await aPersonWithAnAccount()
  const browser = await signedIn(account.id)
  const other = await signedIn(account.id)
  await browser.get('/portal/account/delete')
  const unconfirmed = await browser.post('/portal/account/delete', {})
  assert.equal(unconfirmed.statusCode, 400)
  assert.match(unconfirmed.body, /Confirm that you want to delete your account/)
  const deleted = await browser.post('/portal/account/delete', { confirm: 'yes' })
  assert.equal(deleted.statusCode, 303, deleted.body)
  assert.equal(deleted.headers.location, '/portal/account/deleted')
  assert.equal(await accountRow(account.id), undefined, 'the account row is gone')
  const [links] = await kentRows<{ n: number }>(
    sql`select count(*)::int as n from portal_links where account_id = ${account.id}`,
  )
  assert.equal(links!.n, 0)
  // What the force must keep stays: its invitation (no longer tied to an account) and its trail.
  const [invitation] = await kentRows<{ account_id: string | null; accepted_at: Date | null }>(
    sql`select account_id, accepted_at from portal_invitations where person_id = ${personId}`,
  )
  assert.equal(invitation!.account_id, null)
  assert.ok(invitation!.accepted_at)
  const [audited] = await kentRows<{ n: number }>(
    sql`select count(*)::int as n from audit_events where action = 'portal.account-deleted' and record_id = ${account.id}`,
  )
  assert.equal(audited!.n, 1)
  const [note] = await kentRows<{ body: { content: string } }>(
    sql`select body from writeback_entries where kind = 'note' and target_ref = ${crimeRef}`,
  )
  assert.match(note!.body.content, /deleted their portal account/)
  const [told] = await kentRows<{ n: number }>(
    sql`select count(*)::int as n from messages where template_key = 'portal-account-deleted' and recipient = ${email}`,
  )
  assert.equal(told!.n, 1)
  // Every session of the account has ended, in this browser and any other.
  const [identities] = await t.app.db.asSystem((tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from citizen_identities where subject = ${account.id}`,
    ),
  )
  assert.equal(identities!.n, 0)
  assert.equal((await other.get('/portal/account')).statusCode, 302)
})

test('one person never reaches another’s account: every page acts on the signed-in account only, whatever the form says', async () => {
  const a = await aPersonWithAnAccount()
  const b = await aPersonWithAnAccount()
  const browserA = await signedIn(a.account.id)
  const browserB = await signedIn(b.account.id)
  await browserA.get('/portal/account/details')
  // An id smuggled into the form is ignored: the session decides whose account changes.
  const saved = await browserA.post('/portal/account/details', {
    accountId: b.account.id,
    id: b.account.id,
    firstName: 'Mallory',
  })
  assert.equal(saved.statusCode, 303)
  assert.equal((await accountRow(a.account.id))!.first_name, 'Mallory')
  assert.equal((await accountRow(b.account.id))!.first_name, null)
  const pageB = await browserB.get('/portal/account')
  assert.match(pageB.body, new RegExp(b.email))
  assert.doesNotMatch(pageB.body, new RegExp(a.email))
  assert.doesNotMatch(pageB.body, /Mallory/)
  // Staff are refused the citizen's pages; visitors are sent to sign in.
  const staff = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await staff.get('/portal/account')).statusCode, 403)
  assert.equal((await staff.post('/portal/account/delete', { confirm: 'yes' })).statusCode, 403)
  const visitor = await t.app.http.inject({ method: 'GET', url: '/portal/account' })
  assert.equal(visitor.statusCode, 302)
  assert.match(String(visitor.headers.location), /^\/account\/sign-in\?returnTo=/)
  assert.ok(await accountRow(b.account.id), 'b still has an account')
})

test('citizen account forms refuse a missing token and another session’s token (CSRF)', async () => {
  const a = await aPersonWithAnAccount()
  const b = await aPersonWithAnAccount()
  const browserA = await signedIn(a.account.id)
  const browserB = await signedIn(b.account.id)
  await browserB.get('/portal/account/details')
  await browserA.get('/portal/account/details')
  for (const [url, form] of [
    ['/portal/account/details', { firstName: 'Forged' }],
    ['/portal/account/notifications', { channel: 'email', quietFrom: '1', quietTo: '2' }],
    ['/portal/account/delete', { confirm: 'yes' }],
    ['/portal/welcome', { terms: 'yes', privacy: 'yes', cookies: 'yes' }],
  ] as const) {
    assert.equal((await browserA.post(url, form, '')).statusCode, 403, `${url} without a token`)
    assert.equal((await browserA.post(url, form, browserB.csrf)).statusCode, 403, `${url} with b's token`)
  }
  const row = (await accountRow(a.account.id))!
  assert.equal(row.first_name, null)
  assert.equal(row.quiet_from, null)
})

test('CP-20: a person idle past the limit is signed out by the server, and the next page says so; the warning dialog is on their pages', async () => {
  const { account } = await aPersonWithAnAccount()
  const browser = await signedIn(account.id)
  const page = await browser.get('/portal/account')
  assert.match(page.body, /id="session-timeout" data-idle-seconds="1800"/)
  assert.match(page.body, /You are about to be signed out/)
  assert.match(page.body, /src="\/public\/session-timeout\.js"/)
  const stay = await t.app.http.inject({
    method: 'POST',
    url: '/account/keep-alive',
    headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrf },
  })
  assert.equal(stay.statusCode, 204)
  clock.advance(31 * 60_000)
  const after = await browser.get('/portal/account')
  assert.equal(after.statusCode, 302)
  assert.equal(after.headers.location, '/account/timed-out?returnTo=%2Fportal%2Faccount')
  const told = await t.app.http.inject({ method: 'GET', url: after.headers.location as string })
  assert.equal(told.statusCode, 200)
  assert.match(told.body, /You have been signed out/)
  assert.match(told.body, /href="\/account\/sign-in\?returnTo=%2Fportal%2Faccount"/)
  // A visitor who never signed in is simply sent to sign in.
  const visitor = await t.app.http.inject({ method: 'GET', url: '/portal/account' })
  assert.match(String(visitor.headers.location), /^\/account\/sign-in/)
})

/** A visitor's browser, before any sign-in: its cookie jar and the anonymous CSRF token. */
const aVisitor = () => aCitizenBrowser(t.app)

async function deliveredCode(email: string): Promise<string> {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
  const message = received.findLast((m) => m.recipient === email && /security code/.test(m.body))
  assert.ok(message, 'a code reached the person')
  return codeIn(message.body)!
}

test('CP-24: a person who forgot their password resets it with a code sent to their email; their sessions end and they are told; an unknown address sees the same pages', async () => {
  const { account, email } = await aPersonWithAnAccount()
  const open = await signedIn(account.id)
  const visitor = aVisitor()
  const signInPage = await visitor.get('/portal/sign-in')
  assert.match(signInPage.body, /href="\/portal\/reset-password"/)
  await visitor.get('/portal/reset-password')
  const started = await visitor.post('/portal/reset-password', { email })
  assert.equal(started.headers.location, '/portal/reset-password/code')
  const codePage = await visitor.get('/portal/reset-password/code')
  assert.match(codePage.body, new RegExp(`If ${email} has an account, we sent a 6-digit code to it`))
  const wrong = await visitor.post('/portal/reset-password/code', { code: '000000' })
  assert.equal(wrong.statusCode, 400)
  const code = await deliveredCode(email)
  const right = await visitor.post('/portal/reset-password/code', { code })
  assert.equal(right.headers.location, '/portal/reset-password/new')
  await visitor.get('/portal/reset-password/new')
  const weak = await visitor.post('/portal/reset-password/new', { password: 'short', confirm: 'short' })
  assert.equal(weak.statusCode, 400)
  assert.match(weak.body, /at least 12 characters/)
  const done = await visitor.post('/portal/reset-password/new', {
    password: 'a brand new passphrase',
    confirm: 'a brand new passphrase',
  })
  assert.equal(done.headers.location, '/portal/sign-in?reset=1')
  assert.match((await visitor.get('/portal/sign-in?reset=1')).body, /Your password has been changed/)
  // The new password now starts a sign-in; the old one does not.
  assert.ok(await t.app.services.portal.accounts.signIn(email, 'a brand new passphrase'))
  assert.equal(await t.app.services.portal.accounts.signIn(email, 'correct horse battery staple'), undefined)
  // Sessions signed in before the reset have ended, and the person was told.
  assert.equal((await open.get('/portal/account')).statusCode, 302)
  const [told] = await kentRows<{ body: string }>(
    sql`select body from messages where template_key = 'portal-account-changed' and recipient = ${email}`,
  )
  assert.match(told!.body, /Password/)
  const [audited] = await kentRows<{ n: number }>(
    sql`select count(*)::int as n from audit_events where action = 'portal.password-reset' and record_id = ${account.id}`,
  )
  assert.equal(audited!.n, 1)

  // An address with no account: the same pages, and no code is sent anywhere.
  const stranger = aVisitor()
  await stranger.get('/portal/reset-password')
  const unknown = await stranger.post('/portal/reset-password', { email: 'nobody-here@example.org' })
  assert.equal(unknown.headers.location, '/portal/reset-password/code')
  assert.match(
    (await stranger.get('/portal/reset-password/code')).body,
    /If nobody-here@example.org has an account, we sent a 6-digit code to it/,
  )
  const [codes] = await kentRows<{ n: number }>(
    sql`select count(*)::int as n from messages where recipient = 'nobody-here@example.org'`,
  )
  assert.equal(codes!.n, 0)
  assert.equal((await stranger.post('/portal/reset-password/code', { code })).statusCode, 400)
})

test('CP-23, CP-34: the account pages a person manages their account with are in English and say so to browsers and screen readers', async () => {
  const { account } = await aPersonWithAnAccount()
  const browser = await signedIn(account.id)
  for (const [url, heading] of [
    ['/portal', 'Your cases'],
    ['/portal/account', 'Your account'],
    ['/portal/account/details', 'Change your details'],
    ['/portal/account/notifications', 'How we contact you'],
    ['/portal/account/help', 'Help with your account'],
    ['/portal/account/delete', 'Delete your account'],
  ] as const) {
    const page = await browser.get(url)
    assert.equal(page.statusCode, 200, url)
    assert.match(page.body, /<html lang="en"/, url)
    assert.match(page.body, new RegExp(`<h1 class="govuk-heading-l">${heading}</h1>`), url)
  }
})

/** A browser signed in as the account, keeping the cookies the pages set (the change's challenge). */
async function aSignedInBrowser(accountId: string) {
  const browser = aVisitor()
  const session = await citizenSessionCookie(t.app, accountId)
  browser.cookies.set(session.name, session.value)
  return browser
}

async function codeTo(recipient: string): Promise<string> {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
  const message = received.findLast((m) => m.recipient === recipient && /security code/.test(m.body))
  assert.ok(message, `a code reached ${recipient}`)
  return codeIn(message.body)!
}

test('CP-29, CP-27, CP-30: a person changes the email address they sign in with: their password again, a code to the new address, then both addresses are told and the crime record gets it', async () => {
  const { account, personId, crimeRef, email } = await aPersonWithAnAccount()
  const browser = await aSignedInBrowser(account.id)
  assert.match((await browser.get('/portal/account')).body, /href="\/portal\/account\/email"/)
  await browser.get('/portal/account/email')
  const both = await browser.post('/portal/account/email', { value: 'not an address', password: '' })
  assert.equal(both.statusCode, 400)
  assert.match(both.body, /govuk-error-summary/)
  assert.match(both.body, /Enter an email address in the correct format/)
  assert.match(both.body, /Enter your password/)
  assert.match(both.body, /value="not an address"/)
  const same = await browser.post('/portal/account/email', { value: email.toUpperCase(), password: 'x' })
  assert.match(same.body, /not the one you use now/)
  const wrongPassword = await browser.post('/portal/account/email', {
    value: `new.${email}`,
    password: 'not my password at all',
  })
  assert.equal(wrongPassword.statusCode, 400)
  assert.match(wrongPassword.body, /The password is not right/)
  assert.doesNotMatch(wrongPassword.body, /not my password at all/, 'a password is never shown back')

  const newEmail = `new.${email}`
  const started = await browser.post('/portal/account/email', {
    value: newEmail,
    password: 'correct horse battery staple',
  })
  assert.equal(started.statusCode, 303, started.body)
  assert.equal(started.headers.location, '/portal/account/confirm-change')
  assert.match(
    (await browser.get('/portal/account/confirm-change')).body,
    new RegExp(`We sent a 6-digit code to ${newEmail}`),
  )
  // Nothing changes before the code comes back.
  assert.equal((await accountRow(account.id))!.email, email)
  assert.equal((await browser.post('/portal/account/confirm-change', { code: '000000' })).statusCode, 400)
  const code = await codeTo(newEmail)
  const done = await browser.post('/portal/account/confirm-change', { code })
  assert.equal(done.statusCode, 303, done.body)
  assert.equal(done.headers.location, '/portal/account?changed=email')
  assert.match(
    (await browser.get('/portal/account?changed=email')).body,
    /Your email address has been changed/,
  )

  assert.equal((await accountRow(account.id))!.email, newEmail)
  const accounts = t.app.services.portal.accounts
  assert.ok(await accounts.signIn(newEmail, 'correct horse battery staple'), 'signs in with the new address')
  assert.equal(await accounts.signIn(email, 'correct horse battery staple'), undefined)
  // CP-27: told at the old address and the new one.
  const told = await kentRows<{ recipient: string; body: string }>(
    sql`select recipient, body from messages where template_key = 'portal-account-changed'
        and recipient in (${email}, ${newEmail})`,
  )
  assert.deepEqual(told.map((m) => m.recipient).sort(), [email, newEmail].sort())
  assert.ok(told.every((m) => /Email address/.test(m.body)))
  // CP-30: the force's crime record gets the new address through the write-back.
  const notes = await kentRows<{ body: { content: string } }>(
    sql`select body from writeback_entries where kind = 'note' and target = 'rms' and target_ref = ${crimeRef}`,
  )
  assert.ok(notes.some((n) => n.body.content.includes(`Email address: ${newEmail}`)))
  // Audited in the force's trail by field, never by value.
  const [audited] = await kentRows<{ detail: Record<string, unknown> }>(
    sql`select detail from audit_events where action = 'portal.sign-in-details-changed' and record_id = ${account.id}`,
  )
  assert.deepEqual(audited!.detail, { field: 'email' })
  const [byPerson] = await kentRows<{ detail: { fields: string[] } }>(
    sql`select detail from audit_events where action = 'portal.account-details-changed' and record_id = ${personId}`,
  )
  assert.deepEqual(byPerson!.detail.fields, ['email'])
  // The challenge is used up: the same code does nothing more.
  assert.equal((await browser.post('/portal/account/confirm-change', { code })).statusCode, 400)
})

test('CP-29, CP-17: a person changes the mobile number their security codes go to, proved by a code sent to it', async () => {
  const { account } = await aPersonWithAnAccount()
  const browser = await aSignedInBrowser(account.id)
  await browser.get('/portal/account/mobile')
  const wrong = await browser.post('/portal/account/mobile', {
    value: '12345',
    password: 'correct horse battery staple',
  })
  assert.equal(wrong.statusCode, 400)
  assert.match(wrong.body, /Enter a UK mobile number/)
  const long = await browser.post('/portal/account/mobile', { value: '0'.repeat(1001), password: 'x' })
  assert.equal(long.statusCode, 400, 'a value past the declared limit is refused')
  const started = await browser.post('/portal/account/mobile', {
    value: '07700 900 123',
    password: 'correct horse battery staple',
  })
  assert.equal(started.statusCode, 303, started.body)
  assert.match((await browser.get('/portal/account/confirm-change')).body, /We sent a 6-digit code to/)
  const code = await codeTo('+447700900123')
  const done = await browser.post('/portal/account/confirm-change', { code })
  assert.equal(done.headers.location, '/portal/account?changed=mobile')
  const row = (await accountRow(account.id))!
  assert.equal(row.mobile, '+447700900123')
  assert.equal(row.phone_verified, true)
  assert.match((await browser.get('/portal/account')).body, /\+447700900123/)
})

test('CP-29, CP-27: a person changes their password with the current one; every session ends, this one too, and they are told', async () => {
  const { account, email } = await aPersonWithAnAccount()
  const other = await aSignedInBrowser(account.id)
  const browser = await aSignedInBrowser(account.id)
  await browser.get('/portal/account/password')
  const wrong = await browser.post('/portal/account/password', {
    current: 'a guess',
    password: 'a brand new passphrase',
    confirm: 'a brand new passphrase',
  })
  assert.equal(wrong.statusCode, 400)
  assert.match(wrong.body, /The current password is not right/)
  const weak = await browser.post('/portal/account/password', {
    current: 'correct horse battery staple',
    password: 'short',
    confirm: 'short',
  })
  assert.match(weak.body, /at least 12 characters/)
  const mismatch = await browser.post('/portal/account/password', {
    current: 'correct horse battery staple',
    password: 'a brand new passphrase',
    confirm: 'a brand new passphrasf',
  })
  assert.match(mismatch.body, /The passwords do not match/)
  const done = await browser.post('/portal/account/password', {
    current: 'correct horse battery staple',
    password: 'a brand new passphrase',
    confirm: 'a brand new passphrase',
  })
  assert.equal(done.statusCode, 303, done.body)
  assert.equal(done.headers.location, '/portal/account/password-changed')
  assert.match((await browser.get('/portal/account/password-changed')).body, /Your password has been changed/)
  assert.equal((await browser.get('/portal/account')).statusCode, 302, 'this session ended')
  assert.equal((await other.get('/portal/account')).statusCode, 302, 'every other session ended')
  const accounts = t.app.services.portal.accounts
  assert.ok(await accounts.signIn(email, 'a brand new passphrase'))
  assert.equal(await accounts.signIn(email, 'correct horse battery staple'), undefined)
  const [told] = await kentRows<{ body: string }>(
    sql`select body from messages where template_key = 'portal-account-changed' and recipient = ${email}`,
  )
  assert.match(told!.body, /Password/)
  const [audited] = await kentRows<{ n: number }>(
    sql`select count(*)::int as n from audit_events where action = 'portal.password-changed' and record_id = ${account.id}`,
  )
  assert.equal(audited!.n, 1)
})

test('CP-29: sign-in details are refused for a One Login account, for another person’s change, for an address another account holds, and without the form’s token', async () => {
  const { account: one, email: oneEmail } = await aPersonWithAnAccount()
  const { account: two, email: twoEmail } = await aPersonWithAnAccount()
  // Person one starts a change; person two's browser, holding one's challenge cookie, cannot finish it.
  const browser = await aSignedInBrowser(one.id)
  await browser.get('/portal/account/email')
  assert.equal(
    (
      await browser.post('/portal/account/email', {
        value: twoEmail,
        password: 'correct horse battery staple',
      })
    ).statusCode,
    303,
  )
  const intruder = await aSignedInBrowser(two.id)
  for (const [name, value] of browser.cookies)
    if (name !== [...intruder.cookies.keys()][0]) intruder.cookies.set(name, value)
  await intruder.get('/portal/account')
  const code = await codeTo(twoEmail)
  const stolen = await intruder.post('/portal/account/confirm-change', { code })
  assert.equal(stolen.statusCode, 400)
  assert.match(stolen.body, /Start again/)
  assert.equal((await accountRow(two.id))!.email, twoEmail)
  // The owner with the right code: the address belongs to another account, so it is refused.
  const taken = await browser.post('/portal/account/confirm-change', { code })
  assert.equal(taken.statusCode, 400)
  assert.match(taken.body, /Another account uses that email address/)
  assert.equal((await accountRow(one.id))!.email, oneEmail)
  // Without the form's token.
  const noToken = await browser.post(
    '/portal/account/password',
    { current: 'x', password: 'y', confirm: 'y' },
    '',
  )
  assert.equal(noToken.statusCode, 403)
  // A One Login account changes these at One Login.
  await t.app.db.asSystem((tx) =>
    tx.execute(
      sql`update portal_accounts set one_login_sub = 'urn:fdc:gov.uk:2022:settings-one' where id = ${one.id}`,
    ),
  )
  for (const path of ['/portal/account/email', '/portal/account/mobile', '/portal/account/password']) {
    const page = await browser.get(path)
    assert.equal(page.statusCode, 409, path)
    assert.match(page.body, /Change this in GOV\.UK One Login/)
  }
  assert.equal(
    (
      await browser.post('/portal/account/email', {
        value: 'x@example.org',
        password: 'correct horse battery staple',
      })
    ).statusCode,
    409,
  )
  // Staff are not citizens.
  const staff = await t.signInAs(['force_admin'], 'kent')
  assert.notEqual((await staff.get('/portal/account/email')).statusCode, 200)
})
