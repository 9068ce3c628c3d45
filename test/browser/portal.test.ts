// The Portal in Chromium, with and without JavaScript: an officer invites a victim from the person
// page; the victim opens the link the dev outbox delivered, registers (email code, password, a second
// factor, terms), lands on their dashboard and opens their case. Every citizen page has Exit this
// page, fits 320 CSS pixels and (with JavaScript, where axe runs) meets WCAG 2.2 AA, as does the
// person page's portal section.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { Page } from 'playwright-core'
import type { OutgoingMessage } from '../../src/messaging/channels.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { rows } from '../../src/platform/db/database.ts'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { aVictimCase } from '../support/portal-citizen.ts'
import { createTestApp, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
let browser: BrowserHarness
/** What the dev outbox handed over: the people's phones and inboxes. */
const received: OutgoingMessage[] = []
before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.portal.installDefaults('kent')
  t.app.services.messaging.devOutbox!.onDelivered((message) => received.push(message))
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function aVictim(n: number): Promise<{ personId: string; crimeRef: string; email: string }> {
  const crimeRef = `46/${81000 + n}/26`
  const email = `browser-victim${n}@example.org`
  const { personId } = await aVictimCase(t.app, clock.now(), {
    crimeRef,
    eventId: `ATH-PORTAL-BROWSER-${n}`,
    urn: `P-PB-${n}`,
    name: `Browser Victim ${n}`,
    phone: `0770090${8000 + n}`,
    email,
  })
  return { personId, crimeRef, email }
}

/**
 * The newest message of a template as the person receives it, from the dev outbox that delivered
 * it: the outbox staff read shows its code or link hidden.
 */
async function lastBody(templateKey: string): Promise<string> {
  const [row] = await t.app.db.withForce('kent', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from messages where template_key = ${templateKey} order by created_at desc, id desc limit 1`,
    ),
  )
  assert.ok(row, `a ${templateKey} message`)
  for (let i = 0; i < 50; i++) {
    const delivered = received.findLast((m) => m.id === row.id)
    if (delivered) return delivered.body
    await t.app.jobs.boss.send('messaging.dispatch-due', {})
    await t.app.jobs.drain(['messaging.dispatch-due'])
  }
  assert.fail(`the ${templateKey} message did not reach the person`)
}

/** Exit this page, no sideways scrolling at 320 px and, where axe runs, no WCAG 2.2 AA violation. */
async function checked(page: Page, javaScriptEnabled: boolean, citizen = true): Promise<void> {
  if (citizen) await page.getByText('Exit this page').first().waitFor()
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], page.url())
  await atWidth(page, 320)
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${page.url()} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

for (const javaScriptEnabled of [true, false]) {
  test(`CP-6, CP-12, CP-53: invited from the person page, a victim registers and follows their case (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const victim = await aVictim(javaScriptEnabled ? 1 : 2)
    const officer = await t.signInAs(['investigating_officer'], 'kent')
    const staff = await (await browser.newContext({ javaScriptEnabled, signedIn: officer })).newPage()
    await staff.goto(`/console/people/${victim.personId}`)
    await staff.getByRole('heading', { name: 'Portal account' }).waitFor()
    await checked(staff, javaScriptEnabled, false)
    await staff.getByRole('button', { name: 'Invite to the portal' }).click()
    await staff.getByText('Invited', { exact: true }).waitFor()

    const link = /https?:\/\/[^\s]+\/portal\/register\?invitation=[\w-]+/.exec(
      await lastBody('portal-invitation'),
    )![0]
    const page = await (await browser.newContext({ javaScriptEnabled })).newPage()
    await page.goto(new URL(link).pathname + new URL(link).search)
    await page.getByRole('heading', { name: 'Enter your email address' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('link', { name: /Enter an email address/ }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Enter your email address').fill(victim.email)
    await page.getByRole('button', { name: 'Continue' }).click()

    await page.getByRole('heading', { name: 'Check your email' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Security code').fill(/\b(\d{6})\b/.exec(await lastBody('portal-code'))![1]!)
    await page.getByRole('button', { name: 'Continue' }).click()

    await page.getByRole('heading', { name: 'Create a password' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple')
    await page.getByLabel('Confirm your password').fill('correct horse battery staple')
    await page.getByRole('button', { name: 'Continue' }).click()

    await page.getByRole('heading', { name: 'How do you want to get security codes?' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Email', { exact: true }).check()
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('heading', { name: 'Enter your security code' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Security code').fill(/\b(\d{6})\b/.exec(await lastBody('portal-code'))![1]!)
    await page.getByRole('button', { name: 'Continue' }).click()

    await page.getByRole('heading', { name: 'Terms of use, privacy and cookies' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('I accept the terms of use').check()
    await page.getByLabel('I have read the privacy notice').check()
    await page.getByLabel('I have read how cookies are used').check()
    await page.getByRole('button', { name: 'Create account' }).click()

    await page.getByRole('heading', { name: 'Your cases' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByRole('link', { name: `View case ${victim.crimeRef}` }).click()
    await page.getByText('DC Priya Shah (4521)').waitFor()
    await checked(page, javaScriptEnabled)

    await staff.reload()
    await staff.getByText('Has an account').waitFor()

    await page.goto('/portal')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { name: 'You have signed out' }).waitFor()
    await page.goto('/account/sign-in')
    await page.getByRole('link', { name: 'Sign in with your email address and password' }).click()
    await page.getByRole('heading', { name: 'Sign in' }).waitFor()
    await checked(page, javaScriptEnabled)
  })
}

test('CP-9: the force admin’s invitation settings, and the same form refused with an error summary, meet WCAG 2.2 AA and fit 320 px', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const page = await (await browser.newContext({ signedIn: admin })).newPage()
  await page.goto('/console/portal/invitations')
  await page.getByRole('heading', { name: 'Change who is invited and when' }).waitFor()
  await checked(page, true, false)
  await page.getByLabel('How long a link works').fill('0')
  await page.getByRole('button', { name: 'Save invitation settings' }).click()
  await page.getByRole('link', { name: /Enter a number of days between 1 and 90/ }).waitFor()
  await checked(page, true, false)
})
