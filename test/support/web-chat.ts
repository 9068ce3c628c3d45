// The web chat as a force's website offers it, for browser tests: a second local HTTP server
// stands in for the force's Single Online Home (another origin) with the chat's one script tag,
// the force administrator switches the chat on for that origin, open every day 08:00–20:00, and a
// person opens the chat from the page.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FrameLocator, Page } from 'playwright-core'
import type { SignedIn } from './test-app.ts'

export interface ForceWebsite {
  /** The site's origin, which the force allows. */
  allowedOrigin: string
  /** The same server by another name: another origin, one the force has not allowed. */
  otherOrigin: string
  close(): Promise<void>
}

/**
 * The force's website: `/` has the chat's one script tag, `/framed` frames the chat window
 * itself. `waypointUrl` is Waypoint's own address (the browser harness's `baseUrl`).
 */
export async function serveForceWebsite(waypointUrl: string, forceId = 'essex'): Promise<ForceWebsite> {
  const server = createServer((request, response) => {
    const widget = `<script src="${waypointUrl}/chat/${forceId}/widget.js" async></script>`
    const body =
      request.url === '/framed'
        ? `<iframe src="${waypointUrl}/chat/${forceId}/window" title="Chat"></iframe>`
        : '<p>Report a crime, tell us about an incident, or chat with us.</p>'
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(
      `<!doctype html><html lang="en"><head><title>Contact us – Essex Police</title></head><body><main><h1>Contact us</h1>${body}</main>${widget}</body></html>`,
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    allowedOrigin: `http://127.0.0.1:${port}`,
    otherOrigin: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The force administrator switches the web chat on for `origin`, open 08:00–20:00 every day. */
export async function switchWebChatOn(admin: SignedIn, origin: string): Promise<void> {
  const saved = await admin.post('/console/contact/chat/settings', {
    enabled: 'yes',
    origins: origin,
    outOfHoursReply: 'We are closed. We will answer in the morning. In an emergency call 999.',
    ...Object.fromEntries(
      ['1', '2', '3', '4', '5', '6', '7'].flatMap((d) => [
        [`opens-${d}`, '08:00'],
        [`closes-${d}`, '20:00'],
      ]),
    ),
  })
  assert.equal(saved.statusCode, 303, 'the chat settings were not saved')
}

/** On the force's website, the person presses "Chat with us"; the chat window it opens. */
export async function openChatOn(page: Page, websiteOrigin: string): Promise<FrameLocator> {
  await page.goto(`${websiteOrigin}/`)
  await page.getByRole('button', { name: 'Chat with us' }).click()
  return page.frameLocator('iframe[title="Chat with Essex Police"]')
}
