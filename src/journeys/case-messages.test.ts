// From a case to its messages: an officer finds, on the crime, incident and person pages, what a
// victim was sent and why, and opens each message through its case without the outbox role.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { CaseChange, PersonFacts } from '../cases/model.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

let t: TestApp
let sequence = 0
const clock = new FixedClock('2026-06-03T09:00:00Z') // Wednesday 10:00 in London

before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.journeys.installDefaults('kent')
  await t.app.services.journeys.installDefaults('essex')
})
after(() => t.close())

function aVictim(overrides: Partial<PersonFacts> = {}): PersonFacts {
  sequence += 1
  return {
    athenaUrn: `CM${process.pid}${sequence}`,
    name: `Victim ${sequence}`,
    dateOfBirth: '1980-05-01',
    role: 'victim',
    phones: [{ value: `+4477008${String(sequence).padStart(5, '0')}`, mobile: true }],
    emails: [],
    markers: [],
    ...overrides,
  }
}

async function ingest(change: CaseChange, forceId = 'kent') {
  return t.app.db.withForce(forceId, (tx) =>
    t.app.services.cases.applySourceChange(tx, forceId, change, {
      sourceSystem: 'athena',
      occurredAt: clock.now(),
    }),
  )
}

async function aCrime(people: PersonFacts[], forceId = 'kent', crimeType = 'Burglary') {
  sequence += 1
  const crimeRef = `46/${sequence}${process.pid % 1000}/26`
  const result = await ingest(
    {
      kind: 'crime.recorded',
      crime: { crimeRef, crimeType, status: 'open', vcopCategory: 'enhanced', recordedAt: clock.now() },
      people,
    },
    forceId,
  )
  await t.app.jobs.drain()
  return { crimeId: result.crimeId!, crimeRef }
}

async function messagesOnCase(forceId: string, crimeId: string) {
  return t.app.db.withForce(forceId, (tx) =>
    rows<{ id: string; status: string; personId: string; providerRef: string | null; body: string }>(
      tx,
      sql`select id, status, person_id as "personId", provider_ref as "providerRef", body
          from messages where case_id = ${crimeId} order by created_at`,
    ),
  )
}

async function auditOf(userId: string) {
  return t.app.db.asSystem((tx) =>
    rows<{ action: string; recordId: string; forceId: string }>(
      tx,
      sql`select action, record_id as "recordId", force_id as "forceId" from audit_events
          where actor_id = ${userId} order by id`,
    ),
  )
}

