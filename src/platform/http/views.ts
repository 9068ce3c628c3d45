// Nunjucks over GOV.UK Frontend (citizen pages) and MoJ Frontend (staff console). Templates live
// beside their capability (`src/<capability>/views`) and shared layouts in `src/views`.
import { globSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import nunjucks from 'nunjucks'

const require = createRequire(import.meta.url)
const sourceRoot = resolve(import.meta.dirname, '../..')
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
  env.addFilter('date', (value: unknown, style: 'date' | 'datetime' | 'time' = 'datetime') => {
    if (!value) return ''
    const d = value instanceof Date ? value : new Date(String(value))
    if (Number.isNaN(d.getTime())) return ''
    const options: Intl.DateTimeFormatOptions =
      style === 'date'
        ? { day: 'numeric', month: 'long', year: 'numeric' }
        : style === 'time'
          ? { hour: '2-digit', minute: '2-digit' }
          : { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'Europe/London' }).format(d)
  })
  /** A whole number as people read it: 1,234. */
  env.addFilter('number', (value: unknown) =>
    typeof value === 'number' ? value.toLocaleString('en-GB') : String(value ?? ''),
  )
  env.addFilter('isoDate', (value: unknown) =>
    value instanceof Date ? value.toISOString() : String(value ?? ''),
  )
  /** Field errors keyed by field name, for `errorMessage` on GOV.UK components. */
  env.addFilter('errorFor', (errors: { field: string; message: string }[] | undefined, field: string) => {
    const found = errors?.find((e) => e.field === field)
    return found ? { text: found.message } : undefined
  })
  /** GOV.UK error summary list from field errors. */
  env.addFilter('errorList', (errors: { field: string; message: string }[] | undefined) =>
    (errors ?? []).map((e) => ({ text: e.message, href: `#${e.field}` })),
  )
  return env
}
