// Assist's chatbot on the web chat in Chromium (CRM-7, issue 16's "Done when"), with Essex's
// chatbot switched on: from the force's website the bot's first message says it is an automated
// assistant and it answers knowledge-base questions, labelled automated; an emergency phrase gets
// the 999 advice at once and the chat appears urgent in the handler's queue without a reload;
// asking for a person hands the chat over, and the handler claims it, sees the bot's messages
// marked automated, replies, and the person sees the reply live. The chat window with the bot's
// messages gets the console checks (axe WCAG 2.2 AA at 1280 and 320 px), and without JavaScript
// the window offers the message form instead.
//
// Every wait is for something on the page (a message, a queue row), bounded by `within` and named
// in its failure. The bot answers inside the chat's own request (no job to drain), and its
// messages reach the window and the queue through live push (PostgreSQL NOTIFY, PGlite's own
// listener here), so nothing here waits on a worker.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import type { FrameLocator, Locator, Page } from 'playwright-core'
import { chatbotName, emergencyReply, introduction } from '../../src/assist/chatbot.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { type BrowserHarness, startBrowser } from '../support/browser.ts'
import { checkLoadedPage } from '../support/page-checks.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'
import { type ForceWebsite, openChatOn, serveForceWebsite, switchWebChatOn } from '../support/web-chat.ts'

// A Wednesday, 10:00 in London: the chat is open.
const clock = new FixedClock('2026-06-03T09:00:00Z')
/** The longest any one thing may take to appear: live updates come in well under a second. */
const within = 10_000

const shipped: { name: string; answer: string }[] = JSON.parse(
  readFileSync(new URL('../../src/assist/intents.json', import.meta.url), 'utf8'),
).intents
const answerOf = (intent: string) => {
  const found = shipped.find((i) => i.name === intent)
  assert.ok(found, `the shipped knowledge base has no ${intent} intent`)
  return found.answer
}

let t: TestApp
let browser: BrowserHarness
let website: ForceWebsite
let admin: SignedIn
let handler: SignedIn

/** Waits for `locator` to be visible, failing with what was awaited rather than a bare timeout. */
async function appears(locator: Locator, what: string): Promise<void> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: within })
  } catch {
    assert.fail(`${what}: not shown within ${within / 1000} s`)
  }
}

/** A locator's text as in the DOM (the bot's paragraphs keep their line breaks). */
const textOf = async (locator: Locator) => (await locator.textContent()) ?? ''

/** The chat window: framed on the force's website, or opened on its own as a page of Waypoint. */
type ChatWindow = Pick<FrameLocator, 'getByLabel' | 'getByRole' | 'getByText' | 'locator'>

/** The bot's messages in the person's chat window, in order. */
const botMessages = (chat: ChatWindow) => chat.locator('.waypoint-chat__message--bot')

/** Starts a chat in the window (already open) with its first message. */
async function startChat(chat: ChatWindow, text: string): Promise<void> {
  await chat.getByLabel('How can we help?').fill(text)
  await chat.getByRole('button', { name: 'Start chat' }).click()
  await appears(chat.getByText(text), `the person's first message "${text}" in their window`)
}

/** Sends a further message from the chat window. */
async function say(chat: ChatWindow, text: string): Promise<void> {
  await chat.getByLabel('Your message').fill(text)
  await chat.getByRole('button', { name: 'Send', exact: true }).click()
  await appears(chat.getByText(text), `the person's message "${text}" in their window`)
}

/** The handler's queue page, marked so that a reload would show (live updates replace a region). */
async function openQueue(desk: Page): Promise<void> {
  await desk.goto('/console/contact/queue')
  await desk.evaluate(() => {
    ;(window as unknown as { notReloaded: boolean }).notReloaded = true
  })
}

const stillTheSamePage = (desk: Page) =>
  desk.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true)

