// The admin's task in Chromium, without JavaScript and with it: find a scheduled message by the
// person's phone number and cancel it with a reason. Every page on the way meets WCAG 2.2 AA
// (axe), and fits a 320 px screen without scrolling sideways.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  assertVisitedPagesAccessible,
  type BrowserHarness,
  checkAccessibility,
  recordVisit,
  startBrowser,
  type VisitedPage,
} from '../support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
let admin: SignedIn
let messageId: string

before(async () => {
  t = await createTestApp()
  browser = await startBrowser(t)
  admin = await t.signInAs(['force_admin'], 'kent', 'Priya Admin')
  const messaging = t.app.services.messaging
  await t.app.db.withForce('kent', async (tx) => {
    await messaging.templates.addTemplateVersion(tx, {
      forceId: 'kent',
      key: 'court-date',
      title: 'Your court date',
      channel: 'sms',
      body: 'Dear ((first_name)), the court date for ((crime_ref)) is set.',
    })
    for (const to of ['07700 900101', '07700 900202'])
      await messaging.scheduling.schedule(tx, {
        forceId: 'kent',
        channel: 'sms',
        to,
        templateKey: 'court-date',
        personalisation: { first_name: 'Sam', crime_ref: '46/5566/26' },
        dueAt: new Date(t.clock.now().getTime() + 86_400_000),
      })
  })
})
after(async () => {
  await browser?.close()
  await t?.close()
})

for (const javaScriptEnabled of [false, true])
  test(`UJ-15: the admin finds a scheduled message by phone number and cancels it with a reason (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    if (javaScriptEnabled) {
      // A fresh message for the second run: the first run cancelled its own.
      const m = await t.app.db.withForce('kent', (tx) =>
        t.app.services.messaging.scheduling.schedule(tx, {
          forceId: 'kent',
          channel: 'sms',
          to: '07700 900101',
          templateKey: 'court-date',
          personalisation: { first_name: 'Sam', crime_ref: '46/5566/26' },
          dueAt: new Date(t.clock.now().getTime() + 86_400_000),
        }),
      )
      messageId = m.id
    }
    const context = await browser.newContext({ signedIn: admin, javaScriptEnabled })
    const page = await context.newPage()
    const visits: VisitedPage[] = []
    await page.goto('/console/outbox')
    await recordVisit(visits, page, `outbox-first-page-js-${javaScriptEnabled}`)
    await page.getByLabel('Search').fill('+44 7700 900101')
    await page.getByLabel('Status').selectOption({ label: 'Waiting to send' })
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/q=/)
    await recordVisit(visits, page, `outbox-search-js-${javaScriptEnabled}`)
    const main = page.locator('main')
    assert.match((await main.textContent()) ?? '', /1 message matches/)
    assert.doesNotMatch((await main.textContent()) ?? '', /07700 900202/)
    await page.getByRole('link', { name: /View message to 07700 900101/ }).click()
    await page.getByRole('heading', { name: /Text message to 07700 900101/ }).waitFor()
    if (!javaScriptEnabled) messageId = page.url().split('/').pop() ?? ''
    await recordVisit(visits, page, `outbox-message-js-${javaScriptEnabled}`)
    await page.getByRole('link', { name: 'Cancel this message' }).click()
    await page.getByRole('heading', { name: 'Cancel this message' }).waitFor()
    await recordVisit(visits, page, `outbox-cancel-confirm-js-${javaScriptEnabled}`)
    // No reason: the error summary says what to do, once.
    await page.getByRole('button', { name: 'Cancel the message' }).click()
    await page.locator('.govuk-error-summary').waitFor()
    assert.equal(await page.locator('.govuk-error-summary').count(), 1)
    assert.match(
      (await page.locator('.govuk-error-summary').textContent()) ?? '',
      /Enter why this message is cancelled/,
    )
    // The confirmation and its error state are checked here (axe needs JavaScript): once
    // cancelled, they answer 409.
    if (javaScriptEnabled)
      assert.deepEqual(await checkAccessibility(page), [], 'the cancel page with its error summary')
    await page.getByLabel('Why?').fill('The victim asked us by phone to stop')
    await page.getByRole('button', { name: 'Cancel the message' }).click()
    await page.locator('.govuk-notification-banner--success').waitFor()
    await recordVisit(visits, page, `outbox-cancelled-js-${javaScriptEnabled}`)
    assert.match((await main.textContent()) ?? '', /Cancelled by staff: The victim asked us by phone to stop/)
    const { message } = await t.app.db.withForce('kent', (tx) =>
      t.app.services.messaging.scheduling.message(tx, messageId),
    )
    assert.equal(message.status, 'cancelled')
    // At 320 px, nothing on these pages scrolls sideways.
    await page.setViewportSize({ width: 320, height: 800 })
    for (const path of ['/console/outbox', `/console/outbox/${messageId}`]) {
      await page.goto(path)
      const wide = await page.evaluate(() => document.documentElement.scrollWidth)
      assert.ok(wide <= 320, `${path} is ${wide} px wide at 320 px`)
    }
    await page.setViewportSize({ width: 1280, height: 900 })
    // The error state is checked by axe too.
    visits.push({ path: `/console/outbox?q=${'9'.repeat(201)}`, name: 'outbox-search-error', status: 400 })
    await context.close()
    // axe runs in a browser with JavaScript on, on the pages the flow passed through.
    const checking = await browser.newContext({ signedIn: admin })
    await assertVisitedPagesAccessible(
      await checking.newPage(),
      visits.filter((v) => !v.path.endsWith('/cancel')),
    )
    await checking.close()
  })
