// CP-171: every operation the served OpenAPI description lists answers as described. Each is
// called for real (successes and refusals), and each answer's status, media type and body are
// checked against the description, so a response schema that would drop a field, or an answer
// that is not described, fails here.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { aCrime, aMessage, aTemplate, dispatchDue } from '../src/reporting/test-builders.ts'
import { sql } from 'drizzle-orm'
import { FixedClock } from '../src/platform/clock.ts'
import { rows } from '../src/platform/db/database.ts'
import { loadConfig } from '../src/platform/config.ts'
import { writeWav } from '../src/assist/transcription.ts'
import { signSocial } from '../src/contact/social.ts'
import { issueClientToken } from './support/api-client.ts'
import { aCrimeWithVictim, invitationTokenSentTo } from './support/portal-cases.ts'
import { describedAnswerProblems, type OpenApiDocument } from './support/openapi.ts'
import { createTestApp, type TestApp } from './support/test-app.ts'

const callbackToken = 'notify-callback-token-for-openapi-answers-01'
const metricsToken = 'metrics-token-for-openapi-answers-0123456789'

let t: TestApp
let document: OpenApiDocument
const answered = new Map<string, Set<number>>()
const problems: string[] = []

before(async () => {
  const defaults = loadConfig({ NODE_ENV: 'test' })
  t = await createTestApp(
    {
      metricsToken,
      messaging: { ...defaults.messaging, notify: { ...defaults.messaging.notify, callbackToken } },
    },
    { clock: new FixedClock('2026-06-02T13:00:00Z') },
  )
  document = (await t.app.http.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json()
})
after(() => t.close())

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  url: string
  token?: string
  headers?: Record<string, string>
  payload?: string | object
}

/** Makes the call, checks the answer against the description and returns it. */
async function call(request: Call): Promise<LightMyRequestResponse> {
  const response = await t.app.http.inject({
    method: request.method,
    url: request.url,
    headers: {
      ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
      ...request.headers,
    },
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  })
  const checked = describedAnswerProblems(document, request.method, request.url, response)
  problems.push(...checked.problems)
  if (!answered.has(checked.operation)) answered.set(checked.operation, new Set())
  answered.get(checked.operation)!.add(response.statusCode)
  return response
}

const json = { 'content-type': 'application/json' }

