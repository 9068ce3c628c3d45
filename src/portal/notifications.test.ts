// The Portal's case notifications through HTTP and the real database (decision 0036): the force
// administrator's settings page and who is refused it; a person with an account told of a new
// case, a status change, a new officer and a message as their force chose, on the channel and
// outside the quiet hours they chose, in Welsh when they prefer it, never more often than the
// force's least gap; and the details of a case the force shows in the account.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { PDFParse } from 'pdf-parse'
import { aSignedInCitizen, anInvitation, type CitizenBrowser } from '../../test/support/portal-citizen.ts'
import { citizenTestSignIn, createTestApp, type TestApp } from '../../test/support/test-app.ts'
import { FixedClock } from '../platform/clock.ts'
import { rows } from '../platform/db/database.ts'
import { anAthenaEvent } from '../sources/test-support/events.ts'

// A Wednesday, 11:00 in London.
const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
before(async () => {
  t = await createTestApp({}, { clock, testRoutes: citizenTestSignIn })
  for (const forceId of ['kent', 'essex', 'norfolk', 'suffolk'])
    await t.app.services.portal.installDefaults(forceId)
})
after(() => t?.close())

let seq = 0
async function receive(
  forceId: string,
  crimeRef: string,
  type: string,
  investigation: Record<string, unknown>,
) {
  seq += 1
  const result = await t.app.services.sources.receive(
    forceId,
    'athena',
    anAthenaEvent({ id: `ATH-NOTE-${seq}`, type, at: clock.now().toISOString(), crimeRef, investigation }),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
}

/** A victim of a crime with an account linked to it (and a mobile on the account), signed in. */
async function aVictimWithAccount(forceId: string, o: { language?: string } = {}) {
  seq += 1
  const crimeRef = `46/${52000 + seq}/26`
  const email = `notify${seq}@example.org`
  const mobile = `+447700${String(900000 + seq)}`
  const urn = `P-NOTE-${forceId}-${seq}`
  const person = { urn, name: `Notified Victim ${seq}`, role: 'VIC', phone: mobile, email, ...o }
  const result = await t.app.services.sources.receive(
    forceId,
    'athena',
    anAthenaEvent({
      id: `ATH-NOTE-NEW-${seq}`,
      type: 'INVESTIGATION_CREATED',
      at: clock.now().toISOString(),
      crimeRef,
      investigation: { crimeType: 'Burglary', status: 'OPEN' },
      persons: [person],
    }),
    'application/json',
  )
  assert.equal(result.status, 'applied', String(result.reason))
  const found = await t.app.services.cases.findCrimeByRef(forceId, crimeRef)
  const crime = { crimeId: found!.crime.id, crimeRef, personId: found!.parties[0]!.personId! }
  const account = await t.app.services.portal.accounts.ensureAccount({
    email,
    password: 'correct horse battery staple',
    totpSecret: 'JBSWY3DPEHPK3PXP',
    invitationId: await anInvitation(t.app, forceId, crime),
    forceId,
  })
  // As registering with a text-message code leaves it.
  await t.app.db.asSystem((tx) =>
    tx.execute(
      sql`update portal_accounts set mobile = ${mobile}, phone_verified = true where id = ${account.id}`,
    ),
  )
  const browser = await aSignedInCitizen(t.app, account.id, forceId)
  return { ...crime, email, mobile, urn, person, account, browser }
}

interface Sent {
  template_key: string
  channel: string
  recipient: string
  status: string
  status_reason: string | null
  send_after: Date
  body: string
  language: string
}
/** The case notifications messaging holds for a person, oldest first. */
const notices = (forceId: string, personId: string) =>
  t.app.db.withForce(forceId, (tx) =>
    rows<Sent>(
      tx,
      sql`select template_key, channel, recipient, status, status_reason, send_after, body, language
          from messages where person_id = ${personId}
          and template_key in ('portal-case-update', 'portal-new-case', 'portal-new-message')
          order by created_at, channel`,
    ),
  )

/** The person chooses how they are told on their account's notifications page (CP-25). */
async function choose(
  browser: CitizenBrowser,
  form: { channel: string; quietFrom: string; quietTo: string },
) {
  await browser.get('/portal/account/notifications')
  return browser.post('/portal/account/notifications', form)
}

const dispatch = async () => {
  await t.app.jobs.boss.send('messaging.dispatch-due', {})
  await t.app.jobs.drain(['messaging.dispatch-due'])
}

const settingsForm = (o: Record<string, string | string[]> = {}) => ({
  'new-case': 'immediate',
  status: 'immediate',
  officer: 'immediate',
  message: 'immediate',
  digestHour: '18',
  minGapHours: '0',
  shown: ['status', 'officer', 'updates'],
  ...o,
})

/** Posts a form whose fields may repeat (checkboxes). */
async function postForm(cookie: string, url: string, form: Record<string, string | string[]>) {
  const page = await t.app.http.inject({ method: 'GET', url, headers: { cookie } })
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
  const body = new URLSearchParams()
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one)
  body.append('_csrf', csrf)
  return t.app.http.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  })
}

