// CP-155: the citizen's pages in Welsh (decision 0057). Every citizen page a person reaches while
// registering, signing in, following a case, messaging the officer and changing their account is
// read in Welsh, and none of it may show words the English catalogue has and the Welsh one
// replaces, nor everyday English words; form errors and the GOV.UK error summary are Welsh; dates
// have Welsh month names; the language is the person's on record until they choose, and their
// choice (the Cymraeg / English toggle) is kept on their account and audited.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import { PDFParse } from 'pdf-parse'
import {
  aCitizenBrowser,
  aSignedInCitizen,
  aVictimCase,
  anInvitation,
  type CitizenBrowser,
  codeIn,
  linkIn,
} from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { OutgoingMessage } from '../messaging/channels.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { cy } from '../platform/i18n/catalogue.ts'
import { LANGUAGE_COOKIE } from '../platform/i18n/i18n.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
const received: OutgoingMessage[] = []
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  t.app.services.messaging.devOutbox!.onDelivered((message) => received.push(message))
})
after(() => t?.close())

/** What a person sees of a page: its title and text, without what is marked as English on purpose. */
function visibleText(html: string): string {
  const title = /<title>([\s\S]*?)<\/title>/.exec(html)?.[1] ?? ''
  const body = (/<body[^>]*>([\s\S]*)<\/body>/.exec(html)?.[1] ?? html)
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    // The toggle names English in English (lang="en"), as it should.
    .replace(/<(a|span)\b[^>]*\blang="en"[^>]*>[\s\S]*?<\/\1>/g, ' ')
  const attributes = [...body.matchAll(/\b(?:aria-label|alt)="([^"]*)"/g)].map((m) => m[1])
  return [title, body.replace(/<[^>]+>/g, ' '), ...attributes]
    .join(' ')
    .replace(/&amp;/g, '&')
    .replace(/&#39;|&rsquo;/g, '’')
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ')
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** Each English catalogue entry whose Welsh differs, as a pattern (`{name}` matches any value). */
const englishEntries = Object.entries(cy)
  .filter(([en, welsh]) => en !== welsh && !/[<>]/.test(en))
  .map(([en]) => ({
    en,
    pattern: new RegExp(
      `(?<![\\w’'-])${en
        .split(/(\{\w+\})/)
        .map((part) => (/^\{\w+\}$/.test(part) ? '.{1,80}?' : escapeRegExp(part)))
        .join('')}(?![\\w’'-])`,
    ),
  }))
/** Words of English a Welsh sentence never has. */
const everydayEnglish = /\b(the|you|your|and|with|this|for|have|has|been|will|not|are|what|when)\b/i

function assertWelsh(page: LightMyRequestResponse, where: string): void {
  assert.match(page.body, /<html lang="cy"/, `${where}: <html lang="cy">`)
  const text = visibleText(page.body)
  const left = englishEntries.filter((e) => e.pattern.test(text)).map((e) => e.en)
  assert.deepEqual(left, [], `${where}: English catalogue words left on the Welsh page`)
  const english = everydayEnglish.exec(text)
  assert.equal(
    english,
    null,
    `${where}: English word "${english?.[0]}" in «${text.slice(Math.max(0, (english?.index ?? 0) - 80), (english?.index ?? 0) + 80)}»`,
  )
}

/** A browser that reads the pages in Welsh, as after following "Cymraeg" without an account. */
function aWelshBrowser(): CitizenBrowser {
  const browser = aCitizenBrowser(t.app)
  browser.cookies.set(LANGUAGE_COOKIE, 'cy')
  return browser
}

/** The newest delivered message to any of `recipients` (an address, a number's end) that says `what`. */
async function delivered(recipients: string[], what: RegExp): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const found = received.findLast(
      (m) => recipients.some((r) => m.recipient.includes(r)) && what.test(m.body),
    )
    if (found) return found.body
    await t.app.jobs.boss.send('messaging.dispatch-due', {})
    await t.app.jobs.drain(['messaging.dispatch-due'])
  }
  assert.fail(`no message to ${recipients.join(' or ')} matching ${what}`)
}

