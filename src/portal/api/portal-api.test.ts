// The national front-end's API driven over real HTTP, as iHub calls it: a force's client invites a
// victim, the national front-end registers them by their One Login subject, reads their cases and
// the case PDF; and the access rules around it (scopes, another person's subject, another force's
// client), idempotency keys, and per-client version pins.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import { PDFParse } from 'pdf-parse'
import { aCrimeWithVictim, invitationTokenSentTo } from '../../../test/support/portal-cases.ts'
import { createTestApp, type TestApp } from '../../../test/support/test-app.ts'
import { sql } from 'drizzle-orm'
import { FixedClock } from '../../platform/clock.ts'
import { rows } from '../../platform/db/database.ts'

const clock = new FixedClock('2026-06-10T10:00:00Z')
let t: TestApp
let base: string
before(async () => {
  t = await createTestApp({}, { clock })
  await t.app.services.portal.installDefaults('kent')
  await t.app.services.portal.installDefaults('essex')
  base = await t.app.http.listen({ host: '127.0.0.1', port: 0 })
})
after(() => t?.close())

/** The force's audit trail of one record, oldest first. */
function trailOf(forceId: string, recordId: string) {
  return t.app.db.withForce(forceId, (tx) =>
    rows<{ action: string; detail: Record<string, unknown> }>(
      tx,
      sql`select action, detail from audit_events where record_id = ${recordId} order by id`,
    ),
  )
}

