// Retention pages in Chromium: WCAG 2.2 AA with axe for the rules, a rule's form with its error
// summary, legal holds with a hold placed and with an error summary, and the report (UJ-3, CRM-4).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { FixedClock } from '../../src/platform/clock.ts'
import { anAthenaEvent } from '../../src/sources/test-support/events.ts'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
let admin: SignedIn
const clock = new FixedClock('2026-06-02T13:00:00Z')
const crimeRef = '46/77001/26'

before(async () => {
  t = await createTestApp({}, { clock })
  for (const [id, type, investigation] of [
    ['ATH-A11Y-1', 'INVESTIGATION_CREATED', { crimeType: 'Theft', status: 'OPEN' }],
    ['ATH-A11Y-2', 'STATUS_CHANGED', { status: 'CHARGED', closedAt: '2026-06-02T13:00:00Z' }],
  ] as const) {
    const result = await t.app.services.sources.receive(
      'kent',
      'athena',
      anAthenaEvent({
        id,
        type,
        at: clock.now().toISOString(),
        crimeRef,
        investigation,
        persons: [{ urn: 'P-A11Y', name: 'Sam Victim', role: 'VIC', phone: '07700900555' }],
      }),
      'application/json',
    )
    assert.equal(result.status, 'applied', String(result.reason))
  }
  clock.set('2032-06-03T13:00:00Z') // charged crimes are reviewed six years after closure
  await t.app.jobs.boss.send('retention.sweep', {})
  await t.app.jobs.drain()
  browser = await startBrowser(t)
  admin = await t.signInAs(['force_admin'], 'kent', 'Robin Records')
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function openPage(path: string, name: string, status = 200, javaScriptEnabled = true) {
  const context = await browser.newContext({ signedIn: admin, javaScriptEnabled })
  const page = await context.newPage()
  const response = await page.goto(path)
  assert.equal(response?.status(), status, path)
  await saveScreenshot(page, name)
  assert.deepEqual(await checkAccessibility(page), [], `${path} has accessibility violations`)
  return { page, context }
}

test('UJ-3: the retention rules and a rule’s form with its error summary meet WCAG 2.2 AA', async () => {
  const { page, context } = await openPage('/console/retention/rules', 'retention-rules')
  await page.getByRole('link', { name: /Change Crimes closed with no further action/ }).click()
  await page.getByLabel('Delete after (months)').fill('two years')
  await page.getByRole('button', { name: 'Save rule' }).click()
  await page.waitForSelector('.govuk-error-summary', { timeout: 20_000 })
  assert.deepEqual(await checkAccessibility(page), [], 'the rule error page has accessibility violations')
  await saveScreenshot(page, 'retention-rule-error')
  await context.close()
})

test('CRM-4: legal holds and the report meet WCAG 2.2 AA, with a hold placed and with an error summary', async () => {
  const { page, context } = await openPage('/console/retention/holds', 'retention-holds')
  await page.getByRole('button', { name: 'Place hold' }).click()
  await page.waitForSelector('.govuk-error-summary', { timeout: 20_000 })
  assert.deepEqual(await checkAccessibility(page), [], 'the hold error page has accessibility violations')
  await page.getByLabel('A crime').check()
  await page.getByLabel('Reference').fill(crimeRef)
  await page.getByLabel('Reason for the hold').fill('Civil claim')
  await page.getByRole('button', { name: 'Place hold' }).click()
  await page.waitForSelector('.govuk-notification-banner--success', { timeout: 20_000 })
  assert.deepEqual(
    await checkAccessibility(page),
    [],
    'the holds page with a hold has accessibility violations',
  )
  await saveScreenshot(page, 'retention-holds-placed')
  await context.close()
  const report = await openPage('/console/retention/report?from=2026-01-01&to=2033-01-01', 'retention-report')
  await report.context.close()
})
