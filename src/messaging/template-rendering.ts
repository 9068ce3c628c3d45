// Rendering a message template (UJ-11, UJ-12, UJ-19) in GOV.UK Notify's syntax: `((name))` is a
// placeholder and `((flag??text))` shows `text` only when `flag` is yes/true. Placeholder values
// are data, never markup: they are HTML-escaped in email HTML and cannot add markdown (links,
// headings) because the template's markdown is converted before values are put in. A missing
// value stops the message: a person must never receive "Dear ,". Every email ends with a
// visible link to stop emails (UJ-6), in the message's language; text messages say STOP instead.
import { DomainError } from '../platform/errors.ts'

export type Personalisation = Record<string, string | number | boolean | null | undefined>

export interface Branding {
  /** Shown as the email sender name and the heading band. */
  senderName: string
  colour: string
  logoText: string
  logoUrl?: string
  /** Links the force offers in every message (UJ-11), e.g. its victim support page. */
  links: { text: string; url: string }[]
}

export interface RenderedMessage {
  subject: string | null
  /** Plain text: the SMS, or the email's text part. */
  text: string
  /** The email body for GOV.UK Notify: template markdown with values escaped. */
  markdown: string | null
  /** The email as HTML with the force's branding (SMTP and the dev outbox). */
  html: string | null
}

export class MissingPersonalisationError extends DomainError {
  readonly missing: string[]
  constructor(missing: string[]) {
    super('missing-personalisation', `The message needs a value for: ${missing.join(', ')}`, {
      fieldErrors: missing.map((m) => ({ field: m, message: `Enter a value for ((${m}))` })),
    })
    this.missing = missing
  }
}

const placeholderPattern = /\(\(([^()]+?)\)\)/g

/** The names a template uses, for the designer and for checking personalisation up front. */
export function placeholdersIn(...texts: (string | null | undefined)[]): string[] {
  const names = new Set<string>()
  for (const text of texts) {
    for (const match of (text ?? '').matchAll(placeholderPattern)) {
      names.add(((match[1] as string).split('??')[0] as string).trim())
    }
  }
  return [...names]
}

/** The visible unsubscribe line of an email, by language (English when there is none). */
const unsubscribeWords: Record<string, { text: string; link: string }> = {
  en: { text: 'To stop getting these emails, use this link:', link: 'Stop getting these emails' },
  cy: {
    text: 'I beidio â chael rhagor o’r negeseuon e-bost hyn, defnyddiwch y ddolen hon:',
    link: 'Peidio â chael y negeseuon e-bost hyn',
  },
}

export function renderMessage(
  template: { channel: 'sms' | 'email'; subject: string | null; body: string; language?: string },
  values: Personalisation,
  branding: Branding,
  /** The person's signed one-click unsubscribe link, shown at the foot of an email. */
  unsubscribeUrl?: string | null,
): RenderedMessage {
  // A browser's form sends line breaks as CRLF: without this a blank line between paragraphs is
  // not seen as one, and the email arrives as one paragraph (and an SMS counts the extra \r).
  template = {
    ...template,
    body: unixLines(template.body),
    subject: template.subject && unixLines(template.subject),
  }
  const missing = placeholdersIn(template.subject, template.body).filter((name) => isMissing(values[name]))
  if (missing.length > 0) throw new MissingPersonalisationError(missing)
  const text = substitute(template.body, values, (v) => v)
  if (template.channel === 'sms') return { subject: null, text, markdown: null, html: null }
  const subject = substitute(template.subject ?? '', values, (v) => v.replace(/\s+/g, ' '))
  const words =
    unsubscribeWords[template.language ?? 'en'] ?? (unsubscribeWords.en as { text: string; link: string })
  const footer = unsubscribeUrl ? `${words.text} ${unsubscribeUrl}` : null
  const markdown = [substitute(template.body, values, asNotifyText), footer && `---\n\n${footer}`]
    .filter(Boolean)
    .join('\n\n')
  const unsubscribeHtml = unsubscribeUrl
    ? `<hr>\n<p>${escapeHtml(words.text)} <a href="${escapeHtml(unsubscribeUrl)}">${escapeHtml(words.link)}</a></p>`
    : ''
  const html = brandedEmailHtml(
    subject,
    markdownToHtml(template.body, values),
    branding,
    unsubscribeHtml,
    template.language === 'cy' ? 'cy' : 'en',
  )
  const plain = withLinksAsText(text, branding)
  return { subject, text: footer ? `${plain}\n\n${footer}` : plain, markdown, html }
}

/**
 * A letter's text (CRM-21) with its values put in: plain text, as a text message's is (the letter
 * is laid out as a PDF by Contact). A missing value stops the letter as it stops a message.
 */
