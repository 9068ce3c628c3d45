// CP-155 in Chromium (decision 0057): the Cymraeg / English toggle in the citizen header works
// without JavaScript, for someone signed out and for a signed-in person, and a form's errors come
// back in Welsh; the Welsh pages meet WCAG 2.2 AA under axe at 320 CSS pixels and fit that width.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { FixedClock } from '../../src/platform/clock.ts'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { anInvitation, aVictimCase, signInContext } from '../support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
let browser: BrowserHarness
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

let seq = 0
async function aPersonWithAnAccount() {
  seq += 1
  const email = `cymraeg${seq}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef: `46/${98000 + seq}/26`,
    eventId: `ATH-WELSH-BROWSER-${seq}`,
    urn: `P-WB-${seq}`,
    name: `Siân Jones ${seq}`,
    phone: `0770094${String(seq).padStart(4, '0')}`,
    email,
  })
  return t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: await anInvitation(t.app, 'kent', crime),
    forceId: 'kent',
  })
}

/** In Welsh, with Exit this page; at 320 px: no violation under axe and no sideways scrolling. */
async function welshAt320(page: Page, javaScriptEnabled: boolean): Promise<void> {
  assert.equal(await page.locator('html').getAttribute('lang'), 'cy', page.url())
  await page.getByText('Gadael y dudalen hon').first().waitFor()
  await atWidth(page, 320)
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], page.url())
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${page.url()} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

test('CP-155: without JavaScript, the toggle turns the pages Welsh and back, signed out and signed in, and a refused form answers in Welsh', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false })
  const page = await context.newPage()
  await page.goto('/portal/sign-in')
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
  await page.getByRole('link', { name: 'Newid yr iaith i’r Gymraeg' }).click()
  await page.getByRole('heading', { name: 'Mewngofnodi', level: 1 }).waitFor()
  assert.equal(new URL(page.url()).pathname, '/portal/sign-in', 'back on the page it was on')
  await page.getByLabel('Cyfeiriad e-bost').fill('neb@example.org')
  await page.getByLabel('Cyfrinair').fill('anghywir')
  await page.getByRole('button', { name: 'Parhau' }).click()
  await page.getByRole('heading', { name: 'Mae problem wedi codi' }).waitFor()
  await page.getByRole('link', { name: /Rhowch gyfeiriad e-bost a chyfrinair cywir/ }).waitFor()
  await welshAt320(page, false)

  // Signed in: the choice is kept on the account.
  const account = await aPersonWithAnAccount()
  await signInContext(context, account.id)
  await page.goto('/portal/account')
  await page.getByRole('heading', { name: 'Eich cyfrif', level: 1 }).waitFor()
  await page.getByRole('link', { name: 'Newid eich manylion' }).click()
  await page.getByLabel('Rhif ffôn cyswllt').fill('12345')
  await page.getByRole('button', { name: 'Cadw newidiadau' }).click()
  await page.getByRole('link', { name: /Rhowch rif ffôn yn y DU/ }).waitFor()
  await welshAt320(page, false)
  await page.getByRole('link', { name: 'Change the language to English' }).click()
  await page.getByRole('heading', { name: 'Change your details', level: 1 }).waitFor()
  assert.equal(await page.locator('html').getAttribute('lang'), 'en')
  assert.equal((await t.app.services.portal.accounts.account(account.id))?.language, 'en')
  await page.getByRole('link', { name: 'Newid yr iaith i’r Gymraeg' }).click()
  await page.getByRole('heading', { name: 'Newid eich manylion', level: 1 }).waitFor()
  assert.equal((await t.app.services.portal.accounts.account(account.id))?.language, 'cy')
  await context.close()
})

test('CP-155: the Welsh dashboard, case, messages, account, sign-in, cookies and privacy pages meet WCAG 2.2 AA under axe at 320 px', async () => {
  const account = await aPersonWithAnAccount()
  const context = await browser.newContext({ javaScriptEnabled: true })
  await signInContext(context, account.id)
  const page = await context.newPage()
  await page.goto('/portal')
  await page.getByRole('link', { name: 'Newid yr iaith i’r Gymraeg' }).click()
  await page.getByRole('heading', { name: 'Eich achosion', level: 1 }).waitFor()
  await welshAt320(page, true)
  const caseHref = await page.locator('a[href^="/portal/cases/"]').first().getAttribute('href')
  assert.ok(caseHref)
  await page.goto(caseHref)
  await page.getByRole('heading', { name: 'Diweddariadau' }).waitFor()
  await welshAt320(page, true)
  await page.goto(`${caseHref}/messages`)
  await page.getByRole('heading', { name: 'Negeseuon gyda’ch swyddog ymchwilio', level: 1 }).waitFor()
  await welshAt320(page, true)
  await page.getByRole('button', { name: 'Anfon neges' }).click()
  await page.getByRole('link', { name: 'Rhowch eich neges' }).waitFor()
  await welshAt320(page, true)
  for (const [path, heading] of [
    ['/portal/account', 'Eich cyfrif'],
    ['/portal/account/notifications', 'Sut rydym yn cysylltu â chi'],
    ['/cookies', 'Cwcis'],
    ['/privacy', 'Hysbysiad preifatrwydd'],
  ] as const) {
    await page.goto(path)
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
    await welshAt320(page, true)
  }
  const signedOut = await browser.newContext({ javaScriptEnabled: true })
  const signIn = await signedOut.newPage()
  await signIn.goto('/language/cy?returnTo=%2Fportal%2Fsign-in')
  await signIn.getByRole('button', { name: 'Parhau' }).click()
  await signIn.getByRole('heading', { name: 'Mae problem wedi codi' }).waitFor()
  await welshAt320(signIn, true)
  await signedOut.close()
  await context.close()
})
