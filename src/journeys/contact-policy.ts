// The safe-contact policy, checked before every automated send. A message that could reach a
// suspect, a deceased person, someone who asked not to be contacted, or a child directly is
// suppressed and the reason kept for staff (Victims' Code; force safeguarding policy).
import type { Static } from '@sinclair/typebox'
import { Type } from '@sinclair/typebox'
import { ageOn, type CaseSnapshot, type Channel, type PersonSnapshot } from './snapshot.ts'

export const ContactPolicySettingsSchema = Type.Object(
  {
    suppressOnMarkers: Type.Array(Type.String()),
    suppressWhenSuspectSharesContact: Type.Boolean(),
    domesticAbuseNeedsSafeChannel: Type.Boolean(),
    /** Under this age a person is a child: messages go to a parent or guardian, or not at all. */
    childUnder: Type.Integer({ minimum: 0, maximum: 25 }),
  },
  { additionalProperties: false },
)
export type ContactPolicySettings = Static<typeof ContactPolicySettingsSchema>

export const defaultContactPolicy: ContactPolicySettings = {
  suppressOnMarkers: ['do_not_contact', 'deceased'],
  suppressWhenSuspectSharesContact: true,
  domesticAbuseNeedsSafeChannel: true,
  childUnder: 18,
}

export type ContactDecision =
  | { allowed: true; recipient: PersonSnapshot; channel: Channel; address: string; reason?: string }
  /**
   * Refused: `channel` and `address` name the contact detail the message would have gone to,
   * when one is known, so the held-back message can be recorded against it.
   */
  | { allowed: false; reason: string; channel?: Channel; address?: string }

const normalise = (v: string) => v.replace(/\s+/g, '').toLowerCase()

export class VictimContactPolicy {
  readonly #settings: ContactPolicySettings

  constructor(settings: ContactPolicySettings = defaultContactPolicy) {
    this.#settings = settings
  }

  /** Who receives a message meant for `person` on `channel` (or their preferred one), if anyone. */
  decide(
    snapshot: CaseSnapshot,
    person: PersonSnapshot,
    channel: Channel | 'preferred',
    now: Date,
  ): ContactDecision {
    const s = this.#settings
    const own = pickChannel(person, channel)
    const refuse = (reason: string, at: typeof own | null = own): ContactDecision => ({
      allowed: false,
      reason,
      ...(at ?? {}),
    })
    const marker = person.markers.find((m) => s.suppressOnMarkers.includes(m))
    if (marker) return refuse(`the person has a ${marker.replaceAll('_', ' ')} marker`)
    if (person.optedOut) return refuse('the person has opted out of automated messages')

    let recipient = person
    let via: string | undefined
    const age = ageOn(person.dateOfBirth, now)
    if (age !== undefined && age < s.childUnder) {
      const guardian = snapshot.people.find(
        (p) => p.role === 'parent_guardian' && (p.mobiles.length > 0 || p.emails.length > 0),
      )
      if (!guardian)
        return refuse(`the victim is ${age}, a child, and no parent or guardian contact is known`, null)
      recipient = guardian
      via = `sent to the parent or guardian because the victim is ${age}`
    }

    const chosen = pickChannel(recipient, channel)
    if (!chosen)
      return refuse(`no ${channel === 'preferred' ? 'SMS or email' : channel} contact is known`, null)

    if (person.markers.includes('domestic_abuse') && s.domesticAbuseNeedsSafeChannel) {
      if (!person.confirmedSafeChannels.includes(chosen.channel)) {
        return refuse(`domestic abuse: ${chosen.channel} has not been confirmed as a safe channel`, chosen)
      }
    }

    if (s.suppressWhenSuspectSharesContact) {
      for (const suspect of snapshot.people.filter((p) => p.role === 'suspect')) {
        const theirs = [...suspect.mobiles, ...suspect.emails].map(normalise)
        if (theirs.includes(normalise(chosen.address))) {
          return refuse(
            `a suspect on the case shares this ${chosen.channel === 'sms' ? 'phone number' : 'email address'}`,
            chosen,
          )
        }
        if (
          suspect.address &&
          recipient.address &&
          normalise(suspect.address) === normalise(recipient.address)
        ) {
          return refuse('a suspect on the case shares the victim’s address', chosen)
        }
      }
    }
    return {
      allowed: true,
      recipient,
      channel: chosen.channel,
      address: chosen.address,
      ...(via ? { reason: via } : {}),
    }
  }
}

function pickChannel(
  person: PersonSnapshot,
  wanted: Channel | 'preferred',
): { channel: Channel; address: string } | undefined {
  const sms = person.mobiles[0]
  const email = person.emails[0]
  const order: Channel[] =
    wanted === 'sms'
      ? ['sms']
      : wanted === 'email'
        ? ['email']
        : person.preferredChannel === 'email'
          ? ['email', 'sms']
          : ['sms', 'email']
  for (const c of order) {
    if (c === 'sms' && sms) return { channel: 'sms', address: sms }
    if (c === 'email' && email) return { channel: 'email', address: email }
  }
  return undefined
}
