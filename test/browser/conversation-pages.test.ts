// Conversation pages in Chromium: WCAG 2.2 AA with axe for the person page with messages both
// ways, the conversations list (all, and unmatched senders) and a conversation with an email and
// its attachment; each also works with JavaScript off (CP-76, CP-102).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { InboundMessage } from '../../src/messaging/channels.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { anAthenaEvent } from '../../src/sources/test-support/events.ts'
import { type BrowserHarness, checkAccessibility, saveScreenshot, startBrowser } from '../support/browser.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
let officer: SignedIn
let personId: string
let conversationId: string
const clock = new FixedClock('2026-06-02T13:00:00Z')

const inbound = (o: Partial<InboundMessage>): InboundMessage => ({
  channel: 'sms',
  provider: 'notify',
  providerRef: null,
  from: '07700900556',
  fromName: null,
  to: null,
  subject: null,
  body: '',
  receivedAt: null,
  attachments: [],
  ...o,
})

before(async () => {
  t = await createTestApp({}, { clock })
  const result = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: 'ATH-CONV-1',
      type: 'INVESTIGATION_CREATED',
      at: clock.now().toISOString(),
      crimeRef: '46/88001/26',
      investigation: { crimeType: 'Theft', status: 'OPEN' },
      persons: [
        { urn: 'P-CONV', name: 'Sam Victim', role: 'VIC', phone: '07700900556', email: 'sam@example.org' },
      ],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const crime = await t.app.services.cases.findCrimeByRef('kent', '46/88001/26')
  personId = crime!.parties[0]!.personId!
  const { conversations, messaging } = t.app.services
  await t.app.db.withForce('kent', async (tx) => {
    await messaging.templates.addTemplateVersion(tx, {
      forceId: 'kent',
      key: 'conversation-a11y',
      title: 'Update',
      channel: 'sms',
      body: 'Your crime 46/88001/26 has been recorded.',
    })
    await messaging.scheduling.schedule(tx, {
      forceId: 'kent',
      personId,
      caseId: crime!.crime.id,
      channel: 'sms',
      to: '07700900556',
      templateKey: 'conversation-a11y',
      personalisation: {},
    })
  })
  clock.advance(60_000)
  await t.app.db.withForce('kent', async (tx) => {
    await conversations.receive(
      tx,
      'kent',
      inbound({ providerRef: 'a11y-1', body: 'Thank you for letting me know.' }),
    )
    const email = await conversations.receive(
      tx,
      'kent',
      inbound({
        channel: 'email',
        provider: 'smtp',
        providerRef: 'a11y-2@example.org',
        from: 'sam@example.org',
        fromName: 'Sam Victim',
        subject: 'A photo of the damage',
        body: 'Here it is.\nSam',
        attachments: [
          { filename: 'damage.jpg', contentType: 'image/jpeg', content: Buffer.from('jpeg bytes') },
        ],
      }),
    )
    conversationId = email.conversationId
    await conversations.receive(
      tx,
      'kent',
      inbound({ providerRef: 'a11y-3', from: '07700900999', body: 'Who is this?' }),
    )
  })
  browser = await startBrowser(t)
  officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Rivers')
})
after(async () => {
  await browser?.close()
  await t?.close()
})

async function checkPage(path: string, name: string, expected: RegExp) {
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ signedIn: officer, javaScriptEnabled })
    try {
      const page = await context.newPage()
      const response = await page.goto(path)
      assert.equal(response?.status(), 200, path)
      assert.match((await page.locator('main').textContent()) ?? '', expected)
      if (javaScriptEnabled) {
        await saveScreenshot(page, name)
        assert.deepEqual(await checkAccessibility(page), [], `${path} has accessibility violations`)
      }
    } finally {
      await context.close()
    }
  }
}

test('CP-76: the person page shows the journey’s text and the replies in time order, and meets WCAG 2.2 AA', async () => {
  await checkPage(
    `/console/people/${personId}`,
    'person-messages',
    /recorded\.[\s\S]*Thank you[\s\S]*Here it is/,
  )
})

test('CP-76: the conversations list, and its unmatched senders, meet WCAG 2.2 AA', async () => {
  await checkPage('/console/conversations', 'conversations', /Sam Victim/)
  await checkPage(
    '/console/conversations?unmatched=yes',
    'conversations-unmatched',
    /\+447700900999 \(not matched\)/,
  )
})

test('CP-102: a conversation with an email, its attachment waiting for its scan, and the reply form meets WCAG 2.2 AA', async () => {
  await checkPage(
    `/console/conversations/${conversationId}`,
    'conversation',
    /damage\.jpg \(\d+ bytes\): waiting for its virus scan[\s\S]*Send reply/,
  )
})

test('CP-51, CP-76: a reply arriving while the conversation and person pages are open appears on both without reloading', async () => {
  const context = await browser.newContext({ signedIn: officer })
  try {
    const conversationPage = await context.newPage()
    await conversationPage.goto(`/console/conversations/${conversationId}`)
    const personPage = await context.newPage()
    await personPage.goto(`/console/people/${personId}`)
    for (const page of [conversationPage, personPage])
      await page.locator('html[data-push-ready="true"]').waitFor({ state: 'attached', timeout: 10_000 })

    clock.advance(60_000)
    await t.app.db.withForce('kent', (tx) =>
      t.app.services.conversations.receive(
        tx,
        'kent',
        inbound({
          channel: 'email',
          provider: 'smtp',
          providerRef: 'a11y-live@example.org',
          from: 'sam@example.org',
          subject: 'Any news?',
          body: 'Is anyone looking at this today?',
        }),
      ),
    )
    for (const page of [conversationPage, personPage])
      await page.getByText('Is anyone looking at this today?').waitFor({ timeout: 10_000 })
    assert.deepEqual(await checkAccessibility(conversationPage), [], 'the refreshed conversation page')
  } finally {
    await context.close()
  }
})
