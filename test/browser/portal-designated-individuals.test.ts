// A guardian's and a witness's Portal pages in Chromium, with and without JavaScript (decision
// 0037): the parent or guardian of a child victim follows the child's case, named as whom they act
// for, and messages the officer about the child; the witness on the same case sees the officer,
// the status and the closing only, nobody on the case, and no message form. Every page has Exit
// this page, meets WCAG 2.2 AA under axe at 1280 and 320 px (where JavaScript runs) and fits 320 px.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { Page } from 'playwright-core'
import { FixedClock } from '../../src/platform/clock.ts'
import { rows } from '../../src/platform/db/database.ts'
import { anAthenaEvent } from '../../src/sources/test-support/events.ts'
import { type BrowserHarness, checkAccessibility, startBrowser } from '../support/browser.ts'
import { atWidth, pageWidth } from '../support/page-checks.ts'
import { signInContext } from '../support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
let browser: BrowserHarness
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  // The force invites witnesses as well.
  const admin = await t.signInAs(['force_admin'], 'kent')
  await admin.get('/console/portal/invitations')
  const saved = await admin.post('/console/portal/invitations', {
    roles: ['victim', 'witness', 'parent_guardian', 'attorney'],
    linkValidDays: '14',
    remindAfterDays: '7',
    maxReminders: '2',
  })
  assert.equal(saved.statusCode, 303, saved.body)
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function receive(event: Parameters<typeof anAthenaEvent>[0]): Promise<void> {
  const result = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent(event),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
}

/** A burglary of a child, whose mother acts for her, and a witness; each with an account. */
async function theCase(n: number) {
  const crimeRef = `46/${92000 + n}/26`
  const urn = (who: string) => `P-DIB-${who}-${n}`
  await receive({
    id: `ATH-DIB-${n}`,
    type: 'INVESTIGATION_CREATED',
    at: clock.now().toISOString(),
    crimeRef,
    investigation: {
      crimeType: 'Burglary',
      status: 'OPEN',
      officer: { collarNumber: '4521', name: 'DC Priya Shah' },
    },
    persons: [
      {
        urn: urn('PG'),
        name: `Grace Guardian ${n}`,
        role: 'PG',
        actsFor: urn('VIC'),
        dateOfBirth: '1985-02-01',
        phone: `0770090${5600 + n}`,
        email: `grace${n}@example.org`,
      },
      { urn: urn('VIC'), name: `Charlie Child ${n}`, role: 'VIC', dateOfBirth: '2015-05-05' },
      {
        urn: urn('WIT'),
        name: `Wendy Witness ${n}`,
        role: 'WIT',
        dateOfBirth: '1970-07-07',
        phone: `0770090${5700 + n}`,
        email: `wendy${n}@example.org`,
      },
    ],
  })
  const crime = (await t.app.services.cases.findCrimeByRef('kent', crimeRef))!
  const idOf = (role: string) => crime.parties.find((p) => p.role === role)!.personId
  const accountOf = async (invitee: string, asked: string, email: string) => {
    await t.app.services.portal.invitations.inviteAs('kent', {
      personId: asked,
      caseKind: 'crime',
      caseId: crime.crime.id,
      reason: 'browser test',
    })
    const [invitation] = await t.app.db.withForce('kent', (tx) =>
      rows<{ id: string }>(tx, sql`select id from portal_invitations where person_id = ${invitee}`),
    )
    assert.ok(invitation, `${email} was invited`)
    const account = await t.app.services.portal.accounts.ensureAccount({
      email,
      password: 'a long browser test password',
      totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
      invitationId: invitation.id,
      forceId: 'kent',
    })
    return account.id
  }
  // The child is not invited: the guardian is, in her place.
  const guardian = await accountOf(idOf('parent_guardian'), idOf('victim'), `grace${n}@example.org`)
  const witness = await accountOf(idOf('witness'), idOf('witness'), `wendy${n}@example.org`)
  return { crimeRef, crimeId: crime.crime.id, guardian, witness, child: `Charlie Child ${n}` }
}

