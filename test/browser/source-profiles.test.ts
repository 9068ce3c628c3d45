// The mapping-profile form in Chromium: a force administrator whose SMARTStorm build starts
// sending a new element (the crime reference a log became) and a new grading code maps both with
// the form's rows and pick-lists, never typing JSON, with JavaScript off and on: tries the draft
// against a sample (the unknown code shown on its field), is refused with an error summary for a
// half-filled row, saves, publishes, compares and reverts. Each state is checked with axe against
// WCAG 2.2 AA and at 320 CSS pixels (axe needs scripts, so those checks run in the pass with
// JavaScript on).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { createTestApp, type TestApp } from '../support/test-app.ts'

const PAGE = '/console/sources/profiles/storm'
const examples = join(import.meta.dirname, '../../src/sources/examples/smartstorm-xml')
const profile = readFileSync(join(examples, 'profile.json'), 'utf8')
const first = readFileSync(join(examples, '01-new-incident.xml'), 'utf8')
/** The build's new message: a grading code 1C and the crime reference the log became. */
const sample = first
  .replace('<Grading>1A</Grading>', '<Grading>1C</Grading>')
  .replace('<Location>', '<CrimeRef>46/10001/26</CrimeRef>\n    <Location>')

let t: TestApp
let browser: BrowserHarness

before(async () => {
  t = await createTestApp()
  browser = await startBrowser(t)
  // Each pass starts from the force's XML build profile as it was onboarded.
  for (const force of ['norfolk', 'suffolk']) {
    const version = await t.app.services.sources.saveProfile(
      force,
      'storm',
      profile,
      'XML build',
      null,
      first,
    )
    await t.app.services.sources.publishProfile(force, 'storm', version, null)
  }
})

after(async () => {
  await browser?.close()
  await t?.close()
})

async function assertAccessible(page: Page, name: string): Promise<void> {
  await saveScreenshot(page, name)
  assert.deepEqual(await checkAccessibility(page), [], `${name} has accessibility violations`)
  assert.equal(await page.locator('h1').count(), 1)
  await atWidth(page, 320)
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${name} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

const rowCount = (page: Page, legend: string) =>
  page
    .locator('legend')
    .filter({ hasText: new RegExp(`^\\s*${legend} \\d+\\s*$`) })
    .count()

test('UJ-18, CRM-28: a force admin maps a new STORM field and a new grading code with the form, tries it against a sample, publishes and reverts it, without typing JSON or needing JavaScript', async () => {
  for (const [force, javaScriptEnabled] of [
    ['norfolk', false],
    ['suffolk', true],
  ] as const) {
    const admin = await t.signInAs(['force_admin'], force, 'Force Admin')
    const context = await browser.newContext({ signedIn: admin, javaScriptEnabled })
    const page = await context.newPage()
    page.setDefaultTimeout(60_000)
    const check = (name: string) => (javaScriptEnabled ? assertAccessible(page, name) : Promise.resolve())
    const inUse = (await t.app.services.sources.currentProfile(force, 'storm'))!.version
    await page.goto(PAGE)
    assert.equal(await page.locator('textarea#document').count(), 0, 'no JSON box to type in')
    await check('profile-form')

    await page.getByLabel('Sample event (JSON or XML)').fill(sample)
    await page.getByRole('button', { name: 'Try against the sample' }).click()
    await page.getByText('The sample cannot be mapped:').waitFor()
    const grading = page.locator('#field-results tr', { hasText: 'Incident: grading' })
    assert.match((await grading.textContent()) ?? '', /Code "1C" has no value mapping/)
    await check('profile-form-unknown-code')

    // A new case field: the crime reference the log became, read from the new element.
    const fields = await rowCount(page, 'Field')
    await page.getByRole('button', { name: 'Add a case field' }).click()
    const newField = page.getByRole('group', { name: `Field ${fields + 1}` })
    await newField.getByLabel('Case field').selectOption({ label: 'Incident: crime references it became' })
    await newField.getByLabel('Path, paths or value').fill('Incident.CrimeRef')

    // A new value mapping, half filled first: the form says what is missing.
    const codes = await rowCount(page, 'Value mapping')
    await page.getByRole('button', { name: 'Add a value mapping' }).click()
    const newCode = page.getByRole('group', { name: `Value mapping ${codes + 1}` })
    await newCode.getByLabel('The source sends').fill('1C')
    await page.getByRole('button', { name: 'Save as a new version' }).click()
    await page.getByText('There is a problem').waitFor()
    await page
      .locator('.govuk-error-summary')
      .getByRole('link', { name: `Select the case field value mapping ${codes + 1} is for` })
      .waitFor()
    assert.equal(await newField.getByLabel('Path, paths or value').inputValue(), 'Incident.CrimeRef', 'kept')
    await check('profile-form-error')
    await newCode.getByLabel('Case field').selectOption({ label: 'Incident: grading' })
    await newCode.getByLabel('Waypoint keeps').fill('Prompt')

    await page.getByRole('button', { name: 'Try against the sample' }).click()
    await page.getByText('The sample maps.').waitFor()
    const linked = page.locator('#field-results tr', { hasText: 'Incident: crime references it became' })
    assert.match((await linked.textContent()) ?? '', /46\/10001\/26/)
    assert.match((await grading.textContent()) ?? '', /1C → Prompt/)
    await check('profile-form-tried')

    await page.getByLabel('What changed (optional)').fill('Crime references and grading 1C')
    await page.getByRole('button', { name: 'Save as a new version' }).click()
    await page.getByText(/Version \d+ saved\. It is not in use until you publish it\./).waitFor()
    const version = (await t.app.services.sources.profileVersions(force, 'storm'))[0]!.version
    await page.getByRole('button', { name: `Publish version ${version}` }).click()
    await page.getByText(`Version ${version} published. New events use it now.`).waitFor()
    await check('profile-form-published')
    const published = (await t.app.services.sources.currentProfile(force, 'storm'))!.document
    assert.equal(published.fields['incident.linkedCrimeRefs'], 'Incident.CrimeRef')
    assert.equal(published.codes?.['incident.grading']?.['1C'], 'Prompt')

    // The build's new message now maps: grading 1C is Prompt.
    const received = await t.app.services.sources.receive(force, 'storm', sample, 'application/xml')
    assert.equal(received.status, 'applied', `${received.reason}`)
    const incident = await t.app.services.cases.findIncidentByRef(force, 'NFK-20260603-0417')
    assert.equal(incident?.incident.grading, 'Prompt')

    await page
      .getByRole('link', { name: `Changes from version ${version - 1} to version ${version}` })
      .click()
    await page
      .getByRole('heading', { name: `Changes from version ${version - 1} to version ${version}` })
      .waitFor()
    await check('profile-changes')
    await page.getByRole('link', { name: 'Back to the profile' }).click()

    await page.getByRole('button', { name: `Revert to version ${inUse}` }).click()
    await page.getByText(`Reverted to version ${inUse}. New events use it now.`).waitFor()
    assert.equal((await t.app.services.sources.currentProfile(force, 'storm'))!.version, inUse)
    await context.close()
  }
})