async function setForce(forceId: string, form: Record<string, string | string[]>) {
  const admin = await t.signInAs(['force_admin'], forceId)
  const saved = await postForm(admin.cookie, '/console/portal/notifications', settingsForm(form))
  assert.equal(saved.statusCode, 303, saved.body)
}

test('CP-62, CP-56, CP-60: a force administrator sets which updates are told, how soon and what is shown; a bad value is refused with the field named; the change is audited', async () => {
  const admin = await t.signInAs(['force_admin'], 'essex', 'Erin Admin')
  const page = await admin.get('/console/portal/notifications')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /<h1 class="govuk-heading-l">Case notifications<\/h1>/)
  assert.match(page.body, /The status of a case changes/)
  assert.match(page.body, /name="status" type="radio" value="immediate" checked/)

  const bad = await postForm(
    admin.cookie,
    '/console/portal/notifications',
    settingsForm({ status: 'hourly', minGapHours: '100', digestHour: '24' }),
  )
  assert.equal(bad.statusCode, 400)
  assert.match(bad.body, /govuk-error-summary/)
  assert.match(bad.body, /href="#status"/)
  assert.match(bad.body, /href="#minGapHours"/)
  assert.match(bad.body, /Enter a number of hours between 0 and 72/)
  assert.match(bad.body, /href="#digestHour"/)
  // What was typed is kept.
  assert.match(bad.body, /name="minGapHours" type="text" value="100"/)

  const saved = await postForm(
    admin.cookie,
    '/console/portal/notifications',
    settingsForm({ status: 'daily', officer: 'off', digestHour: '17', minGapHours: '6', shown: ['status'] }),
  )
  assert.equal(saved.statusCode, 303)
  assert.equal(saved.headers.location, '/console/portal/notifications?saved=yes')
  const settings = await t.app.services.portal.notifications.settingsOf('essex')
  assert.deepEqual(settings.timing, {
    'new-case': 'immediate',
    status: 'daily',
    officer: 'off',
    message: 'immediate',
  })
  assert.equal(settings.digestHour, 17)
  assert.equal(settings.minGapHours, 6)
  assert.deepEqual(settings.shown, ['status'])
  const again = await admin.get('/console/portal/notifications?saved=yes')
  assert.match(again.body, /case notification settings were saved/)
  assert.match(again.body, /name="officer" type="radio" value="off" checked/)
  const [audit] = await t.app.db.withForce('essex', (tx) =>
    rows<{ actor_id: string; detail: Record<string, unknown> }>(
      tx,
      sql`select actor_id, detail from audit_events where action = 'portal.notification-settings-changed' order by id desc limit 1`,
    ),
  )
  assert.equal(audit?.actor_id, admin.userId)
  assert.equal(audit?.detail.status, 'daily')
  assert.equal(audit?.detail.minGapHours, 6)
  // Kent keeps its own.
  assert.equal((await t.app.services.portal.notifications.settingsOf('kent')).timing.status, 'immediate')
})