test('CP-171: the integration API answers as its OpenAPI description says', async () => {
  const hr = await issueClientToken(t, { forceId: 'kent', scopes: ['provisioning:write'] })
  const sources = await issueClientToken(t, { forceId: 'kent', scopes: ['sources:write'] })

  // Authentication.
  const { client, clientSecret } = await t.app.services.apiClients.create(
    { forceId: 'kent', name: 'Described client', scopes: ['support:read'] },
    null,
  )
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  const token = await call({
    method: 'POST',
    url: '/api/v1/oauth/token',
    headers: form,
    payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${clientSecret}`,
  })
  assert.equal(token.statusCode, 200, token.body)
  await call({ method: 'POST', url: '/api/v1/oauth/token', headers: form, payload: 'grant_type=password' })
  await call({
    method: 'POST',
    url: '/api/v1/oauth/token',
    headers: form,
    payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=wrong`,
  })
  await call({
    method: 'POST',
    url: '/api/v1/oauth/token',
    headers: { 'content-type': 'text/plain' },
    payload: 'x',
  })
  await call({ method: 'GET', url: '/api/v1/oauth/client', token: token.json().access_token })
  await call({ method: 'GET', url: '/api/v1/oauth/client' })
  await call({ method: 'GET', url: '/api/v1/oauth/client', token: hr, headers: { accept: 'text/csv' } })

  // HR provisioning.
  const staff = {
    email: 'described.person@kent.police.example',
    displayName: 'Dee Scribed',
    roles: ['analyst'],
  }
  const url = '/api/v1/provisioning/staff/E-100'
  assert.equal((await call({ method: 'PUT', url, token: hr, headers: json, payload: staff })).statusCode, 201)
  assert.equal((await call({ method: 'PUT', url, token: hr, headers: json, payload: staff })).statusCode, 200)
  await call({ method: 'PUT', url, token: hr, headers: json, payload: { email: 'not an email' } })
  await call({ method: 'PUT', url, token: sources, headers: json, payload: staff })
  await call({
    method: 'PUT',
    url: '/api/v1/provisioning/job-roles/PC',
    token: hr,
    headers: json,
    payload: { roles: ['analyst'] },
  })
  await call({
    method: 'PUT',
    url: '/api/v1/provisioning/job-roles/PC',
    token: hr,
    headers: json,
    payload: { roles: [] },
  })
  await call({ method: 'GET', url: '/api/v1/provisioning/job-roles', token: hr })
  await call({ method: 'GET', url: '/api/v1/provisioning/job-roles' })
  assert.equal((await call({ method: 'DELETE', url, token: hr })).statusCode, 204)
  await call({ method: 'DELETE', url: '/api/v1/provisioning/staff/E-none', token: hr })

  // Sources.
  const event = JSON.stringify({ eventId: 'DESCRIBED-1', type: 'incident.created' })
  for (const system of ['storm', 'athena']) {
    const one = await call({
      method: 'POST',
      url: `/api/v1/sources/kent/${system}`,
      token: sources,
      headers: json,
      payload: event,
    })
    assert.equal(one.statusCode, 202, one.body)
    await call({
      method: 'POST',
      url: `/api/v1/sources/essex/${system}`,
      token: sources,
      headers: json,
      payload: event,
    })
    const ndjson = { 'content-type': 'application/x-ndjson' }
    const batch = await call({
      method: 'POST',
      url: `/api/v1/sources/kent/${system}/batch`,
      token: sources,
      headers: ndjson,
      payload: `${event}\nnot json\n`,
    })
    assert.equal(batch.statusCode, 200, batch.body)
    await call({
      method: 'POST',
      url: `/api/v1/sources/kent/${system}/batch`,
      token: sources,
      headers: json,
      payload: event,
    })
    await call({
      method: 'POST',
      url: `/api/v1/sources/kent/${system}/batch`,
      token: sources,
      headers: ndjson,
      payload: '\n',
    })
  }
})

test('CP-171: the OData feed answers as described, rows of both entity sets included', async () => {
  await aTemplate(t, 'kent', { key: 'described-update', title: 'Investigation update', channel: 'sms' })
  const crime = await aCrime(t, 'kent', 'Theft from a vehicle')
  await aMessage(t, 'kent', {
    caseId: crime,
    templateKey: 'described-update',
    channel: 'sms',
    to: '07700900520',
  })
  await dispatchDue(t)
  const reporting = await issueClientToken(t, { forceId: 'kent', scopes: ['reporting:read'] })
  const other = await issueClientToken(t, { forceId: 'kent', scopes: ['support:read'] })

  await call({ method: 'GET', url: '/api/v1/odata', token: reporting })
  await call({ method: 'GET', url: '/api/v1/odata' })
  await call({ method: 'GET', url: '/api/v1/odata/$metadata', token: reporting })
  await call({ method: 'GET', url: '/api/v1/odata/$metadata', token: other })
  for (const set of ['Messages', 'DailyMessageCounts']) {
    const page = await call({ method: 'GET', url: `/api/v1/odata/${set}?$count=true`, token: reporting })
    assert.ok(page.json().value.length > 0, `${set} has rows to check`)
  }
  await call({
    method: 'GET',
    url: '/api/v1/odata/Messages?$select=Id,Delivered&$top=1&$skip=0',
    token: reporting,
  })
  await call({ method: 'GET', url: '/api/v1/odata/Messages?$top=many', token: reporting })
  await call({ method: 'GET', url: '/api/v1/odata/Nothing', token: reporting })
})

