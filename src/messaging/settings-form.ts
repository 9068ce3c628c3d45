// The messaging settings page as a form: reading the force's settings into form values, and
// turning what was posted into a settings change with plain-English errors (UJ-8, UJ-11, UJ-12).
import type { FieldError } from '../platform/errors.ts'
import { notifyKeyParts } from './notify-keys.ts'
import { defaultSendingWindow, isValidSendingWindow, type SendingWindow } from './quiet-hours.ts'
import type { SettingsRow } from './settings-repository.ts'
import type { Channel, Provider } from './schema.ts'

export type SettingsForm = Record<string, string | string[] | undefined>

export const linkRows = 3
export const weekdays = [
  { value: 1, name: 'Monday' },
  { value: 2, name: 'Tuesday' },
  { value: 3, name: 'Wednesday' },
  { value: 4, name: 'Thursday' },
  { value: 5, name: 'Friday' },
  { value: 6, name: 'Saturday' },
  { value: 7, name: 'Sunday' },
]
const channelNames: Record<Channel, string> = { sms: 'text messages', email: 'emails' }

export interface SettingsChange {
  smsChannel: 'outbox' | 'notify'
  emailChannel: Provider
  senderName: string | null
  replyToEmail: string | null
  notifySmsSenderId: string | null
  notifyEmailReplyToId: string | null
  /** The force's Notify templates: they belong to the same Notify service as its key. */
  notifySmsTemplateId: string | null
  notifyEmailTemplateId: string | null
  branding: { colour?: string; logoText?: string; logoUrl?: string }
  links: { text: string; url: string }[]
  sendingWindows: Record<Channel, SendingWindow>
  sendOnChristmasDays: boolean
}

/** The form's values for the force's current settings (defaults where it has none). */
export function formFromSettings(
  settings: SettingsRow | undefined,
  defaults: { sms: string; email: string },
) {
  const values: Record<string, string | string[]> = {
    smsChannel: settings?.smsChannel ?? defaults.sms,
    emailChannel: settings?.emailChannel ?? defaults.email,
    senderName: settings?.senderName ?? '',
    replyToEmail: settings?.replyToEmail ?? '',
    notifySmsSenderId: settings?.notifySmsSenderId ?? '',
    notifyEmailReplyToId: settings?.notifyEmailReplyToId ?? '',
    notifySmsTemplateId: settings?.notifySmsTemplateId ?? '',
    notifyEmailTemplateId: settings?.notifyEmailTemplateId ?? '',
    colour: settings?.branding.colour ?? '',
    logoText: settings?.branding.logoText ?? '',
    logoUrl: settings?.branding.logoUrl ?? '',
  }
  ;(settings?.links ?? []).slice(0, linkRows).forEach((link, i) => {
    values[`linkText${i + 1}`] = link.text
    values[`linkUrl${i + 1}`] = link.url
  })
  for (const channel of ['sms', 'email'] as const) {
    const window = settings?.sendingWindows?.[channel] ?? defaultSendingWindow
    values[`${channel}Days`] = window.days.map(String)
    values[`${channel}Start`] = window.start
    values[`${channel}End`] = window.end
    values[`${channel}BankHolidays`] = window.sendOnBankHolidays ? 'yes' : 'no'
  }
  values.christmasDays = settings?.sendOnChristmasDays ? 'yes' : 'no'
  return values
}

const one = (value: string | string[] | undefined): string =>
  (Array.isArray(value) ? value[0] : value)?.trim() ?? ''
const many = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value]
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const timePattern = /^([01]?\d|2[0-3]):[0-5]\d$/

