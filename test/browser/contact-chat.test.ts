// Web chat in Chromium: a person on the force's Single Online Home page (another origin, served by
// a second local HTTP server) opens the chat through the one script tag, a contact handler picks
// it up from the queue and replies, and the person sees the reply at once; the handler sees the
// person's next message without reloading; the person ends the chat, answers the survey and
// downloads the transcript. A page on an origin the force has not allowed gets no widget and
// cannot frame the chat. Every new page gets the console checks (axe at 1280 and 320 px).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { FixedClock } from '../../src/platform/clock.ts'
import { type BrowserHarness, checkAccessibilityAndReview, startBrowser } from '../support/browser.ts'
import { checkLoadedPage } from '../support/page-checks.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'
import { type ForceWebsite, openChatOn, serveForceWebsite, switchWebChatOn } from '../support/web-chat.ts'

// A Wednesday, 10:00 in London: the chat is open.
const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let browser: BrowserHarness
let website: ForceWebsite
let allowedOrigin: string
let otherOrigin: string
let admin: SignedIn
let handler: SignedIn
let supervisor: SignedIn

before(async () => {
  t = await createTestApp({}, { clock })
  browser = await startBrowser(t)
  website = await serveForceWebsite(browser.baseUrl)
  allowedOrigin = website.allowedOrigin
  otherOrigin = website.otherOrigin
  admin = await t.signInAs(['force_admin'], 'essex', 'Ada Admin')
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  supervisor = await t.signInAs(['contact_supervisor'], 'essex', 'Sue Supervisor')
  await switchWebChatOn(admin, allowedOrigin)
})

after(async () => {
  await browser?.close()
  await website?.close()
  await t?.close()
})

test('CRM-34, CRM-7, CRM-8: a person starts a chat from the force’s website on another origin, a handler picks it up and replies, and each sees the other’s messages live', async () => {
  const citizen = await browser.newContext()
  const staff = await browser.newContext({ signedIn: handler })
  try {
    const page = await citizen.newPage()
    const chat = await openChatOn(page, allowedOrigin)
    await chat.getByLabel('Your name (optional)').fill('Jo Bloggs')
    await chat.getByLabel('How can we help?').fill('My shed was broken into last night')
    await chat.getByRole('button', { name: 'Start chat' }).click()
    await chat.getByText('My shed was broken into last night').waitFor()
    // The widget on the force's page meets WCAG 2.2 AA with the chat open.
    const onSite = await checkAccessibilityAndReview(page)
    assert.deepEqual(
      onSite.violations.map((v) => `${v.id} at ${v.targets.join(', ')}`),
      [],
    )

    const desk = await staff.newPage()
    await desk.goto('/console/contact/queue')
    await desk.getByLabel('Ready for contacts').check()
    await desk.getByRole('button', { name: 'Change state' }).click()
    await desk.getByRole('heading', { name: /You are Ready/ }).waitFor()
    await desk.locator('main').getByRole('link', { name: 'Web chat visitor' }).first().click()
    await desk.getByRole('link', { name: 'Open the chat to reply' }).click()
    await desk.getByText('My shed was broken into last night').waitFor()
    await desk.getByLabel(/Your reply by chat/).fill('I am sorry to hear that. Is anything missing?')
    await desk.getByRole('button', { name: 'Send reply' }).click()

    await chat.getByText('I am sorry to hear that. Is anything missing?').waitFor()
    await chat.getByText('Sam', { exact: true }).waitFor()

    await chat.getByLabel('Your message').fill('A lawnmower and two bikes')
    await chat.getByRole('button', { name: 'Send', exact: true }).click()
    // The handler's page shows it without a reload.
    await desk.getByText('A lawnmower and two bikes').waitFor()

    await chat.getByRole('button', { name: 'End chat' }).click()
    await chat.getByRole('heading', { name: 'The chat has ended' }).waitFor()
    await chat.getByLabel('Very satisfied').check()
    await chat.getByLabel('Anything you want to tell us (optional)').fill('Very quick, thank you')
    await chat.getByRole('button', { name: 'Send feedback' }).click()
    await chat.getByText('Thank you for your feedback.').waitFor()
    const download = page.waitForEvent('download')
    await chat.getByRole('button', { name: 'Download the chat' }).click()
    assert.equal((await download).suggestedFilename(), 'web-chat-essex-2026-06-03.txt')
  } finally {
    await citizen.close()
    await staff.close()
  }
  const report = await supervisor.get('/console/contact/chat/report')
  assert.match(report.body, /Very quick, thank you/)
})

