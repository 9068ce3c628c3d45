// Page checks shared by the browser tests: a crawl of the console from a start page, the reflow
// check at 320 CSS pixels (WCAG 1.4.10), the text-resize check at 200% (WCAG 1.4.4) and axe's
// "needs review" items, which fail a test unless a person has reviewed them (see axe-reviewed.ts).
import assert from 'node:assert/strict'
import type { BrowserContext, Page } from 'playwright-core'
import { unreviewed } from './axe-reviewed.ts'
import { checkAccessibilityAndReview, saveScreenshot } from './browser.ts'

/** Width of the page's scrollable area and of the viewport, in CSS pixels. */
export async function pageWidth(page: Page): Promise<{ scrollWidth: number; viewport: number }> {
  return page.evaluate(() => ({
    scrollWidth: document.scrollingElement?.scrollWidth ?? document.documentElement.scrollWidth,
    viewport: document.documentElement.clientWidth,
  }))
}

/** The page shown at `width` CSS pixels; resolves once laid out again. */
export async function atWidth(page: Page, width: number, height = 900): Promise<void> {
  await page.setViewportSize({ width, height })
}

/** Doubles the text size the way a browser's text-only zoom does (GOV.UK Frontend sizes text in rem). */
export async function withTextAt200Percent(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.documentElement.style.fontSize = '200%'
  })
}

/** Collections whose members are named by a slug rather than an id (`/console/forces/kent`). */
const namedMembers = new Set(['forces', 'templates', 'profiles', 'endpoints'])

/** A path with its identifiers replaced, so one page of each kind is checked once. */
export function pageKind(path: string): string {
  const segments = new URL(path, 'http://x').pathname.split('/')
  return segments
    .map((segment, i) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-|^\d+$|%2F/i.test(segment) ||
      (namedMembers.has(segments[i - 1] ?? '') && segment !== 'new')
        ? ':id'
        : segment,
    )
    .join('/')
}

/**
 * What the checks read of a page's markup, in one evaluation in the page: its h1s, the first one's
 * text, its title and its skip link's targets. Read without Playwright's locators: their script
 * is put into every new document that uses one, about 37 ms of Chromium's CPU a page (measured on
 * 25 console pages), and the checks open each page twice. Works with JavaScript off too (the
 * evaluation is the browser's, not the page's).
 */
export async function pageOutline(
  page: Page,
): Promise<{ h1s: number; firstH1: string; title: string; skipTargets: number }> {
  return page.evaluate(() => ({
    h1s: document.querySelectorAll('h1').length,
    firstH1: document.querySelector('h1')?.textContent?.trim() ?? '',
    title: document.title,
    skipTargets: document.querySelectorAll('#main-content').length,
  }))
}

/** Same-origin console links on the page that a GET may follow (no downloads, no sign-out). */
export async function consoleLinks(page: Page): Promise<string[]> {
  const hrefs = await page.evaluate(() =>
    [
      ...document.querySelectorAll(
        'main a[href^="/console"], .moj-primary-navigation a[href^="/console"], .moj-sub-navigation a[href^="/console"]',
      ),
    ].map((a) => a.getAttribute('href') ?? ''),
  )
  return [...new Set(hrefs)].filter(
    (href) => !/\.(csv|json|xml|txt|pdf)(\?|$)|\/export|\/download|\/payload$/.test(href),
  )
}

/** What one load of a page showed: each check that failed, and its widths for the test's log. */
export interface PageFindings {
  problems: string[]
  widths: string
}

/**
 * Every check a console page gets, on one load of it in `page` (JavaScript on, 1280 px): one h1
 * and a title; axe at 1280 px; at 320 px, no sideways scroll (WCAG 1.4.10) and axe again, as the
 * narrow layout has its own scroll panes and targets; at 1280 px with text at 200%, no sideways
 * scroll (WCAG 1.4.4); a screenshot of a width where a check failed (of every page with
 * WAYPOINT_SCREENSHOTS=1). axe's violations fail, and so does any needs-review item
 * nobody has reviewed (axe-reviewed.ts). Then `plain` (JavaScript off) opens the same path and
 * must render its h1 and the skip link's target.
 */
export async function checkLoadedPage(
  page: Page,
  plain: Page,
  path: string,
  screenshotName: string,
): Promise<PageFindings> {
  const problems: string[] = []
  const axeAt = async (width: number) => {
    const axe = await checkAccessibilityAndReview(page)
    for (const v of axe.violations)
      problems.push(`axe at ${width} px: ${v.id} (${v.help}) at ${v.targets.join(', ')}`)
    for (const r of unreviewed(axe.needsReview))
      problems.push(`axe at ${width} px, needs review: ${r.id} (${r.help}; ${r.reason}) at ${r.target}`)
  }
  const outline = await pageOutline(page)
  if (outline.h1s !== 1) problems.push(`${outline.h1s} h1 elements, not one`)
  if (!outline.title) problems.push('no title')
  await axeAt(1280)
  // Saved when a check has failed, for a person to look at (or of every page, saveScreenshot).
  await saveScreenshot(page, screenshotName, { always: problems.length > 0 })

  const wide = problems.length
  await atWidth(page, 320)
  const small = await pageWidth(page)
  if (small.scrollWidth > small.viewport) problems.push(`${small.scrollWidth} px wide at 320 px`)
  await axeAt(320)
  if (problems.length > wide) await saveScreenshot(page, `${screenshotName}-320`, { always: true })

  await atWidth(page, 1280)
  await withTextAt200Percent(page)
  const large = await pageWidth(page)
  if (large.scrollWidth > large.viewport)
    problems.push(`${large.scrollWidth} px wide at 1280 px with text at 200%`)

  await plain.goto(path)
  const withoutJs = await pageOutline(plain)
  if (!withoutJs.firstH1) problems.push('no h1 without JavaScript')
  if (withoutJs.skipTargets !== 1) problems.push('no skip link target without JavaScript')
  return {
    problems,
    widths: `${small.scrollWidth} px at 320 px; ${large.scrollWidth} px at 1280 px, text 200%`,
  }
}

/**
 * Opens each path (with the name its screenshots take) in one tab of `withJs`, asserts it answers
 * 200, and gives it every check (checkLoadedPage), the page without JavaScript in one tab of
 * `withoutJs`. The two tabs go from path to path, as the crawl's do, rather than a new tab for
 * each: a new tab costs Chromium two renderer processes, one for its blank page and one for the
 * site, since the site's Cross-Origin-Opener-Policy moves its first page out of the blank page's.
 * Each path starts at 1280 px; the 200% text of the last check was the last document's own.
 */
export async function checkPages(
  withJs: BrowserContext,
  withoutJs: BrowserContext,
  paths: readonly (readonly [path: string, name: string])[],
): Promise<void> {
  const page = await withJs.newPage()
  const plain = await withoutJs.newPage()
  try {
    for (const [path, name] of paths) {
      await atWidth(page, 1280)
      assert.equal((await page.goto(path))?.status(), 200, path)
      const findings = await checkLoadedPage(page, plain, path, name)
      assert.deepEqual(findings.problems, [], `${path}: ${findings.widths}`)
    }
  } finally {
    await page.close()
    await plain.close()
  }
}
