// The citizen's account pages in Chromium, with and without JavaScript: the profile, changing
// details (and the form refused, with its error summary and self-help), how they are contacted,
// help, deleting the account, the page that says an idle person was signed out, the first One
// Login sign-in's terms and preferences, the One Login failure page, and the force
// administrator's One Login settings. Every citizen page has Exit this page, fits 320 CSS pixels
// and (with JavaScript, where axe runs) meets WCAG 2.2 AA.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import type { OutgoingMessage } from '../../src/messaging/channels.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { anInvitation, aVictimCase, signInContext } from '../support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
let browser: BrowserHarness
/** What the dev outbox handed over: the people's inboxes (the outbox staff read hides codes). */
const received: OutgoingMessage[] = []

async function deliveredCode(email: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const message = received.findLast((m) => m.recipient === email && /security code/.test(m.body))
    if (message) return /\b(\d{6})\b/.exec(message.body)![1]!
    await t.app.jobs.boss.send('messaging.dispatch-due', {})
    await t.app.jobs.drain(['messaging.dispatch-due'])
  }
  assert.fail('the code did not reach the person')
}
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  t.app.services.messaging.devOutbox!.onDelivered((message) => received.push(message))
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

let seq = 0
/** A Kent victim of an open crime, invited; answers the invitation. */
async function anInvitedVictim() {
  seq += 1
  const crimeRef = `46/${95000 + seq}/26`
  const email = `account-browser${seq}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef,
    eventId: `ATH-ACCOUNT-BROWSER-${seq}`,
    urn: `P-AB-${seq}`,
    name: `Account Victim ${seq}`,
    phone: `0770092${String(seq).padStart(4, '0')}`,
    email,
  })
  return { email, invitationId: await anInvitation(t.app, 'kent', crime) }
}

/** Exit this page, no sideways scrolling at 320 px and, where axe runs, no WCAG 2.2 AA violation. */
async function checked(page: Page, javaScriptEnabled: boolean, citizen = true): Promise<void> {
  if (citizen) await page.getByText('Exit this page').first().waitFor()
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], page.url())
  await atWidth(page, 320)
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${page.url()} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

for (const javaScriptEnabled of [true, false]) {
  const js = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`

  test(`CP-28, CP-29, CP-26, CP-25, CP-33: a person reads their account, changes their details and how they are contacted, gets help, and deletes the account (${js})`, async () => {
    const victim = await anInvitedVictim()
    const account = await t.app.services.portal.accounts.ensureAccount({
      email: victim.email,
      password: 'correct horse battery staple',
      totpSecret: 'JBSWY3DPEHPK3PXP',
      invitationId: victim.invitationId,
      forceId: 'kent',
    })
    const context = await browser.newContext({ javaScriptEnabled })
    await signInContext(context, account.id, 'waypoint')
    const page = await context.newPage()

    await page.goto('/portal/account')
    await page.getByRole('heading', { name: 'Your account', level: 1 }).waitFor()
    await checked(page, javaScriptEnabled)

    await page.getByRole('link', { name: 'Change your details' }).click()
    await page.getByRole('heading', { name: 'Change your details' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('First name').fill('Sam')
    await page.getByLabel('Contact phone number').fill('12345')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByRole('link', { name: /Enter a UK phone number/ }).waitFor()
    await page.getByRole('link', { name: 'get help with your account' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Contact phone number').fill('07700 900 982')
    await page.getByLabel('Address').fill('1 High Street\nMaidstone')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Your changes have been saved').waitFor()
    await page.getByText('+447700900982').waitFor()

    await page.getByRole('link', { name: 'Change how we contact you' }).click()
    await page.getByRole('heading', { name: 'How we contact you' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Quiet from').selectOption('22')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByRole('link', { name: /Choose both when quiet hours start/ }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Quiet until').selectOption('7')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('22:00 to 07:00').waitFor()

    await page.getByRole('link', { name: 'Help with your account' }).click()
    await page.getByRole('heading', { name: 'Help with your account' }).waitFor()
    await checked(page, javaScriptEnabled)

    await page.goto('/portal/account/delete')
    await page.getByRole('heading', { name: 'Delete your account' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByRole('button', { name: 'Delete my account' }).click()
    await page.getByRole('link', { name: 'Confirm that you want to delete your account' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('I want to delete my account').check()
    await page.getByRole('button', { name: 'Delete my account' }).click()
    await page.getByRole('heading', { name: 'Your account has been deleted' }).waitFor()
    await checked(page, javaScriptEnabled)
    assert.equal(await t.app.services.portal.accounts.account(account.id), undefined)
  })

  test(`CP-29: a person changes the email address they sign in with, proved by a code, then their password (${js})`, async () => {
    const victim = await anInvitedVictim()
    const account = await t.app.services.portal.accounts.ensureAccount({
      email: victim.email,
      password: 'correct horse battery staple',
      totpSecret: 'JBSWY3DPEHPK3PXP',
      invitationId: victim.invitationId,
      forceId: 'kent',
    })
    const context = await browser.newContext({ javaScriptEnabled })
    await signInContext(context, account.id, 'waypoint')
    const page = await context.newPage()
    await page.goto('/portal/account')
    await page.getByRole('link', { name: 'Change your email address' }).click()
    await page.getByRole('heading', { name: 'Change your email address' }).waitFor()
    await checked(page, javaScriptEnabled)
    const newEmail = `moved.${victim.email}`
    await page.getByLabel('New email address').fill(newEmail)
    await page.getByLabel('Your password').fill('not it')
    await page.getByRole('button', { name: 'Send a code' }).click()
    await page.getByRole('link', { name: 'The password is not right' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Your password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Send a code' }).click()
    await page.getByRole('heading', { name: 'Check the code we sent' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Security code').fill(await deliveredCode(newEmail))
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByText('Your email address has been changed').waitFor()
    await page.getByText(newEmail).first().waitFor()

    await page.getByRole('link', { name: 'Change your password' }).click()
    await page.getByRole('heading', { name: 'Change your password' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Current password').fill('correct horse battery staple')
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase')
    await page.getByLabel('Confirm the new password').fill('a different passphrase')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('link', { name: 'The passwords do not match' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Current password').fill('correct horse battery staple')
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase')
    await page.getByLabel('Confirm the new password').fill('a brand new passphrase')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('heading', { name: 'Your password has been changed' }).waitFor()
    await checked(page, javaScriptEnabled)
    await context.close()
  })

  test(`CP-13, CP-11, CP-20: a first One Login sign-in accepts the terms and chooses how to be contacted; an idle person is told they were signed out (${js})`, async () => {
    const victim = await anInvitedVictim()
    const sub = `urn:fdc:gov.uk:2022:browser-${seq}`
    const account = await t.app.services.portal.accounts.signInWithOneLogin(
      {
        sub,
        level: 'Cl.Cm',
        email: victim.email,
        emailVerified: true,
        phone: undefined,
        phoneVerified: false,
      },
      victim.invitationId,
      'kent',
    )
    assert.ok(account)
    const context = await browser.newContext({ javaScriptEnabled })
    await signInContext(context, sub, 'one-login')
    const page = await context.newPage()
    await page.goto('/portal')
    await page.getByRole('heading', { name: 'Before you start' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('link', { name: 'Accept the terms of use to create your account' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('I accept the terms of use').check()
    await page.getByLabel('I have read the privacy notice').check()
    await page.getByLabel('I have read how cookies are used').check()
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('heading', { name: 'Your cases' }).waitFor()

    clock.advance(31 * 60_000)
    await page.goto('/portal/account')
    await page.getByRole('heading', { name: 'You have been signed out' }).waitFor()
    await checked(page, javaScriptEnabled)
  })

  test(`CP-24: a person resets a forgotten password with a code sent to their email (${js})`, async () => {
    const victim = await anInvitedVictim()
    await t.app.services.portal.accounts.ensureAccount({
      email: victim.email,
      password: 'correct horse battery staple',
      totpSecret: 'JBSWY3DPEHPK3PXP',
      invitationId: victim.invitationId,
      forceId: 'kent',
    })
    const page = await (await browser.newContext({ javaScriptEnabled })).newPage()
    await page.goto('/portal/sign-in')
    await page.getByRole('link', { name: 'Forgotten your password?' }).click()
    await page.getByRole('heading', { name: 'Enter the email address you sign in with' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Enter the email address you sign in with').fill(victim.email)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('heading', { name: 'Check your email' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Security code').fill(await deliveredCode(victim.email))
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('New password', { exact: true }).fill('too short')
    await page.getByLabel('Confirm your new password').fill('too short')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('link', { name: /at least 12 characters/ }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase')
    await page.getByLabel('Confirm your new password').fill('a brand new passphrase')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByText('Your password has been changed').waitFor()
    await checked(page, javaScriptEnabled)
  })

  test(`the One Login pages a person may meet: no force offers it, and a sign-in that could not finish (${js})`, async () => {
    const page = await (await browser.newContext({ javaScriptEnabled })).newPage()
    await page.goto('/portal/one-login')
    await page.getByRole('heading', { name: 'Signing in with GOV.UK One Login is not available' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.goto('/portal/one-login/callback?code=x&state=y')
    await page.getByRole('heading', { name: 'You could not be signed in' }).waitFor()
    await checked(page, javaScriptEnabled)
  })
}

test('a force administrator’s GOV.UK One Login settings, and the form refused with an error summary, meet WCAG 2.2 AA and fit 320 px', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const page = await (await browser.newContext({ signedIn: admin })).newPage()
  await page.goto('/console/portal/one-login')
  await page.getByRole('heading', { name: 'GOV.UK One Login' }).waitFor()
  await checked(page, true, false)
  await page.getByLabel('Issuer').fill('https://idp.not-allowed.example/')
  await page.getByRole('button', { name: 'Save' }).click()
  await page.getByRole('link', { name: /Waypoint may not connect to idp.not-allowed.example/ }).waitFor()
  await page.getByRole('link', { name: /Enter the client ID/ }).waitFor()
  await checked(page, true, false)
})
