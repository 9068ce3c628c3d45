// The template editor's rules (UJ-11, UJ-12, UJ-19): which languages a force may write a message
// in, what makes a template's text wrong (an unknown placeholder, an unbalanced `((`, an empty
// message, a text too long for GOV.UK Notify), and the preview a person would receive, rendered
// with sample values and the force's branding.
import type { FieldError } from '../platform/errors.ts'
import type { TemplateRow } from './template-repository.ts'
import type { TemplateChannel } from './schema.ts'
import { type SmsLength, smsLength } from './sms-length.ts'
import {
  type Branding,
  type Personalisation,
  placeholdersIn,
  renderLetterBody,
  renderMessage,
} from './template-rendering.ts'

/** Languages offered in the editor: English first, Welsh second, then the languages most asked for. */
export const offeredLanguages: { code: string; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'cy', name: 'Welsh (Cymraeg)' },
  { code: 'pl', name: 'Polish (Polski)' },
  { code: 'ro', name: 'Romanian (Română)' },
  { code: 'lt', name: 'Lithuanian (Lietuvių)' },
  { code: 'pt', name: 'Portuguese (Português)' },
  { code: 'pa', name: 'Punjabi (ਪੰਜਾਬੀ)' },
  { code: 'ur', name: 'Urdu (اردو)' },
  { code: 'bn', name: 'Bengali (বাংলা)' },
  { code: 'ar', name: 'Arabic (العربية)' },
]

export function languageName(code: string): string {
  return offeredLanguages.find((l) => l.code === code)?.name ?? code
}

export function isOfferedLanguage(code: string): boolean {
  return offeredLanguages.some((l) => l.code === code)
}

/** GOV.UK Notify refuses text messages longer than 918 characters: 6 parts of 153 (or of 67 in Unicode). */
export const maxSmsSegments = 6

/** One language of a template as typed into the editor. */
export interface TemplateText {
  title: string
  smsBody: string
  emailSubject: string
  emailBody: string
  /** A letter's text (CRM-21): made into a PDF with the force's name and the person's address. */
  letterBody?: string
}

/** The text a template has for a channel, as typed. */
export function templateBody(text: TemplateText, channel: TemplateChannel): string {
  return channel === 'sms' ? text.smsBody : channel === 'email' ? text.emailBody : (text.letterBody ?? '')
}

export interface ChannelPreview {
  channel: TemplateChannel
  subject: string | null
  text: string
  sms?: SmsLength
}

/**
 * Checks one language of a template. Field ids match the form: `smsBody`, `emailSubject`,
 * `emailBody`, `letterBody`. `existing` is the channels the language already has: those cannot be emptied.
 */
export function checkTemplateText(
  text: TemplateText,
  context: {
    placeholders: string[]
    sample: Personalisation
    branding: Branding
    existing: TemplateChannel[]
    /** The language being written (the email's unsubscribe line is in it). */
    language?: string
    /** An example of the link every email ends with, so the preview shows it. */
    unsubscribeUrl?: string | null
  },
): { errors: FieldError[]; previews: ChannelPreview[]; channels: TemplateChannel[] } {
  const errors: FieldError[] = []
  if (!text.title.trim()) errors.push({ field: 'title', message: 'Enter a title for the template' })
  if (text.title.length > 120)
    errors.push({ field: 'title', message: 'The title must be 120 characters or fewer' })
  const wantsSms = text.smsBody.trim() !== '' || context.existing.includes('sms')
  const wantsEmail =
    text.emailSubject.trim() !== '' || text.emailBody.trim() !== '' || context.existing.includes('email')
  const letterBody = text.letterBody ?? ''
  const wantsLetter = letterBody.trim() !== '' || context.existing.includes('letter')
  if (!wantsSms && !wantsEmail && !wantsLetter)
    errors.push({ field: 'smsBody', message: 'Enter the text message, the email or the letter' })
  if (wantsLetter && !letterBody.trim())
    errors.push({ field: 'letterBody', message: 'Enter the letter: this template already makes one' })
  if (wantsSms && !text.smsBody.trim())
    errors.push({ field: 'smsBody', message: 'Enter the text message: this template already sends one' })
  if (wantsEmail && !text.emailSubject.trim())
    errors.push({ field: 'emailSubject', message: 'Enter the email subject line' })
  if (wantsEmail && !text.emailBody.trim())
    errors.push({ field: 'emailBody', message: 'Enter the email message' })
  if (/\b(reply|atebwch)\s+stop\b/i.test(text.emailBody))
    errors.push({
      field: 'emailBody',
      message:
        'Remove "Reply STOP" from the email: emails cannot be answered with STOP. Waypoint adds a link to stop emails at the end of every email',
    })
  if (text.emailSubject.includes('\n'))
    errors.push({ field: 'emailSubject', message: 'The subject line must be one line' })
  for (const [field, value, name] of [
    ['smsBody', text.smsBody, 'text message'],
    ['emailSubject', text.emailSubject, 'subject line'],
    ['emailBody', text.emailBody, 'email'],
    ['letterBody', letterBody, 'letter'],
  ] as const) {
    errors.push(...syntaxProblems(field, value, name, context.placeholders))
  }

  const previews: ChannelPreview[] = []
  const channels: TemplateChannel[] = [
    ...(wantsSms ? ['sms' as const] : []),
    ...(wantsEmail ? ['email' as const] : []),
    ...(wantsLetter ? ['letter' as const] : []),
  ]
  for (const channel of channels) {
    if (channel === 'letter') {
      if (errors.some((e) => e.field === 'letterBody')) continue
      previews.push({ channel, subject: null, text: renderLetterBody(letterBody, context.sample) })
      continue
    }
    const bodyField = channel === 'sms' ? 'smsBody' : 'emailBody'
    if (errors.some((e) => e.field === bodyField || (channel === 'email' && e.field === 'emailSubject')))
      continue
    const rendered = renderMessage(
      {
        channel,
        subject: channel === 'email' ? text.emailSubject : null,
        body: channel === 'sms' ? text.smsBody : text.emailBody,
        language: context.language ?? 'en',
      },
      context.sample,
      context.branding,
      context.unsubscribeUrl,
    )
    if (channel === 'sms') {
      const length = smsLength(rendered.text)
      previews.push({ channel, subject: null, text: rendered.text, sms: length })
      if (length.segments > maxSmsSegments)
        errors.push({
          field: 'smsBody',
          message: `The text message is too long: ${length.units} characters make ${length.segments} parts and GOV.UK Notify sends at most ${maxSmsSegments}${length.encoding === 'UCS-2' ? ` (it uses Unicode because of ${length.nonGsmCharacters.join(' ')}, so each part holds 67 characters)` : ''}`,
        })
    } else {
      previews.push({ channel, subject: rendered.subject, text: rendered.text })
    }
  }
  return { errors, previews, channels }
}