test('CP-171: the GOV.UK Notify callbacks and the health endpoints answer as described', async () => {
  const notify = { ...json, authorization: `Bearer ${callbackToken}` }
  const receipts = '/callbacks/notify/kent/receipts'
  const sent = await t.database.db.withForce('kent', (tx) =>
    tx.execute(sql`select provider_ref as ref from messages where provider_ref is not null limit 1`),
  )
  const [message] = ((sent as { rows?: unknown[] }).rows ?? sent) as { ref: string }[]
  assert.ok(message, 'a message sent through the fake GOV.UK Notify')
  const receipt = { id: message.ref, reference: null, status: 'delivered', to: '07700900520' }
  assert.equal(
    (await call({ method: 'POST', url: receipts, headers: notify, payload: receipt })).statusCode,
    204,
  )
  await call({
    method: 'POST',
    url: receipts,
    headers: notify,
    payload: { id: 'no-such-message', status: 'delivered' },
  })
  await call({ method: 'POST', url: receipts, headers: notify, payload: { id: 'no-status' } })
  await call({ method: 'POST', url: receipts, headers: json, payload: { id: 'x', status: 'delivered' } })
  const inbound = '/callbacks/notify/kent/inbound-sms'
  const text = (message: string) => ({
    id: `inbound-${message}`,
    source_number: '447700900521',
    destination_number: '07700900000',
    message,
    date_received: '2026-06-02T13:00:00.000Z',
  })
  assert.equal(
    (await call({ method: 'POST', url: inbound, headers: notify, payload: text('Thanks') })).statusCode,
    204,
  )
  assert.equal(
    (await call({ method: 'POST', url: inbound, headers: notify, payload: text('STOP') })).statusCode,
    200,
  )
  await call({ method: 'POST', url: inbound, headers: notify, payload: { message: 'no sender' } })
  await call({
    method: 'POST',
    url: '/callbacks/notify/nowhere/inbound-sms',
    headers: notify,
    payload: text('Hi'),
  })

  await call({ method: 'GET', url: '/health/live' })
  await call({ method: 'GET', url: '/health/ready' })
  await call({ method: 'GET', url: '/metrics', token: metricsToken })
  await call({ method: 'GET', url: '/metrics' })
})