test('CP-153: the officer finds what a victim got and why: the crime page lists each message with its status and decision, and the message opens through the case without the outbox role', async () => {
  clock.set('2026-06-03T09:00:00Z')
  const victim = aVictim({ name: 'Robin Case' })
  const { crimeId, crimeRef } = await aCrime([victim])
  const [first] = await messagesOnCase('kent', crimeId)
  assert.ok(first, 'the burglary journey sends the crime reference')
  assert.equal(first.status, 'delivered')

  const officer = await t.signInAs(['investigating_officer'], 'kent')
  // The outbox is not the officer's: the case is the way in.
  assert.equal((await officer.get('/console/outbox')).statusCode, 403)
  const page = await officer.get(`/console/cases/crimes/${crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Journeys and messages/)
  assert.match(page.body, /Crime reference number by text message/)
  assert.match(page.body, /govuk-tag--green">Delivered</)
  assert.match(page.body, /Robin Case/)
  assert.match(page.body, new RegExp(`href="/console/cases/messages/${first.id}"`))
  assert.match(page.body, /enrolled because/)
  assert.match(page.body, new RegExp(`href="/console/journeys/cases/${crimeId}#decision-\\d+"`))
  assert.match(page.body, new RegExp(`href="/console/journeys/cases/${crimeId}">Journeys on this case`))

  const message = await officer.get(`/console/cases/messages/${first.id}`)
  assert.equal(message.statusCode, 200)
  assert.match(message.body, new RegExp(`Back to crime ${crimeRef.replaceAll('/', '\\/')}`))
  assert.match(message.body, new RegExp(`href="/console/cases/crimes/${crimeId}"`))
  assert.match(message.body, /Why this message/)
  assert.match(message.body, /enrolled this person on .* because/)
  assert.match(message.body, new RegExp(crimeRef.replaceAll('/', '\\/')))

  // "Journeys on this case" names the case and leads back to it; the decision is anchored.
  const journeysPage = await officer.get(`/console/journeys/cases/${crimeId}`)
  assert.equal(journeysPage.statusCode, 200)
  assert.match(journeysPage.body, new RegExp(`Crime ${crimeRef.replaceAll('/', '\\/')}`))
  assert.match(journeysPage.body, /class="govuk-back-link">Back to crime/)
  assert.match(journeysPage.body, /id="decision-\d+"/)

  // The message view is audited as a view of the message and of the person it went to.
  const audited = await auditOf(officer.userId)
  assert.ok(audited.some((a) => a.action === 'message.viewed' && a.recordId === first.id))
  assert.ok(audited.some((a) => a.action === 'person.viewed' && a.recordId === first.personId))
})

test('the case and person pages show messages scheduled, held back with the reason, opted out and failed', async () => {
  // 22:30 in London: the message waits for the morning.
  clock.set('2026-06-04T21:30:00Z')
  const waiting = aVictim()
  const { crimeId } = await aCrime([waiting])
  let officer = await t.signInAs(['supervisor'], 'kent')
  const [scheduled] = await messagesOnCase('kent', crimeId)
  assert.equal(scheduled?.status, 'scheduled')
  assert.match((await officer.get(`/console/cases/crimes/${crimeId}`)).body, /govuk-tag--blue">Scheduled</)

  // The person asks staff to stop: what was waiting is not sent, and the page says why.
  await t.app.db.withForce('kent', (tx) =>
    t.app.services.messaging.optOuts.recordOptOut(tx, {
      forceId: 'kent',
      channel: 'sms',
      address: waiting.phones[0]!.value,
      source: 'staff',
    }),
  )
  const optedOut = await officer.get(`/console/cases/crimes/${crimeId}`)
  assert.match(optedOut.body, /govuk-tag--purple">Opted out</)
  assert.match(optedOut.body, /The person asked staff to stop messages/)
  const personPage = await officer.get(`/console/people/${scheduled!.personId}`)
  assert.match(personPage.body, /govuk-tag--purple">Opted out</)

  // A domestic abuse victim without a safe channel: held back, with the reason.
  clock.set('2026-06-05T09:00:00Z')
  const { crimeId: heldCrime } = await aCrime([aVictim({ markers: ['domestic_abuse'] })], 'kent', 'Assault')
  officer = await t.signInAs(['supervisor'], 'kent') // the earlier session timed out overnight
  const held = await officer.get(`/console/cases/crimes/${heldCrime}`)
  assert.match(held.body, /govuk-tag--orange">Held back</)
  assert.match(held.body, /sms has not been confirmed as a safe channel/)
  const [heldMessage] = await messagesOnCase('kent', heldCrime)
  const heldPage = await officer.get(`/console/cases/messages/${heldMessage!.id}`)
  assert.equal(heldPage.statusCode, 200)
  assert.match(heldPage.body, /Why it was held back/)

  // The provider says the number does not work: failed, in plain words.
  const { crimeId: failedCrime } = await aCrime([aVictim()])
  const [sent] = await messagesOnCase('kent', failedCrime)
  // The dev outbox delivers at once; GOV.UK Notify answers later. Here the provider has accepted
  // the message and its receipt is still to come, as with Notify.
  await t.app.db.asSystem((tx) =>
    tx.execute(sql`update messages set status = 'sent', completed_at = null where id = ${sent!.id}`),
  )
  const receipt = await t.app.http.inject({
    method: 'POST',
    url: '/callbacks/notify/kent/receipts',
    headers: { authorization: `Bearer ${t.app.config.messaging.notify.callbackToken}` },
    payload: { id: sent!.providerRef, reference: null, status: 'permanent-failure' },
  })
  assert.equal(receipt.statusCode, 204)
  const failed = await officer.get(`/console/cases/crimes/${failedCrime}`)
  assert.match(failed.body, /govuk-tag--red">Failed</)
  assert.match(failed.body, /The number or address does not work/)
})

test('UJ-5: an officer of another force is refused the message, unless Kent shares its cases and messages by agreement, when the read is audited in Kent’s trail', async () => {
  clock.set('2026-06-08T09:00:00Z')
  const { crimeId } = await aCrime([aVictim()])
  const [message] = await messagesOnCase('kent', crimeId)
  const essexOfficer = await t.signInAs(['investigating_officer'], 'essex')
  const refused = await essexOfficer.get(`/console/cases/messages/${message!.id}`)
  assert.equal(refused.statusCode, 404)
  assert.doesNotMatch(refused.body, new RegExp(message!.body.slice(0, 20)))
  assert.equal((await essexOfficer.get(`/console/cases/crimes/${crimeId}`)).statusCode, 404)

  const day = 24 * 60 * 60 * 1000
  const agreement = await t.app.services.forces.createAgreement(
    {
      fromForceId: 'kent',
      toForceId: 'essex',
      recordKinds: ['case', 'person', 'message'],
      purpose: 'Joint investigation',
      startsAt: new Date(Date.now() - day),
      expiresAt: null,
    },
    '00000000-0000-4000-8000-000000000001',
  )
  try {
    const shared = await essexOfficer.get(`/console/cases/messages/${message!.id}`)
    assert.equal(shared.statusCode, 200)
    const trail = await auditOf(essexOfficer.userId)
    assert.ok(
      trail.some(
        (a) => a.action === 'record.read-shared' && a.recordId === message!.id && a.forceId === 'kent',
      ),
    )
  } finally {
    await t.app.services.forces.revokeAgreement(agreement.id, '00000000-0000-4000-8000-000000000001')
  }
  assert.equal((await essexOfficer.get(`/console/cases/messages/${message!.id}`)).statusCode, 404)
})

test('a role without case access is refused the message page; a contact handler sees the case’s messages without the journeys’ decisions link', async () => {
  clock.set('2026-06-09T09:00:00Z')
  const { crimeId } = await aCrime([aVictim()])
  const [message] = await messagesOnCase('kent', crimeId)
  for (const role of ['analyst', 'journey_designer', 'auditor'] as const) {
    const other = await t.signInAs([role], 'kent')
    assert.equal((await other.get(`/console/cases/messages/${message!.id}`)).statusCode, 403, role)
  }
  const regionWide = await t.signInAs(['investigating_officer'], null)
  assert.equal((await regionWide.get(`/console/cases/messages/${message!.id}`)).statusCode, 403)
  const handler = await t.signInAs(['contact_handler'], 'kent')
  const page = await handler.get(`/console/cases/crimes/${crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, new RegExp(`href="/console/cases/messages/${message!.id}"`))
  assert.doesNotMatch(page.body, /href="\/console\/journeys\/cases\//)
  const opened = await handler.get(`/console/cases/messages/${message!.id}`)
  assert.equal(opened.statusCode, 200, opened.body.slice(0, 3000))
})
