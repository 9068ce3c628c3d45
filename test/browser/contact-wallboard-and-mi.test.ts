// Contact's wallboard and reports in Chromium. Each page gets every console check (one h1, axe
// at 1280 and 320 px, no sideways scroll at 320 px or with text at 200%, and the page without
// JavaScript); the wallboard fills itself again when the queue changes.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { InboundMessage } from '../../src/messaging/channels.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { aStormEvent } from '../../src/sources/test-support/events.ts'
import { type BrowserHarness, startBrowser } from '../support/browser.ts'
import { checkLoadedPage } from '../support/page-checks.ts'
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

async function checkPages(who: SignedIn, paths: [string, string][]) {
  const context = await browser.newContext({ signedIn: who })
  const plain = await browser.newContext({ signedIn: who, javaScriptEnabled: false })
  try {
    for (const [path, name] of paths) {
      const page = await context.newPage()
      const response = await page.goto(path)
      assert.equal(response?.status(), 200, path)
      const findings = await checkLoadedPage(page, await plain.newPage(), path, name)
      assert.deepEqual(findings.problems, [], `${path}: ${findings.widths}`)
      await page.close()
    }
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
  const context = await browser.newContext({ signedIn: supervisor })
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
