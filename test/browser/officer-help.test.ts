// Assist's officer help in Chromium, with and without JavaScript (CP-89, CP-93, CP-121): the force
// administrator's switch, a conversation whose latest message has words of danger (urgent actions
// and suggested replies), "Use this reply" filling the reply form, and a question about the case
// answered with its sources, then one refused in the form with an error summary. Every page meets
// WCAG 2.2 AA under axe (where JavaScript runs) and fits 320 CSS pixels.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Page } from 'playwright-core'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { aSignedInCitizen, anInvitation, aVictimCase } from '../support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'
import { FixedClock } from '../../src/platform/clock.ts'

const clock = new FixedClock('2026-06-10T09:00:00Z')
let t: TestApp
let browser: BrowserHarness
let officer: SignedIn
let admin: SignedIn
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  admin = await t.signInAs(['force_admin'], 'kent')
  await t.app.services.officers.saveProfile(
    'kent',
    officer.userId,
    { collar: '4521', team: 'Maidstone CID' },
    {
      staffId: officer.userId,
      displayName: 'test',
      audited: { actor: { kind: 'system', name: 'test set-up' } },
    },
  )
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

/** A victim of officer 4521 who has written `message` in the Portal; the conversation's page. */
async function aVictimWhoWrote(n: number, message: string): Promise<string> {
  const email = `help-browser${n}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef: `46/${84000 + n}/26`,
    eventId: `ATH-HELP-BROWSER-${n}`,
    urn: `P-HELPB-${n}`,
    name: `Browser Victim ${n}`,
    phone: `0770090${8000 + n}`,
    email,
    officer: { collarNumber: '4521', name: 'DC Priya Shah', team: 'Maidstone CID' },
  })
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'a long browser test password',
    totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
    invitationId: await anInvitation(t.app, 'kent', crime, 'browser test'),
    forceId: 'kent',
  })
  const citizen = await aSignedInCitizen(t.app, account.id, 'kent')
  await citizen.get(`/portal/cases/${crime.crimeId}/messages`)
  assert.equal((await citizen.post(`/portal/cases/${crime.crimeId}/messages`, { message })).statusCode, 303)
  const found = await t.app.services.officers.myCases('kent', officer.userId)
  return `/console/officers/conversations/${found.cases.find((c) => c.crimeId === crime.crimeId)!.conversationId}`
}

async function checked(page: Page, javaScriptEnabled: boolean): Promise<void> {
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], page.url())
  await atWidth(page, 320)
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${page.url()} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

for (const javaScriptEnabled of [true, false]) {
  const js = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`
  test(`CP-89, CP-93, CP-121: suggestions, "Use this reply" and case questions on accessible pages (${js})`, async () => {
    const settings = await (await browser.newContext({ javaScriptEnabled, signedIn: admin })).newPage()
    await settings.goto('/console/assist/officer-help')
    await settings.getByRole('heading', { name: 'Officer help' }).waitFor()
    await checked(settings, javaScriptEnabled)
    await settings.getByLabel('Yes').check()
    await settings.getByRole('button', { name: 'Save' }).click()
    await settings.getByText('The officer help setting is saved.').waitFor()

    const url = await aVictimWhoWrote(
      javaScriptEnabled ? 1 : 2,
      'Is there any news on my case? He drove past again and said he is going to hurt me.',
    )
    const page = await (await browser.newContext({ javaScriptEnabled, signedIn: officer })).newPage()
    await page.goto(url)
    await page.getByRole('heading', { name: 'Suggested actions' }).waitFor()
    assert.equal(await page.getByText('Urgent', { exact: true }).count(), 2)
    await checked(page, javaScriptEnabled)
    await page
      .getByRole('button', { name: /Use this reply/ })
      .first()
      .click()
    const filled = await page.getByLabel('Your message').inputValue()
    assert.match(filled, /call 999/)
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Your message').fill(`${filled} Speak soon.`)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    await page.getByText('Your message was sent').waitFor()
    await page.getByText('Sent after editing.').waitFor()

    await page.getByRole('link', { name: 'Ask a question about this case' }).click()
    await page.getByRole('heading', { name: 'Ask about this case' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Your question').fill('When was the victim last contacted?')
    await page.getByRole('button', { name: 'Ask' }).click()
    await page
      .getByText(/DC Priya Shah contacted the person by portal message/)
      .first()
      .waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Your question').fill('')
    await page.getByRole('button', { name: 'Ask' }).click()
    await page.getByRole('link', { name: 'Enter your question about the case' }).waitFor()
    await checked(page, javaScriptEnabled)
  })
}
