// The Portal's force pages in Chromium, with and without JavaScript (decision 0035): a signed-in
// victim follows their case page's links to their rights, how to complain, help and the force's
// Single Online Home, gives feedback (refused once, then thanked), and leaves in a hurry with
// Exit this page (its link without JavaScript, Shift three times with it), and is pointed to help
// after three refused tries at sending a message; a force administrator
// edits a page's words (refused once) and its Welsh words beside them (refused once), which a
// person whose language is Welsh then reads marked as Welsh, reads the usage report and sets the force's case
// notifications (refused once). Every page meets WCAG 2.2 AA
// with axe at 1280 and at 320 CSS pixels, and fits 320 pixels without sideways scrolling.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { FixedClock } from '../../src/platform/clock.ts'
import { anAthenaEvent } from '../../src/sources/test-support/events.ts'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { anInvitation, aVictimCase, signInContext } from '../support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
let browser: BrowserHarness
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  await t.app.services.portal.installDefaults('essex')
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

/** Where Exit this page goes; answered here so the test needs no network. */
const EXIT_URL = /^https:\/\/www\.bbc\.co\.uk\/weather/
async function answerExitSite(context: BrowserContext) {
  await context.route(EXIT_URL, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><title>BBC Weather</title><h1>Weather</h1>',
    }),
  )
}

/** axe at 1280 and 320 px (with JavaScript), and no sideways scrolling at 320 px. */
async function checked(page: Page, javaScriptEnabled: boolean, citizen = true): Promise<void> {
  if (citizen) await page.locator('.govuk-exit-this-page').first().waitFor()
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], `${page.url()} at 1280px`)
  await atWidth(page, 320)
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], `${page.url()} at 320px`)
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${page.url()} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