/** Reads the posted form; either the change to save or the errors to show, never both. */
export function parseSettingsForm(form: SettingsForm): {
  change?: SettingsChange
  /** A new GOV.UK Notify API key, when one was typed: saved sealed, never with the rest. */
  notifyApiKey?: string
  errors: FieldError[]
} {
  const errors: FieldError[] = []
  const notifyApiKey = one(form.notifyApiKey)
  if (notifyApiKey && !notifyKeyParts(notifyApiKey))
    errors.push({
      field: 'notifyApiKey',
      message:
        'Enter the API key exactly as GOV.UK Notify showed it: the key name followed by two long codes joined by hyphens',
    })
  const smsChannel = one(form.smsChannel)
  const emailChannel = one(form.emailChannel)
  if (smsChannel !== 'outbox' && smsChannel !== 'notify')
    errors.push({ field: 'smsChannel', message: 'Select how text messages are sent' })
  if (!['outbox', 'notify', 'smtp'].includes(emailChannel))
    errors.push({ field: 'emailChannel', message: 'Select how emails are sent' })

  const senderName = one(form.senderName)
  if (senderName.length > 60)
    errors.push({ field: 'senderName', message: 'The sender name must be 60 characters or fewer' })
  const replyToEmail = one(form.replyToEmail)
  if (replyToEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(replyToEmail))
    errors.push({
      field: 'replyToEmail',
      message: 'Enter a reply-to email address in the correct format, like victim.updates@kent.police.uk',
    })
  const notifyId = (field: string, what: string): string | undefined => {
    const value = one(form[field])
    if (value && !uuidPattern.test(value))
      errors.push({ field, message: `Enter the ${what}, like 8e222534-7f05-4972-86e3-17c5d9f894e2` })
    return value
  }
  const notifySmsSenderId = notifyId('notifySmsSenderId', 'text message sender ID as GOV.UK Notify shows it')
  const notifyEmailReplyToId = notifyId(
    'notifyEmailReplyToId',
    'reply-to address ID as GOV.UK Notify shows it',
  )
  const notifySmsTemplateId = notifyId(
    'notifySmsTemplateId',
    'text message template ID as GOV.UK Notify shows it on the template’s page',
  )
  const notifyEmailTemplateId = notifyId(
    'notifyEmailTemplateId',
    'email template ID as GOV.UK Notify shows it on the template’s page',
  )

  const colour = one(form.colour)
  if (colour && !/^#[0-9a-fA-F]{6}$/.test(colour))
    errors.push({
      field: 'colour',
      message: 'Enter the brand colour as a # and 6 hexadecimal digits, like #003366',
    })
  const logoText = one(form.logoText)
  if (logoText.length > 60)
    errors.push({ field: 'logoText', message: 'The logo text must be 60 characters or fewer' })
  const logoUrl = one(form.logoUrl)
  if (logoUrl && !isHttpsUrl(logoUrl))
    errors.push({ field: 'logoUrl', message: 'Enter the logo’s address starting with https://' })

  const links: { text: string; url: string }[] = []
  for (let i = 1; i <= linkRows; i += 1) {
    const text = one(form[`linkText${i}`])
    const url = one(form[`linkUrl${i}`])
    if (!text && !url) continue
    if (!text) errors.push({ field: `linkText${i}`, message: `Enter the text for link ${i}` })
    if (!isHttpsUrl(url))
      errors.push({ field: `linkUrl${i}`, message: `Enter the address of link ${i} starting with https://` })
    if (text && isHttpsUrl(url)) links.push({ text, url })
  }

  const sendingWindows = {} as Record<Channel, SendingWindow>
  for (const channel of ['sms', 'email'] as const) {
    const days = many(form[`${channel}Days`]).map(Number)
    const start = padTime(one(form[`${channel}Start`]))
    const end = padTime(one(form[`${channel}End`]))
    const bankHolidays = one(form[`${channel}BankHolidays`])
    const name = channelNames[channel]
    if (days.length === 0 || !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7))
      errors.push({ field: `${channel}Days`, message: `Select at least one day when ${name} may be sent` })
    if (!timePattern.test(start))
      errors.push({
        field: `${channel}Start`,
        message: `Enter the time ${name} may start as hours and minutes, like 08:00`,
      })
    if (!timePattern.test(end) && end !== '24:00')
      errors.push({
        field: `${channel}End`,
        message: `Enter the time ${name} must stop as hours and minutes, like 21:00`,
      })
    else if (timePattern.test(start) && start >= end)
      errors.push({
        field: `${channel}End`,
        message: `The time ${name} must stop must be after the time they may start`,
      })
    if (bankHolidays !== 'yes' && bankHolidays !== 'no')
      errors.push({
        field: `${channel}BankHolidays`,
        message: `Select whether ${name} may be sent on bank holidays`,
      })
    const window = {
      days: [...new Set(days)].sort((a, b) => a - b),
      start,
      end,
      sendOnBankHolidays: bankHolidays === 'yes',
    }
    if (isValidSendingWindow(window)) sendingWindows[channel] = window
  }

  const christmasDays = one(form.christmasDays)
  if (christmasDays !== 'yes' && christmasDays !== 'no')
    errors.push({
      field: 'christmasDays',
      message: 'Select whether messages may be sent on 25 and 26 December',
    })

  if (errors.length > 0) return { errors }
  return {
    errors,
    ...(notifyApiKey ? { notifyApiKey } : {}),
    change: {
      smsChannel: smsChannel as 'outbox' | 'notify',
      emailChannel: emailChannel as Provider,
      senderName: senderName || null,
      replyToEmail: replyToEmail || null,
      notifySmsSenderId: notifySmsSenderId || null,
      notifyEmailReplyToId: notifyEmailReplyToId || null,
      notifySmsTemplateId: notifySmsTemplateId || null,
      notifyEmailTemplateId: notifyEmailTemplateId || null,
      branding: {
        ...(colour ? { colour } : {}),
        ...(logoText ? { logoText } : {}),
        ...(logoUrl ? { logoUrl } : {}),
      },
      links,
      sendingWindows,
      sendOnChristmasDays: christmasDays === 'yes',
    },
  }
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:' && value.startsWith('https://')
  } catch {
    // Expected: text that is not a URL is not an https URL.
    return false
  }
}

/** 8:00 → 08:00, so times compare as text. */
function padTime(value: string): string {
  return /^\d:\d\d$/.test(value) ? `0${value}` : value
}
