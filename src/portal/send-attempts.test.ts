// CP-103: a person has a set number of tries at sending a message; when the last is refused, the
// page keeps what they wrote for them to copy and sends them to the help page and the force
// instead of offering the form again; the officer's reply is treated the same. CP-77: messages are
// written, and sent, in English.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { aSignedInCitizen, anInvitation, aVictimCase } from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { SEND_ATTEMPTS } from './message-routes.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  await t.app.services.portal.installDefaults('kent')
})
after(() => t?.close())

const attemptIn = (body: string) => /name="attempt" value="(\d+)"/.exec(body)?.[1]

test('CP-103, CP-77: a message refused three times gives way to what the person wrote and where to get help; a new English message then sends', async () => {
  assert.equal(SEND_ATTEMPTS, 3)
  const email = 'attempts@example.org'
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef: '46/63001/26',
    eventId: 'ATH-ATTEMPTS-1',
    urn: 'P-ATTEMPTS-1',
    name: 'Attempts Victim',
    phone: '07700950001',
    email,
  })
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: await anInvitation(t.app, 'kent', crime),
    forceId: 'kent',
  })
  const browser = await aSignedInCitizen(t.app, account.id)
  const url = `/portal/cases/${crime.crimeId}/messages`
  const form = await browser.get(url)
  assert.equal(form.statusCode, 200)
  assert.match(form.body, /Write in English\./)
  assert.equal(attemptIn(form.body), '0')

  let attempt = '0'
  for (let tried = 1; tried < SEND_ATTEMPTS; tried++) {
    const refused = await browser.post(url, { message: 'H', attempt })
    assert.equal(refused.statusCode, 400)
    assert.match(refused.body, /govuk-error-summary/)
    attempt = attemptIn(refused.body) ?? ''
    assert.equal(attempt, String(tried), 'the form counts the tries')
  }
  const last = await browser.post(url, { message: '<', attempt })
  assert.equal(last.statusCode, 400)
  assert.match(last.body, /Your message could not be sent after 3 tries/)
  assert.match(last.body, /aria-label="Your message" tabindex="0">&lt;<\/div>/)
  assert.match(
    last.body,
    /href="\/f\/kent\/help">Get help with sending messages<\/a>, or contact Kent Police on 101/,
  )
  assert.equal(attemptIn(last.body), undefined, 'no form to try again with')
  // A form posted again after its tries ran out is not sent, even with a message that would be.
  const again = await browser.post(url, {
    message: 'Could you tell me whether the CCTV from the shop has been checked yet?',
    attempt: '3',
  })
  assert.equal(again.statusCode, 400)
  assert.match(again.body, /could not be sent after 3 tries/)
  const stored = () =>
    t.app.db.withForce('kent', (tx) =>
      rows<{ body: string }>(
        tx,
        sql`select body from conversation_messages where channel = 'portal' and direction = 'inbound' order by sent_at`,
      ),
    )
  assert.deepEqual(await stored(), [])
  // Starting again offers a fresh form, and an English message is sent and kept as written.
  const fresh = await browser.get(url)
  assert.equal(attemptIn(fresh.body), '0')
  const sent = await browser.post(url, {
    message: 'Could you tell me whether the CCTV from the shop has been checked yet?',
    attempt: '0',
  })
  assert.equal(sent.statusCode, 303, sent.body.slice(0, 300))
  assert.deepEqual(
    (await stored()).map((m) => m.body),
    ['Could you tell me whether the CCTV from the shop has been checked yet?'],
  )
})

test('CP-103: the officer’s message refused three times gives way to the words to copy and what to do instead; a form posted after that is not sent', async () => {
  const officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  assert.equal(
    (await officer.post('/console/officers/profile', { collar: '4521', team: 'Maidstone CID' })).statusCode,
    303,
  )
  const email = 'attempts-officer@example.org'
  const crime = await aVictimCase(t.app, clock.now(), {
    crimeRef: '46/63002/26',
    eventId: 'ATH-ATTEMPTS-2',
    urn: 'P-ATTEMPTS-2',
    name: 'Attempts Victim Two',
    phone: '07700950002',
    email,
  })
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: await anInvitation(t.app, 'kent', crime),
    forceId: 'kent',
  })
  const victim = await aSignedInCitizen(t.app, account.id)
  const messages = `/portal/cases/${crime.crimeId}/messages`
  await victim.get(messages)
  assert.equal(
    (await victim.post(messages, { message: 'Has anyone looked at the doorbell video?' })).statusCode,
    303,
  )
  const [conversation] = await t.app.db.withForce('kent', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from conversations where case_id = ${crime.crimeId} and channel = 'portal'`,
    ),
  )
  const url = `/console/officers/conversations/${conversation!.id}`
  const form = await officer.get(url)
  assert.equal(attemptIn(form.body), '0')
  let attempt = '0'
  for (let tried = 1; tried < SEND_ATTEMPTS; tried++) {
    const refused = await officer.post(url, { reply: '', kind: 'message', attempt })
    assert.equal(refused.statusCode, 400)
    attempt = attemptIn(refused.body) ?? ''
    assert.equal(attempt, String(tried))
  }
  const last = await officer.post(url, { reply: '', kind: 'bogus', attempt })
  assert.equal(last.statusCode, 400)
  assert.match(last.body, /Your message could not be sent after 3 tries/)
  assert.match(last.body, /tell your service desk and quote reference [\w-]+/)
  assert.equal(attemptIn(last.body), undefined)
  const again = await officer.post(url, {
    reply: 'Yes, we have it and are reviewing it.',
    kind: 'message',
    attempt: '3',
  })
  assert.equal(again.statusCode, 400)
  const replies = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from conversation_messages where conversation_id = ${conversation!.id} and direction = 'outbound'`,
    ),
  )
  assert.equal(replies[0]!.n, 0)
  const sent = await officer.post(url, {
    reply: 'Yes, we have it and are reviewing it.',
    kind: 'message',
    attempt: '0',
  })
  assert.equal(sent.statusCode, 303, sent.body.slice(0, 300))
})