test('CP-171: the Portal API and its webhooks answer as described', async () => {
  await t.app.services.portal.installDefaults('kent')
  const iHub = await issueClientToken(t, {
    forceId: 'kent',
    scopes: ['portal:invitations', 'portal:accounts', 'portal:cases', 'portal:webhooks'],
  })
  const other = await issueClientToken(t, { forceId: 'kent', scopes: ['support:read'] })
  let keys = 0
  const nextKey = () => {
    keys += 1
    return `described-${keys}`
  }
  const post = (url: string, token: string, payload?: object) =>
    call({
      method: 'POST',
      url,
      token,
      headers: { ...(payload ? json : {}), 'idempotency-key': nextKey() },
      ...(payload ? { payload } : {}),
    })
  const victim = await aCrimeWithVictim(t, 'kent')
  const invite = { personId: victim.personId, caseKind: 'crime', caseId: victim.crimeId }
  const invited = await post('/api/v1/portal/invitations', iHub, invite)
  assert.equal(invited.statusCode, 201, invited.body)
  await post('/api/v1/portal/invitations', iHub, invite)
  await post('/api/v1/portal/invitations', other, invite)
  const invitationId = invited.json().invitation.id
  await call({ method: 'GET', url: `/api/v1/portal/invitations?personId=${victim.personId}`, token: iHub })
  await call({ method: 'GET', url: '/api/v1/portal/invitations?personId=nobody', token: iHub })
  await call({ method: 'GET', url: `/api/v1/portal/invitations/${invitationId}`, token: iHub })
  await call({ method: 'GET', url: `/api/v1/portal/invitations/${victim.personId}`, token: iHub })

  const subject = 'urn:fdc:gov.uk:2022:described-person'
  const invitationToken = await invitationTokenSentTo(t, 'kent', victim.personId)
  const registered = await post('/api/v1/portal/accounts', iHub, {
    subject,
    email: victim.email,
    invitationToken,
  })
  assert.equal(registered.statusCode, 201, registered.body)
  await post('/api/v1/portal/accounts', iHub, { subject, email: victim.email, invitationToken })
  const second = await aCrimeWithVictim(t, 'kent')
  await post('/api/v1/portal/invitations', iHub, {
    personId: second.personId,
    caseKind: 'crime',
    caseId: second.crimeId,
  })
  const person = { 'portal-subject': subject }
  const linkCall = (token: string, invitationToken: string) =>
    call({
      method: 'POST',
      url: '/api/v1/portal/account/links',
      token,
      headers: { ...json, ...person, 'idempotency-key': nextKey() },
      payload: { invitationToken },
    })
  const linked = await linkCall(iHub, await invitationTokenSentTo(t, 'kent', second.personId))
  assert.equal(linked.statusCode, 200, linked.body)
  await linkCall(iHub, 'x'.repeat(30))
  for (const url of [
    '/api/v1/portal/account',
    '/api/v1/portal/cases',
    `/api/v1/portal/cases/${victim.crimeId}`,
    `/api/v1/portal/cases/${victim.crimeId}/updates`,
    `/api/v1/portal/cases/${victim.crimeId}/case.pdf`,
  ]) {
    const answer = await call({ method: 'GET', url, token: iHub, headers: person })
    assert.equal(answer.statusCode, 200, `${url}: ${answer.body}`)
    await call({ method: 'GET', url, token: other, headers: person })
  }
  await call({ method: 'GET', url: `/api/v1/portal/cases/${second.personId}`, token: iHub, headers: person })

  // Messages, both sides.
  const messaging = await issueClientToken(t, {
    forceId: 'kent',
    scopes: ['portal:messages', 'portal:officer'],
  })
  const asPerson = (url: string, payload: object, token = messaging) =>
    call({
      method: 'POST',
      url,
      token,
      headers: { ...json, ...person, 'idempotency-key': nextKey() },
      payload,
    })
  const thread = `/api/v1/portal/cases/${victim.crimeId}/messages`
  const sent = await asPerson(thread, { text: 'Is there any news about the stolen bicycle, please?' })
  assert.equal(sent.statusCode, 201, sent.body)
  await asPerson(thread, { text: '' })
  const officer = await t.signInAs(['investigating_officer'], 'kent')
  const replies = `/api/v1/portal/cases/${victim.crimeId}/replies`
  const replied = await asPerson(replies, { text: 'We are still looking into it.', staffId: officer.userId })
  assert.equal(replied.statusCode, 201, replied.body)
  await asPerson(replies, { text: 'Not an officer of the force.', staffId: victim.personId })
  await call({ method: 'GET', url: thread, token: messaging, headers: person })
  await call({ method: 'GET', url: thread, token: iHub, headers: person })
  const readState = `${thread}/${replied.json().messageId}/read-state`
  assert.equal((await asPerson(readState, { read: true })).statusCode, 200)
  await asPerson(readState, { read: 'yes' })

  const hook = await post('/api/v1/portal/webhooks', iHub, {
    url: 'http://127.0.0.1:9/events',
    events: ['case.updated'],
  })
  assert.equal(hook.statusCode, 201, hook.body)
  await post('/api/v1/portal/webhooks', iHub, {
    url: 'https://ihub.example.net/events',
    events: ['case.updated'],
  })
  await call({ method: 'GET', url: '/api/v1/portal/webhooks', token: iHub })
  await call({ method: 'GET', url: '/api/v1/portal/webhooks', token: other })
  const closed = await t.app.services.sources.receive(
    'kent',
    'athena',
    JSON.stringify({
      messageId: 'ATH-DESCRIBED-CLOSED',
      messageType: 'CLOSED',
      eventTime: '2026-06-02T13:00:00Z',
      investigation: { crimeReference: victim.crimeRef, closedAt: '2026-06-02T13:00:00Z' },
    }),
    'application/json',
  )
  assert.equal(closed.status, 'applied', String(closed.reason))
  const deliveries = await call({ method: 'GET', url: '/api/v1/portal/webhooks/deliveries', token: iHub })
  const [delivery] = deliveries.json().deliveries
  assert.ok(delivery, 'a delivery of case.updated')
  await call({ method: 'GET', url: '/api/v1/portal/webhooks/deliveries?status=lost', token: iHub })
  await post(`/api/v1/portal/webhooks/deliveries/${delivery.id}/replay`, iHub)
  await post(`/api/v1/portal/webhooks/deliveries/${victim.personId}/replay`, iHub)
  await call({ method: 'DELETE', url: `/api/v1/portal/webhooks/${hook.json().webhook.id}`, token: iHub })
  await call({ method: 'DELETE', url: `/api/v1/portal/webhooks/${hook.json().webhook.id}`, token: iHub })
})

