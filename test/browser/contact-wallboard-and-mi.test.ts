// Contact's wallboard and reports in Chromium. Each page gets every console check (one h1, axe
// at 1280 and 320 px, no sideways scroll at 320 px or with text at 200%, and the page without
// JavaScript); the wallboard fills itself again when the queue changes.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { InboundMessage } from '../../src/messaging/channels.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { aStormEvent } from '../../src/sources/test-support/events.ts'
import { type BrowserHarness, startBrowser } from '../support/browser.ts'
import { checkPages as checkPagesIn } from '../support/page-checks.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let browser: BrowserHarness
let handler: SignedIn
let supervisor: SignedIn

const text = (from: string, ref: string): InboundMessage => ({
  channel: 'sms',
  provider: 'notify',
  providerRef: ref,
  from,
  fromName: null,
  to: null,
  subject: null,
  body: 'Any news on my case?',
  receivedAt: null,
  attachments: [],
})

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  const result = await t.app.services.sources.receive(
    'essex',
    'storm',
    aStormEvent({
      id: 'B-1',
      at: '2026-06-01T10:00:00Z',
      ref: 'ESX-20260601-B1',
      persons: [{ nominalId: 'N-B1', name: 'Dee Ross', role: 'VIC', phone: '07700 900401' }],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied')
  await t.app.services.conversations.receiveText('essex', text('07700900401', 'b-1'), { system: 'test' })
  browser = await startBrowser(t)
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
})

after(async () => {
  await browser?.close()
  await t?.close()
})

/** A browser context whose waits allow for a heavily loaded machine. */
async function newContext(options: Parameters<BrowserHarness['newContext']>[0]) {
  const context = await browser.newContext(options)
  context.setDefaultTimeout(120_000)
  context.setDefaultNavigationTimeout(120_000)
  return context
}

async function checkPages(who: SignedIn, paths: [string, string][]) {
  const context = await newContext({ signedIn: who })
  const plain = await newContext({ signedIn: who, javaScriptEnabled: false })
  try {
    await checkPagesIn(context, plain, paths)
  } finally {
    await context.close()
    await plain.close()
  }
}

test('CRM-9: the wallboard meets WCAG 2.2 AA, fits 320 px, works without JavaScript and fills itself again when the queue changes', async () => {
  await checkPages(handler, [
    ['/console/contact/wallboard', 'contact-wallboard'],
    ['/console/contact/wallboard?refresh=60', 'contact-wallboard-reloading'],
  ])
  const context = await newContext({ signedIn: supervisor })
  try {
    const page = await context.newPage()
    await page.goto('/console/contact/wallboard')
    await page.waitForFunction(() => document.documentElement.dataset.pushReady === 'true')
    assert.equal((await page.locator('#wb-waiting .govuk-heading-xl').textContent())?.trim(), '1')
    await t.app.services.conversations.receiveText(
      'essex',
      { ...text('07700900499', 'b-2') },
      { system: 'test' },
    )
    await page.waitForFunction(
      () => document.querySelector('#wb-waiting .govuk-heading-xl')?.textContent?.trim() === '2',
    )
  } finally {
    await context.close()
  }
})

test('CRM-13: the weekly update requests and failure demand report meets WCAG 2.2 AA, fits 320 px and works without JavaScript', async () => {
  await checkPages(supervisor, [
    ['/console/contact/reports/failure-demand', 'contact-failure-demand'],
    ['/console/contact/reports/failure-demand?weeks=52', 'contact-failure-demand-year'],
  ])
})

test('CRM-28, CRM-18: without JavaScript a supervisor designs and publishes a script and a handler follows it; the pages meet WCAG 2.2 AA and fit 320 px', async () => {
  const context = await newContext({ signedIn: supervisor, javaScriptEnabled: false })
  let scriptPath = ''
  try {
    const page = await context.newPage()
    await page.goto('/console/contact/scripts')
    await page.getByRole('button', { name: 'Create script' }).click()
    await page.locator('.govuk-error-summary').getByText('Enter a title for the script').waitFor()
    await page.getByLabel('Create a script').fill('Update request')
    await page.getByRole('button', { name: 'Create script' }).click()
    await page.getByRole('heading', { name: 'Update request', level: 1 }).waitFor()
    scriptPath = new URL(page.url()).pathname
    await page.getByLabel('Question the handler asks').fill('Do you have your crime reference?')
    await page.getByLabel('Guidance for the handler (optional)').fill('It starts with the force number.')
    await page.getByLabel('Answer 1', { exact: true }).fill('Yes')
    await page.getByLabel('Tags for answer 1').fill('update request')
    await page.getByLabel('Answer 2', { exact: true }).fill('No')
    await page.getByRole('button', { name: 'Add question' }).click()
    await page.getByText('“Yes”: the script ends').waitFor()
    await page.getByRole('button', { name: 'Publish version 1' }).click()
    await page.getByText(/^Version 1, published/).waitFor()
  } finally {
    await context.close()
  }
  await checkPages(supervisor, [
    ['/console/contact/scripts', 'contact-scripts'],
    [scriptPath, 'contact-script-published'],
  ])
  const context2 = await newContext({ signedIn: supervisor, javaScriptEnabled: false })
  try {
    const page = await context2.newPage()
    await page.goto(scriptPath)
    await page.getByRole('button', { name: 'Start a new draft' }).click()
    await page.getByRole('button', { name: 'Publish version 2' }).waitFor()
  } finally {
    await context2.close()
  }
  await checkPages(supervisor, [[scriptPath, 'contact-script-draft']])

  // The handler follows it on a contact they claimed, without JavaScript.
  await t.app.services.conversations.receiveText('essex', text('07700900401', 'b-3'), { system: 'test' })
  const handlerContext = await newContext({ signedIn: handler, javaScriptEnabled: false })
  let contactPath = ''
  try {
    const page = await handlerContext.newPage()
    await page.goto('/console/contact/queue')
    await page
      .getByRole('button', { name: /^Claim/ })
      .first()
      .click()
    contactPath = new URL(page.url()).pathname
    await page.getByRole('link', { name: 'Script: questions to ask and tags' }).click()
    await page.getByLabel('Update request (version 1)').check()
    await page.getByRole('button', { name: 'Start script' }).click()
    await page.getByText('It starts with the force number.').waitFor()
  } finally {
    await handlerContext.close()
  }
  await checkPages(handler, [[`${contactPath}/script`, 'contact-script-run']])
  const last = await newContext({ signedIn: handler, javaScriptEnabled: false })
  try {
    const page = await last.newPage()
    await page.goto(`${contactPath}/script`)
    await page.getByLabel('Yes').check()
    await page.getByRole('button', { name: 'Save answer' }).click()
    await page.getByText('Script finished').waitFor()
    assert.match((await page.locator('main').textContent()) ?? '', /update-request/)
  } finally {
    await last.close()
  }
})

test('CRM-26, CRM-17: the standard reports and the THRIVE rules pages meet WCAG 2.2 AA, fit 320 px and work without JavaScript', async () => {
  await checkPages(supervisor, [
    ['/console/contact/reports', 'contact-reports'],
    ['/console/contact/reports?days=365', 'contact-reports-year'],
    ['/console/contact/thrive-rules', 'contact-thrive-rules'],
  ])
  const admin = await t.signInAs(['force_admin'], 'essex', 'Fay Admin')
  await checkPages(admin, [['/console/contact/thrive-rules', 'contact-thrive-rules-edit']])
  const context = await newContext({ signedIn: admin, javaScriptEnabled: false })
  try {
    const page = await context.newPage()
    await page.goto('/console/contact/thrive-rules')
    await page.getByRole('button', { name: 'Save as a new version' }).click()
    await page.locator('.govuk-error-summary').getByText('Enter why the rules are changing').waitFor()
    await page.getByLabel('Why are the rules changing?').fill('Reviewed by the contact centre manager')
  } finally {
    await context.close()
  }
})

test('CRM-35: the duty rosters page, the reports with rostered hours and the wallboard with the roster meet WCAG 2.2 AA, fit 320 px and work without JavaScript; without JavaScript a wrong CSV export shows the error summary naming its row', async () => {
  const admin = await t.signInAs(['force_admin'], 'essex', 'Fay Admin')
  const rostered = await t.signInAs(['contact_handler'], 'essex', 'Rota Handler')
  const email = (await t.app.services.staff.repository.findById(rostered.userId))!.email
  await t.app.services.contact.duties.import(
    'essex',
    {
      rosterRef: 'browser-roster-1',
      systemName: 'GRS',
      shifts: [{ email, start: '2026-06-03T07:00:00Z', end: '2026-06-03T19:00:00Z', team: 'Team A' }],
      source: 'api',
    },
    { actor: { kind: 'system', name: 'test' }, name: 'Duty system' },
  )
  // The wallboard's handler is ready but not rostered: the page warns of it.
  assert.equal((await handler.post('/console/contact/queue/state', { state: 'ready' })).statusCode, 303)
  await checkPages(admin, [
    ['/console/contact/duties', 'contact-duties'],
    ['/console/contact/reports?days=28', 'contact-reports-with-roster'],
  ])
  await checkPages(supervisor, [['/console/contact/wallboard', 'contact-wallboard-with-roster']])
  const context = await newContext({ signedIn: admin, javaScriptEnabled: false })
  try {
    const page = await context.newPage()
    await page.goto('/console/contact/duties')
    assert.match((await page.locator('.govuk-warning-text').textContent()) ?? '', /Sam Handler/)
    await page.setInputFiles('#roster', {
      name: 'roster.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('email,start,end\r\nnobody@example.org,2026-06-04 07:00,2026-06-04 19:00\r\n'),
    })
    await page.getByRole('button', { name: 'Upload roster' }).click()
    const summary = page.locator('.govuk-error-summary')
    await summary.waitFor()
    assert.match((await summary.textContent()) ?? '', /Row 2: no member of the force’s staff has that email/)
    assert.match((await page.title()) ?? '', /^Error: Duty rosters/)
  } finally {
    await context.close()
  }
})