let seq = 0
/** A Kent victim of an open crime with an officer; names without English words in them. */
async function aVictim(officer?: { collarNumber: string; name: string }) {
  seq += 1
  const email = `dioddefwr${seq}@example.org`
  const phone = `0770093${String(seq).padStart(4, '0')}`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef: `46/${97000 + seq}/26`,
    eventId: `ATH-WELSH-${seq}`,
    urn: `P-WELSH-${seq}`,
    name: `Siân Jones ${seq}`,
    phone,
    email,
    ...(officer ? { officer } : {}),
  })
  return { ...crime, email, phone }
}

async function anAccount(victim: Awaited<ReturnType<typeof aVictim>>) {
  return t.app.services.portal.accounts.ensureAccount({
    email: victim.email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: await anInvitation(t.app, 'kent', victim),
    forceId: 'kent',
  })
}

test('CP-155: registering from an invitation, signing in, resetting a password and the error, cookies and privacy pages are all in Welsh, form errors too', async () => {
  const browser = aWelshBrowser()
  for (const path of [
    '/portal/sign-in',
    '/account/sign-in',
    '/cookies',
    '/privacy',
    '/portal/reset-password',
  ]) {
    const page = await browser.get(path)
    assert.equal(page.statusCode, 200, path)
    assertWelsh(page, path)
  }
  assertWelsh(await browser.get('/portal/register?invitation=no-such-link'), 'an expired invitation link')
  assertWelsh(await browser.get('/portal/nowhere'), 'page not found')

  // A wrong password: the error summary and the field's message in Welsh.
  const refused = await browser.post('/portal/sign-in', { email: 'nobody@example.org', password: 'wrong' })
  assert.equal(refused.statusCode, 400)
  assertWelsh(refused, 'sign-in refused')
  assert.match(refused.body, /Mae problem wedi codi/)
  assert.match(refused.body, /Rhowch gyfeiriad e-bost a chyfrinair cywir/)
  assert.match(refused.body, /<title>Gwall: Mewngofnodi/)
  assert.match(refused.body, /<span class="govuk-visually-hidden">Gwall:<\/span>/)

  // Registering from the invitation the force sent, every step and its errors in Welsh.
  const victim = await aVictim()
  await anInvitation(t.app, 'kent', victim)
  const link = linkIn(
    await delivered([victim.email, victim.phone.slice(-6)], /\/portal\/register\?invitation=/),
  )!
  assert.equal((await browser.get(link)).statusCode, 303)
  assertWelsh(await browser.get('/portal/register/email'), 'register: email')
  const badEmail = await browser.post('/portal/register/email', { email: 'not an email' })
  assertWelsh(badEmail, 'register: email refused')
  assert.match(badEmail.body, /Rhowch gyfeiriad e-bost yn y fformat cywir/)
  assert.equal((await browser.post('/portal/register/email', { email: victim.email })).statusCode, 303)
  const code = codeIn(await delivered([victim.email], /security code/))!
  assertWelsh(await browser.get('/portal/register/email-code'), 'register: email code')
  const wrongCode = await browser.post('/portal/register/email-code', { code: '000000' })
  assertWelsh(wrongCode, 'register: wrong code')
  assert.match(wrongCode.body, /Rhowch y cod 6 digid a anfonwyd atoch/)
  assert.equal((await browser.post('/portal/register/email-code', { code })).statusCode, 303)
  assertWelsh(await browser.get('/portal/register/password'), 'register: password')
  const short = await browser.post('/portal/register/password', { password: 'short', confirm: 'short' })
  assertWelsh(short, 'register: password refused')
  assert.match(short.body, /Rhowch gyfrinair sydd ag o leiaf 12 nod/)
  const password = 'correct horse battery staple'
  assert.equal(
    (await browser.post('/portal/register/password', { password, confirm: password })).statusCode,
    303,
  )
  assertWelsh(await browser.get('/portal/register/second-factor'), 'register: second factor')
  assertWelsh(await browser.post('/portal/register/second-factor', {}), 'register: second factor refused')
  assert.equal(
    (await browser.post('/portal/register/second-factor', { method: 'sms', mobile: victim.phone }))
      .statusCode,
    303,
  )
  const smsCode = codeIn(await delivered([victim.phone.slice(-6)], /security code/))!
  assertWelsh(await browser.get('/portal/register/second-factor-code'), 'register: second factor code')
  assert.equal((await browser.post('/portal/register/second-factor-code', { code: smsCode })).statusCode, 303)
  assertWelsh(await browser.get('/portal/register/terms'), 'register: terms')
  const unaccepted = await browser.post('/portal/register/terms', {})
  assertWelsh(unaccepted, 'register: terms refused')
  assert.match(unaccepted.body, /Derbyniwch y telerau defnyddio i greu eich cyfrif/)
  const done = await browser.post('/portal/register/terms', { terms: 'yes', privacy: 'yes', cookies: 'yes' })
  assert.equal(done.headers.location, '/portal')
  assertWelsh(await browser.get('/portal'), 'the dashboard after registering')
})

