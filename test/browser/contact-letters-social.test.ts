// Letters and the social media channel in Chromium (decision 0055): without JavaScript a handler
// makes a letter from a contact through the error summary and the preview (CRM-21), a force
// administrator sets the social media connector through its error summary, and a handler answers a
// social media contact from the queue, the connector (a real HTTP server) receiving the reply
// (CRM-8). Each page has every console check: one h1, axe at 1280 and 320 px, no sideways scroll
// at 320 px or with text at 200%, the page without JavaScript.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { FixedClock } from '../../src/platform/clock.ts'
import { rows } from '../../src/platform/db/database.ts'
import { signSocial } from '../../src/contact/social.ts'
import { anAthenaEvent, aStormEvent } from '../../src/sources/test-support/events.ts'
import { type BrowserHarness, startBrowser } from '../support/browser.ts'
import { checkPages as checkPagesIn } from '../support/page-checks.ts'
import { createTestApp, type SignedIn, type TestApp } from '../support/test-app.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
const secret = 'browser-social-connector-secret-000000001'
let t: TestApp
let browser: BrowserHarness
let handler: SignedIn
let admin: SignedIn
let itemId: string
let receiver: Server
let receiverUrl: string
const received: string[] = []

before(async () => {
  t = await createTestApp({}, { clock })
  for (const [system, body] of [
    [
      'storm',
      aStormEvent({
        id: 'BL-1',
        at: '2026-06-01T10:00:00Z',
        ref: 'ESX-20260601-0404',
        log: { openedAt: '2026-06-01T10:00:00Z', incidentType: 'Theft' },
        persons: [
          {
            nominalId: 'N-41',
            name: 'Rhian Evans',
            role: 'VIC',
            phone: '07700 900951',
            address: '3 Quay Street, Harwich CO12 3HH',
          },
        ],
      }),
    ],
    [
      'athena',
      anAthenaEvent({
        id: 'BL-2',
        type: 'INVESTIGATION_CREATED',
        at: '2026-06-01T12:00:00Z',
        crimeRef: '42/951/26',
        investigation: { linkedLogs: ['ESX-20260601-0404'], crimeType: 'Theft', status: 'OPEN' },
        persons: [{ urn: 'P-41', name: 'Rhian Evans', role: 'VIC', phone: '07700900951' }],
      }),
    ],
  ] as const) {
    const result = await t.app.services.sources.receive('essex', system, body, 'application/json')
    assert.equal(result.status, 'applied')
  }
  for (let i = 0; i < 3; i++) await t.app.jobs.drain()
  handler = await t.signInAs(['contact_handler'], 'essex', 'Sam Handler')
  admin = await t.signInAs(['force_admin'], 'essex', 'Essex Admin')
  const designer = await t.signInAs(['journey_designer'], 'essex', 'Dee Designer')
  const saved = await designer.post('/console/templates', {
    key: 'crime-update-letter',
    title: 'An update on your report',
    smsBody: '((force_name)): we have posted you a letter about ((reference)).',
    letterBody:
      'We are writing about your report ((crime_reference)) of ((crime_type)).\n\nIts status is ((case_status)).',
    action: 'save',
  })
  assert.equal(saved.statusCode, 303)
  await t.app.services.conversations.receiveText(
    'essex',
    {
      channel: 'sms',
      provider: 'notify',
      providerRef: 'bl-in-1',
      from: '07700900951',
      fromName: null,
      to: null,
      subject: null,
      body: 'Please can you write to me about my theft?',
      receivedAt: null,
      attachments: [],
    },
    { system: 'test' },
  )
  const [item] = await t.app.db.withForce('essex', (tx) =>
    rows<{ id: string }>(tx, sql`select id from contact_items order by enqueued_at limit 1`),
  )
  itemId = item!.id
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (c: Buffer) => chunks.push(c))
    request.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'))
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/replies`
  browser = await startBrowser(t)
})

after(async () => {
  await browser?.close()
  await new Promise((resolve) => receiver?.close(resolve))
  await t?.close()
})

async function newContext(options: Parameters<BrowserHarness['newContext']>[0]) {
  const context = await browser.newContext(options)
  context.setDefaultTimeout(120_000)
  context.setDefaultNavigationTimeout(120_000)
  return context
}

async function checkPages(who: SignedIn, pages: (readonly [string, string])[]) {
  const context = await newContext({ signedIn: who })
  const noScript = await newContext({ signedIn: who, javaScriptEnabled: false })
  try {
    await checkPagesIn(context, noScript, pages)
  } finally {
    await context.close()
    await noScript.close()
  }
}

test('CRM-21: without JavaScript a handler makes a letter from a contact through the error summary and the preview; the pages pass every check', async () => {
  const plain = await newContext({ signedIn: handler, javaScriptEnabled: false })
  const page = await plain.newPage()
  await page.goto(`/console/contact/queue/contacts/${itemId}`)
  await page.getByRole('link', { name: 'Make a letter' }).click()
  await page.getByRole('button', { name: 'Preview the letter' }).click()
  const summary = page.locator('.govuk-error-summary')
  assert.match((await summary.textContent()) ?? '', /Select a letter template/)
  await page.getByLabel('An update on your report (English)').check()
  await page.getByLabel('Crime 42/951/26').check()
  await page.getByRole('button', { name: 'Preview the letter' }).click()
  assert.match(
    (await page.locator('#letter-preview').textContent()) ?? '',
    /3 Quay Street[\s\S]*We are writing about your report 42\/951\/26 of Theft\./,
  )
  await page.getByRole('button', { name: 'Make the letter' }).click()
  assert.match((await page.locator('#letter-made').textContent()) ?? '', /The letter is made/)
  const letterPath = new URL(page.url()).pathname
  await plain.close()
  await checkPages(handler, [
    [`/console/contact/queue/contacts/${itemId}/letter`, 'contact-letter-new'],
    [letterPath, 'contact-letter'],
  ])
})

test('CRM-8: without JavaScript an administrator sets the social media connector, and a handler answers a social media contact that reaches the connector; the pages pass every check', async () => {
  const plain = await newContext({ signedIn: admin, javaScriptEnabled: false })
  const page = await plain.newPage()
  await page.goto('/console/contact/social')
  await page.getByLabel('Yes').check()
  await page.getByRole('button', { name: 'Save' }).click()
  assert.match(
    (await page.locator('.govuk-error-summary').textContent()) ?? '',
    /Enter the connector’s address/,
  )
  await page.getByLabel('Connector’s address for replies').fill(receiverUrl)
  await page.getByLabel('Shared secret').fill(secret)
  await page.getByRole('button', { name: 'Save' }).click()
  await page.getByText('The social media channel’s settings are saved.').waitFor()
  await plain.close()

  const body = JSON.stringify({
    platform: 'instagram',
    messageId: 'ig-1',
    sender: { id: 'ig-user-5', name: 'Sam Lee' },
    text: 'My bike was taken from outside the station.',
  })
  const posted = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/contact/essex/social/messages',
    headers: {
      'content-type': 'application/json',
      'waypoint-signature': signSocial(secret, Math.floor(clock.now().getTime() / 1000), body),
    },
    payload: body,
  })
  assert.equal(posted.statusCode, 202, posted.body)
  const conversation = posted.json().conversation as string

  const handling = await newContext({ signedIn: handler, javaScriptEnabled: false })
  const reply = await handling.newPage()
  await reply.goto(`/console/conversations/${conversation}`)
  await reply.getByLabel('Your reply by social media').fill('Thank you: please report it at our front desk.')
  await reply.getByRole('button', { name: 'Send reply' }).click()
  await handling.close()
  await t.app.jobs.drain()
  assert.equal(JSON.parse(received.at(-1)!).text, 'Thank you: please report it at our front desk.')

  await checkPages(admin, [['/console/contact/social', 'contact-social-settings']])
  await checkPages(handler, [
    ['/console/contact/queue', 'contact-queue-social'],
    [`/console/conversations/${conversation}`, 'conversation-social'],
  ])
})