test('the wrong user is refused the notification settings: an officer, a region-wide administrator, a force without the Portal, a citizen, nobody; and nothing posted reaches another force', async () => {
  const officer = await t.signInAs(['investigating_officer', 'supervisor'], 'kent')
  assert.equal((await officer.get('/console/portal/notifications')).statusCode, 403)
  assert.equal(
    (await officer.post('/console/portal/notifications', settingsForm({ status: 'off' }))).statusCode,
    403,
  )
  const regional = await t.signInAs(['force_admin'], null)
  assert.equal((await regional.get('/console/portal/notifications')).statusCode, 403)
  await t.app.services.forces.setProducts('bedfordshire', ['journeys'])
  const noPortal = await t.signInAs(['force_admin'], 'bedfordshire')
  assert.equal((await noPortal.get('/console/portal/notifications')).statusCode, 403)
  const victim = await aVictimWithAccount('kent')
  assert.notEqual((await victim.browser.get('/console/portal/notifications')).statusCode, 200)
  const anonymous = await t.app.http.inject({ method: 'GET', url: '/console/portal/notifications' })
  assert.ok([302, 401, 403].includes(anonymous.statusCode), String(anonymous.statusCode))
  // A Suffolk administrator's change is Suffolk's: a force field posted is ignored.
  const suffolk = await t.signInAs(['force_admin'], 'suffolk')
  const saved = await postForm(
    suffolk.cookie,
    '/console/portal/notifications',
    settingsForm({ status: 'off', forceId: 'kent' }),
  )
  assert.equal(saved.statusCode, 303)
  assert.equal((await t.app.services.portal.notifications.settingsOf('suffolk')).timing.status, 'off')
  assert.equal((await t.app.services.portal.notifications.settingsOf('kent')).timing.status, 'immediate')
  // An account's addresses reach only a force whose people it is linked to.
  const contacts = (forceId: string) =>
    t.app.db.withForce(forceId, (tx) =>
      rows<{ email: string }>(
        tx,
        sql`select email from waypoint_portal_notice_contacts(${`{${victim.account.id}}`}::uuid[])`,
      ),
    )
  assert.deepEqual(
    (await contacts('kent')).map((c) => c.email),
    [victim.email],
  )
  assert.deepEqual(await contacts('essex'), [])
  // Row-level security: Kent's transaction does not see Suffolk's settings row.
  const seen = await t.app.db.withForce('kent', (tx) =>
    rows<{ force_id: string }>(tx, sql`select force_id from portal_notification_settings`),
  )
  assert.ok(seen.every((r) => r.force_id === 'kent'))
})

test('CP-62, CP-63: a force that tells of a new officer at once and of status changes not at all: the officer change reaches the person on both channels they chose, the status change reaches no one', async () => {
  await setForce('norfolk', { status: 'off', officer: 'immediate' })
  const v = await aVictimWithAccount('norfolk')
  const chose = await choose(v.browser, {
    channel: 'both',
    quietFrom: '',
    quietTo: '',
  })
  assert.equal(chose.statusCode, 303, chose.body)
  await receive('norfolk', v.crimeRef, 'STATUS_CHANGED', { status: 'CHARGED' })
  assert.deepEqual(await notices('norfolk', v.personId), [])
  await receive('norfolk', v.crimeRef, 'OFFICER_ASSIGNED', {
    officer: { collarNumber: '77', name: 'DC Ade Bello' },
  })
  const sent = await notices('norfolk', v.personId)
  assert.deepEqual(
    sent.map((m) => [m.template_key, m.channel, m.recipient, m.status, m.language]),
    [
      ['portal-case-update', 'email', v.email, 'scheduled', 'en'],
      ['portal-case-update', 'sms', v.mobile, 'scheduled', 'en'],
    ],
  )
  // CP-63: in English, saying what kind of update, never the officer's name or the status.
  assert.match(
    sent[0]!.body,
    new RegExp(
      `an update about ${v.crimeRef.replaceAll('/', '\\/')}: the officer investigating your case has changed`,
    ),
  )
  assert.doesNotMatch(sent[0]!.body, /Bello|CHARGED|harged/)
  assert.match(sent[1]!.body, new RegExp(`/portal/cases/${v.crimeId}`))
})

test('CP-63: a person who prefers Welsh is told of a status change in Welsh', async () => {
  const v = await aVictimWithAccount('kent', { language: 'cy' })
  await receive('kent', v.crimeRef, 'STATUS_CHANGED', { status: 'CHARGED' })
  const [sent] = await notices('kent', v.personId)
  assert.equal(sent?.language, 'cy')
  assert.match(sent!.body, /diweddariad am .*: mae statws eich achos wedi newid. Mewngofnodwch/)
})

