// The auditor's task in Chromium: find who published a journey. The action is picked from a
// list by its plain name, the actor is shown by name although the event keeps only an id, the
// journey is a link, the results meet WCAG 2.2 AA (axe) and the table fits a 1280 px screen.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
let auditor: SignedIn
let journeyId: string

before(async () => {
  t = await createTestApp()
  browser = await startBrowser(t)
  await t.app.services.journeys.installDefaults('kent')
  const designer = await t.signInAs(['journey_designer'], 'kent', 'Jo Designer')
  const journey = (await t.app.services.journeys.list('kent')).find((j) => j.name === 'Prompt response')!
  journeyId = journey.id
  await t.app.services.journeys.publish('kent', journey.id, { id: designer.userId })
  auditor = await t.signInAs(['auditor'], 'kent', 'Alex Auditor')
})
after(async () => {
  await browser?.close()
  await t?.close()
})

test('CP-153: the auditor finds who published a journey, by name, with a link to it', async () => {
  const context = await browser.newContext({ signedIn: auditor })
  const page = await context.newPage()
  await page.goto('/console/audit')
  await page.getByLabel('What happened').selectOption({ label: 'Journeys: Journey published' })
  await page.getByRole('button', { name: 'Search' }).click()
  await page.waitForURL(/action=journey.published/)
  const row = page.locator('tbody tr', { hasText: 'Jo Designer' })
  assert.equal(await row.count(), 1, 'one publication by Jo Designer')
  assert.match((await row.textContent()) ?? '', /Journey published: version \d+/)
  await saveScreenshot(page, 'audit-journey-published')
  assert.deepEqual(await checkAccessibility(page), [], 'the audit results have accessibility violations')
  const wide = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(wide <= 1280, `the audit page is ${wide} px wide at 1280 px`)
  // The record links to the journey (its page is for journey designers and force admins).
  assert.equal(
    await row.getByRole('link', { name: /Journey/ }).getAttribute('href'),
    `/console/journeys/designer/${journeyId}`,
  )
  await context.close()
})