test('CP-155: the dashboard, a case, its messages and every account page are in Welsh for a person whose language on record is Welsh, with Welsh dates', async () => {
  // An officer whose name carries Welsh and Polish letters, for the case PDF.
  const victim = await aVictim({ collarNumber: '4521', name: 'DC Siôn Llŷr Łukasik' })
  await t.app.db.withForce('kent', (tx) =>
    tx.execute(sql`update people set language = 'cy' where id = ${victim.personId}`),
  )
  const account = await anAccount(victim)
  // No choice made and no cookie: the language on record.
  const browser = await aSignedInCitizen(t.app, account.id)
  const dashboard = await browser.get('/portal')
  assertWelsh(dashboard, 'dashboard')
  const caseId = /\/portal\/cases\/([0-9a-f-]{36})/.exec(dashboard.body)?.[1]
  assert.ok(caseId, 'the dashboard links the case')
  const casePage = await browser.get(`/portal/cases/${caseId}`)
  assertWelsh(casePage, 'case')
  // Reported 10 June 2026: Welsh month names.
  assert.match(casePage.body, /10 Meh(efin)? 2026/)
  // The case PDF is in Welsh too, its Welsh letters (ŵ, ŷ) and names printed as written.
  const pdf = await t.app.http.inject({
    method: 'GET',
    url: `/portal/cases/${caseId}/case.pdf`,
    headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
  })
  assert.equal(pdf.statusCode, 200)
  const parser = new PDFParse({ data: new Uint8Array(pdf.rawPayload) })
  const { text } = await parser.getText()
  await parser.destroy()
  for (const welsh of [
    'Cyfeirnod:',
    'Eich rôl:',
    'Dioddefwr',
    'Diweddariadau',
    'Lawrlwythwyd ar 10 Mehefin 2026',
    'Mewn argyfwng, ffoniwch 999.',
  ])
    assert.ok(text.includes(welsh), `the PDF says “${welsh}”:\n${text}`)
  assert.ok(text.includes('DC Siôn Llŷr Łukasik (4521)'), text)
  assert.doesNotMatch(text, /Reference:|Your role:|Downloaded on/)

  const messages = await browser.get(`/portal/cases/${caseId}/messages`)
  assertWelsh(messages, 'messages')
  const empty = await browser.post(`/portal/cases/${caseId}/messages`, { message: '' })
  assertWelsh(empty, 'a message refused')
  assert.match(empty.body, /Rhowch eich neges/)
  const sent = await browser.post(`/portal/cases/${caseId}/messages`, {
    message: 'Mae gen i wybodaeth newydd am y lleidr a welais ddoe.',
  })
  const sentPage = sent.statusCode === 303 ? await browser.get(sent.headers.location as string) : sent
  assertWelsh(sentPage, 'message sent')

  for (const path of [
    '/portal/account',
    '/portal/account/details',
    '/portal/account/notifications',
    '/portal/account/email',
    '/portal/account/mobile',
    '/portal/account/password',
    '/portal/account/help',
    '/portal/account/delete',
    '/f/kent/feedback',
  ]) {
    const page = await browser.get(path)
    assert.equal(page.statusCode, 200, path)
    assertWelsh(page, path)
  }
  await browser.get('/portal/account/details')
  const badPhone = await browser.post('/portal/account/details', { firstName: 'Siân', contactPhone: '12345' })
  assertWelsh(badPhone, 'change of details refused')
  assert.match(badPhone.body, /Rhowch rif ffôn yn y DU/)
  await browser.get('/portal/account/notifications')
  const badQuiet = await browser.post('/portal/account/notifications', { channel: 'email', quietFrom: '22' })
  assertWelsh(badQuiet, 'notification preferences refused')
  assert.match(badQuiet.body, /Dewiswch pryd mae’r oriau tawel yn dechrau/)
  const saved = await browser.post('/portal/account/notifications', {
    channel: 'email',
    quietFrom: '22',
    quietTo: '7',
  })
  assert.equal(saved.statusCode, 303)
  const account2 = await browser.get('/portal/account')
  assertWelsh(account2, 'account after a change')
  assert.match(account2.body, /22:00 tan 07:00/)
  await browser.get('/portal/account/delete')
  const notDeleted = await browser.post('/portal/account/delete', {})
  assertWelsh(notDeleted, 'delete refused')
  assert.match(notDeleted.body, /Cadarnhewch eich bod eisiau dileu eich cyfrif/)
})

