// The accessibility check itself (test/support/browser.ts `checkAccessibility`), on pages made to
// fail it: every browser test trusts it to find what axe finds. axe is put into each top document
// through DevTools so that V8 reuses its compiled code from one document to the next (decision
// 0070); these pages show that each document is still checked as itself, under a policy that
// refuses every script not from the page's own origin, and inside a same-origin frame, where axe
// goes in through Playwright.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { checkAccessibility, launchChromium } from '../support/browser.ts'

const layout = (body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Check</title><link rel="stylesheet" href="/style.css"></head><body><main><h1>Check</h1>${body}</main></body></html>`

const pages: Record<string, string> = {
  // An image with no text alternative (WCAG 1.1.1) and grey text on white (WCAG 1.4.3).
  '/failing': layout('<img src="/pixel.png" width="10" height="10"><p class="faint">Faint text</p>'),
  '/passing': layout('<p>Plain text</p>'),
  // The same failing image, but only inside a frame from the same origin.
  '/framed': layout('<iframe src="/failing" title="A framed page"></iframe>'),
}

const style = '.faint { color: #bbb; background: #fff }'

let server: Server
let baseUrl: string
let browser: Browser
before(async () => {
  server = createServer((request, response) => {
    if (request.url === '/style.css') {
      response.writeHead(200, { 'content-type': 'text/css' })
      response.end(style)
      return
    }
    const html = pages[request.url ?? '']
    response.writeHead(html ? 200 : 404, {
      'content-type': html ? 'text/html; charset=utf-8' : 'text/plain',
      // As Waypoint's own pages: no inline script and no script from anywhere else.
      'content-security-policy': "default-src 'self'; script-src 'self'; frame-ancestors 'self'",
    })
    response.end(html ?? 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchChromium()
})
after(async () => {
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
})

const rules = async (path: string, again = 1): Promise<string[][]> => {
  const context = await browser.newContext({ baseURL: baseUrl })
  try {
    const page = await context.newPage()
    const found: string[][] = []
    // One tab, one document after another: each later one gets axe's code V8 kept.
    for (let i = 0; i < again; i++) {
      await page.goto(path)
      found.push((await checkAccessibility(page)).map((v) => v.id).sort())
    }
    await page.goto('/passing')
    found.push((await checkAccessibility(page)).map((v) => v.id).sort())
    return found
  } finally {
    await context.close()
  }
}

test('UJ-2, CP-3: the accessibility check finds a missing text alternative and low contrast on every document of a tab, and nothing on a page that passes', async () => {
  assert.deepEqual(await rules('/failing', 3), [
    ['color-contrast', 'image-alt'],
    ['color-contrast', 'image-alt'],
    ['color-contrast', 'image-alt'],
    [],
  ])
})

test('UJ-2, CP-3: the accessibility check finds a violation inside a same-origin frame', async () => {
  const [framed, passing] = await rules('/framed')
  assert.ok(framed.includes('image-alt'), `the framed page's image is found: ${framed.join(', ')}`)
  assert.deepEqual(passing, [])
})
