// One normalised key per phone number or email address, so an opt-out by "07700 900123" also
// covers "+447700900123" (UJ-6) and contact-point health is kept once per address.
import { normaliseEmail, normaliseUkPhone } from '../sources/contact-details.ts'
import type { Channel } from './schema.ts'

export function addressKey(channel: Channel, address: string): string {
  if (channel === 'email') return address.trim().toLowerCase()
  const digits = address.replace(/[^\d+]/g, '')
  if (digits.startsWith('+')) return digits
  if (digits.startsWith('0044')) return `+${digits.slice(2)}`
  if (digits.startsWith('44')) return `+${digits}`
  if (digits.startsWith('0')) return `+44${digits.slice(1)}`
  return digits
}

/**
 * Whether Waypoint could message this address: the same rules ingest applies to a source's
 * contact details (src/sources/contact-details.ts), so an opt-out, a test send or a reply is never
 * accepted for an address ingest would refuse. SMS goes to UK mobiles only.
 */
export function isValidAddress(channel: Channel, address: string): boolean {
  if (channel === 'email') return normaliseEmail(address).ok
  const phone = normaliseUkPhone(addressKey('sms', address))
  return phone.ok && phone.value.mobile
}

/** The words a person may reply with to stop texts (UJ-6), as carriers and Notify treat them. */
export function isStopRequest(text: string): boolean {
  const first =
    text
      .trim()
      .toUpperCase()
      .replace(/[^A-Z ]/g, '')
      .split(/\s+/)[0] ?? ''
  return ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'END', 'QUIT', 'CANCEL', 'OPTOUT'].includes(first)
}
