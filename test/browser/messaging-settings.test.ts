// Message templates and messaging settings in Chromium with JavaScript off: a template is written,
// refused with an error summary, previewed with its SMS length and branded email, saved and given
// a Welsh version using only HTML forms; a force admin changes quiet hours. Every page on the way
// meets WCAG 2.2 AA under axe (UJ-8, UJ-12, UJ-19).
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

/** Pages the flows passed through, checked afterwards with axe (which needs JavaScript). */
const visited: VisitedPage[] = []
const visit = (page: Page, name: string, status = 200) => recordVisit(visited, page, name, status)

const mainText = async (page: Page) => (await page.textContent('main')) ?? ''

test('UJ-19: a template is written, refused, previewed, saved and given a Welsh version without JavaScript', async () => {
  const designer = await t.signInAs(['journey_designer'], 'kent', 'Dana Designer')
  const context = await browser.newContext({ signedIn: designer, javaScriptEnabled: false })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto('/console/templates')
  assert.match(await mainText(page), /Incident reference number/)
  await visit(page, 'templates-list')

  await page.getByRole('button', { name: 'Create a template' }).click()
  await visit(page, 'template-new')
  await page.getByLabel('Key').fill('court-date')
  await page.getByLabel('Title').fill('Court date')
  await page
    .getByLabel('Text message', { exact: true })
    .fill('((force_name)): your court date is ((court_date)).')
  await page.getByRole('button', { name: 'Save as a new version' }).click()
  const summary = (await page.locator('.govuk-error-summary').textContent()) ?? ''
  assert.match(summary, /The text message uses \(\(court_date\)\), which Waypoint cannot fill in/)
  // The summary links to the field at fault.
  await page.locator('.govuk-error-summary a').first().click()
  assert.equal(new URL(page.url()).hash, '#smsBody')

  await page
    .getByLabel('Text message', { exact: true })
    .fill('((force_name)): ((officer_name)) will tell you the court date for ((reference)).')
  await page.getByLabel('Subject line').fill('Your court date')
  await page.getByLabel('Email message').fill('# Your court date\n\n((officer_name)) will tell you the date.')
  await page.getByRole('button', { name: 'Preview' }).click()
  const preview = await mainText(page)
  assert.match(preview, /Kent Police: PC 4521 Sam Taylor will tell you the court date for 37\/12345\/26\./)
  assert.match(preview, /GSM-7/)
  assert.match(preview, /Parts \(segments\)\s*1/)
  const frame = page.frameLocator('iframe[title="Preview of the email"]')
  await frame.getByRole('heading', { name: 'Your court date' }).waitFor()
  await visit(page, 'template-preview')

  await page.getByRole('button', { name: 'Save as a new version' }).click()
  assert.match(await mainText(page), /English saved as a new version/)
  assert.match(await mainText(page), /Version 1, .* by Dana Designer/)
  await visit(page, 'template-view')

  await page.getByLabel('Language').selectOption('cy')
  await page.getByRole('button', { name: 'Write or change this language' }).click()
  assert.match(await mainText(page), /Write this template in Welsh \(Cymraeg\)/)
  await page
    .getByLabel('Text message', { exact: true })
    .fill(
      '((force_name)): bydd ((officer_name)) yn rhoi gwybod i chi am ddyddiad y llys ar gyfer ((reference)).',
    )
  await page.getByRole('button', { name: 'Preview' }).click()
  assert.match(await mainText(page), /bydd PC 4521 Sam Taylor yn rhoi gwybod i chi/)
  await visit(page, 'template-preview-welsh')
  await page.getByRole('button', { name: 'Save as a new version' }).click()
  assert.match(await mainText(page), /Welsh \(Cymraeg\) saved as a new version/)
  const versions = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.templates.templates(tx, 'kent'),
  )
  assert.deepEqual(
    versions
      .filter((v) => v.key === 'court-date')
      .map((v) => `${v.language}/${v.channel}/${v.version}`)
      .sort(),
    ['cy/sms/1', 'en/email/1', 'en/sms/1'],
  )
  await context.close()
})

