// Browser harness: Debian's Chromium driven by playwright-core against a whole Waypoint listening
// on 127.0.0.1, with axe for WCAG 2.2 AA checks (UJ-2, CP-3, CRM-3). A new context per test keeps
// cookies apart; screenshots go to test-artifacts/screenshots (ignored by git) when a check fails,
// or of every page with WAYPOINT_SCREENSHOTS=1.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import type { AxeResults } from 'axe-core'
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core'
import { batchResources } from './batch-resources.ts'
import { chromiumPath } from './lanes.ts'
import type { SignedIn, TestApp } from './test-app.ts'

export const screenshotDir = resolve(import.meta.dirname, '../../test-artifacts/screenshots')

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  // Pages share renderer processes, two at most, rather than one process each: the accessibility
  // crawl used about 9% less of the machine's CPU (decision 0062).
  '--renderer-process-limit=2',
  // Page scripts and axe run in V8's baseline tiers only (Ignition and Sparkplug), never compiled
  // again by Maglev or TurboFan: a test's documents live for a second or two, too short to earn
  // the optimising compilers' work back. The accessibility crawl used about 17% less of the
  // machine's CPU (decision 0067). JavaScript means the same at every tier.
  '--js-flags=--max-opt=1',
]

/** The WCAG levels every page must meet: 2.0, 2.1 and 2.2, A and AA. */
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

export interface AccessibilityViolation {
  id: string
  impact: string | null | undefined
  help: string
  targets: string[]
}

export interface BrowserHarness {
  baseUrl: string
  browser: Browser
  /** A fresh browser context (own cookies); `javaScriptEnabled: false` checks the no-JS path. */
  newContext(options?: { javaScriptEnabled?: boolean; signedIn?: SignedIn }): Promise<BrowserContext>
  close(): Promise<void>
}

/** Chromium as a batch's files share it (batch-resources.ts), launched by the first that asks. */
let shared: Promise<Browser> | undefined

/**
 * Launches the tests' Chromium (Debian's headless shell, lanes.ts `chromiumPath`) headless, with
 * the flags above and any `extraArgs`. A test that needs a Chromium of its own uses this too.
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs, ...extraArgs] })
}

/**
 * Chromium for a test file: its own, or in a batch of files the batch's one, launched again if
 * it has gone (a crash in an earlier file). Each file's contexts are still its own.
 */
async function chromiumFor(): Promise<{ browser: Browser; own: boolean }> {
  if (!batchResources.active) return { browser: await launchChromium(), own: true }
  const browser = shared ? await shared.catch(() => undefined) : undefined
  if (browser?.isConnected()) return { browser, own: false }
  shared = launchChromium()
  const launched = await shared
  batchResources.closeAtEnd(() => launched.close())
  return { browser: launched, own: false }
}

/**
 * Starts the app's HTTP server on a free port and gets Chromium (in a batch, the one the batch's
 * files share). `close` closes every context the file opened, through `newContext` or on
 * `browser` itself, and Chromium when it is the file's own.
 */
export async function startBrowser(t: TestApp): Promise<BrowserHarness> {
  const address = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  const baseUrl = address.replace('localhost', '127.0.0.1')
  const { browser, own } = await chromiumFor()
  const before = new Set(browser.contexts())
  return {
    baseUrl,
    browser,
    newContext: async (options = {}) => {
      const context = await browser.newContext({
        baseURL: baseUrl,
        javaScriptEnabled: options.javaScriptEnabled ?? true,
        viewport: { width: 1280, height: 900 },
      })
      if (options.signedIn) await signIn(context, baseUrl, options.signedIn)
      return context
    },
    close: async () => {
      for (const context of browser.contexts())
        if (!before.has(context)) await context.close().catch(() => undefined)
      if (own) await browser.close()
    },
  }
}