test('CP-56: a burst of updates is not a burst of messages: after one notification the next waits the force’s least gap, and updates meanwhile are folded into it', async () => {
  await setForce('essex', {
    status: 'immediate',
    officer: 'immediate',
    minGapHours: '4',
    shown: ['status', 'officer', 'updates'],
  })
  const v = await aVictimWithAccount('essex')
  await receive('essex', v.crimeRef, 'OFFICER_ASSIGNED', { officer: { collarNumber: '12', name: 'DC One' } })
  await dispatch()
  const first = await notices('essex', v.personId)
  assert.equal(first.length, 1)
  assert.match(first[0]!.status, /^(sent|delivered)$/)
  const firstAt = new Date(first[0]!.send_after).getTime()
  clock.advance(30 * 60_000)
  await receive('essex', v.crimeRef, 'OFFICER_ASSIGNED', { officer: { collarNumber: '13', name: 'DC Two' } })
  clock.advance(10 * 60_000)
  await receive('essex', v.crimeRef, 'STATUS_CHANGED', { status: 'CHARGED' })
  await dispatch()
  const after = await notices('essex', v.personId)
  assert.deepEqual(
    after.map((m) => m.status.replace('delivered', 'sent')),
    ['sent', 'suppressed', 'scheduled'],
  )
  assert.match(after[1]!.status_reason!, /Replaced by one notification of all the case’s updates/)
  const waiting = after[2]!
  assert.equal(new Date(waiting.send_after).getTime(), firstAt + 4 * 3_600_000)
  assert.match(
    waiting.body,
    /the officer investigating your case has changed; the status of your case has changed/,
  )
})

test('CP-56: updates the force tells in its daily round wait for the round’s hour', async () => {
  await setForce('essex', { status: 'daily', digestHour: '18', minGapHours: '0' })
  const v = await aVictimWithAccount('essex')
  await receive('essex', v.crimeRef, 'STATUS_CHANGED', { status: 'CHARGED' })
  const [sent] = await notices('essex', v.personId)
  assert.equal(sent?.status, 'scheduled')
  // 18:00 in London (BST) on the same day.
  const day = clock.now().toISOString().slice(0, 10)
  assert.equal(new Date(sent!.send_after).toISOString(), `${day}T17:00:00.000Z`)
})

test('CP-56: an update told at once, arriving while one for the daily round waits, brings that notification forward and is folded into it', async () => {
  await setForce('essex', { status: 'daily', officer: 'immediate', digestHour: '18', minGapHours: '0' })
  const v = await aVictimWithAccount('essex')
  await receive('essex', v.crimeRef, 'STATUS_CHANGED', { status: 'CHARGED' })
  clock.advance(10 * 60_000)
  await receive('essex', v.crimeRef, 'OFFICER_ASSIGNED', {
    officer: { collarNumber: '14', name: 'DC Three' },
  })
  const sent = await notices('essex', v.personId)
  assert.deepEqual(
    sent.map((m) => m.status),
    ['suppressed', 'scheduled'],
  )
  assert.equal(new Date(sent[1]!.send_after).getTime(), clock.now().getTime())
  assert.match(
    sent[1]!.body,
    /the status of your case has changed; the officer investigating your case has changed/,
  )
})

test('CP-64: a notification waits out the person’s own quiet hours and the force’s, through messaging’s one quiet-hours rule', async () => {
  await setForce('kent', {})
  const v = await aVictimWithAccount('kent')
  // Quiet from 10:00 to 15:00, London time; it is now past 11:00 there.
  const chose = await choose(v.browser, {
    channel: 'sms',
    quietFrom: '10',
    quietTo: '15',
  })
  assert.equal(chose.statusCode, 303, chose.body)
  const londonHour = Number(
    new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone: 'Europe/London' }).format(
      clock.now(),
    ),
  )
  assert.ok(londonHour >= 10 && londonHour < 15, `the test runs in the person's quiet hours (${londonHour})`)
  await receive('kent', v.crimeRef, 'STATUS_CHANGED', { status: 'CHARGED' })
  const [sent] = await notices('kent', v.personId)
  assert.equal(sent?.channel, 'sms')
  assert.equal(sent?.recipient, v.mobile)
  const day = clock.now().toISOString().slice(0, 10)
  assert.equal(new Date(sent!.send_after).toISOString(), `${day}T14:00:00.000Z`)
  await dispatch()
  assert.equal((await notices('kent', v.personId))[0]!.status, 'scheduled', 'not sent in quiet hours')
  // The force's window (08:00 to 21:00) holds a later update until morning.
  const w = await aVictimWithAccount('kent')
  const hold = clock.now()
  clock.set(`${day}T21:30:00Z`)
  await receive('kent', w.crimeRef, 'STATUS_CHANGED', { status: 'CHARGED' })
  const [late] = await notices('kent', w.personId)
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
  assert.equal(new Date(late!.send_after).toISOString(), `${next}T07:00:00.000Z`)
  clock.set(hold)
})