test('UJ-8: a force admin changes quiet hours without JavaScript; a mistake is shown in the error summary', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Alex Admin')
  const context = await browser.newContext({ signedIn: admin, javaScriptEnabled: false })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto('/console/messaging-settings')
  await visit(page, 'messaging-settings')
  const sms = page.getByRole('group', { name: 'Text messages' }).first()
  await sms.getByLabel('From', { exact: true }).fill('18:00')
  await sms.getByLabel('Until', { exact: true }).fill('09:00')
  await page.getByRole('button', { name: 'Save messaging settings' }).click()
  assert.match(
    (await page.locator('.govuk-error-summary').textContent()) ?? '',
    /The time text messages must stop must be after the time they may start/,
  )
  await saveScreenshot(page, 'messaging-settings-errors')
  await sms.getByLabel('From', { exact: true }).fill('09:00')
  await sms.getByLabel('Until', { exact: true }).fill('17:30')
  await sms.getByLabel('Saturday').uncheck()
  await sms.getByLabel('Sunday').uncheck()
  await page.getByRole('button', { name: 'Save messaging settings' }).click()
  assert.match(await mainText(page), /Messaging settings saved/)
  const settings = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.settings.settings(tx, 'kent'),
  )
  assert.deepEqual(settings?.sendingWindows.sms, {
    days: [1, 2, 3, 4, 5],
    start: '09:00',
    end: '17:30',
    sendOnBankHolidays: true,
  })
  await context.close()
})

test('UJ-12: every template and settings page the flows passed through, and their error pages, meet WCAG 2.2 AA under axe', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Alex Admin')
  const context = await browser.newContext({ signedIn: admin })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  assert.ok(visited.length >= 6, 'the flows visited the pages')
  await assertVisitedPagesAccessible(
    page,
    visited.filter((p) => !p.name.includes('preview')),
  )
  // Pages reached by posting a form: the editor with errors and with a preview, settings with errors.
  await page.goto('/console/templates/new')
  await page.getByLabel('Title').fill('Broken')
  await page.getByLabel('Text message', { exact: true }).fill('((nope')
  await page.getByRole('button', { name: 'Preview' }).click()
  await page.locator('.govuk-error-summary').waitFor()
  assert.deepEqual(await checkAccessibility(page), [], 'the editor with errors has accessibility violations')
  await page.goto('/console/templates/court-date/edit?language=en')
  await page.getByRole('button', { name: 'Preview' }).click()
  await page.getByRole('heading', { name: 'Preview', exact: true }).waitFor()
  assert.deepEqual(await checkAccessibility(page), [], 'the editor preview has accessibility violations')
  await page.goto('/console/messaging-settings')
  await page.getByLabel('Brand colour (optional)').fill('blue')
  await page.getByRole('button', { name: 'Save messaging settings' }).click()
  await page.locator('.govuk-error-summary').waitFor()
  assert.deepEqual(await checkAccessibility(page), [], 'settings with errors have accessibility violations')
  await context.close()
})

test('with JavaScript, the text message’s length and parts update as it is typed, with the sample values filled in', async () => {
  const designer = await t.signInAs(['journey_designer'], 'kent', 'Dana Designer')
  const context = await browser.newContext({ signedIn: designer })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto('/console/templates/new')
  const live = page.locator('#smsBody-length')
  await page
    .getByLabel('Text message', { exact: true })
    .fill('((force_name)): your reference is ((reference)).')
  // "Kent Police: your reference is 37/12345/26." is 43 GSM-7 characters.
  await live.filter({ hasText: 'With the sample values: 43 characters, 1 part (GSM-7).' }).waitFor()
  await page.getByLabel('Text message', { exact: true }).fill(`((force_name)): ${'ŵ'.repeat(60)}`)
  await live
    .filter({ hasText: 'With the sample values: 73 characters, 2 parts (Unicode (UCS-2)).' })
    .waitFor()
  assert.equal(await live.getAttribute('aria-live'), 'polite')
  assert.deepEqual(
    await checkAccessibility(page),
    [],
    'the editor with the live length has accessibility violations',
  )
  await context.close()
})