/** Unbalanced brackets and placeholders the message cannot be given a value for. */
function syntaxProblems(field: string, text: string, name: string, known: string[]): FieldError[] {
  const problems: FieldError[] = []
  const withoutPlaceholders = text.replace(/\(\(([^()]+?)\)\)/g, '')
  if (withoutPlaceholders.includes('((') || withoutPlaceholders.includes('))'))
    problems.push({
      field,
      message: `The ${name} has a (( without a matching )), or a )) without a matching ((: each placeholder is written ((name)) and each optional part ((name??text))`,
    })
  for (const match of text.matchAll(/\(\(([^()]+?)\)\)/g)) {
    const [nameOf, shown] = (match[1] as string).split('??')
    if (shown !== undefined && !shown.trim())
      problems.push({
        field,
        message: `The optional part ((${match[1]})) in the ${name} has no text to show`,
      })
    if ((match[1] as string).split('??').length > 2)
      problems.push({
        field,
        message: `The optional part ((${match[1]})) in the ${name} has more than one ??`,
      })
    if (!nameOf?.trim())
      problems.push({ field, message: `A placeholder in the ${name} has no name: write ((name))` })
  }
  const unknown = placeholdersIn(text).filter((p) => p && !known.includes(p))
  if (unknown.length > 0) {
    const guesses = unknown
      .map((u) => known.find((k) => editDistance(u.toLowerCase(), k) <= 2))
      .filter((k): k is string => k !== undefined)
    problems.push({
      field,
      message: `The ${name} uses ${unknown.map((u) => `((${u}))`).join(', ')}, which Waypoint cannot fill in.${guesses.length ? ` Did you mean ${guesses.map((g) => `((${g}))`).join(', ')}?` : ''} Use one of: ${known.map((k) => `((${k}))`).join(', ')}`,
    })
  }
  return problems
}

/** Letters to add, remove or change to turn one name into another (a misspelt placeholder). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= b.length; j += 1)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    previous = current
  }
  return previous[b.length]!
}

export interface TemplateVariant {
  channel: TemplateChannel
  language: string
  current: TemplateRow & { createdByName: string | null }
  versions: (TemplateRow & { createdByName: string | null })[]
}

export interface TemplateSummary {
  key: string
  title: string
  channels: TemplateChannel[]
  languages: string[]
  /** The highest version of any of its variants. */
  version: number
  changedAt: Date
  changedBy: string | null
  /** False for the templates Waypoint installed (no one wrote them in the console). */
  changedByStaff: boolean
  variants: TemplateVariant[]
}

/** Groups a force's template rows (newest version first within each variant) by key. */
export function summariseTemplates(
  rows: (TemplateRow & { createdByName: string | null })[],
): TemplateSummary[] {
  const byKey = new Map<string, (TemplateRow & { createdByName: string | null })[]>()
  for (const row of rows) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row])
  const summaries: TemplateSummary[] = []
  for (const [key, all] of byKey) {
    const variants = new Map<string, TemplateVariant>()
    for (const row of [...all].sort((a, b) => b.version - a.version)) {
      const id = `${row.channel}/${row.language}`
      const variant = variants.get(id)
      if (variant) variant.versions.push(row)
      else variants.set(id, { channel: row.channel, language: row.language, current: row, versions: [row] })
    }
    const newest = [...all].sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime(),
    )[0] as TemplateRow & {
      createdByName: string | null
    }
    const languageOrder = (l: string) => {
      const i = offeredLanguages.findIndex((o) => o.code === l)
      return i === -1 ? offeredLanguages.length : i
    }
    summaries.push({
      key,
      title: newest.title,
      channels: (['sms', 'email', 'letter'] as const).filter((c) => all.some((r) => r.channel === c)),
      languages: [...new Set(all.map((r) => r.language))].sort((a, b) => languageOrder(a) - languageOrder(b)),
      version: Math.max(...all.map((r) => r.version)),
      changedAt: newest.createdAt,
      changedBy: newest.createdByName,
      changedByStaff: newest.createdBy !== null,
      variants: [...variants.values()].sort(
        (a, b) => languageOrder(a.language) - languageOrder(b.language) || a.channel.localeCompare(b.channel),
      ),
    })
  }
  return summaries.sort((a, b) => a.title.localeCompare(b.title))
}
