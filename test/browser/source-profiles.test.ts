// The mapping-profile pages in Chromium: a force administrator onboards an XML SMARTStorm build
// with JavaScript switched off (a path of the wrong type refused with an error summary, the
// sample tried, the version saved, published, compared with the one before, and reverted), then
// each state is checked with axe against WCAG 2.2 AA (axe needs scripts, so the scans use a
// context with JavaScript on).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const PAGE = '/console/sources/profiles/storm'
const examples = join(import.meta.dirname, '../../src/sources/examples/smartstorm-xml')
const sample = readdirSync(examples)
  .filter((name) => name.endsWith('.xml'))
  .sort()
  .map((name) => readFileSync(join(examples, name), 'utf8'))
  .join('\n')
const profile = JSON.parse(readFileSync(join(examples, 'profile.json'), 'utf8'))

let t: TestApp
let browser: BrowserHarness
let admin: SignedIn

before(async () => {
  t = await createTestApp()
  browser = await startBrowser(t)
  admin = await t.signInAs(['force_admin'], 'norfolk', 'Norfolk Admin')
})

after(async () => {
  await browser?.close()
  await t?.close()
})

async function assertAccessible(page: Page, name: string): Promise<void> {
  await saveScreenshot(page, name)
  assert.deepEqual(await checkAccessibility(page), [], `${name} has accessibility violations`)
  assert.equal(await page.locator('h1').count(), 1)
}

async function fillProfile(page: Page, document: unknown): Promise<void> {
  await page.getByLabel('Profile (JSON)').fill(JSON.stringify(document, null, 2))
  await page.getByLabel('Sample event (JSON or XML)').fill(sample)
}

test('CP-162: a mapping profile is checked, tried, saved, published, compared and reverted without JavaScript, and each state meets WCAG 2.2 AA', async () => {
  for (const javaScriptEnabled of [false, true]) {
    const context = await browser.newContext({ signedIn: admin, javaScriptEnabled })
    const page = await context.newPage()
    const check = (name: string) => (javaScriptEnabled ? assertAccessible(page, name) : Promise.resolve())
    await page.goto(PAGE)
    await check('profile')

    const wrong = structuredClone(profile)
    wrong.fields['incident.grading'] = ['Incident', 'Grading']
    await fillProfile(page, wrong)
    await page.getByRole('button', { name: 'Save as a new version' }).click()
    await page.getByText('There is a problem').waitFor()
    await page
      .getByRole('link', { name: /"fields" → "incident.grading" must be a path .* it is a list/ })
      .waitFor()
    await check('profile-path-of-wrong-type')

    await fillProfile(page, profile)
    await page.getByRole('button', { name: 'Try against the sample' }).click()
    await page.getByText('All 6 events of the sample map.').waitFor()
    await check('profile-tried')

    await page.getByLabel('What changed (optional)').fill(javaScriptEnabled ? 'Again' : 'XML build')
    await page.getByRole('button', { name: 'Save as a new version' }).click()
    await page.getByText(/Version \d+ saved\. It is not in use until you publish it\./).waitFor()
    const version = (await t.app.services.sources.profileVersions('norfolk', 'storm'))[0]!.version
    await page.getByRole('button', { name: `Publish version ${version}` }).click()
    await page.getByText(`Version ${version} published. New events use it now.`).waitFor()
    await check('profile-published')

    await page
      .getByRole('link', { name: `Changes from version ${version - 1} to version ${version}` })
      .click()
    await page
      .getByRole('heading', { name: `Changes from version ${version - 1} to version ${version}` })
      .waitFor()
    await check('profile-changes')
    await page.getByRole('link', { name: 'Back to the profile' }).click()

    await page.getByRole('button', { name: `Revert to version ${version - 1}` }).click()
    await page.getByText(`Reverted to version ${version - 1}. New events use it now.`).waitFor()
    assert.equal((await t.app.services.sources.currentProfile('norfolk', 'storm'))!.version, version - 1)
    await context.close()
  }
})
