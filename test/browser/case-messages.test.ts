// The officer's main task in Chromium, without JavaScript: open a crime, see what its victim was
// sent and why, open the message and the decision behind it, and come back. Each page is checked
// with axe (WCAG 2.2 AA) and fits a 320 px wide screen without scrolling sideways.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { FixedClock } from '../../src/platform/clock.ts'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
const clock = new FixedClock('2026-06-03T09:00:00Z') // Wednesday 10:00 in London

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function aBurglary(crimeRef: string, name: string, phone: string, markers: string[] = []) {
  const result = await t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      'kent',
      {
        kind: 'crime.recorded',
        crime: {
          crimeRef,
          crimeType: markers.length ? 'Assault' : 'Burglary',
          status: 'open',
          vcopCategory: 'enhanced',
          recordedAt: clock.now(),
        },
        people: [
          {
            athenaUrn: `BR-${crimeRef}`,
            name,
            dateOfBirth: '1975-02-01',
            role: 'victim',
            phones: [{ value: phone, mobile: true }],
            emails: [],
            markers: markers as never,
          },
        ],
      },
      { sourceSystem: 'athena', occurredAt: clock.now() },
    ),
  )
  await t.app.jobs.drain()
  return result.crimeId!
}

/**
 * axe finds nothing, and at 320 px the page does not scroll sideways. axe runs in the page, so a
 * page reached without JavaScript is checked again in `withJs`, a page that has it.
 */
async function checkPage(page: Page, name: string, withJs?: Page) {
  const target = withJs ?? page
  if (withJs) await withJs.goto(page.url())
  assert.deepEqual(await checkAccessibility(target), [], `${name} has accessibility violations`)
  await target.setViewportSize({ width: 320, height: 800 })
  const width = await target.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 320, `${name} is ${width} px wide at 320 px`)
  await saveScreenshot(target, `case-messages-${name}-320`)
  await target.setViewportSize({ width: 1280, height: 900 })
}

test('the officer finds what a victim got and why: from the crime, to the message, to the decision and back, without JavaScript', async () => {
  const crimeId = await aBurglary('46/90001/26', 'Jordan Mayhew', '+447700900555')
  const officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Officer')
  const context = await browser.newContext({ signedIn: officer, javaScriptEnabled: false })
  const page = await context.newPage()
  const withJs = await (await browser.newContext({ signedIn: officer })).newPage()

  page.setDefaultTimeout(60_000)
  await page.goto(`/console/cases/crimes/${crimeId}`)
  await page.waitForSelector('h2#journey-messages')
  assert.match((await page.locator('h1').textContent()) ?? '', /46\/90001\/26/)
  const card = page.locator('.govuk-summary-card').first()
  assert.match((await card.textContent()) ?? '', /Crime reference number/)
  assert.match((await card.textContent()) ?? '', /Delivered/)
  await checkPage(page, 'crime', withJs)

  await card.getByRole('link', { name: /View the message/ }).click()
  await page.waitForSelector('h2#why')
  assert.match((await page.locator('main').textContent()) ?? '', /Burglary enrolled this person/)
  assert.match((await page.locator('main').textContent()) ?? '', /your crime reference is 46\/90001\/26/i)
  await checkPage(page, 'message', withJs)

  await page.getByRole('link', { name: 'See the journey decisions on this case' }).click()
  await page.waitForSelector('h1')
  assert.equal((await page.locator('h1').textContent())?.trim(), 'Journeys on this case')
  assert.match(page.url(), /#decision-\d+$/)
  await checkPage(page, 'journeys-on-case', withJs)

  await page.getByRole('link', { name: 'Back to crime 46/90001/26' }).click()
  assert.match((await page.locator('h1').textContent()) ?? '', /46\/90001\/26/)
})

test('the person page shows a message held back with its reason, and passes axe at 320 px', async () => {
  const crimeId = await aBurglary('46/90002/26', 'Sam Held', '+447700900556', ['domestic_abuse'])
  const officer = await t.signInAs(['supervisor'], 'kent', 'DS Supervisor')
  const context = await browser.newContext({ signedIn: officer })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto(`/console/cases/crimes/${crimeId}`)
  await page.getByRole('link', { name: 'Sam Held' }).first().click()
  await page.waitForSelector('h2#journey-messages')
  const text = (await page.locator('main').textContent()) ?? ''
  assert.match(text, /Held back/)
  assert.match(text, /has not been confirmed as a safe channel/)
  await checkPage(page, 'person')
  await page
    .getByRole('link', { name: /View the message/ })
    .first()
    .click()
  await page.waitForSelector('h2#why')
  assert.match((await page.locator('main').textContent()) ?? '', /Why it was held back/)
  await checkPage(page, 'held-message')
})

test('the opt-out removal page and the confirmation before disabling a user pass axe and fit 320 px', async () => {
  await aBurglary('46/90003/26', 'Kim Optout', '+447700900557')
  const { optOut } = await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.optOuts.recordOptOut(tx, {
      forceId: 'kent',
      channel: 'sms',
      address: '+447700900557',
      source: 'sms-stop',
    }),
  )
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  const someone = await t.signInAs(['analyst'], 'kent', 'Someone To Disable')
  const context = await browser.newContext({ signedIn: admin })
  const page = await context.newPage()
  page.setDefaultTimeout(60_000)
  await page.goto(`/console/opt-outs/${optOut.id}/remove`)
  assert.equal((await page.locator('h1').textContent())?.trim(), 'Remove this opt-out')
  await checkPage(page, 'opt-out-remove')
  await page.getByRole('button', { name: 'Remove opt-out' }).click()
  await page.waitForSelector('.govuk-error-summary')
  assert.equal(await page.locator('.govuk-error-summary').count(), 1)
  await checkPage(page, 'opt-out-remove-error')
  await page.goto(`/console/users/${someone.userId}/disable`)
  await checkPage(page, 'user-disable')
})