test('CP-50c: a new case for someone with an account brings a notification on the channel their account chose, not an invitation; a force that tells no new cases sends nothing', async () => {
  await setForce('kent', {})
  const v = await aVictimWithAccount('kent')
  assert.equal((await choose(v.browser, { channel: 'sms', quietFrom: '', quietTo: '' })).statusCode, 303)
  // The same person (by URN) is on the new crime.
  seq += 1
  const joined = await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: `ATH-NOTE-JOIN-${seq}`,
      type: 'INVESTIGATION_CREATED',
      at: clock.now().toISOString(),
      crimeRef: `46/${60000 + seq}/26`,
      investigation: { crimeType: 'Theft', status: 'OPEN' },
      persons: [v.person],
    }),
    'application/json',
  )
  assert.equal(joined.status, 'applied', String(joined.reason))
  const sent = await notices('kent', v.personId)
  assert.deepEqual(
    sent.map((m) => [m.template_key, m.channel, m.recipient]),
    [['portal-new-case', 'sms', v.mobile]],
  )
  assert.match(sent[0]!.body, new RegExp(`46/${60000 + seq}/26`))
  const [invitations] = await t.app.db.withForce('kent', (tx) =>
    rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from portal_invitations where person_id = ${v.personId}`,
    ),
  )
  assert.equal(invitations!.n, 1, 'only the first invitation')
  const dashboard = await v.browser.get('/portal')
  assert.match(dashboard.body, new RegExp(`46/${60000 + seq}/26`))

  await setForce('kent', { 'new-case': 'off' })
  seq += 1
  await t.app.services.sources.receive(
    'kent',
    'athena',
    anAthenaEvent({
      id: `ATH-NOTE-JOIN-${seq}`,
      type: 'INVESTIGATION_CREATED',
      at: clock.now().toISOString(),
      crimeRef: `46/${60000 + seq}/26`,
      investigation: { crimeType: 'Theft', status: 'OPEN' },
      persons: [v.person],
    }),
    'application/json',
  )
  assert.equal((await notices('kent', v.personId)).length, 1, 'linked, but not told')
  assert.match((await v.browser.get('/portal')).body, new RegExp(`46/${60000 + seq}/26`))
  await setForce('kent', {})
})

test('CP-60: a force that does not show the officer or the timeline: the case page, the dashboard and the PDF leave them out', async () => {
  await setForce('suffolk', { shown: ['status'] })
  const v = await aVictimWithAccount('suffolk')
  await receive('suffolk', v.crimeRef, 'OFFICER_ASSIGNED', {
    officer: { collarNumber: '31', name: 'DC Hidden Name' },
  })
  const page = await v.browser.get(`/portal/cases/${v.crimeId}`)
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /Status/)
  assert.doesNotMatch(page.body, /Investigating officer/)
  assert.doesNotMatch(page.body, /DC Hidden Name/)
  assert.doesNotMatch(page.body, /<h2 class="govuk-heading-m">Updates<\/h2>/)
  assert.doesNotMatch(page.body, /An investigating officer was assigned/)
  const dashboard = await v.browser.get('/portal')
  assert.doesNotMatch(dashboard.body, /Last update/)
  assert.doesNotMatch(dashboard.body, /new update/)
  const pdf = await t.app.http.inject({
    method: 'GET',
    url: `/portal/cases/${v.crimeId}/case.pdf`,
    headers: { cookie: [...v.browser.cookies].map(([k, c]) => `${k}=${c}`).join('; ') },
  })
  assert.equal(pdf.statusCode, 200)
  const parser = new PDFParse({ data: new Uint8Array(pdf.rawPayload) })
  const { text } = await parser.getText()
  await parser.destroy()
  assert.match(text, new RegExp(v.crimeRef))
  assert.doesNotMatch(text, /DC Hidden Name|Investigating officer|Updates/)
  // Shown again once the force shows them.
  await setForce('suffolk', { shown: ['status', 'officer', 'updates'] })
  const shown = await v.browser.get(`/portal/cases/${v.crimeId}`)
  assert.match(shown.body, /DC Hidden Name/)
  assert.match(shown.body, /An investigating officer was assigned/)
})