let seq = 0
async function aSignedInVictim(context: BrowserContext, forceId = 'kent', language?: 'cy') {
  seq += 1
  const email = `content-browser${seq}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    forceId,
    crimeRef: `46/${62000 + seq}/26`,
    eventId: `ATH-CONTENT-BROWSER-${seq}`,
    urn: `P-CB-${seq}`,
    name: `Content Browser ${seq}`,
    phone: `0770094${String(seq).padStart(4, '0')}`,
    email,
  })
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: await anInvitation(t.app, forceId, crime),
    forceId,
  })
  if (language) {
    // The force's records later give the person's language (Athena's person.language).
    const result = await t.app.services.sources.receive(
      forceId,
      'athena',
      anAthenaEvent({
        id: `ATH-CONTENT-BROWSER-CY-${seq}`,
        type: 'CRIMED',
        at: clock.now().toISOString(),
        crimeRef: crime.crimeRef,
        persons: [{ urn: `P-CB-${seq}`, name: `Content Browser ${seq}`, role: 'VIC', language }],
      }),
      'application/json',
    )
    assert.equal(result.status, 'applied', String(result.reason))
  }
  await signInContext(context, account.id, 'waypoint', forceId)
  return crime
}

for (const javaScriptEnabled of [true, false]) {
  const js = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`

  test(`CP-122, CP-132, CP-143, CP-144, CP-22, CP-73, CP-75, CP-127, CP-103: a victim reads their rights, how to complain and help, finds the force online, gives feedback and is pointed to help when a message will not send (${js})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled })
    const crime = await aSignedInVictim(context)
    const page = await context.newPage()
    await page.goto(`/portal/cases/${crime.crimeId}`)
    await page.getByRole('heading', { name: 'Your rights and support' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByRole('link', { name: 'Report a crime or incident to Kent Police' }).waitFor()

    await page.getByRole('link', { name: 'Your rights as a victim and support services' }).click()
    await page
      .getByRole('heading', { name: 'Your rights as a victim and support services', level: 1 })
      .waitFor()
    await page.getByText('Kent Police must give you these rights.').waitFor()
    await checked(page, javaScriptEnabled)

    await page.getByRole('contentinfo').getByRole('link', { name: 'How to complain' }).click()
    await page.getByRole('heading', { name: 'How to complain', level: 1 }).waitFor()
    await page.getByRole('link', { name: 'Independent Office for Police Conduct' }).waitFor()
    await checked(page, javaScriptEnabled)

    await page.getByRole('contentinfo').getByRole('link', { name: 'Help' }).click()
    await page.getByRole('heading', { name: 'Help using this service', level: 1 }).waitFor()
    await page.getByText('Contact Kent Police on 101.', { exact: false }).waitFor()
    await checked(page, javaScriptEnabled)

    await page.getByRole('contentinfo').getByRole('link', { name: 'Report a crime and get advice' }).click()
    await page
      .getByRole('heading', { name: 'Report, get advice and find out about your area', level: 1 })
      .waitFor()
    assert.equal(
      await page.getByRole('link', { name: /Your area/ }).getAttribute('href'),
      'https://www.kent.police.uk/a/your-area/',
    )
    await checked(page, javaScriptEnabled)

    await page.getByRole('contentinfo').getByRole('link', { name: 'Feedback' }).click()
    await page.getByRole('heading', { name: 'Give feedback on this service', level: 1 }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByRole('button', { name: 'Send feedback' }).click()
    await page.getByRole('link', { name: 'Select how you feel about this service' }).waitFor()
    await checked(page, javaScriptEnabled)
    await page.getByLabel('Satisfied', { exact: true }).check()
    await page.getByLabel('How could we improve this service? (optional)').fill('More updates, please.')
    await page.getByRole('button', { name: 'Send feedback' }).click()
    await page.getByRole('heading', { name: 'Thank you for your feedback' }).waitFor()
    await checked(page, javaScriptEnabled)

    // CP-103: after three refused tries the message is kept to copy, with where to get help.
    await page.goto(`/portal/cases/${crime.crimeId}/messages`)
    for (let tried = 0; tried < 3; tried++) {
      await page.getByLabel('Your message').fill('H')
      await page.getByRole('button', { name: 'Send message' }).click()
      await page.getByRole('heading', { name: 'Messages with your investigating officer' }).waitFor()
    }
    await page.getByText('Your message could not be sent after 3 tries').waitFor()
    await page.getByRole('link', { name: 'Get help with sending messages' }).waitFor()
    await checked(page, javaScriptEnabled)
    await context.close()
  })

  test(`CP-123: Exit this page on every force page leaves at once for a neutral site (${js})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled })
    await answerExitSite(context)
    await aSignedInVictim(context)
    const page = await context.newPage()
    for (const path of [
      '/portal',
      '/f/kent/your-rights',
      '/f/kent/complaints',
      '/f/kent/help',
      '/f/kent/feedback',
    ]) {
      await page.goto(path)
      const exit = page.locator('.govuk-exit-this-page a.govuk-exit-this-page__button')
      assert.match((await exit.getAttribute('href')) ?? '', EXIT_URL, path)
    }
    await page.goto('/f/kent/your-rights')
    if (javaScriptEnabled) {
      // GOV.UK Frontend's keyboard shortcut: Shift three times.
      await page.locator('h1').click()
      for (let i = 0; i < 3; i++) await page.keyboard.press('Shift')
    } else {
      await page.getByRole('button', { name: 'Emergency Exit this page' }).click()
    }
    await page.waitForURL(EXIT_URL)
    await page.getByRole('heading', { name: 'Weather' }).waitFor()
    await context.close()
  })

  test(`CP-186, CP-145, CP-146: a force administrator edits a Portal page, reads usage and satisfaction and sets case notifications (${js})`, async () => {
    // Essex's administrator edits Essex's words, so Kent's victims above read Waypoint's.
    const admin = await t.signInAs(['force_admin'], 'essex', 'Kit Admin')
    const context = await browser.newContext({ javaScriptEnabled, signedIn: admin })
    const page = await context.newPage()
    await page.goto('/console/portal/content')
    await page.getByRole('heading', { name: 'Portal pages', level: 1 }).waitFor()
    await checked(page, javaScriptEnabled, false)
    await page.getByRole('link', { name: 'How to complain', exact: true }).click()
    await page.getByRole('heading', { name: 'How to complain', level: 1 }).waitFor()
    await checked(page, javaScriptEnabled, false)
    await page.getByLabel('Words on the page in English').fill('Complain to ((force)) <b>now</b>.')
    await page.getByRole('button', { name: 'Publish the English' }).click()
    await page.getByRole('link', { name: /cannot contain HTML/ }).waitFor()
    await checked(page, javaScriptEnabled, false)
    await page
      .getByLabel('Words on the page in English')
      .fill(`Complain to ((force)) (${js}).\n\n- by phone\n- online`)
    await page.getByRole('button', { name: 'Publish the English' }).click()
    await page.getByText('The new words are on the Portal now.').waitFor()

    // The Welsh words, beside the English: refused once, then published (decision 0046).
    await page.goto('/console/portal/content/complaints')
    await page.getByLabel('Words on the page in Welsh').fill('Cwyno i ((force)) <b>nawr</b>.')
    await page.getByRole('button', { name: 'Publish the Welsh' }).click()
    await page.getByRole('link', { name: /cannot contain HTML/ }).waitFor()
    assert.equal(
      await page.getByRole('link', { name: /cannot contain HTML/ }).getAttribute('href'),
      '#bodyCy',
    )
    await checked(page, javaScriptEnabled, false)
    await page.getByLabel('Words on the page in Welsh').fill(`Cwyno i ((force)) (${js}).`)
    await page.getByRole('button', { name: 'Publish the Welsh' }).click()
    await page.getByText('The new words are on the Portal now.').waitFor()
    await checked(page, javaScriptEnabled, false)
    await page.goto('/f/essex/complaints')
    await page.getByText(`Complain to Essex Police (${js}).`).waitFor()
    assert.equal(
      await page.locator('html[lang="cy"], main [lang="cy"]').count(),
      0,
      'staff, not signed in to the Portal, read English',
    )

    // A person whose language is Welsh reads the Welsh words, marked as Welsh.
    const welshContext = await browser.newContext({ javaScriptEnabled })
    await aSignedInVictim(welshContext, 'essex', 'cy')
    const welsh = await welshContext.newPage()
    await welsh.goto('/f/essex/complaints')
    await welsh.locator('[lang="cy"]').getByRole('heading', { name: 'Sut i gwyno', level: 1 }).waitFor()
    await welsh.locator('[lang="cy"]').getByText(`Cwyno i Essex Police (${js}).`).waitFor()
    await checked(welsh, javaScriptEnabled)
    // Help has no Welsh words: the English, marked as English on the Welsh page (decision 0057).
    await welsh.goto('/f/essex/help')
    await welsh
      .locator('main [lang="en"]')
      .getByRole('heading', { name: 'Help using this service', level: 1 })
      .waitFor()
    await welshContext.close()

    // Kent's administrator reads Kent's usage, with the feedback Kent's victim gave above.
    const kentAdmin = await browser.newContext({
      javaScriptEnabled,
      signedIn: await t.signInAs(['force_admin'], 'kent'),
    })
    await page.close()
    const usage = await kentAdmin.newPage()
    await usage.goto('/console/portal/usage')
    await usage.getByRole('heading', { name: 'Portal usage and satisfaction', level: 1 }).waitFor()
    await usage.getByText('More updates, please.').first().waitFor()
    await checked(usage, javaScriptEnabled, false)

    // And sets the force's case notifications (decision 0036), refused once.
    await usage.goto('/console/portal/notifications')
    await usage.getByRole('heading', { name: 'Case notifications', level: 1 }).waitFor()
    await checked(usage, javaScriptEnabled, false)
    await usage.getByLabel('Least time between two notifications about one case').fill('100')
    await usage.getByRole('button', { name: 'Save case notification settings' }).click()
    await usage.getByRole('link', { name: /a number of hours between 0 and 72/ }).waitFor()
    await checked(usage, javaScriptEnabled, false)
    await usage.getByLabel('Least time between two notifications about one case').fill('2')
    await usage.getByRole('button', { name: 'Save case notification settings' }).click()
    await usage.getByText('The force’s case notification settings were saved').waitFor()
    await context.close()
    await kentAdmin.close()
  })
}