before(async () => {
  t = await createTestApp({}, { clock })
  browser = await startBrowser(t)
  website = await serveForceWebsite(browser.baseUrl)
  admin = await t.signInAs(['force_admin'], 'essex', 'Ada Admin')
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  await switchWebChatOn(admin, website.allowedOrigin)
  const switched = await admin.post('/console/assist/chatbot', { enabled: 'yes' })
  assert.equal(switched.statusCode, 303, 'the chatbot was not switched on')
})

after(async () => {
  await browser?.close()
  await website?.close()
  await t?.close()
})

test('CRM-34, CRM-7: from the force’s website the bot says it is an automated assistant and answers knowledge-base questions, labelled automated, without queueing the chat', async () => {
  const citizen = await browser.newContext()
  try {
    const page = await citizen.newPage()
    const chat = await openChatOn(page, website.allowedOrigin)
    await startChat(chat, 'I have lost my purse in town')
    const first = botMessages(chat).first()
    await appears(first, 'the bot’s first message')
    assert.equal(await textOf(first.locator('.waypoint-chat__who')), `${chatbotName} (automated)`)
    const firstText = await textOf(first.locator('.waypoint-chat__text'))
    assert.ok(firstText.startsWith(introduction), `the first message introduces the bot: ${firstText}`)
    assert.match(firstText, /I am an automated assistant, not a person/)
    assert.ok(firstText.includes(answerOf('lost-property')), 'the lost-property answer follows')

    // A second question: its answer comes over the live socket, once, without the introduction.
    await say(chat, 'how do I report a stolen bike')
    const answer = botMessages(chat).nth(1)
    await appears(answer, 'the bot’s answer to the second question')
    assert.equal(await textOf(answer.locator('.waypoint-chat__who')), `${chatbotName} (automated)`)
    assert.equal(await textOf(answer.locator('.waypoint-chat__text')), answerOf('report-crime'))
    assert.equal(await botMessages(chat).count(), 2)
    assert.equal(await chat.getByText(/I am an automated assistant/).count(), 1, 'introduces itself once')
  } finally {
    await citizen.close()
  }
  // Answered by the bot, so nothing waits for a person.
  const queue = await handler.get('/console/contact/queue')
  assert.match(queue.body, /Waiting \(0\)/)
})

test('CRM-7, CRM-8: an emergency phrase gets the 999 advice at once and the chat appears urgent in the handler’s queue without a reload', async () => {
  const citizen = await browser.newContext()
  const staff = await browser.newContext({ signedIn: handler })
  try {
    const desk = await staff.newPage()
    await openQueue(desk)
    await appears(desk.getByRole('heading', { name: 'Waiting (0)' }), 'an empty queue before the chat')

    const page = await citizen.newPage()
    const chat = await openChatOn(page, website.allowedOrigin)
    await startChat(chat, 'my ex is outside and he has a knife')
    const advice = botMessages(chat).first()
    await appears(advice, 'the bot’s answer to the emergency')
    const text = await textOf(advice.locator('.waypoint-chat__text'))
    assert.ok(text.includes(emergencyReply), `the 999 advice: ${text}`)
    assert.match(text, /call 999 straight away/)

    await appears(
      desk.getByRole('heading', { name: 'Waiting (1)' }),
      'the handed-over chat in the live queue',
    )
    const row = desk.locator('#contact-queue tbody tr', { hasText: 'Web chat visitor' })
    await appears(row.locator('.govuk-tag--red', { hasText: 'Urgent' }), 'the chat marked Urgent')
    assert.match(await textOf(row), /Vulnerable callers/)
    assert.ok(await stillTheSamePage(desk), 'the queue updated itself rather than reloading')
  } finally {
    await citizen.close()
    await staff.close()
  }
})

