// The warehouse poller's settings page in Chromium: a force administrator sets it up, is shown an
// error summary for a query that is not a single SELECT, tests the saved query and polls now, all
// with JavaScript switched off; each state is then checked with axe against WCAG 2.2 AA (axe needs
// scripts, so the scans use a context with JavaScript on).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { createTestWarehouse, type TestWarehouse } from '../../src/sources/test-support/warehouse-database.ts'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const PAGE = '/console/sources/warehouse'
let t: TestApp
let browser: BrowserHarness
let warehouse: TestWarehouse
let admin: SignedIn

before(async () => {
  t = await createTestApp()
  warehouse = await createTestWarehouse('dw_browser')
  await warehouse.run(`create schema dw; create table dw.crime_changes (event_id text primary key, event_type text,
    changed_at timestamptz, crime_ref text, crime_type text, status text, oic_collar text, oic_name text,
    victim_urn text, victim_name text, victim_phone text, victim_role text)`)
  for (const [id, type, at] of [
    ['DW-B1', 'CREATED', '2026-06-01T10:00:00Z'],
    ['DW-B2', 'ARCHIVED', '2026-06-01T11:00:00Z'],
  ])
    await warehouse.run(
      `insert into dw.crime_changes values ($1, $2, $3, '36/300/26', 'Burglary', 'OPEN', '7781', 'PC Lee Grant',
        'NF-U-9', 'Chris Doe', '07700 900555', 'V')`,
      [id, type, at],
    )
  browser = await startBrowser(t)
  admin = await t.signInAs(['force_admin'], 'cambridgeshire', 'Cambs Admin')
})

after(async () => {
  await browser?.close()
  await t?.close()
  await warehouse?.drop()
})

async function assertAccessible(page: Page, name: string): Promise<void> {
  await saveScreenshot(page, name)
  assert.deepEqual(await checkAccessibility(page), [], `${name} has accessibility violations`)
  assert.equal(await page.locator('h1').count(), 1)
}

async function fillSettings(page: Page, query: string): Promise<void> {
  await page.getByLabel('Connection string').fill(warehouse.url)
  await page.getByLabel('Query').fill(query)
  await page.getByLabel('Watermark column').fill('changed_at')
  await page.getByLabel('Poll every (minutes)').fill('10')
  await page.getByLabel('Poll this warehouse on schedule').check()
  await page.getByRole('button', { name: 'Save warehouse settings' }).click()
}

test('CP-3, CP-157: the warehouse poller is set up, tested and polled without JavaScript, and each state meets WCAG 2.2 AA', async () => {
  const plain = await browser.newContext({ signedIn: admin, javaScriptEnabled: false })
  const noJs = await plain.newPage()
  await noJs.goto('/console/sources')
  await noJs.getByRole('link', { name: 'Warehouse poller settings' }).click()
  await noJs.getByText('The warehouse is not set up yet').waitFor()

  await fillSettings(noJs, 'select * from dw.crime_changes; delete from dw.crime_changes')
  await noJs.getByText('There is a problem').waitFor()
  await noJs
    .getByRole('link', {
      name: 'Enter a single SELECT statement: remove everything after the first semicolon',
    })
    .waitFor()
  assert.equal(
    await noJs.getByLabel('Connection string').inputValue(),
    '',
    'the connection string is not sent back',
  )

  await fillSettings(noJs, 'select * from dw.crime_changes')
  await noJs.getByText('Warehouse settings saved').waitFor()
  assert.ok(!(await noJs.content()).includes(warehouse.url))

  await noJs.getByRole('button', { name: 'Test connection and query' }).click()
  await noJs.getByRole('heading', { name: 'Test result' }).waitFor()
  await noJs.getByText('Row 2 would be quarantined').waitFor()
  // The mapped event sits in a details element, which opens without scripts.
  await noJs.getByText('Row 1 as Waypoint maps it').click()
  await noJs.getByText('"crimeRef": "36/300/26"').waitFor()

  await noJs.getByRole('button', { name: 'Poll now' }).click()
  await noJs.getByText('The warehouse was polled').waitFor()
  const events = await t.app.services.sources.events('cambridgeshire', { sourceSystem: 'warehouse' })
  assert.deepEqual(events.map((e) => e.sourceEventId).sort(), ['DW-B1', 'DW-B2'])
  await plain.close()

  // The same states, scanned by axe.
  const scripted = await browser.newContext({ signedIn: admin })
  const page = await scripted.newPage()
  await page.goto(PAGE)
  await assertAccessible(page, 'warehouse-settings')
  await page.getByLabel('Query').fill('select * into dw.copy from dw.crime_changes')
  await page.getByLabel('Poll every (minutes)').fill('1')
  await page.getByRole('button', { name: 'Save warehouse settings' }).click()
  await page.getByText('There is a problem').waitFor()
  await assertAccessible(page, 'warehouse-settings-errors')
  await page.goto(PAGE)
  await page.getByLabel('Read rows changed after (optional)').fill('2026-06-01 09:00')
  await page.getByRole('button', { name: 'Save warehouse settings' }).click()
  await page.getByText('Warehouse settings saved').waitFor()
  await page.getByRole('button', { name: 'Test connection and query' }).click()
  await page.getByRole('heading', { name: 'Test result' }).waitFor()
  await assertAccessible(page, 'warehouse-test-result')
  await scripted.close()
})