test('CP-155: the Cymraeg / English toggle sets the browser’s language, keeps a signed-in person’s choice on their account (audited) and only from our own pages', async () => {
  const victim = await aVictim()
  const account = await anAccount(victim)
  const browser = await aSignedInCitizen(t.app, account.id)
  const english = await browser.get('/portal/account')
  assert.match(english.body, /<html lang="en"/)
  assert.match(english.body, /href="\/language\/cy\?returnTo=%2Fportal%2Faccount" hreflang="cy" lang="cy"/)

  const chose = await browser.get('/language/cy?returnTo=%2Fportal%2Faccount')
  assert.equal(chose.statusCode, 303)
  assert.equal(chose.headers.location, '/portal/account')
  const cookie = chose.cookies.find((c) => c.name === LANGUAGE_COOKIE)
  assert.equal(cookie?.value, 'cy')
  assert.equal(cookie?.sameSite, 'Lax')
  assert.equal(cookie?.httpOnly, true)
  assert.equal((await t.app.services.portal.accounts.account(account.id))?.language, 'cy')
  const [audited] = await t.app.db.asSystem((tx) =>
    rows<{ detail: { language: string; previous: string | null } }>(
      tx,
      sql`select detail from audit_events where action = 'portal.language-chosen' and record_id = ${account.id}`,
    ),
  )
  assert.deepEqual(audited?.detail, { language: 'cy', previous: null })
  assertWelsh(await browser.get('/portal/account'), 'after choosing Cymraeg')

  // Another device, no cookie: the account's choice.
  const elsewhere = await aSignedInCitizen(t.app, account.id)
  assertWelsh(await elsewhere.get('/portal'), 'another device')

  // A link on another site changes this browser's cookie, never the account.
  const crossSite = await t.app.http.inject({
    method: 'GET',
    url: '/language/en?returnTo=https://elsewhere.example/',
    headers: {
      cookie: [...elsewhere.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      'sec-fetch-site': 'cross-site',
    },
  })
  assert.equal(crossSite.statusCode, 303)
  assert.equal(crossSite.headers.location, '/portal', 'only a path on this site')
  assert.equal((await t.app.services.portal.accounts.account(account.id))?.language, 'cy')

  // Back to English from the toggle on our page.
  assert.equal((await browser.get('/language/en?returnTo=%2Fportal')).statusCode, 303)
  assert.equal((await t.app.services.portal.accounts.account(account.id))?.language, 'en')
  assert.match((await browser.get('/portal')).body, /<html lang="en"/)

  // Nobody signed in: the cookie alone, English without it.
  assert.match((await aCitizenBrowser(t.app).get('/portal/sign-in')).body, /<html lang="en"/)
  const anonymous = aCitizenBrowser(t.app)
  await anonymous.get('/language/cy?returnTo=%2Fportal%2Fsign-in')
  assertWelsh(await anonymous.get('/portal/sign-in'), 'signed out, after choosing Cymraeg')
})
