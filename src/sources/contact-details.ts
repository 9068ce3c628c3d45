// Phone numbers and email addresses are checked at ingest (decision, docs/sources.md): a number
// or address that cannot be used is NOT stored and becomes a warning on the inbox row and the
// event still applies, because quarantining a whole crime for one mistyped digit would hold up
// the victim's updates. UK numbers are stored in E.164; only mobiles (07…) can receive SMS.
import type { PhoneNumber } from '../cases/model.ts'

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string }

export function normaliseUkPhone(raw: string): Checked<PhoneNumber> {
  const compact = raw.replace(/[\s().-]/g, '')
  let national: string
  if (/^\+44\d+$/.test(compact)) national = `0${compact.slice(3).replace(/^0/, '')}`
  else if (/^0044\d+$/.test(compact)) national = `0${compact.slice(4).replace(/^0/, '')}`
  else if (/^0\d+$/.test(compact)) national = compact
  else return { ok: false, reason: `phone number "${raw}" is not a UK number` }
  if (/^07[1-57-9]\d{8}$/.test(national))
    return { ok: true, value: { value: `+44${national.slice(1)}`, mobile: true } }
  if (/^0[123]\d{8,9}$/.test(national))
    return { ok: true, value: { value: `+44${national.slice(1)}`, mobile: false } }
  return { ok: false, reason: `phone number "${raw}" is not a valid UK mobile or landline number` }
}

const emailPattern =
  /^[^\s@"<>,;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/

export function normaliseEmail(raw: string): Checked<string> {
  const trimmed = raw.trim()
  if (trimmed.length > 254 || !emailPattern.test(trimmed)) {
    return { ok: false, reason: `email address "${raw}" is not valid` }
  }
  const at = trimmed.lastIndexOf('@')
  return { ok: true, value: `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}` }
}
