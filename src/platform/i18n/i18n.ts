// Welsh and English on the citizen pages (CP-155, decision 0057). The English words are the
// message ids, as in gettext: a page says `t("Sign in")`, and the Welsh catalogue (catalogue.ts,
// one file a translator reviews) gives "Mewngofnodi". Words a route or a service puts on a page
// (a page title, a field's error message) are looked up the same way when the page shows them,
// exactly or, for words with a number or a name in them, through the catalogue's `{name}`
// placeholders. Words the catalogue lacks are shown as they are, in English.
import { cy as welsh } from './catalogue.ts'

export type Locale = 'en' | 'cy'
export const locales: readonly Locale[] = ['en', 'cy']

/**
 * The browser's language choice on citizen pages: 'en' or 'cy' and nothing else, set only by the
 * language toggle (decision 0057). It identifies nobody and tracks nothing.
 */
export const LANGUAGE_COOKIE = 'waypoint_language'

export function localeOf(value: unknown): Locale | undefined {
  return value === 'en' || value === 'cy' ? value : undefined
}

type Params = Record<string, unknown> | undefined

const placeholder = /\{(\w+)\}/g

function fill(text: string, params: Params, asText: (s: string) => string): string {
  if (!params) return text
  return text.replace(placeholder, (whole, name: string) =>
    name in params ? asText(String(params[name] ?? '')) : whole,
  )
}

/**
 * Catalogue entries with placeholders, as patterns that find their values in words given whole.
 * Only entries with 10 characters or more of their own words: "{from} to {to}" would otherwise
 * match any English sentence with "to" in it.
 */
const patterns = Object.keys(welsh)
  .filter(
    (msgid) => /\{\w+\}/.test(msgid) && !/[<>]/.test(msgid) && msgid.replace(/\{\w+\}/g, '').length >= 10,
  )
  .map((msgid) => {
    const names: string[] = []
    const source = msgid
      .split(/(\{\w+\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1]
        if (name) {
          names.push(name)
          return '(.+?)'
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      })
      .join('')
    return { msgid, names, pattern: new RegExp(`^${source}$`, 's') }
  })

/** Words in the page's language: the catalogue's Welsh for `msgid`, with `params` put in. */
export function translate(locale: Locale | undefined, msgid: string, params?: Params): string {
  if (typeof msgid !== 'string') return msgid
  if (locale !== 'cy') return fill(msgid, params, String)
  const exact = welsh[msgid]
  if (exact !== undefined) return fill(exact, params, String)
  // Words made elsewhere with a value in them ("Enter a password of at least 12 characters").
  for (const { msgid: id, names, pattern } of patterns) {
    const match = pattern.exec(msgid)
    if (!match) continue
    const found = Object.fromEntries(names.map((n, i) => [n, translate(locale, match[i + 1] ?? '')]))
    return fill(welsh[id]!, found, String)
  }
  return fill(msgid, params, String)
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/**
 * Words with markup of the catalogue's own (a link inside a sentence): the catalogue's text is
 * trusted, every value put in is escaped.
 */
export function translateHtml(locale: Locale | undefined, msgid: string, params?: Params): string {
  const text = locale === 'cy' ? (welsh[msgid] ?? msgid) : msgid
  return fill(text, params, escapeHtml)
}

const dateStyles: Record<'date' | 'datetime' | 'time', Intl.DateTimeFormatOptions> = {
  date: { day: 'numeric', month: 'long', year: 'numeric' },
  time: { hour: '2-digit', minute: '2-digit' },
  datetime: { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' },
}

/** A date as people read it, UK time, month names in the page's language ("6 Rhagfyr 2026"). */
export function formatDate(
  value: unknown,
  style: 'date' | 'datetime' | 'time' = 'datetime',
  locale: Locale | undefined = 'en',
): string {
  if (!value) return ''
  const d = value instanceof Date ? value : new Date(String(value))
  if (Number.isNaN(d.getTime())) return ''
  const key = `${locale === 'cy' ? 'cy' : 'en'}:${style}`
  let format = dateFormats.get(key)
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'cy' ? 'cy-GB' : 'en-GB', {
      ...dateStyles[style],
      timeZone: 'Europe/London',
    })
    dateFormats.set(key, format)
  }
  return format.format(d)
}

/**
 * One formatter for each language and style: making an Intl.DateTimeFormat costs far more than
 * using one, and a page of the outbox or a conversation formats dozens of dates (decision 0059).
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * GOV.UK Frontend's character count speaks through these: its own defaults are English. Welsh
 * has six plural forms (Intl.PluralRules 'cy'); GOV.UK Frontend picks among them the same way.
 */
export function characterCountText(locale: Locale | undefined): Record<string, unknown> {
  if (locale !== 'cy') return {}
  const remaining = translate('cy', 'You have {count} characters remaining')
  const over = translate('cy', 'You have {count} characters too many')
  const forms = ['zero', 'one', 'two', 'few', 'many', 'other']
  return {
    textareaDescriptionText: translate('cy', 'You can enter up to {count} characters').replace(
      '{count}',
      '%{count}',
    ),
    charactersUnderLimitText: Object.fromEntries(
      forms.map((f) => [f, remaining.replace('{count}', '%{count}')]),
    ),
    charactersAtLimitText: translate('cy', 'You have 0 characters remaining'),
    charactersOverLimitText: Object.fromEntries(forms.map((f) => [f, over.replace('{count}', '%{count}')])),
  }
}
