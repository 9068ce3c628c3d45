// In Chromium (issue 13 §5 and §7): a local user opens the set-up link from their email, makes
// the mistakes the form explains, chooses a password, enrols an authenticator and lands signed
// in; a second journey designer opens a change waiting for approval, reads it field by field and
// approves it. Each page passes axe (WCAG 2.2 AA) and fits 320 px without scrolling sideways.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import type { DevelopmentStaffMailbox } from '../../src/platform/auth/staff-mail.ts'
import { totpCodeAt } from '../../src/platform/auth/totp.ts'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
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

async function accessibleAt320(page: Page, name: string): Promise<void> {
  await atWidth(page, 320)
  await saveScreenshot(page, name)
  assert.deepEqual(await checkAccessibility(page), [], `${name} has accessibility violations`)
  const width = await pageWidth(page)
  assert.ok(width.scrollWidth <= width.viewport, `${name} is ${width.scrollWidth} px wide at 320 px`)
  assert.equal(await page.locator('h1').count(), 1, `${name} has one h1`)
}

test('a local user sets up their account from the emailed link, and the pages are accessible at 320 px', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  const added = await admin.post('/console/users/new', {
    displayName: 'Robin Local',
    email: 'robin.local@kent.police.example',
    forceId: 'kent',
    signInMethod: 'local',
    roles: ['analyst'],
  })
  assert.equal(added.statusCode, 302)
  const mail = (t.app.services.staffMail as DevelopmentStaffMailbox).sent.findLast(
    (m) => m.to === 'robin.local@kent.police.example',
  )!
  const link = new URL(mail.link)

  const context = await browser.newContext({ javaScriptEnabled: true })
  const page = await context.newPage()
  await page.goto(`${link.pathname}${link.search}`)
  assert.equal((await page.locator('h1').textContent())?.trim(), 'Set up your Waypoint account')
  await accessibleAt320(page, 'staff-set-up')
  const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? ''

  await page.getByLabel('Password', { exact: true }).fill('too short')
  await page.getByLabel('Confirm password').fill('too short')
  await page.getByRole('button', { name: 'Set up account and sign in' }).click()
  assert.match(String(await page.locator('.govuk-error-summary').textContent()), /12 characters or more/)
  await accessibleAt320(page, 'staff-set-up-errors')

  await page.getByLabel('Password', { exact: true }).fill('lantern orchard pebble')
  await page.getByLabel('Confirm password').fill('lantern orchard pebble')
  await page.getByLabel('Code from your authenticator app').fill(await totpCodeAt(secret, t.clock.now()))
  await page.getByRole('button', { name: 'Set up account and sign in' }).click()
  assert.equal(new URL(page.url()).pathname, '/console')

  const again = await (await browser.newContext()).newPage()
  await again.goto(`${link.pathname}${link.search}`)
  assert.equal((await again.locator('h1').textContent())?.trim(), 'This set-up link no longer works')
  await accessibleAt320(again, 'staff-set-up-gone')
})

test('a second journey designer reads a change field by field and approves it; the pages are accessible at 320 px', async () => {
  const kentAdmin = await t.signInAs(['force_admin'], 'kent')
  assert.equal((await kentAdmin.post('/console/approvals/settings', { required: 'yes' })).statusCode, 303)
  const author = await t.signInAs(['journey_designer'], 'kent', 'Avery Author')
  const prompt = (await t.app.services.journeys.list('kent')).find((j) => j.name === 'Prompt response')!
  await author.post(`/console/journeys/designer/${prompt.id}/steps/0/remove`)
  await author.post(`/console/journeys/designer/${prompt.id}/trigger/conditions`, {
    fact: 'crime.type',
    operator: 'is-not',
    value: 'Fraud',
  })
  assert.equal((await author.post(`/console/journeys/designer/${prompt.id}/publish`)).statusCode, 303)

  const approver = await t.signInAs(['journey_designer'], 'kent', 'Blake Approver')
  const context = await browser.newContext({ javaScriptEnabled: true, signedIn: approver })
  const page = await context.newPage()
  await page.goto('/console/approvals')
  await accessibleAt320(page, 'approvals-list')
  await page.getByRole('link', { name: 'Prompt response' }).click()
  assert.equal((await page.locator('h1').textContent())?.trim(), 'Publish version 2')
  assert.match(
    String(await page.locator('.waypoint-change').first().textContent()),
    /When the journey starts/,
  )
  await accessibleAt320(page, 'approval-change')
  await page.getByRole('button', { name: 'Approve and publish' }).click()
  assert.match(
    String(await page.locator('.govuk-notification-banner').textContent()),
    /Version 2 is now live/,
  )
  await accessibleAt320(page, 'approval-approved')
  assert.equal((await t.app.services.journeys.detail('kent', prompt.id)).journey.publishedVersion, 2)

  await page.goto(`/console/journeys/designer/${prompt.id}/versions`)
  await accessibleAt320(page, 'journey-versions')
})