/** A client of a force with these scopes, and a token from the real token endpoint. */
async function aClient(forceId: string, scopes: string[]): Promise<{ token: string; id: string }> {
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId, name: `iHub ${forceId} ${scopes.join(' ')}`, scopes },
    null,
  )
  const response = await fetch(`${base}/api/v1/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: clientSecret,
    }),
  })
  assert.equal(response.status, 200)
  return { token: ((await response.json()) as { access_token: string }).access_token, id: client.id }
}

const iHubScopes = [
  'portal:invitations',
  'portal:accounts',
  'portal:cases',
  'portal:messages',
  'portal:webhooks',
]

async function api(
  token: string,
  method: string,
  path: string,
  o: { body?: unknown; subject?: string; key?: string; accept?: string } = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(o.subject ? { 'portal-subject': o.subject } : {}),
      ...(method === 'POST' ? { 'idempotency-key': o.key ?? randomUUID() } : {}),
      ...(o.accept ? { accept: o.accept } : {}),
    },
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
  })
  const type = response.headers.get('content-type') ?? ''
  const raw = Buffer.from(await response.arrayBuffer())
  const body = type.includes('json') ? JSON.parse(raw.toString('utf8')) : raw.toString('utf8')
  return { status: response.status, headers: response.headers, body, raw }
}

/** Invites a victim through the API and registers them as the national front-end would. */
async function invitedAndRegistered(token: string, forceId = 'kent') {
  const victim = await aCrimeWithVictim(t, forceId)
  const invited = await api(token, 'POST', '/api/v1/portal/invitations', {
    body: { personId: victim.personId, caseKind: 'crime', caseId: victim.crimeId },
  })
  assert.equal(invited.status, 201, JSON.stringify(invited.body))
  const subject = `urn:fdc:gov.uk:2022:${randomUUID()}`
  const registered = await api(token, 'POST', '/api/v1/portal/accounts', {
    body: {
      subject,
      email: victim.email,
      invitationToken: await invitationTokenSentTo(t, forceId, victim.personId),
    },
  })
  assert.equal(registered.status, 201, JSON.stringify(registered.body))
  return { victim, subject, invitationId: invited.body.invitation.id as string }
}

test('CP-156, CP-159, CP-76, CP-94: through the API alone, a force invites a victim, the national front-end registers them by their One Login subject, they see their case, its updates and its PDF, write to their officer, and the officer replies', async () => {
  const { token } = await aClient('kent', iHubScopes)
  const victim = await aCrimeWithVictim(t, 'kent')

  const invited = await api(token, 'POST', '/api/v1/portal/invitations', {
    body: { personId: victim.personId, caseKind: 'crime', caseId: victim.crimeId },
  })
  assert.equal(invited.status, 201, JSON.stringify(invited.body))
  assert.equal(invited.body.outcome, 'invited')
  assert.equal(invited.body.invitation.status, 'waiting')
  assert.equal(invited.body.invitation.channel, 'sms')
  assert.equal(invited.headers.get('waypoint-api-version'), '0.3.0')

  const listed = await api(token, 'GET', `/api/v1/portal/invitations?personId=${victim.personId}`)
  assert.deepEqual(
    listed.body.invitations.map((i: { id: string }) => i.id),
    [invited.body.invitation.id],
  )

  // The person follows the link the text carried to the national front-end, which signs them in
  // with One Login and registers them with the link's token.
  const token1 = await invitationTokenSentTo(t, 'kent', victim.personId)
  const subject = `urn:fdc:gov.uk:2022:${randomUUID()}`
  const registered = await api(token, 'POST', '/api/v1/portal/accounts', {
    body: { subject, email: victim.email, invitationToken: token1 },
  })
  assert.equal(registered.status, 201, JSON.stringify(registered.body))
  assert.equal(registered.body.created, true)
  assert.equal(registered.body.caseId, victim.crimeId)
  const status = await api(token, 'GET', `/api/v1/portal/invitations/${invited.body.invitation.id}`)
  assert.equal(status.body.status, 'registered')
  // The link is single-use.
  const again = await api(token, 'POST', '/api/v1/portal/accounts', {
    body: { subject, email: victim.email, invitationToken: token1 },
  })
  assert.equal(again.status, 404)
  assert.match(again.headers.get('content-type') ?? '', /^application\/problem\+json/)

  const account = await api(token, 'GET', '/api/v1/portal/account', { subject })
  assert.equal(account.status, 200)
  assert.equal(account.body.email, victim.email)
  assert.equal(account.body.cases, 1)

  const cases = await api(token, 'GET', '/api/v1/portal/cases', { subject })
  assert.equal(cases.status, 200)
  assert.equal(cases.body.cases.length, 1)
  assert.equal(cases.body.cases[0].reference, victim.crimeRef)
  assert.equal(cases.body.cases[0].forceName, 'Kent Police')

  const detail = await api(token, 'GET', `/api/v1/portal/cases/${victim.crimeId}`, { subject })
  assert.equal(detail.status, 200)
  assert.equal(detail.body.officer.name, 'DC Priya Shah')
  assert.ok(detail.body.updates.some((u: { text: string }) => /recorded as a crime/.test(u.text)))
  const updates = await api(token, 'GET', `/api/v1/portal/cases/${victim.crimeId}/updates`, { subject })
  assert.deepEqual(updates.body.updates, detail.body.updates)

  const pdf = await api(token, 'GET', `/api/v1/portal/cases/${victim.crimeId}/case.pdf`, { subject })
  assert.equal(pdf.status, 200)
  assert.equal(pdf.headers.get('content-type'), 'application/pdf')
  const text = (await new PDFParse({ data: new Uint8Array(pdf.raw) }).getText()).text
  assert.match(text, new RegExp(victim.crimeRef.replaceAll('/', '\\/')))
  assert.match(text, /DC Priya Shah/)

  // The person writes to their officer; the officer answers through iHub's officer side.
  const sent = await api(token, 'POST', `/api/v1/portal/cases/${victim.crimeId}/messages`, {
    subject,
    body: { text: 'Hello, has anyone looked at the doorbell camera footage I gave you?' },
  })
  assert.equal(sent.status, 201, JSON.stringify(sent.body))
  assert.equal(sent.body.newCrime, null)
  const officer = await t.signInAs(['investigating_officer'], 'kent', 'DC Priya Shah')
  const { token: officerSide } = await aClient('kent', ['portal:officer'])
  const replied = await api(officerSide, 'POST', `/api/v1/portal/cases/${victim.crimeId}/replies`, {
    subject,
    body: { text: 'Yes, we have the footage and are reviewing it this week.', staffId: officer.userId },
  })
  assert.equal(replied.status, 201, JSON.stringify(replied.body))
  const thread = await api(token, 'GET', `/api/v1/portal/cases/${victim.crimeId}/messages`, { subject })
  assert.equal(thread.status, 200)
  assert.deepEqual(
    thread.body.messages.map((m: { fromPerson: boolean; body: string }) => [m.fromPerson, m.body]),
    [
      [true, 'Hello, has anyone looked at the doorbell camera footage I gave you?'],
      [false, 'Yes, we have the footage and are reviewing it this week.'],
    ],
  )
  assert.equal(thread.body.unread, 1)
  const read = await api(
    token,
    'POST',
    `/api/v1/portal/cases/${victim.crimeId}/messages/${replied.body.messageId}/read-state`,
    { subject, body: { read: true } },
  )
  assert.equal(read.status, 200)
  assert.equal(
    (await api(token, 'GET', `/api/v1/portal/cases/${victim.crimeId}/messages`, { subject })).body.unread,
    0,
  )

  // The force's trail has the registration and each view of the case through the API.
  const trail = await trailOf('kent', victim.crimeId)
  assert.ok(trail.filter((e) => e.action === 'crime.viewed').length >= 3)
  assert.ok((await trailOf('kent', victim.personId)).some((e) => e.action === 'portal.registered'))
})

test('CP-170, CP-183: the Portal API answers in XML and YAML when asked', async () => {
  const { token } = await aClient('kent', iHubScopes)
  const { subject } = await invitedAndRegistered(token)
  const xml = await api(token, 'GET', '/api/v1/portal/cases', { subject, accept: 'application/xml' })
  assert.equal(xml.status, 200)
  assert.match(xml.headers.get('content-type') ?? '', /^application\/xml/)
  assert.match(xml.body, /<reference>46\/\d+\/26<\/reference>/)
  const yaml = await api(token, 'GET', '/api/v1/portal/cases', { subject, accept: 'application/yaml' })
  assert.match(yaml.headers.get('content-type') ?? '', /^application\/yaml/)
  assert.match(yaml.body, /reference: 46\/\d+\/26/)
})

test('CP-178: each Portal operation needs its own scope, and a client without it is refused', async () => {
  const { token: full } = await aClient('kent', iHubScopes)
  const { subject, victim } = await invitedAndRegistered(full)
  const { token: casesOnly } = await aClient('kent', ['portal:cases'])
  const { token: accountsOnly } = await aClient('kent', ['portal:accounts'])
  assert.equal((await api(casesOnly, 'GET', '/api/v1/portal/cases', { subject })).status, 200)
  const refused = await api(accountsOnly, 'GET', '/api/v1/portal/cases', { subject })
  assert.equal(refused.status, 403)
  assert.match(refused.headers.get('www-authenticate') ?? '', /insufficient_scope/)
  assert.equal(
    (
      await api(casesOnly, 'POST', '/api/v1/portal/invitations', {
        body: { personId: victim.personId, caseKind: 'crime', caseId: victim.crimeId },
      })
    ).status,
    403,
  )
  assert.equal((await api(casesOnly, 'GET', '/api/v1/portal/webhooks')).status, 403)
  assert.equal(
    (await api(casesOnly, 'GET', `/api/v1/portal/cases/${victim.crimeId}/messages`, { subject })).status,
    403,
  )
  // The person's side may not reply as the force, and only a replying officer of the force may be named.
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const asForce = await api(full, 'POST', `/api/v1/portal/cases/${victim.crimeId}/replies`, {
    subject,
    body: { text: 'A reply the front-end may not send.', staffId: officer.userId },
  })
  assert.equal(asForce.status, 403)
  const { token: officerSide } = await aClient('kent', ['portal:officer'])
  const analyst = await t.signInAs(['analyst'], 'kent')
  const essexOfficer = await t.signInAs(['investigating_officer'], 'essex')
  for (const staffId of [analyst.userId, essexOfficer.userId]) {
    const refusedReply = await api(officerSide, 'POST', `/api/v1/portal/cases/${victim.crimeId}/replies`, {
      subject,
      body: { text: 'A reply from someone who may not answer.', staffId },
    })
    assert.equal(refusedReply.status, 400)
    assert.equal(refusedReply.body.errors[0].field, 'staffId')
  }
  const none = await fetch(`${base}/api/v1/portal/cases`, { headers: { 'portal-subject': subject } })
  assert.equal(none.status, 401)
})

test('CP-178: one person’s subject does not reach another person’s case, nor does another force’s client', async () => {
  const { token: kent } = await aClient('kent', iHubScopes)
  const alice = await invitedAndRegistered(kent)
  const bob = await invitedAndRegistered(kent)
  const crossed = await api(kent, 'GET', `/api/v1/portal/cases/${alice.victim.crimeId}`, {
    subject: bob.subject,
  })
  assert.equal(crossed.status, 404)
  assert.equal(
    (
      await api(kent, 'GET', `/api/v1/portal/cases/${alice.victim.crimeId}/case.pdf`, {
        subject: bob.subject,
      })
    ).status,
    404,
  )
  const bobsCases = await api(kent, 'GET', '/api/v1/portal/cases', { subject: bob.subject })
  assert.deepEqual(
    bobsCases.body.cases.map((c: { caseId: string }) => c.caseId),
    [bob.victim.crimeId],
  )
  // Nor Alice's messages, to read or to write in.
  assert.equal(
    (
      await api(kent, 'GET', `/api/v1/portal/cases/${alice.victim.crimeId}/messages`, {
        subject: bob.subject,
      })
    ).status,
    404,
  )
  assert.equal(
    (
      await api(kent, 'POST', `/api/v1/portal/cases/${alice.victim.crimeId}/messages`, {
        subject: bob.subject,
        body: { text: 'Writing in someone else’s conversation about their case.' },
      })
    ).status,
    404,
  )
  // Essex's client acting for Alice sees nothing of Kent's: not her case, not her account.
  const { token: essex } = await aClient('essex', iHubScopes)
  assert.equal(
    (await api(essex, 'GET', `/api/v1/portal/cases/${alice.victim.crimeId}`, { subject: alice.subject }))
      .status,
    404,
  )
  assert.deepEqual(
    (await api(essex, 'GET', '/api/v1/portal/cases', { subject: alice.subject })).body.cases,
    [],
  )
  assert.equal((await api(essex, 'GET', '/api/v1/portal/account', { subject: alice.subject })).status, 404)
  assert.equal((await api(essex, 'GET', `/api/v1/portal/invitations/${alice.invitationId}`)).status, 404)
  // Nor can Essex invite a Kent victim, or take up Kent's invitation.
  const kentVictim = await aCrimeWithVictim(t, 'kent')
  assert.equal(
    (
      await api(essex, 'POST', '/api/v1/portal/invitations', {
        body: { personId: kentVictim.personId, caseKind: 'crime', caseId: kentVictim.crimeId },
      })
    ).status,
    404,
  )
})

test('every Portal POST needs an Idempotency-Key: a repeat is answered as the first and does nothing twice; the same key with another body is refused', async () => {
  const { token } = await aClient('kent', iHubScopes)
  const victim = await aCrimeWithVictim(t, 'kent')
  const body = { personId: victim.personId, caseKind: 'crime', caseId: victim.crimeId }
  const missing = await fetch(`${base}/api/v1/portal/invitations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  assert.equal(missing.status, 400)
  assert.match(missing.headers.get('content-type') ?? '', /^application\/problem\+json/)

  const key = randomUUID()
  const first = await api(token, 'POST', '/api/v1/portal/invitations', { body, key })
  assert.equal(first.status, 201)
  const repeat = await api(token, 'POST', '/api/v1/portal/invitations', { body, key })
  assert.equal(repeat.status, 201)
  assert.equal(repeat.headers.get('idempotent-replayed'), 'true')
  assert.deepEqual(repeat.body, first.body)
  const invitations = await api(token, 'GET', `/api/v1/portal/invitations?personId=${victim.personId}`)
  assert.equal(invitations.body.invitations.length, 1)
  // The same answer in another format, still one invitation.
  const asXml = await api(token, 'POST', '/api/v1/portal/invitations', {
    body,
    key,
    accept: 'application/xml',
  })
  assert.match(asXml.body, new RegExp(`<id>${first.body.invitation.id}</id>`))

  const other = await aCrimeWithVictim(t, 'kent')
  const reused = await api(token, 'POST', '/api/v1/portal/invitations', {
    body: { personId: other.personId, caseKind: 'crime', caseId: other.crimeId },
    key,
  })
  assert.equal(reused.status, 422)
  assert.match(reused.headers.get('content-type') ?? '', /^application\/problem\+json/)
  assert.match(reused.body.title, /different request/)
  // A key is the client's own: another client's identical key is a new request.
  const { token: second } = await aClient('kent', iHubScopes)
  const theirs = await api(second, 'POST', '/api/v1/portal/invitations', {
    body: { personId: other.personId, caseKind: 'crime', caseId: other.crimeId },
    key,
  })
  assert.equal(theirs.status, 201)
})