/** Signs a browser context in as the member of staff `t.signInAs(...)` created. */
export async function signIn(context: BrowserContext, baseUrl: string, signedIn: SignedIn): Promise<void> {
  const separator = signedIn.cookie.indexOf('=')
  await context.addCookies([
    {
      name: signedIn.cookie.slice(0, separator),
      value: signedIn.cookie.slice(separator + 1),
      url: baseUrl,
      httpOnly: true,
      sameSite: 'Lax',
    },
  ])
}

/** axe-core as @axe-core/playwright (our dependency) has it, minified. */
const axeSource = readFileSync(
  createRequire(import.meta.resolve('@axe-core/playwright')).resolve('axe-core/axe.min.js'),
  'utf8',
)

/** axe's source, then whether it is there: the same text for every document, so V8 finds it. */
const axeScript = `${axeSource}\n;'axe' in window`

/** Each page's DevTools session, for putting axe into its documents (putAxeInTopDocument). */
const sessions = new WeakMap<Page, Promise<CDPSession>>()

/**
 * Puts axe into the page's top document as a script of its own, through DevTools' Runtime.evaluate,
 * and says whether it is there. V8 keeps a script it compiled, and the functions of it it compiled
 * since, for the next script with the same text in the same renderer process: each later document
 * gets axe's compiled code rather than compiling axe again. `frame.evaluate` runs the text through
 * Playwright's `eval` in the document, whose compiled code V8 keeps for that document alone; axe's
 * first run on each document was then mostly compiling axe (decision 0070). Frames below the top
 * document (an e-mail preview) get axe through `frame.evaluate`.
 */
async function putAxeInTopDocument(page: Page): Promise<boolean> {
  let session = sessions.get(page)
  if (!session) {
    session = page.context().newCDPSession(page)
    sessions.set(page, session)
  }
  try {
    const cdp = await session
    const result = await cdp.send('Runtime.evaluate', {
      expression: axeScript,
      silent: true,
      returnByValue: true,
    })
    return !result.exceptionDetails && result.result.value === true
  } catch {
    return false
  }
}

/** An item of axe's results as the checks read it: the rule, its help and each element's details. */
interface AxeItem {
  id: string
  impact: string | null | undefined
  help: string
  nodes: {
    target: string
    /** axe's reason for an element it could not decide (its check's message key), or ''. */
    reason: string
    within: 'scroll-pane' | 'timeline' | ''
  }[]
}

/**
 * Runs axe (WCAG 2.2 AA tags) on the page as it stands and returns its violations and the items it
 * could not decide ("needs review"). axe is put into each frame of the page once per document, so
 * a second run on the same load (at another width) reuses it; the run is axe's own `axe.run` in
 * the page, which checks same-origin frames (an e-mail preview) through the copy in each frame.
 * @axe-core/playwright's default path opens a blank page and loads axe there again for every run,
 * which cost more than the checks themselves. Every rule runs on every element; only the results
 * the tests read are built (`resultTypes`: passing and inapplicable rules name one element each,
 * not all of them) and only what they read of them leaves the page, not axe's whole report.
 */
async function runAxe(page: Page): Promise<{ violations: AxeItem[]; incomplete: AxeItem[] }> {
  for (const frame of page.frames()) {
    const present = await frame.evaluate(() => 'axe' in window).catch(() => true)
    // A frame that went away or never loaded is left out, as @axe-core/playwright does.
    if (present) continue
    if (frame === page.mainFrame() && (await putAxeInTopDocument(page))) continue
    await frame.evaluate(axeSource).catch(() => undefined)
  }
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(c: Document, o: object): Promise<AxeResults> } }).axe
    const results = await axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations', 'incomplete'],
    })
    // Where an element sits: a table's scroll pane or a timeline (see axe-reviewed.ts).
    const within = (selector: string) => {
      const element = document.querySelector(selector)
      if (element?.closest('.waypoint-scroll-pane')) return 'scroll-pane' as const
      if (element?.closest('.moj-timeline')) return 'timeline' as const
      return '' as const
    }
    const brief = (items: AxeResults['violations'], placed: boolean): AxeItem[] =>
      items.map((item) => ({
        id: item.id,
        impact: item.impact,
        help: item.help,
        nodes: item.nodes.map((node) => {
          const target = node.target.join(' ')
          return {
            target,
            reason: String(
              [...node.any, ...node.all, ...node.none].find((c) => c.data && typeof c.data === 'object')?.data
                ?.messageKey ?? '',
            ),
            within: placed ? within(target) : '',
          }
        }),
      }))
    return { violations: brief(results.violations, false), incomplete: brief(results.incomplete, true) }
  }, wcagTags)
}

