// Journeys reports in Chromium: WCAG 2.2 AA with axe for the report tables, the date error
// summary, the Victims' Code report and the Power BI key page (new key, error) (UJ-13..UJ-16, CP-65).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { aCrime, aMessage, aTemplate, dispatchDue } from '../../src/reporting/test-builders.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const june = 'from-day=1&from-month=6&from-year=2026&to-day=30&to-month=6&to-year=2026'
let t: TestApp
let browser: BrowserHarness
let admin: SignedIn
before(async () => {
  t = await createTestApp({}, { clock: new FixedClock('2026-06-02T13:00:00Z') })
  browser = await startBrowser(t)
  admin = await t.signInAs(['force_admin'], 'kent', 'Alex Analyst')
  await aTemplate(t, 'kent', { key: 'a11y-update', title: 'Investigation update', channel: 'sms' })
  const crime = await aCrime(t, 'kent', 'Burglary')
  await aMessage(t, 'kent', { caseId: crime, templateKey: 'a11y-update', channel: 'sms', to: '07700900801' })
  await aMessage(t, 'kent', { caseId: crime, templateKey: 'a11y-update', channel: 'sms', to: 'not-a-number' })
  await dispatchDue(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function openPage(path: string, name: string, status = 200) {
  const context = await browser.newContext({ signedIn: admin })
  const page = await context.newPage()
  const response = await page.goto(path)
  assert.equal(response?.status(), status, path)
  await saveScreenshot(page, name)
  assert.deepEqual(await checkAccessibility(page), [], `${path} has accessibility violations`)
  return { page, context }
}

test('UJ-13, UJ-14, UJ-15: the Journeys reports with data, by case type and with a date error meet WCAG 2.2 AA', async () => {
  const { page, context } = await openPage(`/console/reports?${june}`, 'reports-messages')
  assert.equal(await page.locator('caption').first().textContent(), 'Messages sent and delivered by template')
  await context.close()
  await (await openPage(`/console/reports?${june}&group=case-type`, 'reports-by-case-type')).context.close()
  await (
    await openPage('/console/reports?from-day=31&from-month=2&from-year=2026', 'reports-date-error', 400)
  ).context.close()
})

test('CP-65: the Victims’ Code timeliness report meets WCAG 2.2 AA, empty and with a date error', async () => {
  await (await openPage(`/console/reports/victims-code?${june}`, 'reports-victims-code')).context.close()
  await (
    await openPage(
      '/console/reports/victims-code?from-day=1&from-month=13&from-year=2026',
      'reports-victims-code-error',
      400,
    )
  ).context.close()
})

test('CP-65, UJ-15: the deadlines page, the timeliness report with a held-back first message and the outbox’s held-back filter meet WCAG 2.2 AA', async () => {
  await t.app.services.journeys.installDefaults('kent')
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.cases.applySourceChange(
      tx,
      'kent',
      {
        kind: 'crime.recorded',
        crime: {
          crimeRef: '46/7001/26',
          crimeType: 'Assault',
          status: 'open',
          vcopCategory: 'enhanced',
          recordedAt: t.clock.now(),
        },
        people: [
          {
            athenaUrn: 'A11Y-HELD-1',
            name: 'Sam Held',
            dateOfBirth: '1985-04-05',
            role: 'victim',
            phones: [{ value: '+447700900802', mobile: true }],
            emails: [],
            markers: ['domestic_abuse'],
          },
        ],
      },
      { sourceSystem: 'athena', occurredAt: t.clock.now() },
    ),
  )
  await t.app.jobs.drain()
  const deadlines = await openPage('/console/journeys/victims-code', 'journeys-victims-code-deadlines')
  assert.match((await deadlines.page.locator('main').textContent()) ?? '', /46\/7001\/26\s*, Sam Held/)
  await deadlines.context.close()
  await (await openPage('/console/reports/victims-code', 'reports-victims-code-held-back')).context.close()
  const outbox = await openPage('/console/outbox?status=suppressed', 'outbox-held-back')
  assert.match(
    (await outbox.page.locator('main').textContent()) ?? '',
    /domestic abuse: sms has not been confirmed as a safe channel/,
  )
  await outbox.context.close()
})

test('UJ-16: the Power BI key page meets WCAG 2.2 AA with a new key and with an error summary', async () => {
  const { page, context } = await openPage('/console/reports/api-keys', 'reports-api-keys')
  await page.getByLabel('Name').fill('Performance dashboard')
  await page.getByRole('button', { name: 'Create key' }).click()
  await page.waitForSelector('.govuk-panel')
  assert.deepEqual(await checkAccessibility(page), [], 'the new key page has accessibility violations')
  await saveScreenshot(page, 'reports-api-key-created')
  await page.getByRole('button', { name: 'Create key' }).click()
  await page.waitForSelector('.govuk-error-summary')
  assert.deepEqual(await checkAccessibility(page), [], 'the key error page has accessibility violations')
  await context.close()
})
