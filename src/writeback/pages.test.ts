// The write-back pages in Chromium: each is checked with axe against WCAG 2.2 AA, including the
// states the console crawl does not reach (dead letters, an entry's attempts, forms with errors),
// and the forms are used with JavaScript switched off.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { checkAccessibility, launchChromium } from '../../test/support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { WritebackReceiver } from './receiver.ts'

let t: TestApp
let receiver: WritebackReceiver
let browser: Browser
let baseUrl: string

before(async () => {
  t = await createTestApp()
  receiver = await WritebackReceiver.start()
  baseUrl = (await t.app.http.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1')
  browser = await launchChromium()
})

after(async () => {
  await browser?.close()
  await receiver?.close()
  await t?.close()
})

async function contextFor(signedIn: SignedIn, javaScriptEnabled = true): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl, javaScriptEnabled })
  const [name, value] = [
    signedIn.cookie.slice(0, signedIn.cookie.indexOf('=')),
    signedIn.cookie.slice(signedIn.cookie.indexOf('=') + 1),
  ]
  context.setDefaultTimeout(20_000)
  await context.addCookies([{ name, value, url: baseUrl, httpOnly: true, sameSite: 'Lax' }])
  return context
}

async function assertAccessible(page: Page): Promise<void> {
  // axe's WCAG 2.2 AA rules, run in the page itself (browser.ts) rather than through
  // @axe-core/playwright, which loads axe into a blank page again for every run.
  const violations = (await checkAccessibility(page)).map(
    (v) => `${v.id}: ${v.help} (${v.targets.join(', ')})`,
  )
  assert.deepEqual(violations, [], `${page.url()} has accessibility violations`)
  assert.equal(await page.locator('h1').count(), 1)
}

test('CP-163: the write-back pages meet WCAG 2.2 AA, and a dead letter is replayed without JavaScript', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  const context = await contextFor(admin)
  const page = await context.newPage()

  await page.goto('/console/writeback/endpoints/cad')
  await assertAccessible(page)
  await page.getByLabel('Endpoint address').fill('not an address')
  await page.getByLabel('Bearer token').check()
  await page.getByRole('button', { name: 'Save endpoint settings' }).click()
  await assert.doesNotReject(page.getByText('There is a problem').waitFor())
  await assertAccessible(page)
  await page.getByLabel('Endpoint address').fill(receiver.url('cad'))
  await page.getByLabel('No sign-in').check()
  await page.getByLabel('Send entries to this endpoint').check()
  await page.getByRole('button', { name: 'Save endpoint settings' }).click()
  await page.getByText('endpoint settings saved').waitFor()

  receiver.setMode('reject', 'cad')
  const { entry } = await t.app.db.withForce('kent', (tx) =>
    t.app.services.writeback.enqueue(tx, {
      forceId: 'kent',
      target: 'cad',
      targetRef: 'KNT-20260601-0200',
      kind: 'message-sent',
      body: {
        time: t.clock.now().toISOString(),
        channel: 'sms',
        content: 'We have received your report.',
        author: 'Waypoint',
      },
      idempotencyKey: `message-sent:${randomUUID()}:cad`,
    }),
  )
  await t.app.jobs.send(t.app.services.writeback.deliveryJob, {})
  await t.app.jobs.drain([t.app.services.writeback.deliveryJob.name])
  receiver.setMode('accept', 'cad')

  await page.goto('/console/writeback')
  await assertAccessible(page)
  await page.goto(`/console/writeback/entries/${entry.id}`)
  await assertAccessible(page)
  await context.close()

  const plain = await contextFor(admin, false)
  const noJs = await plain.newPage()
  await noJs.goto('/console/writeback')
  await noJs.getByRole('button', { name: 'Replay CAD KNT-20260601-0200' }).click()
  await noJs.getByText('1 entry put back in the queue').waitFor()
  await plain.close()
})

test('CP-105: the officer’s RMS update form meets WCAG 2.2 AA with and without errors, and works without JavaScript', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Jane Smith')
  const context = await contextFor(officer)
  const page = await context.newPage()
  await page.goto('/console/rms-updates/new')
  await assertAccessible(page)
  await page.getByRole('button', { name: 'Add update to RMS' }).click()
  await page.getByText('There is a problem').waitFor()
  await assertAccessible(page)
  await context.close()

  // axe needs scripts, so the page without JavaScript is only used, not scanned.
  const plain = await contextFor(officer, false)
  const noJs = await plain.newPage()
  await noJs.goto('/console/rms-updates/new')
  await noJs.getByLabel('Crime reference').fill('46/77777/26')
  await noJs.getByLabel('Update', { exact: true }).fill('Victim’s statement added to the file.')
  await noJs.getByRole('button', { name: 'Add update to RMS' }).click()
  await noJs.getByText('Update recorded for crime 46/77777/26').waitFor()
  await plain.close()
})
