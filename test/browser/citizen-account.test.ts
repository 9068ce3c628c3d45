// The citizen's account in Chromium, with and without JavaScript: a citizen signed in through the
// identity-provider seam sees "You are signed in", is refused the staff console, signs out with
// the page's own form and lands on a signed-out page; every page meets WCAG 2.2 AA under axe
// (checked with JavaScript on, as axe runs in the page).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
before(async () => {
  t = await createTestApp({}, { testRoutes: citizenTestSignIn })
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function signedInCitizen(context: BrowserContext, subject: string): Promise<void> {
  const response = await context.request.post('/test/citizen-sign-in', { data: { subject, forceId: 'kent' } })
  assert.equal(response.status(), 200)
}

/** axe runs inside the page, so only where JavaScript runs: the same HTML is served to both. */
async function accessible(page: Page, javaScriptEnabled: boolean): Promise<void> {
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [])
}

for (const javaScriptEnabled of [true, false]) {
  test(`CP-16: a citizen reaches their account, is refused the console and signs out (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled })
    await signedInCitizen(context, `browser-citizen-${javaScriptEnabled}`)
    const page = await context.newPage()

    assert.equal((await page.goto('/account'))?.status(), 200)
    await page.getByText('You are signed in').waitFor()
    await accessible(page, javaScriptEnabled)

    assert.equal((await page.goto('/console'))?.status(), 403)
    await page.getByText('This page is for police staff').waitFor()

    await page.goto('/account')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'You have signed out' }).waitFor()
    await accessible(page, javaScriptEnabled)

    await page.goto('/account')
    await page.getByRole('heading', { name: 'Sign in to your account' }).waitFor()
    assert.match(page.url(), /\/account\/sign-in\?returnTo=%2Faccount$/)
    await accessible(page, javaScriptEnabled)
  })
}