test('CP-179, CP-177: a force administrator pins one client to an earlier API version without a redeploy; it is answered in that version, audited, and unpinned again', async () => {
  const { token, id } = await aClient('kent', iHubScopes)
  const { token: other } = await aClient('kent', iHubScopes)
  const { subject } = await invitedAndRegistered(token)
  const admin = await t.signInAs(['force_admin'], 'kent')
  const list = await admin.get('/console/api-clients')
  assert.match(list.body, /API version/)

  const pinned = await admin.post(`/console/api-clients/${id}/version`, { version: '0.2.0' })
  assert.equal(pinned.statusCode, 303)
  const old = await api(token, 'GET', '/api/v1/portal/cases', { subject })
  assert.equal(old.headers.get('waypoint-api-version'), '0.2.0')
  assert.equal(old.body.cases[0].forceName, undefined)
  assert.ok(old.body.cases[0].reference)
  // Every other client is still answered in the current version.
  const { subject: theirs } = await invitedAndRegistered(other)
  const current = await api(other, 'GET', '/api/v1/portal/cases', { subject: theirs })
  assert.equal(current.headers.get('waypoint-api-version'), '0.3.0')
  assert.equal(current.body.cases[0].forceName, 'Kent Police')

  // 0.1.0 had no Portal API: for a client pinned to it, the operations do not exist.
  await admin.post(`/console/api-clients/${id}/version`, { version: '0.1.0' })
  assert.equal((await api(token, 'GET', '/api/v1/portal/cases', { subject })).status, 404)

  const unknown = await admin.post(`/console/api-clients/${id}/version`, { version: '9.9.9' })
  assert.equal(unknown.statusCode, 400)
  await admin.post(`/console/api-clients/${id}/version`, { version: '' })
  const back = await api(token, 'GET', '/api/v1/portal/cases', { subject })
  assert.equal(back.headers.get('waypoint-api-version'), '0.3.0')
  assert.equal(back.body.cases[0].forceName, 'Kent Police')

  const trail = await trailOf('kent', id)
  assert.deepEqual(
    trail.filter((e) => e.action === 'api-client.version-pinned').map((e) => e.detail.to),
    ['0.2.0', '0.1.0', null],
  )
  // Another force's administrator cannot pin Kent's client.
  const essexAdmin = await t.signInAs(['force_admin'], 'essex')
  assert.equal(
    (await essexAdmin.post(`/console/api-clients/${id}/version`, { version: '0.2.0' })).statusCode,
    404,
  )
})