test('CP-171, CRM-6: the telephony platform’s call events answer as described', async () => {
  const telephony = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
  const url = '/api/v1/contact/essex/telephony/events'
  const offered = {
    eventId: 'described-call-1',
    type: 'call.offered',
    callId: 'described-call',
    occurredAt: t.clock.now().toISOString(),
    caller: '07700 900123',
    dialled: '101',
    ivr: [{ menu: 'main', choice: '1', label: 'Report a crime' }],
  }
  const first = await call({ method: 'POST', url, token: telephony, headers: json, payload: offered })
  assert.equal(first.statusCode, 202, first.body)
  assert.equal(
    (await call({ method: 'POST', url, token: telephony, headers: json, payload: offered })).statusCode,
    202,
  )
  const unknown = { ...offered, eventId: 'described-call-2', type: 'call.answered', callId: 'never-offered' }
  assert.equal(
    (await call({ method: 'POST', url, token: telephony, headers: json, payload: unknown })).statusCode,
    409,
  )
  const malformed = { ...offered, eventId: 'described-call-3', type: 'call.rang' }
  assert.equal(
    (await call({ method: 'POST', url, token: telephony, headers: json, payload: malformed })).statusCode,
    400,
  )
  const other = {
    method: 'POST' as const,
    url: '/api/v1/contact/kent/telephony/events',
    token: telephony,
    headers: json,
  }
  assert.equal((await call({ ...other, payload: offered })).statusCode, 403)
})

test('CP-171, CRM-22: the telephony platform’s call recordings answer as described', async () => {
  const telephony = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:telephony'] })
  const admin = await t.signInAs(['force_admin'], 'essex', 'Speech Admin')
  assert.equal((await admin.post('/console/assist/speech', { enabled: 'yes' })).statusCode, 303)
  const event = {
    eventId: 'described-recorded-1',
    type: 'call.offered',
    callId: 'described-recorded',
    occurredAt: t.clock.now().toISOString(),
    caller: '07700 900124',
  }
  const offered = await call({
    method: 'POST',
    url: '/api/v1/contact/essex/telephony/events',
    token: telephony,
    headers: json,
    payload: event,
  })
  assert.equal(offered.statusCode, 202, offered.body)
  const url = '/api/v1/contact/essex/telephony/calls/described-recorded/recordings'
  const wav = writeWav({ sampleRate: 16000, samples: new Int16Array(16000) })
  const audio = { 'content-type': 'audio/wav' }
  const sent = await call({ method: 'POST', url, token: telephony, headers: audio, payload: wav })
  assert.equal(sent.statusCode, 202, sent.body)
  const voicemail = {
    method: 'POST' as const,
    url: `${url}?kind=voicemail`,
    token: telephony,
    headers: audio,
  }
  assert.equal((await call({ ...voicemail, payload: Buffer.from('not a wav') })).statusCode, 400)
  assert.equal(
    (await call({ ...voicemail, headers: { 'content-type': 'audio/mpeg' }, payload: wav })).statusCode,
    415,
  )
  const never = '/api/v1/contact/essex/telephony/calls/never-offered/recordings?kind=voicemail'
  assert.equal(
    (await call({ method: 'POST', url: never, token: telephony, headers: audio, payload: wav })).statusCode,
    409,
  )
  const kent = '/api/v1/contact/kent/telephony/calls/described-recorded/recordings'
  assert.equal(
    (await call({ method: 'POST', url: kent, token: telephony, headers: audio, payload: wav })).statusCode,
    403,
  )
})

test('CP-171, CRM-9: an external wallboard’s reading of the queue answers as described', async () => {
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  const wallboard = await issueClientToken(t, { forceId: 'essex', scopes: ['reporting:read'] })
  const url = '/api/v1/contact/wallboard'
  assert.equal((await call({ method: 'GET', url, token: wallboard })).statusCode, 200)
  assert.equal((await call({ method: 'GET', url })).statusCode, 401)
  const writer = await issueClientToken(t, { forceId: 'essex', scopes: ['sources:write'] })
  assert.equal((await call({ method: 'GET', url, token: writer })).statusCode, 403)
})

