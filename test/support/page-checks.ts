// Page checks shared by the browser tests: a crawl of the console from a start page, the reflow
// check at 320 CSS pixels (WCAG 1.4.10), the text-resize check at 200% (WCAG 1.4.4) and axe's
// "needs review" items, which fail a test unless a person has reviewed them (see axe-reviewed.ts).
import type { Page } from 'playwright-core'

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

/** Same-origin console links on the page that a GET may follow (no downloads, no sign-out). */
export async function consoleLinks(page: Page): Promise<string[]> {
  const hrefs = await page
    .locator('main a[href^="/console"], .moj-primary-navigation a[href^="/console"]')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''))
  return [...new Set(hrefs)].filter(
    (href) => !/\.(csv|json|xml|txt|pdf)(\?|$)|\/export|\/download|\/payload$/.test(href),
  )
}
