// Rendering a message template (UJ-11, UJ-12, UJ-19) in GOV.UK Notify's syntax: `((name))` is a
// placeholder and `((flag??text))` shows `text` only when `flag` is yes/true. Placeholder values
// are data, never markup: they are HTML-escaped in email HTML and cannot add markdown (links,
// headings) because the template's markdown is converted before values are put in. A missing
// value stops the message: a person must never receive "Dear ,".
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

export function renderMessage(
  template: { channel: 'sms' | 'email'; subject: string | null; body: string },
  values: Personalisation,
  branding: Branding,
): RenderedMessage {
  const missing = placeholdersIn(template.subject, template.body).filter((name) => isMissing(values[name]))
  if (missing.length > 0) throw new MissingPersonalisationError(missing)
  const text = substitute(template.body, values, (v) => v)
  if (template.channel === 'sms') return { subject: null, text, markdown: null, html: null }
  const subject = substitute(template.subject ?? '', values, (v) => v.replace(/\s+/g, ' '))
  const markdown = substitute(template.body, values, escapeMarkdown)
  const html = brandedEmailHtml(subject, markdownToHtml(template.body, values), branding)
  return { subject, text: withLinksAsText(text, branding), markdown, html }
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

/** Backslash-escapes everything Notify's markdown would act on, so a value stays text. */
export function escapeMarkdown(value: string): string {
  return value.replace(/([\\`*_{}[\]()#+\-.!|>^~])/g, '\\$1').replace(/\n/g, ' ')
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

function brandedEmailHtml(subject: string, bodyHtml: string, branding: Branding): string {
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
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: Arial, sans-serif; color: #0b0c0c; margin: 0">',
    `<div style="background: ${colour}; color: #ffffff; padding: 12px 16px">${logo}</div>`,
    `<div style="padding: 16px; max-width: 580px">${bodyHtml}`,
    links ? `<ul>${links}</ul>` : '',
    '</div></body></html>',
  ].join('\n')
}
