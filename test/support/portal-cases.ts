// Arranging Portal API tests: a crime with one victim, received from Athena as a force's RMS sends
// it, and the invitation link's token as the person's phone or inbox receives it (the dev outbox).
import assert from 'node:assert/strict'
import { sql } from 'drizzle-orm'
import type { OutgoingMessage } from '../../src/messaging/channels.ts'
import { rows } from '../../src/platform/db/database.ts'
import { anAthenaEvent } from '../../src/sources/test-support/events.ts'
import type { TestApp } from './test-app.ts'

let seq = 0

export interface PortalVictim {
  crimeId: string
  crimeRef: string
  personId: string
  email: string
  mobile: string
}

export async function aCrimeWithVictim(
  t: TestApp,
  forceId: string,
  o: { officer?: boolean } = {},
): Promise<PortalVictim> {
  seq += 1
  const n = `${process.pid % 1000}${seq}`
  const crimeRef = `46/${80000 + seq}/26`
  const email = `api-victim${n}@example.org`
  const mobile = `077008${String(seq).padStart(5, '0')}`
  const result = await t.app.services.sources.receive(
    forceId,
    'athena',
    anAthenaEvent({
      id: `ATH-PORTAL-API-${forceId}-${n}`,
      type: 'INVESTIGATION_CREATED',
      at: t.clock.now().toISOString(),
      crimeRef,
      investigation: {
        crimeType: 'Burglary',
        status: 'OPEN',
        ...(o.officer === false ? {} : { officer: { collarNumber: '4521', name: 'DC Priya Shah' } }),
      },
      persons: [
        {
          urn: `P-API-${forceId}-${n}`,
          name: `Victim ${n}`,
          role: 'VIC',
          dateOfBirth: '1984-03-12',
          phone: mobile,
          email,
        },
      ],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const crime = await t.app.services.cases.findCrimeByRef(forceId, crimeRef)
  return { crimeId: crime!.crime.id, crimeRef, personId: crime!.parties[0]!.personId!, email, mobile }
}

/** What the dev outbox handed over in each test app: the people's phones and inboxes. */
const phones = new WeakMap<TestApp, OutgoingMessage[]>()

/** Starts keeping what the dev outbox hands over; call before messages are dispatched. */
export function listenToPhones(t: TestApp): OutgoingMessage[] {
  let received = phones.get(t)
  if (!received) {
    const list: OutgoingMessage[] = []
    t.app.services.messaging.devOutbox!.onDelivered((message) => list.push(message))
    phones.set(t, list)
    received = list
  }
  return received
}

/**
 * The token of the newest invitation link sent to a person, as their phone or inbox received it:
 * the message is dispatched, then read where the dev outbox delivered it (what staff read shows
 * the link hidden).
 */
export async function invitationTokenSentTo(t: TestApp, forceId: string, personId: string): Promise<string> {
  const received = listenToPhones(t)
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
  const [row] = await t.app.db.withForce(forceId, (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from messages where person_id = ${personId} and template_key in ('portal-invitation', 'portal-reminder')
          order by created_at desc, id desc limit 1`,
    ),
  )
  assert.ok(row, 'an invitation message')
  const delivered = received.findLast((m) => m.id === row.id)
  assert.ok(delivered, 'the invitation reached the person')
  const token = /invitation=([\w-]+)/.exec(delivered.body)?.[1]
  assert.ok(token, 'a link in the invitation')
  return token
}
