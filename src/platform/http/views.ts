// Nunjucks over GOV.UK Frontend (citizen pages) and MoJ Frontend (staff console). Templates live
// beside their capability (`src/<capability>/views`) and shared layouts in `src/views`.
import { globSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import nunjucks from 'nunjucks'
import { characterCountText, formatDate, type Locale, translate, translateHtml } from '../i18n/i18n.ts'

const require = createRequire(import.meta.url)
const sourceRoot = resolve(import.meta.dirname, '../..')
/** Numbers as people read them (1,234): one formatter, as making one costs more than using it. */
const wholeNumbers = new Intl.NumberFormat('en-GB')
export const govukFrontendRoot = dirname(require.resolve('govuk-frontend/package.json'))
export const mojFrontendRoot = dirname(require.resolve('@ministryofjustice/frontend/package.json'))

export function createViewEnvironment(): nunjucks.Environment {
  // Capability folders may nest one level (`src/platform/tenancy/views`).
  const capabilityViews = [
    ...globSync('*/views', { cwd: sourceRoot }),
    ...globSync('*/*/views', { cwd: sourceRoot }),
  ].map((d) => join(sourceRoot, d))
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(
      [join(sourceRoot, 'views'), ...capabilityViews, join(govukFrontendRoot, 'dist'), mojFrontendRoot],
      { noCache: false },
    ),
    { autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  )
  // Filters and functions are called with the page's render context as `this`: `locale` there is
  // the page's language (decision 0057), English when a page has none.
  env.addFilter(
    'date',
    function (this: Rendering, value: unknown, style: 'date' | 'datetime' | 'time' = 'datetime') {
      return formatDate(value, style, localeIn(this))
    },
  )
  /** Words in the page's language (i18n.ts); `params` fill the catalogue's `{name}` placeholders. */
  env.addGlobal('t', function (this: Rendering, msgid: string, params?: Record<string, unknown>) {
    return translate(localeIn(this), msgid, params)
  })
  /** Words with the catalogue's own markup (a link in a sentence); every value put in is escaped. */
  env.addGlobal('tHtml', function (this: Rendering, msgid: string, params?: Record<string, unknown>) {
    return new nunjucks.runtime.SafeString(translateHtml(localeIn(this), msgid, params))
  })
  /** A GOV.UK character count's parameters with its own words in the page's language. */
  env.addFilter('countText', function (this: Rendering, params: Record<string, unknown>) {
    return { ...params, ...characterCountText(localeIn(this)) }
  })
  /** A whole number as people read it: 1,234. */
  env.addFilter('number', (value: unknown) =>
    typeof value === 'number' ? wholeNumbers.format(value) : String(value ?? ''),
  )
  env.addFilter('isoDate', (value: unknown) =>
    value instanceof Date ? value.toISOString() : String(value ?? ''),
  )
  /** Field errors keyed by field name, for `errorMessage` on GOV.UK components. */
  env.addFilter(
    'errorFor',
    function (this: Rendering, errors: { field: string; message: string }[] | undefined, field: string) {
      const found = errors?.find((e) => e.field === field)
      const locale = localeIn(this)
      return found
        ? {
            text: translate(locale, found.message),
            ...(locale === 'cy' ? { visuallyHiddenText: translate(locale, 'Error') } : {}),
          }
        : undefined
    },
  )
  /** GOV.UK error summary list from field errors. */
  env.addFilter(
    'errorList',
    function (this: Rendering, errors: { field: string; message: string }[] | undefined) {
      return (errors ?? []).map((e) => ({ text: translate(localeIn(this), e.message), href: `#${e.field}` }))
    },
  )
  return env
}

/** What nunjucks passes a filter or a global function as `this`: the page's render context. */
interface Rendering {
  ctx?: { locale?: unknown }
}

function localeIn(rendering: Rendering | undefined): Locale {
  return rendering?.ctx?.locale === 'cy' ? 'cy' : 'en'
}