test('CRM-7, CRM-8: asking for a person hands the chat over; the handler claims it, sees the bot’s messages marked automated, replies, and the person sees the reply live', async () => {
  const citizen = await browser.newContext()
  const staff = await browser.newContext({ signedIn: handler })
  try {
    const desk = await staff.newPage()
    await openQueue(desk)
    await appears(desk.getByRole('heading', { name: 'Waiting (1)' }), 'the queue with the earlier emergency')

    const page = await citizen.newPage()
    const chat = await openChatOn(page, website.allowedOrigin)
    await startChat(chat, 'how do I report a stolen bike')
    await appears(botMessages(chat).first(), 'the bot’s answer')
    await say(chat, 'can I speak to a real person please')
    await appears(
      chat.getByText(answerOf('speak-to-person')),
      'the bot saying it is passing the chat to a member of staff',
    )

    // The queue shows it without a reload, below the urgent one; the handler claims it.
    await appears(
      desk.getByRole('heading', { name: 'Waiting (2)' }),
      'the handed-over chat in the live queue',
    )
    assert.ok(await stillTheSamePage(desk), 'the queue updated itself rather than reloading')
    const row = desk.locator('#contact-queue tbody tr', { hasText: 'Normal' })
    assert.equal(await row.count(), 1)
    assert.match(await textOf(row), /Web chat visitor[\s\S]*Web chat/)
    await row.getByRole('button', { name: /Claim/ }).click()
    await desk.getByRole('link', { name: 'Open the chat to reply' }).click()

    // The whole conversation so far, the bot's two messages marked automated.
    const main = desk.locator('main')
    await appears(
      main.getByText('how do I report a stolen bike'),
      'the person’s first message for the handler',
    )
    await appears(main.getByText('can I speak to a real person please'), 'the request for a person')
    assert.equal(await main.getByText(`From ${chatbotName} (automated)`).count(), 2)

    await desk.getByLabel(/Your reply by chat/).fill('Hello, I am Sam. Which bike was it?')
    await desk.getByRole('button', { name: 'Send reply' }).click()
    const reply = chat.locator('.waypoint-chat__message--staff')
    await appears(
      reply.getByText('Hello, I am Sam. Which bike was it?'),
      'the handler’s reply in the person’s window',
    )
    assert.equal(await textOf(reply.locator('.waypoint-chat__who')), 'Sam')
    assert.equal(await botMessages(chat).count(), 2, 'the bot stays out once a person has the chat')
  } finally {
    await citizen.close()
    await staff.close()
  }
})

test('CRM-7: the chat window with the bot’s messages meets WCAG 2.2 AA at 1280 and 320 px, and without JavaScript offers the message form', async () => {
  const citizen = await browser.newContext()
  const plain = await browser.newContext({ javaScriptEnabled: false })
  try {
    const check = async (name: string, act: (chat: ChatWindow) => Promise<void>) => {
      const page = await citizen.newPage()
      try {
        await page.goto('/chat/essex/window')
        await act(page)
        const findings = await checkLoadedPage(page, await plain.newPage(), '/chat/essex/window', name)
        assert.deepEqual(findings.problems, [], `${name}: ${findings.widths}`)
      } finally {
        await page.close()
      }
    }
    await check('chatbot-answered', async (chat) => {
      await startChat(chat, 'what time does the police station open')
      await appears(chat.getByText(answerOf('police-station')), 'the bot’s answer')
    })
    await check('chatbot-handed-over', async (chat) => {
      await startChat(chat, 'zebra quantum marmalade')
      await appears(chat.getByText(/passing you to a member of staff/), 'the bot handing over when unsure')
    })

    // Without JavaScript the window says live chat needs it and offers the message form instead.
    const page = await plain.newPage()
    await page.goto('/chat/essex/window')
    const instead = page.getByRole('link', { name: 'Send us a message instead' })
    await appears(instead, 'the no-JavaScript link to the message form')
    assert.match(await textOf(page.locator('main')), /Live chat needs JavaScript\./)
    await instead.click()
    await page.getByLabel('Your email address').fill('kim@example.org')
    await page.getByLabel('Your message').fill('Where can I get my bike security marked?')
    await page.getByRole('button', { name: 'Send message' }).click()
    await appears(page.getByRole('heading', { name: 'Your message has been sent' }), 'the message sent')
  } finally {
    await citizen.close()
    await plain.close()
  }
})
