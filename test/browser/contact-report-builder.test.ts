// Contact's report builder in Chromium (CRM-30, decision 0054): without JavaScript a supervisor
// builds a report through the error summary, pages its preview and saves it with a weekly
// schedule; the builder, the page with its errors and the saved report each get every console
// check (one h1, axe at 1280 and 320 px, no sideways scroll at 320 px or with text at 200%, the
// page without JavaScript).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { FixedClock } from '../../src/platform/clock.ts'
import { rows } from '../../src/platform/db/database.ts'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { checkPages as checkPagesIn } from '../support/page-checks.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let browser: BrowserHarness
let supervisor: SignedIn

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  const handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'rb-browser-1',
      from: '07700900401',
      fromName: null,
      to: null,
      subject: null,
      body: 'Any news on my case?',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  // 200 closed contacts over the last 28 days, so the preview has more than one page by day and hour.
  await t.app.db.withForce('essex', async (tx) => {
    const [c] = await rows<{ id: string }>(tx, sql`select conversation_id as id from contact_items limit 1`)
    await tx.execute(
      sql`insert into contact_items (force_id, conversation_id, channel, priority, skill, status, assigned_to,
            enqueued_at, assigned_at, wrap_started_at, closed_at, outcome, failure_demand)
          select 'essex', ${c!.id}, (array['sms', 'email', 'phone'])[1 + n % 3], 1 + n % 4, 'sms', 'closed', ${handler.userId},
            at, at + interval '3 minutes', at + interval '8 minutes', at + interval '9 minutes',
            (array['update-request', 'information-given'])[1 + n % 2], n % 2 = 0
          from (select n, ${clock.now()}::timestamptz - (n * interval '191 minutes') as at
                from generate_series(1, 200) n) s`,
    )
  })
  browser = await startBrowser(t)
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

test('CRM-30: without JavaScript a supervisor builds a report through the error summary, pages it and saves it with a weekly email; the pages meet WCAG 2.2 AA, fit 320 px and work without JavaScript', async () => {
  const plain = await newContext({ signedIn: supervisor, javaScriptEnabled: false })
  let savedPath = ''
  try {
    const page = await plain.newPage()
    await page.goto('/console/contact/reports/builder')
    await page.getByRole('heading', { level: 1, name: 'Report builder' }).waitFor()
    // Time not ready by channel cannot be counted: the error summary says so and links to the field.
    await page.getByLabel('Channel', { exact: true }).first().check()
    await page.getByLabel('Time not ready').check()
    await page.getByRole('button', { name: 'Show report' }).click()
    const summary = page.locator('.govuk-error-summary')
    await summary.waitFor()
    assert.match((await summary.textContent()) ?? '', /Time not ready cannot be broken down by channel/)
    assert.match(await page.title(), /^Error: /)
    await page.getByLabel('Time not ready').uncheck()
    await page.getByLabel('Hour (UK time)').check()
    await page.getByLabel('Mean handling time').check()
    await page.getByLabel('The last 28 days').check()
    await page.getByRole('button', { name: 'Show report' }).click()
    await page.getByText(/Showing 1 to 50 of \d+ rows/).waitFor()
    await page.getByRole('link', { name: 'Next' }).click()
    await page.getByText(/Showing 51 to/).waitFor()
    await page.getByLabel('Report name').fill('Channel by hour')
    await page.getByLabel('Every week').check()
    await page.getByLabel('Time (for a daily or weekly email)').fill('07:30')
    await page.getByLabel('Day (for a weekly email)').selectOption({ label: 'Monday' })
    await page.getByLabel('Sue Supervisor').check()
    await page.getByRole('button', { name: 'Save report' }).click()
    await page.getByRole('heading', { level: 1, name: 'Channel by hour' }).waitFor()
    assert.match((await page.locator('main').textContent()) ?? '', /Every Monday at 07:30/)
    savedPath = new URL(page.url()).pathname
  } finally {
    await plain.close()
  }

  const context = await newContext({ signedIn: supervisor })
  const noScript = await newContext({ signedIn: supervisor, javaScriptEnabled: false })
  try {
    // The error summary, with JavaScript (axe runs in the page).
    const refused = await context.newPage()
    const response = await refused.goto('/console/contact/reports/builder?measure=notReady&dimension=outcome')
    assert.equal(response?.status(), 400)
    assert.deepEqual(await checkAccessibility(refused), [])
    await refused.close()
    await checkPagesIn(context, noScript, [
      ['/console/contact/reports/builder', 'contact-report-builder'],
      [
        '/console/contact/reports/builder?dimension=day&dimension=handler&dimension=grading&measure=contacts&measure=handlingP90&measure=slaMet&measure=failureShare&period=last-91',
        'contact-report-builder-wide',
      ],
      [savedPath, 'contact-report-saved'],
    ])
  } finally {
    await context.close()
    await noScript.close()
  }
})
