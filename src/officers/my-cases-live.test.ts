// "My cases" follows its officer's portal conversations live (topic `officer-cases`, keyed by the
// officer's own staff id): a person's new message, the officer's answer and the person reading it
// each reach the officer's stream once committed, and the page as then rendered shows the unread
// count, the due time, the new row and whether the person has read the officer's last message.
// Another officer, another force, a role without My cases, a subscription without a key and no
// session are refused or hear nothing.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { type EventStream, openEventStream } from '../../test/support/event-stream.ts'
import { aSignedInCitizen, aVictimCase, anInvitation } from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type SignedIn, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'

// A Wednesday morning in June (UK summer time), inside working hours.
const clock = new FixedClock('2026-06-10T09:00:00Z')
let t: TestApp
let baseUrl: string
let officer: SignedIn
let colleague: SignedIn
let essexOfficer: SignedIn

before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
  officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  colleague = await t.signInAs(['investigating_officer'], 'kent', 'DC Sam Okafor')
  essexOfficer = await t.signInAs(['investigating_officer'], 'essex', 'DC Essex')
  for (const [who, collar, force] of [
    [officer, '4521', 'kent'],
    [colleague, '7781', 'kent'],
    [essexOfficer, '4521', 'essex'],
  ] as const)
    await t.app.services.officers.saveProfile(
      force,
      who.userId,
      { collar, team: 'CID' },
      {
        staffId: who.userId,
        displayName: 'test',
        audited: { actor: { kind: 'system', name: 'test set-up' } },
      },
    )
  const address = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
  baseUrl = address.replace('localhost', '127.0.0.1')
})
after(() => t?.close())

const stream = (topic: string, who?: SignedIn): Promise<EventStream> =>
  openEventStream(`${baseUrl}/push/events?topic=${encodeURIComponent(topic)}`, who?.cookie)

/** A crime of Kent's officer 4521 whose victim has a portal account, signed in. */
async function aPortalVictim(n: number) {
  const crimeRef = `46/${86000 + n}/26`
  const email = `live.victim${n}@example.org`
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef,
    eventId: `ATH-LIVE-${n}`,
    urn: `P-LIVE-${n}`,
    name: `Live Victim ${n}`,
    phone: `0770090${String(8600 + n)}`,
    email,
    officer: { collarNumber: '4521', name: 'DC Priya Shah', team: 'CID' },
  })
  const invitationId = await anInvitation(t.app, 'kent', crime)
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'a long test password',
    totpSecret: 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD',
    invitationId,
    forceId: 'kent',
  })
  return { ...crime, citizen: await aSignedInCitizen(t.app, account.id, 'kent') }
}

/** The row of My cases for a crime, as the officer's page now renders it. */
async function rowOf(crimeRef: string): Promise<string | undefined> {
  const page = await officer.get('/console/officers')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /data-push-topic="officer-cases:[0-9a-f-]{36}" data-push-refresh/)
  return page.body.split('<tr class="govuk-table__row">').find((r) => r.includes(crimeRef))
}

test('CP-88: the officer’s My cases hears, without reloading, a person’s new message, the answer and the person reading it, and then shows them', async () => {
  const mine = await stream(`officer-cases:${officer.userId}`, officer)
  assert.equal(mine.status, 200)
  await mine.next('ready')
  const theirs = await stream(`officer-cases:${colleague.userId}`, colleague)
  await theirs.next('ready')
  const essex = await stream(`officer-cases:${essexOfficer.userId}`, essexOfficer)
  await essex.next('ready')

  const v = await aPortalVictim(1)
  await v.citizen.get(`/portal/cases/${v.crimeId}/messages`)
  const sent = await v.citizen.post(`/portal/cases/${v.crimeId}/messages`, {
    message: 'I have remembered the van’s number plate.',
  })
  assert.equal(sent.statusCode, 303, sent.body)
  const [c] = await t.app.db.withForce('kent', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from conversations where case_id = ${v.crimeId} and channel = 'portal'`,
    ),
  )
  assert.deepEqual(await mine.next('officer-cases'), {
    topic: 'officer-cases',
    key: officer.userId,
    ids: { conversation: c!.id },
  })
  const arrived = await rowOf(v.crimeRef)
  assert.ok(arrived, 'a new row for the case')
  assert.match(arrived, /1 unread/)
  assert.match(arrived, /12 Jun 2026, 10:00/, 'due by the SLA: two working days')
  assert.match(arrived, /None sent/)

  // The officer opens the conversation and answers: the person's message is read and answered.
  assert.equal((await officer.get(`/console/officers/conversations/${c!.id}`)).statusCode, 200)
  await mine.next('officer-cases')
  assert.doesNotMatch((await rowOf(v.crimeRef))!, /unread/)
  const answered = await officer.post(`/console/officers/conversations/${c!.id}`, {
    reply: 'Thank you, I have added it to the case.',
    kind: 'message',
  })
  assert.equal(answered.statusCode, 303, answered.body)
  await mine.next('officer-cases')
  const afterAnswer = await rowOf(v.crimeRef)
  assert.match(afterAnswer!, /Nothing waiting/)
  assert.match(afterAnswer!, /Not read yet/)
  assert.doesNotMatch(afterAnswer!, /unread/)

  // The person reads the answer in the Portal.
  while (await mine.arrives('officer-cases', 200)) {
    // Earlier changes of the same answer (its sending) are drained first.
  }
  await v.citizen.get(`/portal/cases/${v.crimeId}/messages`)
  await mine.next('officer-cases')
  assert.match((await rowOf(v.crimeRef))!, /Read 10 Jun 2026, 10:00/)

  assert.equal(
    await theirs.arrives('officer-cases', 300),
    false,
    'another officer of the force hears nothing',
  )
  assert.equal(await essex.arrives('officer-cases', 300), false, 'an officer of another force hears nothing')
  for (const s of [mine, theirs, essex]) s.close()
})

test('UJ-5, CP-49: My cases’ stream is refused to another officer, another force, a role without My cases, a subscription without a key and no session', async () => {
  const admin = await t.signInAs(['force_admin'], 'kent')
  const refused: [string, SignedIn | undefined, number][] = [
    [`officer-cases:${officer.userId}`, colleague, 403],
    [`officer-cases:${officer.userId}`, essexOfficer, 403],
    ['officer-cases', officer, 403],
    [`officer-cases:${admin.userId}`, admin, 403],
    [`officer-cases:${officer.userId}`, undefined, 401],
  ]
  for (const [topic, who, status] of refused) {
    const s = await stream(topic, who)
    assert.equal(s.status, status, `${topic} as ${who?.userId ?? 'nobody'}`)
    s.close()
  }
  const own = await stream(`officer-cases:${officer.userId}`, officer)
  assert.equal(own.status, 200, 'the officer follows their own cases')
  own.close()
})
