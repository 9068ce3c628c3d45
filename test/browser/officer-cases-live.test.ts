// "My cases" in Chromium: with JavaScript, the officer's open page shows without reloading a new
// case row and its unread count and due time when the person writes in the Portal, then that the
// person has read the officer's answer; without JavaScript the page works as before and reloading
// it shows the same. WCAG 2.2 AA under axe at 1280 and 320 px, no sideways scroll at 320 px.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { Page } from 'playwright-core'
import { rows } from '../../src/platform/db/database.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { aSignedInCitizen, aVictimCase, anInvitation } from '../support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-10T09:00:00Z')
let t: TestApp
let browser: BrowserHarness
let officer: SignedIn
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
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

/** A crime of officer 4521 whose victim has a portal account, signed in over HTTP. */
async function aVictim(n: number) {
  const crimeRef = `46/${87000 + n}/26`
  const email = `live-browser${n}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef,
    eventId: `ATH-LIVE-BROWSER-${n}`,
    urn: `P-LIVEB-${n}`,
    name: `Live Browser ${n}`,
    phone: `0770090${7700 + n}`,
    email,
    officer: { collarNumber: '4521', name: 'DC Priya Shah', team: 'Maidstone CID' },
  })
  const invitationId = await anInvitation(t.app, 'kent', crime, 'browser test')
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'a long browser test password',
    totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
    invitationId,
    forceId: 'kent',
  })
  const citizen = await aSignedInCitizen(t.app, account.id, 'kent')
  await citizen.get(`/portal/cases/${crime.crimeId}/messages`)
  return { ...crime, citizen }
}

async function checked(page: Page, javaScriptEnabled: boolean): Promise<void> {
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], `${page.url()} at 1280 px`)
  await atWidth(page, 320)
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], `${page.url()} at 320 px`)
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${page.url()} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

const notReloaded = (page: Page) =>
  page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true)

for (const javaScriptEnabled of [true, false]) {
  const js = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`
  test(`CP-88: My cases shows a person's new message and their reading of the answer (${js})`, {
    timeout: 120_000,
  }, async () => {
    const victim = await aVictim(javaScriptEnabled ? 1 : 2)
    const page = await (await browser.newContext({ javaScriptEnabled, signedIn: officer })).newPage()
    await page.goto('/console/officers')
    await page.getByRole('heading', { name: 'My cases' }).waitFor()
    const row = page.locator('#my-cases tr', { hasText: victim.crimeRef })
    if (javaScriptEnabled) {
      await page.locator('html[data-push-ready="true"]').waitFor({ timeout: 15_000 })
      await page.evaluate(() => {
        ;(window as unknown as { notReloaded: boolean }).notReloaded = true
      })
    }
    assert.equal(await row.count(), 1, 'the case is listed, nothing waiting')
    assert.match((await row.textContent()) ?? '', /Nothing waiting/)

    const sent = await victim.citizen.post(`/portal/cases/${victim.crimeId}/messages`, {
      message: 'Has the neighbour been asked about the van?',
    })
    assert.equal(sent.statusCode, 303, sent.body)
    if (!javaScriptEnabled) await page.reload()
    await row.getByText('1 unread').waitFor({ timeout: 10_000 })
    assert.match((await row.textContent()) ?? '', /12 Jun 2026, 10:00/)
    if (javaScriptEnabled) assert.equal(await notReloaded(page), true, 'the page was not reloaded')
    await checked(page, javaScriptEnabled)

    // The officer answers (in another tab); then the person reads the answer in the Portal.
    const [c] = await t.app.db.withForce('kent', (tx) =>
      rows<{ id: string }>(
        tx,
        sql`select id from conversations where case_id = ${victim.crimeId} and channel = 'portal'`,
      ),
    )
    await officer.get(`/console/officers/conversations/${c!.id}`)
    const answered = await officer.post(`/console/officers/conversations/${c!.id}`, {
      reply: 'Yes, she saw it too. I will tell you what she said.',
      kind: 'message',
    })
    assert.equal(answered.statusCode, 303, answered.body)
    if (!javaScriptEnabled) await page.reload()
    await row.getByText('Not read yet').waitFor({ timeout: 10_000 })
    await victim.citizen.get(`/portal/cases/${victim.crimeId}/messages`)
    if (!javaScriptEnabled) await page.reload()
    await row.getByText('Read 10 Jun 2026, 10:00').waitFor({ timeout: 10_000 })
    assert.match((await row.textContent()) ?? '', /None/, 'no unread message left')
    if (javaScriptEnabled) assert.equal(await notReloaded(page), true, 'the page was not reloaded')
    await checked(page, javaScriptEnabled)
  })
}
