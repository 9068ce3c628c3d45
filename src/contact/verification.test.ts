// Verifying a caller (CRM-15): matched by the number they call from, then a one-time code sent
// by text to the mobile number on record (hidden from staff, kept only as a keyed hash) or
// security questions from the source records; attempts are limited, each is recorded on the
// contact with its method, outcome and handler, and audited. Wrong users are refused.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { issueClientToken } from '../../test/support/api-client.ts'
import { createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { aStormEvent } from '../sources/test-support/events.ts'

const clock = new FixedClock('2026-06-03T09:00:00Z')
let t: TestApp
let token: string
let ana: SignedIn
let ben: SignedIn
let serial = 0

/** A call from this number, claimed by `who`; returns the contact. */
async function callFrom(number: string, who: SignedIn): Promise<string> {
  serial += 1
  const response = await t.app.http.inject({
    method: 'POST',
    url: '/api/v1/contact/essex/telephony/events',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({
      eventId: `v-${serial}`,
      type: 'call.offered',
      callId: `v-call-${serial}`,
      occurredAt: clock.now().toISOString(),
      caller: number,
    }),
  })
  assert.equal(response.statusCode, 202, response.body)
  const contact = (response.json() as { contact: string }).contact
  assert.equal((await who.post(`/console/contact/queue/contacts/${contact}/claim`)).statusCode, 303)
  return contact
}

const sentCodes = () =>
  t.app.db.asSystem((tx) =>
    rows<{ body: string; secret: string | null; recipient: string }>(
      tx,
      sql`select m.body, s.content->>'text' as secret, m.recipient from messages m
          left join message_secrets s on s.message_id = m.id
          where m.template_key = 'contact-verification-code' order by m.created_at, m.id`,
    ),
  )

before(async () => {
  t = await createTestApp({}, { clock })
  const people = [
    ['V-1', 'Sam Quill', '1980-02-14', '07700 900501', '22 Rainsford Road, Chelmsford CM1 2QL'],
    ['V-2', 'Lee Marsh', '1975-07-30', '01245 000111', '3 Baddow Road, Chelmsford CM2 0DG'],
  ] as const
  for (const [id, name, dateOfBirth, phone, address] of people) {
    const result = await t.app.services.sources.receive(
      'essex',
      'storm',
      aStormEvent({
        id,
        at: '2026-06-01T10:00:00Z',
        ref: `ESX-20260601-${id}`,
        persons: [{ nominalId: `N-${id}`, name, role: 'VIC', phone, dateOfBirth, address }],
      }),
      'application/json',
    )
    assert.equal(result.status, 'applied', result.reason ?? '')
  }
  await t.app.services.sources.receive(
    'essex',
    'athena',
    JSON.stringify({
      messageId: 'ATH-V-2',
      messageType: 'INVESTIGATION_CREATED',
      eventTime: '2026-06-01T11:00:00Z',
      investigation: { crimeReference: '42/77001/26', linkedLogs: ['ESX-20260601-V-2'], status: 'OPEN' },
      persons: [
        { urn: 'P-V-2', name: 'Lee Marsh', dateOfBirth: '1975-07-30', role: 'VIC', phone: '01245 000111' },
      ],
    }),
    'application/json',
  )
  token = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
  ana = await t.signInAs(['contact_handler'], 'essex', 'Ana Handler')
  ben = await t.signInAs(['contact_handler'], 'essex', 'Ben Handler')
})
after(() => t.close())

test('CRM-15: a caller matched by their number is sent a code by text; staff never see it; read back, it verifies them, recorded and audited', async () => {
  const contact = await callFrom('+447700900501', ana)
  const page = await ana.get(`/console/contact/queue/contacts/${contact}/caller`)
  assert.match(page.body, /Sam Quill: Matched by the number they contacted us from/)
  const sent = await ana.post(`/console/contact/queue/contacts/${contact}/caller/code`, {
    person: (await personOf(contact))!,
  })
  assert.equal(sent.statusCode, 303)
  const [message] = await sentCodes()
  assert.ok(message)
  assert.match(message.body, /\[code hidden\]/, 'staff and the outbox see the code hidden')
  const code = /\b(\d{6})\b/.exec(message.secret ?? '')?.[1]
  assert.ok(code, 'only dispatch reads the code, kept apart')
  const stored = await t.app.db.withForce('essex', (tx) =>
    rows<{ codeHash: string; sentTo: string }>(
      tx,
      sql`select code_hash as "codeHash", sent_to as "sentTo" from contact_verifications where item_id = ${contact}`,
    ),
  )
  assert.notEqual(stored[0]!.codeHash, code)
  assert.equal(stored[0]!.sentTo, 'mobile number ending 501')
  const waiting = await ana.get(`/console/contact/queue/contacts/${contact}/caller`)
  assert.match(waiting.body, /Sent to mobile number ending 501/)
  assert.doesNotMatch(waiting.body, new RegExp(code))
  // Ben does not have the contact: he may not check a code.
  const notHis = await ben.post(`/console/contact/queue/contacts/${contact}/caller/code-check`, { code })
  assert.equal(notHis.statusCode, 400)
  assert.match(notHis.body, /Only the handler who has this contact may verify the caller/)
  const wrongShape = await ana.post(`/console/contact/queue/contacts/${contact}/caller/code-check`, {
    code: '12',
  })
  assert.equal(wrongShape.statusCode, 400)
  assert.match(wrongShape.body, /Enter the 6-digit code the caller reads out/)
  const right = await ana.post(`/console/contact/queue/contacts/${contact}/caller/code-check`, { code })
  assert.equal(right.statusCode, 303)
  const done = await ana.get(`/console/contact/queue/contacts/${contact}/caller`)
  assert.match(done.body, /Verified<\/strong> as Sam Quill by one-time code, by Ana Handler/)
  const audited = await t.app.db.asSystem((tx) =>
    rows<{ action: string; actorId: string }>(
      tx,
      sql`select action, actor_id as "actorId" from audit_events where record_id = ${contact} and action like 'contact.%verif%' order by id`,
    ),
  )
  assert.deepEqual(
    audited.map((a) => a.action),
    ['contact.verification-code-sent', 'contact.caller-verified'],
  )
  assert.equal(audited[1]!.actorId, ana.userId)
  await close(contact, ana)
})

/**
 * Ends the contact with an outcome, so the person's next call is a new contact; the handler then
 * takes a break, so routing does not give them the next call, which another handler claims.
 */
async function close(contact: string, who: SignedIn): Promise<void> {
  assert.equal((await who.post(`/console/contact/queue/contacts/${contact}/end`)).statusCode, 303)
  assert.equal(
    (await who.post(`/console/contact/queue/contacts/${contact}/outcome`, { outcome: 'information-given' }))
      .statusCode,
    303,
  )
  assert.equal(
    (await who.post('/console/contact/queue/state', { state: 'not_ready', reason: 'break' })).statusCode,
    303,
  )
}

async function personOf(contact: string): Promise<string | null> {
  const [row] = await t.app.db.withForce('essex', (tx) =>
    rows<{ personId: string | null }>(
      tx,
      sql`select person_id as "personId" from contact_items where id = ${contact}`,
    ),
  )
  return row?.personId ?? null
}

test('CRM-15: three wrong codes fail the verification; a contact allows three attempts in all', async () => {
  const contact = await callFrom('07700900501', ben)
  const person = (await personOf(contact))!
  for (let attempt = 1; attempt <= 2; attempt++) {
    assert.equal(
      (await ben.post(`/console/contact/queue/contacts/${contact}/caller/code`, { person })).statusCode,
      303,
    )
    for (let i = 0; i < 3; i++)
      assert.equal(
        (await ben.post(`/console/contact/queue/contacts/${contact}/caller/code-check`, { code: '000000' }))
          .statusCode,
        303,
      )
  }
  // An expired code fails too, even when right.
  assert.equal(
    (await ben.post(`/console/contact/queue/contacts/${contact}/caller/code`, { person })).statusCode,
    303,
  )
  const code = /\b(\d{6})\b/.exec((await sentCodes()).at(-1)!.secret ?? '')![1]!
  clock.advance(11 * 60_000)
  assert.equal(
    (await ben.post(`/console/contact/queue/contacts/${contact}/caller/code-check`, { code })).statusCode,
    303,
  )
  const statuses = await t.app.db.withForce('essex', (tx) =>
    rows<{ status: string; tries: number }>(
      tx,
      sql`select status, code_tries as tries from contact_verifications where item_id = ${contact} order by started_at, id`,
    ),
  )
  assert.deepEqual(
    statuses.map((s) => s.status),
    ['failed', 'failed', 'failed'],
  )
  const fourth = await ben.post(`/console/contact/queue/contacts/${contact}/caller/code`, { person })
  assert.equal(fourth.statusCode, 400)
  assert.match(fourth.body, /3 attempts were made/)
  const page = await ben.get(`/console/contact/queue/contacts/${contact}/caller`)
  assert.match(page.body, /every attempt has been used/)
  await close(contact, ben)
})

test('CRM-15: a caller without a mobile number answers security questions from the source records: date of birth and crime reference', async () => {
  const contact = await callFrom('01245 000111', ana)
  const person = (await personOf(contact))!
  const noMobile = await ana.post(`/console/contact/queue/contacts/${contact}/caller/code`, { person })
  assert.equal(noMobile.statusCode, 400)
  assert.match(noMobile.body, /No mobile number is on record for them/)
  const page = await ana.get(`/console/contact/queue/contacts/${contact}/caller`)
  assert.match(page.body, /Or ask Lee Marsh these questions/)
  assert.match(page.body, /Date of birth[\s\S]*Postcode[\s\S]*Crime reference/)
  // Only the handler who has the contact may ask the questions.
  const notHis = await ben.post(`/console/contact/queue/contacts/${contact}/caller/answers`, {
    person,
    dateOfBirth: '30/7/1975',
    postcode: 'CM2 0DG',
    crimeReference: '42/77001/26',
  })
  assert.equal(notHis.statusCode, 400)
  assert.match(notHis.body, /Only the handler who has this contact may verify the caller/)
  const missing = await ana.post(`/console/contact/queue/contacts/${contact}/caller/answers`, {
    person,
    dateOfBirth: '30/7/1975',
  })
  assert.equal(missing.statusCode, 400)
  assert.match(missing.body, /Enter the caller’s answer: postcode/)
  const wrong = await ana.post(`/console/contact/queue/contacts/${contact}/caller/answers`, {
    person,
    dateOfBirth: '07/30/1975',
    postcode: 'cm20dg',
    crimeReference: '42/77001/26',
  })
  assert.equal(wrong.statusCode, 303)
  const right = await ana.post(`/console/contact/queue/contacts/${contact}/caller/answers`, {
    person,
    dateOfBirth: '30/7/1975',
    postcode: 'cm2 0dg',
    crimeReference: '42 77001 26',
  })
  assert.equal(right.statusCode, 303)
  const after = await ana.get(`/console/contact/queue/contacts/${contact}/caller`)
  assert.match(after.body, /Verified<\/strong> as Lee Marsh by security questions/)
  assert.match(after.body, /2 of 3 answers right\), not verified/)
  const recorded = await t.app.db.withForce('essex', (tx) =>
    rows<{ method: string; status: string; matched: string[] }>(
      tx,
      sql`select method, status, matched from contact_verifications where item_id = ${contact} order by status`,
    ),
  )
  assert.deepEqual(
    recorded.map((r) => [r.method, r.status, r.matched.length]),
    [
      ['knowledge', 'failed', 2],
      ['knowledge', 'verified', 3],
    ],
  )
  // Verified once is enough.
  const again = await ana.post(`/console/contact/queue/contacts/${contact}/caller/answers`, { person })
  assert.equal(again.statusCode, 400)
  assert.match(again.body, /already verified/)
})

test('CRM-15: verifying is refused to a supervisor, another role and another force', async () => {
  const contact = await callFrom('07700900501', ana)
  const person = (await personOf(contact))!
  const supervisor = await t.signInAs(['contact_supervisor'], 'essex')
  assert.equal(
    (await supervisor.post(`/console/contact/queue/contacts/${contact}/caller/code`, { person })).statusCode,
    403,
  )
  const officer = await t.signInAs(['investigating_officer'], 'essex')
  assert.equal(
    (await officer.post(`/console/contact/queue/contacts/${contact}/caller/code`, { person })).statusCode,
    403,
  )
  const kent = await t.signInAs(['contact_handler'], 'kent')
  assert.equal(
    (await kent.post(`/console/contact/queue/contacts/${contact}/caller/code`, { person })).statusCode,
    404,
  )
  assert.equal(
    (await sentCodes()).filter((m) => m.recipient.includes('900501')).length,
    4,
    'no further code went',
  )
})
