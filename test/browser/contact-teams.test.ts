// Contact's teams in Chromium (decision 0047): the teams pages, and the quality report, reviews,
// wallboard and reports filtered by a team, each with every console check (one h1, axe at 1280
// and 320 px, no sideways scroll at 320 px or with text at 200%, the page without JavaScript);
// without JavaScript a supervisor makes a team through the error summary and fills it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { FixedClock } from '../../src/platform/clock.ts'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { checkPages as checkPagesIn } from '../support/page-checks.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let browser: BrowserHarness
let supervisor: SignedIn

before(async () => {
  t = await createTestApp({}, { clock })
  browser = await startBrowser(t)
  await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  await t.signInAs(['contact_handler'], 'essex', 'Kim Handler')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
})

after(async () => {
  await browser?.close()
  await t?.close()
})

async function newContext(options: Parameters<BrowserHarness['newContext']>[0]) {
  const context = await browser.newContext(options)
  context.setDefaultTimeout(120_000)
  context.setDefaultNavigationTimeout(120_000)
  return context
}

test('a supervisor makes a team without JavaScript through the error summary, names its leader and adds handlers; the pages pass axe', async () => {
  const plain = await newContext({ signedIn: supervisor, javaScriptEnabled: false })
  const page = await plain.newPage()
  await page.goto('/console/contact/teams')
  await page.getByRole('button', { name: 'Make team' }).click()
  const summary = page.locator('.govuk-error-summary')
  assert.match((await summary.textContent()) ?? '', /Enter the team’s name/)
  await page.getByLabel('Team name').fill('Night shift')
  await page.getByLabel('Team leader').selectOption({ label: 'Sue Supervisor' })
  await page.getByRole('button', { name: 'Make team' }).click()
  assert.equal(((await page.getByRole('heading', { level: 1 }).textContent()) ?? '').trim(), 'Night shift')
  for (const name of ['Sam Handler', 'Kim Handler']) {
    await page.getByLabel('Add a handler').selectOption({ label: name })
    await page.getByRole('button', { name: 'Add to team' }).click()
  }
  assert.match((await page.locator('#members').textContent()) ?? '', /Handlers \(2\)/)
  const teamPath = new URL(page.url()).pathname
  await plain.close()

  const context = await newContext({ signedIn: supervisor })
  const noScript = await newContext({ signedIn: supervisor, javaScriptEnabled: false })
  try {
    const teamId = teamPath.split('/').pop()
    // The error summary, with JavaScript (axe runs in the page).
    const refused = await context.newPage()
    await refused.goto('/console/contact/teams')
    await refused.getByRole('button', { name: 'Make team' }).click()
    assert.match((await refused.locator('.govuk-error-summary').textContent()) ?? '', /Enter the team’s name/)
    assert.deepEqual(await checkAccessibility(refused), [])
    await refused.close()
    await checkPagesIn(context, noScript, [
      ['/console/contact/teams', 'contact-teams'],
      [teamPath, 'contact-team'],
      ['/console/contact/qa/report', 'contact-qa-report-team'],
      ['/console/contact/qa/reviews', 'contact-qa-reviews-team'],
      [`/console/contact/wallboard?team=${teamId}`, 'contact-wallboard-team'],
      [`/console/contact/reports?team=${teamId}`, 'contact-reports-team'],
    ])
  } finally {
    await context.close()
    await noScript.close()
  }
})