test('CP-171, CRM-35: the duty system’s rosters answer as described', async () => {
  await t.app.services.forces.setProducts('essex', ['journeys', 'portal', 'contact'])
  const duties = await issueClientToken(t, { forceId: 'essex', scopes: ['contact:duties'] })
  const handler = await t.signInAs(['contact_handler'], 'essex', 'Rota Handler')
  const [staff] = await t.app.db.asSystem((tx) =>
    rows<{ email: string }>(tx, sql`select email from staff_users where id = ${handler.userId}`),
  )
  const url = '/api/v1/contact/essex/duties/described-roster-1'
  const roster = {
    system: 'GRS',
    shifts: [
      { email: staff!.email, start: '2026-06-02T07:00:00Z', end: '2026-06-02T15:00:00Z', team: 'Team A' },
    ],
  }
  assert.equal(
    (await call({ method: 'PUT', url, token: duties, headers: json, payload: roster })).statusCode,
    201,
  )
  assert.equal(
    (await call({ method: 'PUT', url, token: duties, headers: json, payload: roster })).statusCode,
    200,
  )
  const wrong = {
    shifts: [{ email: 'nobody@example.org', start: '2026-06-02T07:00:00Z', end: '2026-06-02T15:00:00Z' }],
  }
  assert.equal(
    (
      await call({
        method: 'PUT',
        url: '/api/v1/contact/essex/duties/described-roster-2',
        token: duties,
        headers: json,
        payload: wrong,
      })
    ).statusCode,
    400,
  )
  assert.equal(
    (
      await call({
        method: 'PUT',
        url: '/api/v1/contact/kent/duties/described-roster-3',
        token: duties,
        headers: json,
        payload: roster,
      })
    ).statusCode,
    403,
  )
})

test('CP-171, CRM-8: the social platform connector’s messages answer as described', async () => {
  const admin = await t.signInAs(['force_admin'], 'essex', 'Social Admin')
  const secret = 'described-social-connector-secret-0123456'
  const saved = await admin.post('/console/contact/social', {
    enabled: 'yes',
    url: 'http://127.0.0.1:9/replies',
    secret,
  })
  assert.equal(saved.statusCode, 303, saved.body.slice(0, 300))
  const url = '/api/v1/contact/essex/social/messages'
  const body = JSON.stringify({
    platform: 'facebook',
    messageId: 'described-social-1',
    sender: { id: 'described-sender', name: null },
    text: 'Described message',
  })
  const signed = (payload: string, at = Math.floor(t.clock.now().getTime() / 1000)) => ({
    ...json,
    'waypoint-signature': signSocial(secret, at, payload),
  })
  assert.equal((await call({ method: 'POST', url, headers: signed(body), payload: body })).statusCode, 202)
  assert.equal((await call({ method: 'POST', url, headers: signed(body), payload: body })).statusCode, 200)
  const old = Math.floor(t.clock.now().getTime() / 1000) - 600
  assert.equal(
    (await call({ method: 'POST', url, headers: signed(body, old), payload: body })).statusCode,
    401,
  )
  assert.equal((await call({ method: 'POST', url, headers: signed('{'), payload: '{' })).statusCode, 400)
  const large = JSON.stringify({ text: 'x'.repeat(40_000) })
  assert.equal((await call({ method: 'POST', url, headers: signed(large), payload: large })).statusCode, 413)
  const kent = '/api/v1/contact/kent/social/messages'
  assert.equal(
    (await call({ method: 'POST', url: kent, headers: signed(body), payload: body })).statusCode,
    404,
  )
})

test('CP-171: every described operation was called, and every answer matched the description', () => {
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  )
  const missed = operations.filter((operation) => !answered.has(operation))
  assert.deepEqual(missed, [], 'operations not called')
  const withoutSuccess = operations.filter((op) => ![...(answered.get(op) ?? [])].some((s) => s < 300))
  assert.deepEqual(withoutSuccess, [], 'operations never answered with success')
  const withoutRefusal = operations.filter(
    (op) => !op.includes('/health/') && ![...(answered.get(op) ?? [])].some((s) => s >= 400 && s < 500),
  )
  assert.deepEqual(withoutRefusal, [], 'operations never refused')
  assert.equal(problems.length, 0, `answers that differ from the description:\n${problems.join('\n')}`)
})
