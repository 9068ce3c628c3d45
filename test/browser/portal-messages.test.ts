// Portal messages in Chromium, with and without JavaScript: a signed-in person writes to their
// officer, is refused an empty message with an error summary, sees the confirmation, and later
// answers the officer's request for information; the officer works from My cases and the
// conversation page (a request for information, then the recall and edit form), a supervisor
// opens the team view and the SLA report, and the officer their details. Every page meets WCAG 2.2
// AA under axe (where JavaScript runs), fits 320 CSS pixels, and each citizen page has Exit this page.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { anInvitation, aVictimCase, signInContext } from '../support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'
import { FixedClock } from '../../src/platform/clock.ts'

const clock = new FixedClock('2026-06-10T09:00:00Z')
let t: TestApp
let browser: BrowserHarness
let officer: SignedIn
let supervisor: SignedIn
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  supervisor = await t.signInAs(['supervisor'], 'kent', 'DS Lee Grant')
  const acting = (who: SignedIn) => ({
    staffId: who.userId,
    displayName: 'test',
    audited: { actor: { kind: 'system' as const, name: 'test set-up' } },
  })
  await t.app.services.officers.saveProfile(
    'kent',
    officer.userId,
    { collar: '4521', team: 'Maidstone CID' },
    acting(officer),
  )
  await t.app.services.officers.saveProfile(
    'kent',
    supervisor.userId,
    { collar: 'S1', team: 'Maidstone CID' },
    acting(supervisor),
  )
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

/** A crime of officer 4521 whose victim has a portal account. */
async function aVictim(n: number): Promise<{ crimeId: string; crimeRef: string; accountId: string }> {
  const crimeRef = `46/${83000 + n}/26`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef,
    eventId: `ATH-PM-BROWSER-${n}`,
    urn: `P-PMB-${n}`,
    name: `Browser Writer ${n}`,
    phone: `0770090${7000 + n}`,
    email: `pm-browser${n}@example.org`,
    officer: { collarNumber: '4521', name: 'DC Priya Shah', team: 'Maidstone CID' },
  })
  const invitationId = await anInvitation(t.app, 'kent', crime, 'browser test')
  const account = await t.app.services.portal.accounts.ensureAccount({
    email: `pm-browser${n}@example.org`,
    password: 'a long browser test password',
    totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
    invitationId,
    forceId: 'kent',
  })
  return { crimeId: crime.crimeId, crimeRef, accountId: account.id }
}

/** Where axe runs (JavaScript on), no WCAG 2.2 AA violation; at 320 px, no sideways scrolling. */
async function checked(page: Page, javaScriptEnabled: boolean, citizen: boolean): Promise<void> {
  if (citizen) await page.getByText('Exit this page').first().waitFor()
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], page.url())
  await atWidth(page, 320)
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${page.url()} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

for (const javaScriptEnabled of [true, false]) {
  const js = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`
  test(`CP-76, CP-83, CP-94, CP-107: a person and their officer message each other on accessible pages (${js})`, async () => {
    const victim = await aVictim(javaScriptEnabled ? 1 : 2)
    const citizen = await browser.newContext({ javaScriptEnabled })
    await signInContext(citizen, victim.accountId)
    const page = await citizen.newPage()
    await page.goto(`/portal/cases/${victim.crimeId}/messages`)
    await page.getByRole('heading', { name: 'Messages with your investigating officer' }).waitFor()
    await checked(page, javaScriptEnabled, true)
    await page.getByRole('button', { name: 'Send message' }).click()
    await page.getByRole('link', { name: 'Enter your message' }).waitFor()
    await checked(page, javaScriptEnabled, true)
    await page.getByLabel('Your message').fill('Has the neighbour been asked about the van?')
    await page.getByRole('button', { name: 'Send message' }).click()
    await page.getByRole('heading', { name: 'Message sent' }).waitFor()
    await checked(page, javaScriptEnabled, true)

    const staff = await (await browser.newContext({ javaScriptEnabled, signedIn: officer })).newPage()
    await staff.goto('/console/officers')
    await staff.getByRole('heading', { name: 'My cases' }).waitFor()
    await checked(staff, javaScriptEnabled, false)
    await staff.getByRole('link', { name: victim.crimeRef }).click()
    await staff.getByRole('heading', { name: new RegExp(victim.crimeRef) }).waitFor()
    await checked(staff, javaScriptEnabled, false)
    await staff.getByLabel('A request for information').check()
    await staff.getByLabel('Your message').fill('What colour was the van?')
    await staff.getByRole('button', { name: 'Send', exact: true }).click()
    await staff.getByText('Your message was sent').waitFor()
    await staff.getByRole('button', { name: 'Recall the message' }).waitFor()
    await checked(staff, javaScriptEnabled, false)

    await page.goto(`/portal/cases/${victim.crimeId}/messages`)
    await page.getByText('What colour was the van?').waitFor()
    await checked(page, javaScriptEnabled, true)
    await page.getByRole('link', { name: 'Send the information your officer asked for' }).click()
    await page.getByRole('heading', { name: 'Send the information your officer asked for' }).waitFor()
    await checked(page, javaScriptEnabled, true)
    await page.getByLabel('The information').fill('It was white, with a ladder on the roof.')
    await page.getByRole('button', { name: 'Send information' }).click()
    await page.getByRole('heading', { name: 'Message sent' }).waitFor()

    const lead = await (await browser.newContext({ javaScriptEnabled, signedIn: supervisor })).newPage()
    await lead.goto('/console/officers/team')
    await lead.getByRole('heading', { name: 'Team and escalations' }).waitFor()
    await checked(lead, javaScriptEnabled, false)
    await lead.goto('/console/officers/sla?month=2026-06')
    await lead.getByRole('heading', { name: 'Portal message response times' }).waitFor()
    await checked(lead, javaScriptEnabled, false)
    await staff.goto('/console/officers/profile')
    await staff.getByRole('heading', { name: 'Your officer details' }).waitFor()
    await checked(staff, javaScriptEnabled, false)
    const admin = await (
      await browser.newContext({ javaScriptEnabled, signedIn: await t.signInAs(['force_admin'], 'kent') })
    ).newPage()
    await admin.goto('/console/officers/settings')
    await admin.getByRole('heading', { name: 'Portal message settings' }).waitFor()
    await checked(admin, javaScriptEnabled, false)
    await admin.getByLabel('Working hours end (UK time)').fill('7pm')
    await admin.getByRole('button', { name: 'Save settings' }).click()
    await admin.getByRole('link', { name: /Enter when working hours end as HH:MM/ }).waitFor()
    await checked(admin, javaScriptEnabled, false)
  })
}