export function renderLetterBody(body: string, values: Personalisation): string {
  const text = unixLines(body)
  const missing = placeholdersIn(text).filter((name) => isMissing(values[name]))
  if (missing.length > 0) throw new MissingPersonalisationError(missing)
  return substitute(text, values, (v) => v)
}

function unixLines(text: string): string {
  return text.replace(/\r\n?/g, '\n')
}

function isMissing(value: Personalisation[string]): boolean {
  return value === undefined || value === null || String(value).trim() === ''
}

function isTrue(value: Personalisation[string]): boolean {
  return value === true || /^(yes|true|y|1)$/i.test(String(value ?? '').trim())
}

function substitute(text: string, values: Personalisation, escapeValue: (value: string) => string): string {
  return text.replace(placeholderPattern, (_whole, inner: string) => {
    const [name, conditional] = inner.split('??') as [string, string | undefined]
    const value = values[name.trim()]
    if (conditional !== undefined) return isTrue(value) ? conditional : ''
    return escapeValue(String(value))
  })
}

function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

/**
 * A value as GOV.UK Notify's email format shows it as text. Notify's format has no backslash
 * escapes (a `\\-` would reach the person as written), so nothing is escaped that Notify would
 * show anyway: only what would make formatting is neutralised. A line break would start a new
 * paragraph, list or heading, so it becomes a space; `[text](url)` would become a link, so a
 * space keeps the brackets and the address apart.
 */
export function asNotifyText(value: string): string {
  return value.replace(/\s*\n\s*/g, ' ').replace(/\]\s*\(/g, '] (')
}

// The Notify email markdown subset: `#` headings, `*`/`-` bullets, `---` rules, `^` inset text,
// paragraphs, and bare https links. Values are inserted after conversion, already escaped.
function markdownToHtml(body: string, values: Personalisation): string {
  const marker = (i: number) => `\uE000${i}\uE001`
  const inserted: string[] = []
  const withMarkers = body.replace(placeholderPattern, (_whole, inner: string) => {
    const [name, conditional] = inner.split('??') as [string, string | undefined]
    const value = values[name.trim()]
    if (conditional !== undefined) return isTrue(value) ? conditional : ''
    inserted.push(escapeHtml(String(value)))
    return marker(inserted.length - 1)
  })
  const blocks = withMarkers
    .split(/\n{2,}/)
    .map((block) => block.trim())
    .filter(Boolean)
  const html = blocks.map((block) => {
    if (block === '---') return '<hr>'
    if (block.startsWith('# ')) return `<h2>${inline(block.slice(2))}</h2>`
    if (block.startsWith('^ ')) return `<div class="inset">${inline(block.slice(2))}</div>`
    const lines = block.split('\n')
    if (lines.every((l) => /^[*-] /.test(l))) {
      return `<ul>${lines.map((l) => `<li>${inline(l.slice(2))}</li>`).join('')}</ul>`
    }
    return `<p>${lines.map(inline).join('<br>')}</p>`
  })
  return html.join('\n').replace(/\uE000(\d+)\uE001/g, (_m, i: string) => inserted[Number(i)] as string)
}

function inline(text: string): string {
  return escapeHtml(text).replace(/https:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`)
}

function withLinksAsText(text: string, branding: Branding): string {
  if (branding.links.length === 0) return text
  return `${text}\n\n${branding.links.map((l) => `${l.text}: ${l.url}`).join('\n')}`
}

function brandedEmailHtml(
  subject: string,
  bodyHtml: string,
  branding: Branding,
  footerHtml: string,
  language: 'en' | 'cy',
): string {
  const colour = /^#[0-9a-fA-F]{3,6}$/.test(branding.colour) ? branding.colour : '#0b0c0c'
  const logo = branding.logoUrl?.startsWith('https://')
    ? `<img src="${escapeHtml(branding.logoUrl)}" alt="${escapeHtml(branding.logoText)}" height="40">`
    : `<strong>${escapeHtml(branding.logoText)}</strong>`
  const links = branding.links
    .filter((l) => /^https?:\/\//.test(l.url))
    .map((l) => `<li><a href="${escapeHtml(l.url)}">${escapeHtml(l.text)}</a></li>`)
    .join('')
  return [
    '<!doctype html>',
    `<html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: Arial, sans-serif; color: #0b0c0c; margin: 0">',
    `<div style="background: ${colour}; color: #ffffff; padding: 12px 16px">${logo}</div>`,
    `<div style="padding: 16px; max-width: 580px">${bodyHtml}`,
    links ? `<ul>${links}</ul>` : '',
    footerHtml,
    '</div></body></html>',
  ].join('\n')
}