/** Exit this page; where axe runs, WCAG 2.2 AA at 1280 and 320 px; no sideways scroll at 320 px. */
async function checked(page: Page, javaScriptEnabled: boolean): Promise<void> {
  await page.getByText('Exit this page').first().waitFor()
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], `${page.url()} at 1280 px`)
  await atWidth(page, 320)
  if (javaScriptEnabled) assert.deepEqual(await checkAccessibility(page), [], `${page.url()} at 320 px`)
  const { scrollWidth, viewport } = await pageWidth(page)
  assert.ok(scrollWidth <= viewport, `${page.url()} is ${scrollWidth}px wide at 320px`)
  await atWidth(page, 1280)
}

for (const javaScriptEnabled of [true, false]) {
  const js = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`
  test(`CP-36: a guardian follows the child's case and messages the officer; a witness sees the officer, status and closing, with no message form (${js})`, {
    timeout: 180_000,
  }, async () => {
    const c = await theCase(javaScriptEnabled ? 1 : 2)

    // The guardian.
    const guardianContext = await browser.newContext({ javaScriptEnabled })
    await signInContext(guardianContext, c.guardian)
    const guardian = await guardianContext.newPage()
    await guardian.goto('/portal')
    await guardian.getByRole('link', { name: new RegExp(c.crimeRef) }).click()
    await guardian.getByRole('heading', { name: `Burglary, ${c.crimeRef}` }).waitFor()
    const summary = (await guardian.locator('.govuk-summary-list').textContent()) ?? ''
    assert.match(summary, /Parent or guardian/)
    assert.match(summary, new RegExp(`You act for\\s*${c.child}`))
    assert.match(summary, /DC Priya Shah/)
    await guardian.getByText('The report was recorded as a crime').waitFor()
    await checked(guardian, javaScriptEnabled)
    await guardian
      .getByRole('link', { name: `Messages with your investigating officer about ${c.child}` })
      .click()
    await guardian.getByRole('heading', { name: 'Messages with your investigating officer' }).waitFor()
    await checked(guardian, javaScriptEnabled)
    await guardian.getByLabel('Your message').fill('Charlie remembered the van was white.')
    await guardian.getByRole('button', { name: 'Send message' }).click()
    await guardian.getByRole('heading', { name: 'Message sent' }).waitFor()
    await checked(guardian, javaScriptEnabled)
    const [stored] = await t.app.db.withForce('kent', (tx) =>
      rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from conversation_messages m join conversations v on v.id = m.conversation_id
            where v.case_id = ${c.crimeId} and m.body = 'Charlie remembered the van was white.'`,
      ),
    )
    assert.equal(stored?.n, 1, 'the officer has the guardian’s message on the case')

    // The case is then closed; the witness sees the officer, the status and the closing.
    await receive({
      id: `ATH-DIB-CLOSE-${javaScriptEnabled ? 1 : 2}`,
      type: 'CLOSED',
      at: clock.now().toISOString(),
      crimeRef: c.crimeRef,
      investigation: { status: 'CLOSED' },
    })
    const witnessContext = await browser.newContext({ javaScriptEnabled })
    await signInContext(witnessContext, c.witness)
    const witness = await witnessContext.newPage()
    await witness.goto('/portal')
    await witness.getByRole('link', { name: new RegExp(c.crimeRef) }).click()
    await witness.getByRole('heading', { name: `Burglary, ${c.crimeRef}` }).waitFor()
    const seen = (await witness.locator('main').textContent()) ?? ''
    assert.match(seen, /Witness/)
    assert.match(seen, /DC Priya Shah/)
    assert.match(seen, /Closed/)
    assert.match(seen, /The case was closed/)
    assert.doesNotMatch(seen, /Charlie|Grace|recorded as a crime|You act for|Messages with your/)
    await checked(witness, javaScriptEnabled)
    // No message form: the messages page says who will contact them instead.
    await witness.goto(`/portal/cases/${c.crimeId}/messages`)
    await witness.getByText('As a witness you cannot send messages here').waitFor()
    assert.equal(await witness.getByLabel('Your message').count(), 0, 'no message box')
    assert.equal(await witness.getByRole('button', { name: 'Send message' }).count(), 0, 'no send button')
    assert.doesNotMatch((await witness.locator('main').textContent()) ?? '', /Charlie remembered/)
    await checked(witness, javaScriptEnabled)
  })
}
