// Staff sign-in and user administration in Chromium: a break-glass account enrols its
// authenticator and signs in through the plain HTML forms (no script needed), and every page on the way (and
// its error states) passes axe against WCAG 2.2 AA (CP-47, CP-44, CP-152).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { hashPassword } from '../../src/platform/auth/passwords.ts'
import { totpCodeAt } from '../../src/platform/auth/totp.ts'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
before(async () => {
  t = await createTestApp()
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function accessible(page: Page, name: string): Promise<void> {
  await saveScreenshot(page, name)
  assert.deepEqual(await checkAccessibility(page), [], `${name} has accessibility violations`)
  assert.equal(await page.locator('h1').count(), 1, `${name} has one h1`)
}

test('CP-47: a break-glass administrator enrols an authenticator and signs in through the forms; each step is accessible', async () => {
  await t.app.services.staff.create(
    {
      forceId: 'kent',
      email: 'break.glass@kent.police.example',
      displayName: 'Break Glass',
      roles: ['force_admin'],
      passwordHash: await hashPassword('a long break-glass password'),
    },
    null,
  )
  const context = await browser.newContext({ javaScriptEnabled: true })
  const page = await context.newPage()
  await page.goto('/console/users')
  assert.match(page.url(), /\/sign-in\?returnTo=%2Fconsole%2Fusers$/)
  await accessible(page, 'staff-sign-in')

  await page.getByLabel('Email address').fill('break.glass@kent.police.example')
  await page.getByLabel('Password').fill('the wrong password')
  await page.getByRole('button', { name: 'Continue' }).click()
  assert.match(
    String(await page.locator('.govuk-error-summary').textContent()),
    /Enter a correct email address and password/,
  )
  await accessible(page, 'staff-sign-in-refused')

  await page.getByLabel('Email address').fill('break.glass@kent.police.example')
  await page.getByLabel('Password').fill('a long break-glass password')
  await page.getByRole('button', { name: 'Continue' }).click()
  assert.equal((await page.locator('h1').textContent())?.trim(), 'Set up your authenticator app')
  await accessible(page, 'staff-mfa-enrol')
  const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? ''

  await page.getByLabel('Code from your authenticator app').fill('000000')
  await page.getByRole('button', { name: 'Confirm and sign in' }).click()
  assert.match(String(await page.locator('.govuk-error-summary').textContent()), /code is not correct/)
  await accessible(page, 'staff-mfa-enrol-wrong-code')

  await page.getByLabel('Code from your authenticator app').fill(await totpCodeAt(secret, t.clock.now()))
  await page.getByRole('button', { name: 'Confirm and sign in' }).click()
  assert.equal(new URL(page.url()).pathname, '/console/users')
  assert.equal((await page.locator('h1').textContent())?.trim(), 'Users')

  // Next time: the code page, not enrolment.
  await page.getByRole('button', { name: 'Sign out' }).click()
  assert.equal(new URL(page.url()).pathname, '/sign-in')
  t.clock.advance(30_000)
  await page.getByLabel('Email address').fill('break.glass@kent.police.example')
  await page.getByLabel('Password').fill('a long break-glass password')
  await page.getByRole('button', { name: 'Continue' }).click()
  assert.equal((await page.locator('h1').textContent())?.trim(), 'Enter the code from your authenticator app')
  await accessible(page, 'staff-mfa-code')
  await page
    .getByLabel('Enter the code from your authenticator app')
    .fill(await totpCodeAt(secret, t.clock.now()))
  await page.getByRole('button', { name: 'Sign in' }).click()
  assert.equal(new URL(page.url()).pathname, '/console')
})

test('CP-44, CP-152: adding a user, its error summary and the user page with role history are accessible', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent', 'Kent Admin')
  const context = await browser.newContext({ javaScriptEnabled: true, signedIn: admin })
  const page = await context.newPage()
  await page.goto('/console/users/new')
  await accessible(page, 'staff-user-new')
  await page.getByLabel('Email address').fill('not an email')
  await page.getByRole('button', { name: 'Add user' }).click()
  assert.match(
    String(await page.locator('.govuk-error-summary').textContent()),
    /Enter the person’s full name/,
  )
  await accessible(page, 'staff-user-new-errors')

  await page.getByLabel('Full name').fill('Morgan Lee')
  await page.getByLabel('Email address').fill('morgan.lee@kent.police.example')
  await page.getByLabel('Their force account (single sign-on)').check()
  await page.getByLabel('Analyst', { exact: true }).check()
  await page.getByLabel('Supervisor', { exact: true }).check()
  await page.getByRole('button', { name: 'Add user' }).click()
  assert.equal((await page.locator('h1').textContent())?.trim(), 'Morgan Lee')
  await page.getByRole('button', { name: 'Remove Analyst' }).click()
  assert.match(
    String(await page.locator('table', { hasText: 'Removed roles' }).textContent()),
    /Analyst[\s\S]*by Kent Admin/,
  )
  await accessible(page, 'staff-user-detail')
})
