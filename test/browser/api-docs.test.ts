import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type BrowserHarness, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
before(async () => {
  t = await createTestApp()
  browser = await startBrowser(t)
})
after(async () => {
  await browser.close()
  await t.close()
})

test('CP-171: the API reference renders in Chromium under the Content Security Policy', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const cspViolations: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text())
  })
  // Swagger UI's bundle is large; on a busy CI machine it can take a while to parse.
  await page.goto('/api/docs', { waitUntil: 'domcontentloaded', timeout: 90_000 })
  await page.getByText('/api/v1/provisioning/staff/{employeeId}').first().waitFor({ timeout: 90_000 })
  assert.ok(await page.getByText('Waypoint integration API').first().isVisible())
  assert.ok(await page.getByRole('button', { name: /Authorize/ }).isVisible(), 'OAuth2 security is offered')
  await saveScreenshot(page, 'api-docs')
  assert.deepEqual(cspViolations, [])
})

test('CP-171: without JavaScript the API reference page links to the OpenAPI documents', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false })
  const page = await context.newPage()
  await page.goto('/api/docs')
  const yaml = page.getByRole('link', { name: 'the OpenAPI description (YAML)' })
  assert.ok(await yaml.isVisible())
  const response = await page.request.get(String(await yaml.getAttribute('href')))
  assert.equal(response.status(), 200)
  assert.match(await response.text(), /^openapi: 3\.1\.0/m)
  assert.equal((await page.locator('h1, [lang="en"]').count()) > 0, true)
})
