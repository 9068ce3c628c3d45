// Every kind of console page, reached by following links from the dashboard as each role would,
// fits a 320 px viewport without scrolling sideways (WCAG 1.4.10 reflow) and still fits a
// 1280 px window with text at 200% (WCAG 1.4.4): wide tables and raw payloads scroll inside
// their own pane, long addresses and references wrap. At 320 px each page is checked with axe
// (WCAG 2.2 AA), and any item axe marks "needs review" fails the test unless a person has
// reviewed it (test/support/axe-reviewed.ts). The data has what makes pages wide in real use: an
// e-mail address with no break, a quarantined STORM payload on one long line. The crawl covers
// message, case, incident, person and source event pages, and opens each kind of page once.
import assert from 'node:assert/strict'
import { after, before, type TestContext, test } from 'node:test'
import type { Page } from 'playwright-core'
import type { StaffRole } from '../../src/platform/auth/roles.ts'
import { FixedClock } from '../../src/platform/clock.ts'
import { unreviewed } from '../support/axe-reviewed.ts'
import { type BrowserHarness, checkAccessibilityAndReview, startBrowser } from '../support/browser.ts'
import { type ConsoleData, seedConsoleData } from '../support/console-data.ts'
import { atWidth, consoleLinks, pageKind, pageWidth, withTextAt200Percent } from '../support/page-checks.ts'
import { createTestApp, type TestApp } from '../support/test-app.ts'

let t: TestApp
let browser: BrowserHarness
let data: ConsoleData
before(async () => {
  t = await createTestApp({}, { clock: new FixedClock('2026-06-02T13:00:00Z') })
  data = await seedConsoleData(t)
  browser = await startBrowser(t)
})
after(async () => {
  await browser?.close()
  await t?.close()
})

/** Opens each page once per kind, following links from `start`, and checks it at both sizes. */
async function crawl(context: TestContext, page: Page, start: string[], limit = 80): Promise<Set<string>> {
  const seen = new Set<string>()
  const queue = [...start]
  const tooWide: string[] = []
  const problems: string[] = []
  while (queue.length && seen.size < limit) {
    const path = queue.shift()!
    const kind = pageKind(path)
    if (seen.has(kind)) continue
    seen.add(kind)
    await atWidth(page, 320)
    const response = await page.goto(path)
    if ((response?.status() ?? 0) >= 400) continue
    for (const link of await consoleLinks(page)) if (!seen.has(pageKind(link))) queue.push(link)
    const small = await pageWidth(page)
    const axe = await checkAccessibilityAndReview(page)
    for (const v of axe.violations) problems.push(`${path}: ${v.id} (${v.help}) at ${v.targets.join(', ')}`)
    for (const r of unreviewed(axe.needsReview))
      problems.push(`${path}: needs review, ${r.id} (${r.help}; ${r.reason}) at ${r.target}`)
    await atWidth(page, 1280)
    await withTextAt200Percent(page)
    const large = await pageWidth(page)
    context.diagnostic(
      `${path}: ${small.scrollWidth} px at 320 px; ${large.scrollWidth} px at 1280 px, text 200%`,
    )
    if (small.scrollWidth > small.viewport) tooWide.push(`${path} is ${small.scrollWidth} px wide at 320 px`)
    if (large.scrollWidth > large.viewport)
      tooWide.push(`${path} is ${large.scrollWidth} px wide at 1280 px with text at 200%`)
  }
  assert.deepEqual(tooWide, [], 'pages scroll sideways')
  assert.deepEqual(problems, [], 'axe at 320 px: violations, or needs-review items nobody has reviewed')
  return seen
}

async function crawlAs(context: TestContext, roles: StaffRole[], forceId: string | null, start: string[]) {
  const signedIn = await t.signInAs(roles, forceId)
  const browserContext = await browser.newContext({ signedIn })
  try {
    return await crawl(context, await browserContext.newPage(), ['/console', ...start])
  } finally {
    await browserContext.close()
  }
}

test('UJ-2, CP-3: every kind of page a force’s staff reach fits 320 px and 200% text without scrolling sideways and passes axe', async (context) => {
  const kinds = await crawlAs(
    context,
    [
      'force_admin',
      'journey_designer',
      'analyst',
      'investigating_officer',
      'supervisor',
      'service_support',
      'contact_handler',
      'contact_supervisor',
      'auditor',
    ],
    'kent',
    [
      `/console/cases?q=${encodeURIComponent(data.kentCrimeRef)}`,
      `/console/sources/events/${data.quarantinedEventId}`,
    ],
  )
  for (const kind of [
    '/console/outbox/:id',
    '/console/cases/crimes/:id',
    '/console/cases/incidents/:id',
    '/console/people/:id',
    '/console/sources/events/:id',
    '/console/audit',
    '/console/reports',
  ]) {
    assert.ok(kinds.has(kind), `the crawl reached a ${kind} page`)
  }
})

test('CRM-3: every kind of page a system administrator reaches fits 320 px and 200% text without scrolling sideways and passes axe', async (context) => {
  const kinds = await crawlAs(context, ['system_admin', 'auditor'], null, [])
  assert.ok(kinds.has('/console/audit') && kinds.has('/console/forces/:id'), [...kinds].join(' '))
})