function asViolations(items: AxeItem[]): AccessibilityViolation[] {
  return items.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((n) => n.target),
  }))
}

/** Runs axe on the page as it stands and returns the WCAG 2.2 AA violations (none is a pass). */
export async function checkAccessibility(page: Page): Promise<AccessibilityViolation[]> {
  return asViolations((await runAxe(page)).violations)
}

/** An item axe could not decide ("needs review"), as it was found on a page. */
export interface NeedsReview {
  id: string
  help: string
  /** Each element: its selector, axe's reason (message key) and the component it sits in. */
  nodes: { target: string; reason: string; within: 'scroll-pane' | 'timeline' | '' }[]
}

/**
 * Runs axe once and returns both its WCAG 2.2 AA violations and the items it could not decide
 * ("needs review", axe's `incomplete`), which a person must look at: the tests fail on any that
 * is not in the reviewed list (axe-reviewed.ts).
 */
export async function checkAccessibilityAndReview(
  page: Page,
): Promise<{ violations: AccessibilityViolation[]; needsReview: NeedsReview[] }> {
  const results = await runAxe(page)
  return {
    violations: asViolations(results.violations),
    needsReview: results.incomplete.map(({ id, help, nodes }) => ({ id, help, nodes })),
  }
}

/** A page a flow passed through (with JavaScript off), to be checked with axe afterwards. */
export interface VisitedPage {
  path: string
  name: string
  status: number
}

/** Screenshots the page and adds it to `visits` (with the status it should answer) for axe later. */
export async function recordVisit(
  visits: VisitedPage[],
  page: Page,
  name: string,
  status = 200,
): Promise<void> {
  await saveScreenshot(page, name)
  const url = new URL(page.url())
  visits.push({ path: url.pathname + url.search, name, status })
}

/** Opens each visited page again and asserts its status and that axe finds no violation. */
export async function assertVisitedPagesAccessible(page: Page, visits: VisitedPage[]): Promise<void> {
  for (const v of visits) {
    const response = await page.goto(v.path)
    assert.equal(response?.status(), v.status, v.path)
    assert.deepEqual(await checkAccessibility(page), [], `${v.name} has accessibility violations`)
  }
}

/**
 * Whether every page a test passes is saved as a screenshot: `WAYPOINT_SCREENSHOTS=1` (to look at
 * pages as a person would). Otherwise only a page whose check failed is saved (`always`), since a
 * full-page screenshot is rendered and encoded by Chromium for nobody to look at: the
 * accessibility crawl used 274 s of the machine's CPU with them, 249 s without (decision 0062).
 */
const screenshotsWanted = process.env.WAYPOINT_SCREENSHOTS === '1'

/**
 * Saves a full-page screenshot as test-artifacts/screenshots/<name>.png and returns its path, when
 * screenshots are wanted or `always` (a page that failed a check); otherwise does nothing.
 */
export async function saveScreenshot(
  page: Page,
  name: string,
  options: { always?: boolean } = {},
): Promise<string | undefined> {
  if (!screenshotsWanted && !options.always) return undefined
  mkdirSync(screenshotDir, { recursive: true })
  const path = resolve(screenshotDir, `${name.replace(/[^\w-]+/g, '-').replace(/^-|-$/g, '')}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