test('CRM-34: a page on an origin the force has not allowed gets no chat button and cannot frame the chat window', async () => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    // The widget asks, and the browser keeps Waypoint's refusal (no CORS permission) from it.
    const asked = page.waitForEvent('requestfailed', (r) => r.url().endsWith('/chat/essex/config'))
    await page.goto(`${otherOrigin}/`)
    await asked
    await page.waitForLoadState('networkidle')
    assert.equal(await page.getByRole('button', { name: 'Chat with us' }).count(), 0)

    await page.goto(`${otherOrigin}/framed`)
    await page.waitForLoadState('networkidle')
    const framed = page.frames().find((f) => f !== page.mainFrame())
    assert.ok(framed)
    assert.doesNotMatch(await framed.content().catch(() => ''), /Chat with Essex Police/)

    // The same page on the allowed origin frames it.
    await page.goto(`${allowedOrigin}/framed`)
    await page
      .frameLocator('iframe[title="Chat"]')
      .getByRole('heading', { name: 'Chat with Essex Police' })
      .waitFor()
  } finally {
    await context.close()
  }
})

test('CRM-3, CRM-34: the chat window (starting, live and ended), the message form, the chat settings and the chat report meet WCAG 2.2 AA, fit 320 px and work without JavaScript', async () => {
  const check = async (
    context: BrowserContext,
    path: string,
    name: string,
    act?: (page: Page) => Promise<void>,
    signedIn?: SignedIn,
  ) => {
    const page = await context.newPage()
    const plainContext = await browser.newContext({
      javaScriptEnabled: false,
      ...(signedIn ? { signedIn } : {}),
    })
    try {
      const response = await page.goto(path)
      assert.equal(response?.status(), 200, path)
      await act?.(page)
      const findings = await checkLoadedPage(page, await plainContext.newPage(), path, name)
      assert.deepEqual(findings.problems, [], `${name}: ${findings.widths}`)
    } finally {
      await page.close()
      await plainContext.close()
    }
  }
  const citizen = await browser.newContext()
  try {
    await check(citizen, '/chat/essex/window', 'chat-window-start')
    await check(citizen, '/chat/essex/window', 'chat-window-live', async (page) => {
      await page.getByLabel('How can we help?').fill('Is there a police station open today?')
      await page.getByRole('button', { name: 'Start chat' }).click()
      await page.getByText('Is there a police station open today?').waitFor()
    })
    await check(citizen, '/chat/essex/window', 'chat-window-ended', async (page) => {
      await page.getByLabel('How can we help?').fill('Where do I find lost property?')
      await page.getByRole('button', { name: 'Start chat' }).click()
      await page.getByRole('button', { name: 'End chat' }).click()
      await page.getByRole('heading', { name: 'The chat has ended' }).waitFor()
    })
    await check(citizen, '/chat/essex/message', 'chat-message-form')
  } finally {
    await citizen.close()
  }
  const plain = await browser.newContext({ javaScriptEnabled: false })
  try {
    const page = await plain.newPage()
    await page.goto('/chat/essex/window')
    await page.getByRole('link', { name: 'Send us a message instead' }).click()
    await page.getByRole('button', { name: 'Send message' }).click()
    await page
      .locator('.govuk-error-summary')
      .getByText('Enter your email address, so that we can answer you')
      .waitFor()
    await page.getByLabel('Your email address').fill('kim@example.org')
    await page.getByLabel('Your message').fill('Please call me about my stolen car')
    await page.getByRole('button', { name: 'Send message' }).click()
    await page.getByRole('heading', { name: 'Your message has been sent' }).waitFor()
  } finally {
    await plain.close()
  }
  const adminContext = await browser.newContext({ signedIn: admin })
  const supervisorContext = await browser.newContext({ signedIn: supervisor })
  try {
    await check(adminContext, '/console/contact/chat/settings', 'chat-settings', undefined, admin)
    await check(supervisorContext, '/console/contact/chat/report', 'chat-report', undefined, supervisor)
  } finally {
    await adminContext.close()
    await supervisorContext.close()
  }
})
