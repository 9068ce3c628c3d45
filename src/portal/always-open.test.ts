// CP-2, the Portal available 24/7, 365 days a year: at 03:00 on Christmas Day (by the app's clock),
// when no journey message is sent, a person invited the afternoon before registers from their
// invitation, gets their email and text-message security codes at once (a code held until the
// morning would shut them out), signs in again, reads their case and writes to their officer; the
// message is on the officer's My cases at once. Quiet hours hold back what can wait, never the
// service.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import {
  aCitizenBrowser,
  aVictimCase,
  citizenPassword,
  codeIn,
  linkIn,
  registerFromInvitation,
} from '../../test/support/portal-citizen.ts'
import { createTestApp, type TestApp } from '../../test/support/test-app.ts'
import type { OutgoingMessage } from '../messaging/channels.ts'
import { isChristmasDay, ukDate } from '../platform/calendar.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { CITIZEN_SESSION_COOKIE, SESSION_COOKIE } from '../platform/http/server.ts'

const clock = new FixedClock('2026-12-24T15:00:00Z')
let t: TestApp
const received: OutgoingMessage[] = []
before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.portal.installDefaults('kent')
  t.app.services.messaging.devOutbox!.onDelivered((message) => received.push(message))
})
after(() => t?.close())

/** The newest message of a template, dispatched now and read where the dev outbox delivered it. */
async function lastDelivered(templateKey: string): Promise<string> {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
  const [row] = await t.app.db.withForce('kent', (tx) =>
    rows<{ id: string }>(
      tx,
      sql`select id from messages where template_key = ${templateKey} order by created_at desc, id desc limit 1`,
    ),
  )
  assert.ok(row, `a ${templateKey} message`)
  const delivered = received.findLast((m) => m.id === row.id)
  assert.ok(delivered, `the ${templateKey} message reached the person at ${clock.now().toISOString()}`)
  return delivered.body
}

test('CP-2: at 03:00 on Christmas Day a person registers with codes that arrive at once, signs in, reads their case and writes to their officer', async () => {
  const email = 'christmas.victim@example.org'
  const mobile = '07700900555'
  const victim = await aVictimCase(t.app, clock.now(), {
    crimeRef: '46/99001/26',
    eventId: 'ATH-ALWAYS-OPEN-1',
    urn: 'P-ALWAYS-OPEN-1',
    name: 'Noel Frost',
    dateOfBirth: '1979-12-25',
    phone: mobile,
    email,
  })
  const officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  assert.equal(
    (await officer.post('/console/officers/profile', { collar: '4521', team: 'Maidstone CID' })).statusCode,
    303,
  )
  await officer.get(`/console/people/${victim.personId}`)
  const invited = await officer.post(`/console/people/${victim.personId}/portal-invitation`, {
    caseKind: 'crime',
    caseId: victim.crimeId,
  })
  assert.equal(invited.statusCode, 303, invited.body)
  const link = linkIn(await lastDelivered('portal-invitation'))
  assert.ok(link, 'the invitation carries its link')

  // The small hours of Christmas Day: nothing that can wait is sent, and the Portal still serves.
  clock.set('2026-12-25T03:00:00Z')
  assert.ok(isChristmasDay(ukDate(clock.now())))
  await registerFromInvitation(
    t.app,
    link,
    { email, mobile },
    async () => codeIn(await lastDelivered('portal-code'))!,
  )

  // Signed in again from another browser twenty minutes later: the text-message code comes at once.
  clock.set('2026-12-25T03:20:00Z')
  const again = aCitizenBrowser(t.app)
  await again.get('/portal/sign-in')
  const started = await again.post('/portal/sign-in', {
    email,
    password: citizenPassword,
    returnTo: '/portal',
  })
  assert.equal(started.statusCode, 303, started.body)
  await again.get(started.headers.location as string)
  const signInCode = codeIn(await lastDelivered('portal-code'))!
  const signedIn = await again.post('/portal/sign-in/code', { code: signInCode, returnTo: '/portal' })
  assert.equal(signedIn.statusCode, 303, signedIn.body)
  assert.ok(again.cookies.get(CITIZEN_SESSION_COOKIE))

  const dashboard = await again.get('/portal')
  assert.equal(dashboard.statusCode, 200)
  assert.match(dashboard.body, /46\/99001\/26/)
  assert.equal((await again.get(`/portal/cases/${victim.crimeId}`)).statusCode, 200)
  const messages = `/portal/cases/${victim.crimeId}/messages`
  assert.equal((await again.get(messages)).statusCode, 200)
  const sent = await again.post(messages, {
    message: 'Someone tried my back door again tonight, is anyone coming?',
  })
  assert.equal(sent.statusCode, 303, sent.body)

  // The officer, signed in again on nights (the afternoon's session has long timed out), has it on
  // My cases at once.
  const { token } = await t.app.services.sessions.start(
    { subjectKind: 'staff', subjectId: officer.userId, forceId: 'kent' },
    {},
    { ip: '127.0.0.1' },
  )
  const mine = await t.app.http.inject({
    method: 'GET',
    url: '/console/officers',
    headers: { cookie: `${SESSION_COOKIE}=${t.app.http.signCookie(token)}` },
  })
  assert.equal(mine.statusCode, 200)
  assert.match(mine.body, /46\/99001\/26[\s\S]*?1 unread/)
  const [stored] = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from conversation_messages m join conversations c on c.id = m.conversation_id
          where c.case_id = ${victim.crimeId} and m.direction = 'inbound' and m.sent_at = ${clock.now()}`,
    ),
  )
  assert.equal(stored!.n, 1)
})
