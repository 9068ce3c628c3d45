// The audit trail pages in Chromium: WCAG 2.2 AA with axe in the states that navigation alone
// does not reach — a page of results and the error summary (CP-153).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
let sysadmin: SignedIn
before(async () => {
  t = await createTestApp()
  browser = await startBrowser(t)
  sysadmin = await t.signInAs(['system_admin', 'service_support'], null, 'Morgan Admin')
  for (let i = 0; i < 3; i += 1) {
    await t.app.services.audit.record({
      action: 'person.viewed',
      forceId: 'kent',
      actor: { kind: 'staff', id: 'u-1', name: 'Sam Okafor' },
      recordType: 'person',
      recordId: `P-${i}`,
      detail: { reason: 'welfare check' },
    })
  }
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function assertAccessible(path: string, name: string, status = 200): Promise<void> {
  const context = await browser.newContext({ signedIn: sysadmin })
  const page = await context.newPage()
  const response = await page.goto(path)
  assert.equal(response?.status(), status, path)
  await saveScreenshot(page, name)
  assert.deepEqual(await checkAccessibility(page), [], `${path} has accessibility violations`)
  await context.close()
}

test('CP-153: the audit search with results and with an error summary meets WCAG 2.2 AA', async () => {
  await assertAccessible('/console/audit?recordType=person', 'audit-search-results')
  await assertAccessible('/console/audit?from=2026-02-31', 'audit-search-error', 400)
})
